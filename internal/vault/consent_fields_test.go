package vault

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseBrief(t *testing.T) {
	for _, c := range []struct {
		raw, want string
		ok        bool
	}{
		{"news", "news", true},
		{"News-Letter-2", "news-letter-2", true},
		{"ab", "ab", true},
		{"a" + strings.Repeat("b", 64), "a" + strings.Repeat("b", 64), true},
		{"a" + strings.Repeat("b", 65), "", false},
		{"a", "", false},
		{"", "", false},
		{"1news", "", false},
		{"-news", "", false},
		{"news_letter", "", false},
		{"news letter", "", false},
		{"news/x", "", false},
		{"nëws", "", false},
	} {
		got, err := ParseBrief(c.raw)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseBrief(%q) = %q, %v; want %q, ok %t", c.raw, got, err, c.want, c.ok)
		}
		if err != nil && ErrorMessage(err) != "bad brief format" {
			t.Errorf("ParseBrief(%q): message %q", c.raw, ErrorMessage(err))
		}
		if _, err := ParseActivity(c.raw); err != nil && ErrorMessage(err) != "bad activity format" {
			t.Errorf("ParseActivity(%q): message %q", c.raw, ErrorMessage(err))
		}
	}
}

func TestStatusYes(t *testing.T) {
	for body, want := range map[string]bool{
		`{}`: true, `{"status":"yes"}`: true, `{"status":" Given "}`: true, `{"status":"Y"}`: true, `{"status":true}`: true,
		`{"status":1}`: true, `{"status":"1"}`: true, `{"status":"no"}`: false, `{"status":null}`: false, `{"status":0}`: false,
		`{"status":false}`: false, `{"status":"yess"}`: false, `{"status":["yes"]}`: false, `{"status":1.0}`: false,
	} {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if got := statusYes(m); got != want {
			t.Errorf("statusYes(%s) = %t, want %t", body, got, want)
		}
	}
}

func TestFieldReaders(t *testing.T) {
	body := map[string]any{"s": "héllo", "long": strings.Repeat("é", 5), "nul": "a\x00", "n": json.Number("1"),
		"t": "TRUE", "z": "0", "b": false, "bad": "yes", "null": nil}
	for _, c := range []struct {
		name string
		max  int
		want string
		ok   bool
		err  string
	}{
		{"s", 5, "héllo", true, ""}, {"long", 5, "ééééé", true, ""}, {"long", 4, "", false, "bad long"},
		{"nul", 9, "", false, "bad nul"}, {"n", 9, "", false, "bad n"}, {"missing", 9, "", false, ""}, {"null", 9, "", false, ""},
	} {
		v, ok, err := textField(body, c.name, c.max)
		if v != c.want || ok != c.ok || ErrorMessage(err) != c.err {
			t.Errorf("textField(%s, %d) = %q, %t, %v", c.name, c.max, v, ok, err)
		}
	}
	for _, c := range []struct {
		name     string
		want, ok bool
		err      string
	}{
		{"t", true, true, ""}, {"z", false, true, ""}, {"b", false, true, ""}, {"n", true, true, ""},
		{"bad", false, false, "bad bad"}, {"s", false, false, "bad s"}, {"missing", false, false, ""},
	} {
		v, ok, err := boolField(body, c.name)
		if v != c.want || ok != c.ok || ErrorMessage(err) != c.err {
			t.Errorf("boolField(%s) = %t, %t, %v", c.name, v, ok, err)
		}
	}
}
