package vault

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
)

// jsonPatch applies an RFC 6902 JSON Patch to doc. Every operation works on a
// deep copy, so a failing patch leaves doc untouched.
// Errors: EINVALID "failed to apply patch".
func jsonPatch(doc any, ops []any) (any, error) {
	cur := deepCopy(doc)
	for _, raw := range ops {
		op, ok := raw.(map[string]any)
		if !ok {
			return nil, errPatch
		}
		name, _ := op["op"].(string)
		path, ok := op["path"].(string)
		if !ok {
			return nil, errPatch
		}
		ptr, err := parsePointer(path)
		if err != nil {
			return nil, err
		}
		switch name {
		case "add", "replace", "test":
			val, ok := op["value"]
			if !ok {
				return nil, errPatch
			}
			switch name {
			case "add":
				cur, err = ptrAdd(cur, ptr, deepCopy(val))
			case "replace":
				if cur, err = ptrRemove(cur, ptr); err == nil {
					cur, err = ptrAdd(cur, ptr, deepCopy(val))
				}
			case "test":
				var got any
				if got, err = ptrGet(cur, ptr); err == nil && !jsonEqual(got, val) {
					err = errPatch
				}
			}
		case "remove":
			cur, err = ptrRemove(cur, ptr)
		case "move", "copy":
			fromPath, ok := op["from"].(string)
			if !ok {
				return nil, errPatch
			}
			from, err2 := parsePointer(fromPath)
			if err2 != nil {
				return nil, err2
			}
			var val any
			if val, err = ptrGet(cur, from); err != nil {
				break
			}
			if name == "move" {
				if isPrefix(from, ptr) && len(from) < len(ptr) {
					return nil, errPatch // cannot move a value into its own child
				}
				if cur, err = ptrRemove(cur, from); err != nil {
					break
				}
			}
			cur, err = ptrAdd(cur, ptr, deepCopy(val))
		default:
			return nil, errPatch
		}
		if err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// parsePointer splits an RFC 6901 JSON Pointer into unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, errPatch
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func isPrefix(a, b []string) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// arrayIndex parses an array index token; "-" means one past the end when end is true.
func arrayIndex(tok string, n int, end bool) (int, bool) {
	if end && tok == "-" {
		return n, true
	}
	if tok == "" || (len(tok) > 1 && tok[0] == '0') {
		return 0, false
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 {
		return 0, false
	}
	limit := n - 1
	if end {
		limit = n
	}
	return i, i <= limit
}

func ptrGet(doc any, ptr []string) (any, error) {
	cur := doc
	for _, tok := range ptr {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, errPatch
			}
			cur = v
		case []any:
			i, ok := arrayIndex(tok, len(c), false)
			if !ok {
				return nil, errPatch
			}
			cur = c[i]
		default:
			return nil, errPatch
		}
	}
	return cur, nil
}

// parentOf returns the container holding the value at ptr (which must not
// be the root) and the token that selects it there.
func parentOf(doc any, ptr []string) (any, string, error) {
	parent, err := ptrGet(doc, ptr[:len(ptr)-1])
	return parent, ptr[len(ptr)-1], err
}

// ptrAdd adds val at ptr and returns the (possibly new) root.
func ptrAdd(doc any, ptr []string, val any) (any, error) {
	if len(ptr) == 0 {
		return val, nil
	}
	parent, last, err := parentOf(doc, ptr)
	if err != nil {
		return nil, err
	}
	switch p := parent.(type) {
	case map[string]any:
		p[last] = val
		return doc, nil
	case []any:
		i, ok := arrayIndex(last, len(p), true)
		if !ok {
			return nil, errPatch
		}
		grown := append(p[:i:i], append([]any{val}, p[i:]...)...)
		return ptrSet(doc, ptr[:len(ptr)-1], grown)
	}
	return nil, errPatch
}

// ptrRemove removes the value at ptr and returns the (possibly new) root.
func ptrRemove(doc any, ptr []string) (any, error) {
	if len(ptr) == 0 {
		return nil, errPatch
	}
	parent, last, err := parentOf(doc, ptr)
	if err != nil {
		return nil, err
	}
	switch p := parent.(type) {
	case map[string]any:
		if _, ok := p[last]; !ok {
			return nil, errPatch
		}
		delete(p, last)
		return doc, nil
	case []any:
		i, ok := arrayIndex(last, len(p), false)
		if !ok {
			return nil, errPatch
		}
		shrunk := append(p[:i:i], p[i+1:]...)
		return ptrSet(doc, ptr[:len(ptr)-1], shrunk)
	}
	return nil, errPatch
}

// ptrSet replaces the value at ptr (which exists) with val; slices change
// identity when they grow or shrink, so their parent must be updated.
func ptrSet(doc any, ptr []string, val any) (any, error) {
	if len(ptr) == 0 {
		return val, nil
	}
	parent, last, err := parentOf(doc, ptr)
	if err != nil {
		return nil, err
	}
	switch p := parent.(type) {
	case map[string]any:
		p[last] = val
	case []any:
		i, ok := arrayIndex(last, len(p), false)
		if !ok {
			return nil, errPatch
		}
		p[i] = val
	default:
		return nil, errPatch
	}
	return doc, nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// jsonEqual compares two documents as JSON values; numbers compare by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		p, ok1 := new(big.Rat).SetString(string(x))
		q, ok2 := new(big.Rat).SetString(string(y))
		return ok1 && ok2 && p.Cmp(q) == 0
	}
	return a == b
}
