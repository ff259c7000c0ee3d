package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A document is decoded JSON as piivault keeps it in memory: map[string]any,
// []any, string, json.Number (numbers keep the text they were sent with),
// bool and nil. Profiles, app records and session data are documents.

// EncodeDocument writes a document as compact JSON with object keys sorted by
// byte value and without HTML escaping, so what was stored comes back
// value-equal, numbers digit for digit.
func EncodeDocument(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("vault: encode document: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// DecodeDocument parses stored JSON back into a document, numbers as json.Number.
func DecodeDocument(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("vault: decode document: %w", err)
	}
	return v, nil
}

// decodeObject parses stored JSON that must be an object.
func decodeObject(b []byte) (map[string]any, error) {
	v, err := DecodeDocument(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("vault: decode document: not an object")
	}
	return m, nil
}

// isEmptyBody reports whether a decoded request body counts as empty (§1.2):
// nil, {} or [].
func isEmptyBody(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// ApplyPatch applies a change to an object document: a map is an RFC 7386 merge
// patch, a slice an RFC 6902 JSON Patch. The result must be an object.
// Errors: EINVALID "failed to apply patch".
func ApplyPatch(doc map[string]any, patch any) (map[string]any, error) {
	var out any
	switch p := patch.(type) {
	case map[string]any:
		out = MergePatch(doc, p)
	case []any:
		var err error
		if out, err = jsonPatch(doc, p); err != nil {
			return nil, err
		}
	default:
		return nil, errPatch
	}
	m, ok := out.(map[string]any)
	if !ok {
		return nil, errPatch
	}
	return m, nil
}

var errPatch = &Error{Code: EINVALID, Message: "failed to apply patch"}

// MergePatch applies an RFC 7386 merge patch: objects merge recursively, null
// removes a key, anything else replaces. target is not modified.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, _ := target.(map[string]any)
	out := make(map[string]any, len(t)+len(p))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range p {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = MergePatch(out[k], v)
	}
	return out
}
