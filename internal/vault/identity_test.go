package vault

import "testing"

func TestParseIdentity(t *testing.T) {
	n := Normalizer{Phone: func(s string) (string, bool) {
		if s == "07700900123" {
			return "+447700900123", true
		}
		return "", false
	}}
	tests := []struct {
		name, mode, raw string
		want            Identity
		err             error
	}{
		{"mode is case-insensitive", "EMAIL", " MiXeD@Example.COM ", Identity{Mode: ModeEmail, Value: "mixed@example.com"}, nil},
		{"email keeps a plus", "email", "a+b@x.com", Identity{Mode: ModeEmail, Value: "a+b@x.com"}, nil},
		{"login is trimmed but case-sensitive", "login", "\u2003John\t", Identity{Mode: ModeLogin, Value: "John"}, nil},
		{"custom is trimmed", "custom", " x ", Identity{Mode: ModeCustom, Value: "x"}, nil},
		{"token is lower-cased", "token", "0A8E7F8C-1234-4ABC-8DEF-0123456789AB", Identity{Mode: ModeToken, Value: "0a8e7f8c-1234-4abc-8def-0123456789ab"}, nil},
		{"a malformed token is bad uuid", "token", "0a8e7f8c-1234-4abc-8def-0123456789a", Identity{}, ErrBadUUID},
		{"an unknown mode is bad mode", "name", "x", Identity{}, ErrBadMode},
		{"phone goes through the normaliser", "phone", "07700900123", Identity{Mode: ModePhone, Value: "+447700900123"}, nil},
		{"an unparsable phone matches nothing", "phone", "abc", Identity{Mode: ModePhone, Empty: true}, nil},
		{"white space only matches nothing", "login", "   ", Identity{Mode: ModeLogin, Empty: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := n.ParseIdentity(tt.mode, tt.raw)
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewUUIDIsVersion4(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		u := NewUUID()
		if !IsUUID(u) || u[14] != '4' || u[19] != '8' && u[19] != '9' && u[19] != 'a' && u[19] != 'b' {
			t.Fatalf("%q is not a lower-case v4 UUID", u)
		}
		if seen[u] {
			t.Fatalf("duplicate %q", u)
		}
		seen[u] = true
	}
}

func TestAADSeparatesParts(t *testing.T) {
	if string(AAD("ab", "c", "d")) == string(AAD("a", "bc", "d")) {
		t.Fatal("AAD parts are ambiguous")
	}
}

func TestErrorMessageNeverLeaksUncodedCauses(t *testing.T) {
	err := Wrap(EINTERNAL, "secret detail", nil)
	if got := ErrorMessage(err); got != "internal error" {
		t.Fatalf("ErrorMessage = %q", got)
	}
	if got := ErrorMessage(ErrBadMode); got != "bad mode" {
		t.Fatalf("ErrorMessage = %q", got)
	}
	if ErrorCode(errPatch) != EINVALID {
		t.Fatal("code lost")
	}
}
