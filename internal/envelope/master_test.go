package envelope

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseMasterKey(t *testing.T) {
	// 0xfb 0xff ... makes base64 use '+' and '/' (std) or '-' and '_' (URL).
	key := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:keySize]
	hexKey := hex.EncodeToString(key)
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"lower-case hex is accepted", hexKey},
		{"upper-case hex is accepted", strings.ToUpper(hexKey)},
		{"hex with a trailing newline is accepted", hexKey + "\n"},
		{"hex with surrounding spaces is accepted", "  " + hexKey + "\t"},
		{"padded standard base64 is accepted", base64.StdEncoding.EncodeToString(key)},
		{"unpadded standard base64 is accepted", base64.RawStdEncoding.EncodeToString(key)},
		{"padded URL base64 is accepted", base64.URLEncoding.EncodeToString(key)},
		{"unpadded URL base64 is accepted", base64.RawURLEncoding.EncodeToString(key) + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMasterKey(tc.in)
			if err != nil {
				t.Fatalf("ParseMasterKey: %v", err)
			}
			if !bytes.Equal(got, key) {
				t.Errorf("got %x, want %x", got, key)
			}
		})
	}
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"an empty key is refused", ""},
		{"a blank key is refused", " \n"},
		{"62 hex digits are refused", hexKey[:62]},
		{"66 hex digits are refused", hexKey + "ab"},
		{"64 characters that are not hex are refused", strings.Repeat("g", 64)},
		{"base64 of 31 bytes is refused", base64.StdEncoding.EncodeToString(key[:31])},
		{"base64 of 33 bytes is refused", base64.StdEncoding.EncodeToString(append(key, 1))},
		{"a passphrase is refused", "correct horse battery staple"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMasterKey(tc.in)
			if err == nil {
				t.Fatalf("accepted as %x", got)
			}
			if s := strings.TrimSpace(tc.in); len(s) > 4 && strings.Contains(err.Error(), s) {
				t.Errorf("error %q echoes the key", err)
			}
		})
	}
}

func TestGenerateMasterKey(t *testing.T) {
	a, b := GenerateMasterKey(), GenerateMasterKey()
	if len(a) != 64 || strings.ToLower(a) != a {
		t.Errorf("GenerateMasterKey = %q, want 64 lower-case hex digits", a)
	}
	if a == b {
		t.Error("two generated keys are equal")
	}
	key, err := ParseMasterKey(a)
	if err != nil {
		t.Fatalf("a generated key does not parse: %v", err)
	}
	if _, err := NewKEK(key, 1, testNow); err != nil {
		t.Errorf("a generated key does not make a KEK: %v", err)
	}
}
