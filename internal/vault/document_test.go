package vault

import (
	"encoding/json"
	"testing"
)

func mustDoc(t *testing.T, s string) any {
	t.Helper()
	v, err := DecodeDocument([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEncodeDocumentKeepsNumbersAndSortsKeys(t *testing.T) {
	in := `{"z":1.10,"a":12345678901234567890123,"m":"<&>","e":1E5}`
	out, err := EncodeDocument(mustDoc(t, in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":12345678901234567890123,"e":1E5,"m":"<&>","z":1.10}`
	if string(out) != want {
		t.Fatalf("got %s, want %s", out, want)
	}
}

func TestMergePatch(t *testing.T) {
	// Cases from RFC 7386 appendix A.
	tests := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tt := range tests {
		target := mustDoc(t, tt.target).(map[string]any)
		got, err := ApplyPatch(target, mustDoc(t, tt.patch))
		if err != nil {
			t.Fatalf("%s + %s: %v", tt.target, tt.patch, err)
		}
		if b, _ := EncodeDocument(got); string(b) != tt.want {
			t.Errorf("%s + %s = %s, want %s", tt.target, tt.patch, b, tt.want)
		}
		if b, _ := EncodeDocument(target); string(b) != canon(t, tt.target) {
			t.Errorf("target modified: %s", b)
		}
	}
}

func canon(t *testing.T, s string) string {
	b, err := EncodeDocument(mustDoc(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestJSONPatch(t *testing.T) {
	// Cases after RFC 6902 appendix A, plus failures.
	tests := []struct {
		name, doc, patch, want string
		fails                  bool
	}{
		{"add an object member", `{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux"}]`, `{"baz":"qux","foo":"bar"}`, false},
		{"add an array element", `{"foo":["bar","baz"]}`, `[{"op":"add","path":"/foo/1","value":"qux"}]`, `{"foo":["bar","qux","baz"]}`, false},
		{"append with -", `{"foo":[1]}`, `[{"op":"add","path":"/foo/-","value":2}]`, `{"foo":[1,2]}`, false},
		{"remove an object member", `{"baz":"qux","foo":"bar"}`, `[{"op":"remove","path":"/baz"}]`, `{"foo":"bar"}`, false},
		{"remove an array element", `{"foo":["bar","qux","baz"]}`, `[{"op":"remove","path":"/foo/1"}]`, `{"foo":["bar","baz"]}`, false},
		{"replace a value", `{"baz":"qux","foo":"bar"}`, `[{"op":"replace","path":"/baz","value":"boo"}]`, `{"baz":"boo","foo":"bar"}`, false},
		{"move a value", `{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`, `[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`, `{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`, false},
		{"move an array element", `{"foo":["all","grass","cows","eat"]}`, `[{"op":"move","from":"/foo/1","path":"/foo/3"}]`, `{"foo":["all","cows","eat","grass"]}`, false},
		{"copy", `{"a":{"b":1}}`, `[{"op":"copy","from":"/a","path":"/c"}]`, `{"a":{"b":1},"c":{"b":1}}`, false},
		{"test success", `{"baz":"qux","foo":["a",2,"c"]}`, `[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2.0}]`, `{"baz":"qux","foo":["a",2,"c"]}`, false},
		{"escaped pointer", `{"a/b":1,"m~n":2}`, `[{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}]`, `{"a/b":3}`, false},
		{"test failure", `{"baz":"qux"}`, `[{"op":"test","path":"/baz","value":"bar"}]`, "", true},
		{"remove a missing member", `{"a":1}`, `[{"op":"remove","path":"/b"}]`, "", true},
		{"add to a missing parent", `{"a":1}`, `[{"op":"add","path":"/b/c","value":1}]`, "", true},
		{"index out of range", `{"a":[1]}`, `[{"op":"add","path":"/a/3","value":1}]`, "", true},
		{"leading zero index", `{"a":[1,2]}`, `[{"op":"remove","path":"/a/01"}]`, "", true},
		{"unknown op", `{"a":1}`, `[{"op":"frobnicate","path":"/a"}]`, "", true},
		{"missing value", `{"a":1}`, `[{"op":"add","path":"/b"}]`, "", true},
		{"not an object op", `{"a":1}`, `[1]`, "", true},
		{"replace the root with an array", `{"a":1}`, `[{"op":"replace","path":"","value":[1]}]`, "", true},
		{"move into its own child", `{"a":{"b":1}}`, `[{"op":"move","from":"/a","path":"/a/b/c"}]`, "", true},
		{"failed patch is atomic", `{"a":1}`, `[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zz"}]`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustDoc(t, tt.doc).(map[string]any)
			got, err := ApplyPatch(doc, mustDoc(t, tt.patch))
			if tt.fails {
				if err == nil || ErrorMessage(err) != "failed to apply patch" {
					t.Fatalf("err = %v, want failed to apply patch", err)
				}
				if b, _ := EncodeDocument(doc); string(b) != canon(t, tt.doc) {
					t.Fatalf("document changed by a failed patch: %s", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := EncodeDocument(got); string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func TestJSONEqualComparesNumbersByValue(t *testing.T) {
	if !jsonEqual(json.Number("1.0"), json.Number("1")) || jsonEqual(json.Number("1"), "1") {
		t.Fatal("number comparison wrong")
	}
}

func TestPageClamp(t *testing.T) {
	for _, tt := range []struct{ in, want Page }{
		{Page{0, 0}, Page{0, 10}}, {Page{5, 100}, Page{5, 100}}, {Page{0, 101}, Page{0, 100}}, {Page{-1, 3}, Page{0, 3}},
	} {
		if got := tt.in.clamp(); got != tt.want {
			t.Errorf("%+v.clamp() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
