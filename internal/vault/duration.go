package vault

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Month is the contract's "m" unit: 31 days, not minutes (§1.10).
const Month = 31 * 24 * time.Hour

// maxExpiration bounds numeric expirations: anything above 10^12 is invalid.
const maxExpiration = 1_000_000_000_000

var errBadExpiration = &Error{Code: EINVALID, Message: "bad expiration"}

// ParsePolicyDuration parses a relative duration of §1.10: "<n>s|h|d|m" or a
// plain number of seconds. It is used for policy settings.
func ParsePolicyDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errBadExpiration
	}
	unit := time.Second
	switch s[len(s)-1] {
	case 's':
		s = s[:len(s)-1]
	case 'h':
		unit, s = time.Hour, s[:len(s)-1]
	case 'd':
		unit, s = 24*time.Hour, s[:len(s)-1]
	case 'm':
		unit, s = Month, s[:len(s)-1]
	}
	n, ok := digits(s)
	if !ok || n == 0 || n > maxExpiration || n > math.MaxInt64/int64(unit) {
		return 0, errBadExpiration
	}
	return time.Duration(n) * unit, nil
}

// ExpirationEnd resolves an `expiration` value of a request body (§1.10) to an
// absolute Unix time, capped at now+max when max > 0. v is a decoded JSON value
// (string or json.Number) or a form string.
// Errors: EINVALID "bad expiration".
func ExpirationEnd(v any, now time.Time, max time.Duration) (int64, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case json.Number:
		s = string(x)
	default:
		return 0, errBadExpiration
	}
	var end int64
	if n, ok := digits(s); ok {
		if n == 0 || n > maxExpiration {
			return 0, errBadExpiration
		}
		if n > now.Unix() {
			end = n
		} else {
			end = now.Unix() + n
		}
	} else {
		d, err := ParsePolicyDuration(s)
		if err != nil || !strings.ContainsAny(s[len(s)-1:], "shdm") {
			return 0, errBadExpiration
		}
		end = now.Add(d).Unix()
	}
	if max > 0 {
		if limit := now.Add(max).Unix(); end > limit {
			end = limit
		}
	}
	return end, nil
}

// digits parses a non-empty string of ASCII digits.
func digits(s string) (int64, bool) {
	if s == "" || len(s) > 13 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
