package vault

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// allRows is the limit of a list that was not asked to be paged (§1.9:
// /v1/lbasis, /v1/pactivity and /v1/agreements are paged only when asked).
const allRows = 1<<31 - 1

var (
	errBadBrief    = &Error{Code: EINVALID, Message: "bad brief format"}
	errBadActivity = &Error{Code: EINVALID, Message: "bad activity format"}
)

// ParseBrief lower-cases a legal-basis brief and checks it against
// ^[a-z][a-z0-9-]{1,64}$ (§1.8). Errors: EINVALID "bad brief format".
func ParseBrief(raw string) (string, error) { return parseName(raw, errBadBrief) }

// ParseActivity does the same for a processing-activity name.
// Errors: EINVALID "bad activity format".
func ParseActivity(raw string) (string, error) { return parseName(raw, errBadActivity) }

func parseName(raw string, bad *Error) (string, error) {
	n := strings.ToLower(raw)
	if len(n) < 2 || len(n) > 65 || n[0] < 'a' || n[0] > 'z' {
		return "", bad
	}
	for i := 1; i < len(n); i++ {
		if c := n[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return "", bad
		}
	}
	return n, nil
}

// window resolves the optional paging of a list: a nil Page means every row.
func (p *Page) window() (offset, limit int) {
	if p == nil {
		return 0, allRows
	}
	c := p.clamp()
	return c.Offset, c.Limit
}

// textField reads an optional string field of at most max characters. An
// absent or null field reports ok false. A NUL character is refused like a
// wrong type: no database column of the three dialects keeps it faithfully.
// Errors: EINVALID "bad <name>".
func textField(body map[string]any, name string, max int) (v string, ok bool, err error) {
	switch x := body[name].(type) {
	case nil:
		return "", false, nil
	case string:
		if utf8.RuneCountInString(x) > max || strings.IndexByte(x, 0) >= 0 {
			return "", false, Errorf(EINVALID, "bad %s", name)
		}
		return x, true, nil
	}
	return "", false, Errorf(EINVALID, "bad %s", name)
}

// boolField reads an optional boolean: a JSON boolean, or (forms have only
// strings) one of true, false, 1, 0 in any case. Errors: EINVALID "bad <name>".
func boolField(body map[string]any, name string) (v, ok bool, err error) {
	var s string
	switch x := body[name].(type) {
	case nil:
		return false, false, nil
	case bool:
		return x, true, nil
	case string:
		s = strings.ToLower(strings.TrimSpace(x))
	case json.Number:
		s = string(x)
	}
	switch s {
	case "true", "1":
		return true, true, nil
	case "false", "0":
		return false, true, nil
	}
	return false, false, Errorf(EINVALID, "bad %s", name)
}

// setText applies an optional text field to dst; the first error wins.
func setText(err *error, body map[string]any, name string, max int, dst **string) {
	if *err != nil {
		return
	}
	v, ok, e := textField(body, name, max)
	if e != nil {
		*err = e
	} else if ok {
		*dst = &v
	}
}

// setBool applies an optional boolean field to dst; the first error wins.
func setBool(err *error, body map[string]any, name string, dst **bool) {
	if *err != nil {
		return
	}
	v, ok, e := boolField(body, name)
	if e != nil {
		*err = e
	} else if ok {
		*dst = &v
	}
}
