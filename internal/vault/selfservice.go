package vault

import "strings"

// SelfService decides which changes a data subject's login token applies
// at once; every other change becomes a request for approval (§3.4, §3.5,
// §4, §8). Root is never restricted by it.
type SelfService struct {
	// ForgetMe lets a login token erase its own user (selfservice.forget_me).
	ForgetMe bool
	// UserRecordChange lets a login token change its own profile
	// (selfservice.user_record_change).
	UserRecordChange bool
	// AppRecordChange lists the app-name patterns whose records a login
	// token may change (selfservice.app_record_change): "*" any name, "x*"
	// a prefix, "*x" a suffix, "*x*" a substring, anything else exactly.
	AppRecordChange []string
}

// AppChangeAllowed reports whether app matches one of the patterns of
// AppRecordChange. Patterns compare with the lower-cased app name, as app
// names are stored.
func (ss SelfService) AppChangeAllowed(app string) bool {
	for _, p := range ss.AppRecordChange {
		if matchAppPattern(strings.ToLower(strings.TrimSpace(p)), app) {
			return true
		}
	}
	return false
}

func matchAppPattern(p, app string) bool {
	switch {
	case p == "":
		return false
	case p == "*":
		return true
	case len(p) >= 3 && p[0] == '*' && p[len(p)-1] == '*':
		return strings.Contains(app, p[1:len(p)-1])
	case p[len(p)-1] == '*':
		return strings.HasPrefix(app, p[:len(p)-1])
	case p[0] == '*':
		return strings.HasSuffix(app, p[1:])
	}
	return p == app
}
