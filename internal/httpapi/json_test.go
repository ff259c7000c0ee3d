package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"piivault/internal/httpapi"
	"piivault/internal/vault"
)

func TestDecodeJSONAcceptsAndKeepsValues(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"an empty object", `{}`, map[string]any{}},
		{"an empty array", ` [ ] `, []any{}},
		{"numbers with their exact text", `{"a":1.10,"b":123456789012345678901234567890,"c":-0,"d":1E+2,"e":2.5e-3}`,
			map[string]any{"a": json.Number("1.10"), "b": json.Number("123456789012345678901234567890"),
				"c": json.Number("-0"), "d": json.Number("1E+2"), "e": json.Number("2.5e-3")}},
		{"literals", `[true,false,null]`, []any{true, false, nil}},
		{"escapes", `{"s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`, map[string]any{"s": "a\"\\/\b\f\n\r\té😀"}},
		{"a lone surrogate as U+FFFD like encoding/json", `["\ud800x","\udc00","\ud800\u0041"]`, []any{"\uFFFDx", "\uFFFD", "\uFFFDA"}},
		{"raw unicode", `{"ключ":"значение 🙂"}`, map[string]any{"ключ": "значение 🙂"}},
		{"nested values", "{\"a\":{\"b\":[1,{\"c\":null}]}}\n", map[string]any{"a": map[string]any{"b": []any{json.Number("1"), map[string]any{"c": nil}}}}},
		{"equal keys in different objects", `{"a":{"x":1},"b":{"x":2}}`, map[string]any{"a": map[string]any{"x": json.Number("1")}, "b": map[string]any{"x": json.Number("2")}}},
		{"a scalar at the top (the caller decides what top levels it takes)", `"x"`, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := httpapi.DecodeJSON([]byte(tt.in), 32)
			if err != nil {
				t.Fatalf("DecodeJSON(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("DecodeJSON(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeJSONRejects(t *testing.T) {
	const decode, deep = "failed to decode request body", "json nesting too deep"
	tests := []struct {
		name, in, msg string
	}{
		{"nothing", ``, decode},
		{"trailing garbage", `{"a":1} x`, decode},
		{"two values", `{} {}`, decode},
		{"a duplicate key", `{"a":1,"a":2}`, decode},
		{"a duplicate key spelled with an escape", `{"a":1,"\u0061":2}`, decode},
		{"a duplicate key deep down", `{"x":[{"y":{"a":1,"b":2,"a":3}}]}`, decode},
		{"a trailing comma", `{"a":1,}`, decode},
		{"a leading zero", `[01]`, decode},
		{"a bare fraction", `[.5]`, decode},
		{"an empty fraction", `[1.]`, decode},
		{"an empty exponent", `[1e]`, decode},
		{"a plus sign", `[+1]`, decode},
		{"NaN", `[NaN]`, decode},
		{"a single-quoted string", `{'a':1}`, decode},
		{"an unquoted key", `{a:1}`, decode},
		{"a raw control character", "[\"a\x01\"]", decode},
		{"a raw newline in a string", "[\"a\nb\"]", decode},
		{"a bad escape", `["\x"]`, decode},
		{"a short unicode escape", `["\u12"]`, decode},
		{"invalid UTF-8", "[\"\xff\"]", decode},
		{"invalid UTF-8 after an escape", "[\"\\n\xc3\"]", decode},
		{"an unterminated string", `["abc`, decode},
		{"an unterminated object", `{"a":1`, decode},
		{"a truncated literal", `[tru]`, decode},
		{"a byte order mark", "\xef\xbb\xbf{}", decode},
		{"nesting of 33 levels", strings.Repeat("[", 33) + strings.Repeat("]", 33), deep},
		{"nesting of 33 objects", strings.Repeat(`{"a":`, 33) + "1" + strings.Repeat("}", 33), deep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := httpapi.DecodeJSON([]byte(tt.in), 32)
			if err == nil {
				t.Fatalf("DecodeJSON(%q) = %#v, want error %q", tt.in, v, tt.msg)
			}
			if vault.ErrorCode(err) != vault.EINVALID || vault.ErrorMessage(err) != tt.msg {
				t.Fatalf("DecodeJSON(%q) error = %v, want EINVALID %q", tt.in, err, tt.msg)
			}
		})
	}
}

func TestDecodeJSONDepthLimitIsInclusive(t *testing.T) {
	in := strings.Repeat("[", 32) + strings.Repeat("]", 32)
	if _, err := httpapi.DecodeJSON([]byte(in), 32); err != nil {
		t.Fatalf("32 levels with a limit of 32: %v", err)
	}
	if _, err := httpapi.DecodeJSON([]byte(`{"a":{}}`), 1); vault.ErrorMessage(err) != "json nesting too deep" {
		t.Fatalf("2 levels with a limit of 1: got %v", err)
	}
}

func TestMediaType(t *testing.T) {
	tests := map[string]string{
		"application/json":                  "application/json",
		"Application/JSON; charset=UTF-8":   "application/json",
		"application/json;charset=UTF-8":    "application/json",
		" application/json ; foo":           "application/json",
		"application/x-www-form-urlencoded": "application/x-www-form-urlencoded",
		"APPLICATION/MERGE-PATCH+JSON":      "application/merge-patch+json",
		"text/plain; charset=utf-8":         "text/plain",
		"":                                  "",
	}
	for in, want := range tests {
		if got := httpapi.MediaType(in); got != want {
			t.Errorf("MediaType(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDecodeJSON checks the strict decoder against encoding/json: it never
// panics; what it accepts is valid JSON that survives a round trip through
// encoding/json value-equal; and what encoding/json accepts it accepts too,
// unless the input breaks one of the strict rules (invalid UTF-8, a repeated
// key, nesting deeper than the limit).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":1.10,"b":[true,false,null],"c":{"d":"e\u00e9\ud83d\ude00"}}`,
		`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `[[[[[[]]]]]]`, `{"a":-0.0e+10}`, `"\ud800"`,
		`123456789012345678901234567890`, "{\"a\":\"\xff\"}", `{"a":1} x`, ` [1, 2 ,3 ] `,
	} {
		f.Add([]byte(s))
	}
	const depth = 8
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := httpapi.DecodeJSON(in, depth)
		if err != nil {
			if vault.ErrorCode(err) != vault.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			if json.Valid(in) && utf8.Valid(in) && !breaksStrictRules(t, in, depth) {
				t.Fatalf("rejected valid input %q: %v", in, err)
			}
			return
		}
		if !json.Valid(in) {
			t.Fatalf("accepted invalid input %q", in)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", v, err)
		}
		again, err := httpapi.DecodeJSON(out, depth)
		if err != nil {
			t.Fatalf("decoding re-encoded %q: %v", out, err)
		}
		if !reflect.DeepEqual(v, again) {
			t.Fatalf("round trip changed %#v into %#v", v, again)
		}
	})
}

// breaksStrictRules reports whether valid JSON repeats a key within an object
// or nests deeper than depth, using encoding/json's tokenizer as the reference.
func breaksStrictRules(t *testing.T, in []byte, depth int) bool {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			t.Fatalf("encoding/json tokenizer failed on valid input %q: %v", in, err)
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].isObject && stack[top].wantKey {
			if k, ok := tok.(string); ok {
				if stack[top].keys[k] {
					return true
				}
				stack[top].keys[k] = true
				stack[top].wantKey = false
				continue
			}
		}
		if top >= 0 && stack[top].isObject {
			stack[top].wantKey = true
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack)+1 > depth {
				return true
			}
			stack = append(stack, frame{keys: map[string]bool{}, isObject: tok == json.Delim('{'), wantKey: true})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if n := len(stack) - 1; n >= 0 && stack[n].isObject {
				stack[n].wantKey = true
			}
		}
	}
}

var benchProfile = []byte(`{"login":"john","email":"john@example.com","phone":"+447700900123","name":{"first":"John","last":"Smith"},` +
	`"address":{"street":"1 High Street","city":"London","zip":"SW1A 1AA"},"tags":["a","b","c"],"age":42,"score":1.10,` +
	`"note":"caf\u00e9 \"quoted\"","active":true,"manager":null}`)

func BenchmarkDecodeJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchProfile)))
	for b.Loop() {
		if _, err := httpapi.DecodeJSON(benchProfile, 32); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON is the baseline: encoding/json with UseNumber, which
// checks neither repeated keys nor depth.
func BenchmarkEncodingJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchProfile)))
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(benchProfile))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			b.Fatal(err)
		}
	}
}
