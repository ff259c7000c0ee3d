package vault

import (
	"strings"
	"testing"
)

func TestCreditCardTokenKeepsShapeAndLuhn(t *testing.T) {
	for _, card := range []string{"4111111111111111", "378282246310005", "6011111111111117", "123456789012", "4000000000000000002"} {
		for i := 0; i < 200; i++ {
			tok := creditCardToken(card)
			if len(tok) != len(card) || tok[len(tok)-4:] != card[len(card)-4:] || tok[0] == '0' || !LuhnValid(tok) {
				t.Fatalf("card of %d digits: bad token shape (len %d, luhn %v)", len(card), len(tok), LuhnValid(tok))
			}
		}
	}
}

func TestNormaliseTokenValue(t *testing.T) {
	tests := []struct {
		format, value, want string
		bad                 string
	}{
		{FormatUUID, "anything at all", "anything at all", ""},
		{FormatUUID, "", "", "bad value"},
		{FormatUUID, strings.Repeat("x", 4097), "", "bad value"},
		{FormatDigits, "123456", "123456", ""},
		{FormatDigits, "12345", "", "bad value"},
		{FormatDigits, "12345a", "", "bad value"},
		{FormatCreditCard, "4111 1111-1111 1111", "4111111111111111", ""},
		{FormatCreditCard, "41111111111", "", "bad value"},
		{FormatCreditCard, "41111111111111111111", "", "bad value"},
		{FormatEmail, "a@b", "a@b", ""},
		{FormatEmail, "@b", "", "bad value"},
		{FormatEmail, "a@", "", "bad value"},
		{FormatEmail, "a@b@c", "a@b@c", ""},
		{"Uuid", "x", "", "bad format"},
	}
	for _, tt := range tests {
		got, err := normaliseTokenValue(tt.format, tt.value)
		if tt.bad != "" {
			if ErrorMessage(err) != tt.bad {
				t.Errorf("%s %q: err %v, want %s", tt.format, tt.value, err, tt.bad)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %q: got %q, %v", tt.format, tt.value, got, err)
		}
	}
}

func TestGenerateTokenFormats(t *testing.T) {
	if tok := generateToken(FormatDigits, "00000000", ""); len(tok) != 8 || !allDigits(tok) {
		t.Fatalf("digits token shape wrong: len %d", len(tok))
	}
	tok := generateToken(FormatEmail, "a@b.c", "piivault.invalid")
	local, domain, ok := strings.Cut(tok, "@")
	if !ok || len(local) != 16 || domain != "piivault.invalid" || strings.Trim(local, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
		t.Fatalf("email token shape wrong: %q", tok)
	}
	if !IsUUID(generateToken(FormatUUID, "x", "")) {
		t.Fatal("uuid token is not a UUID")
	}
}

func TestValidSessionID(t *testing.T) {
	for id, want := range map[string]bool{
		"abcdefghijklmnop":                     true,
		"0a8e7f8c-1234-4abc-8def-0123456789ab": true,
		"Xk_9-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa":   true,
		"short":                                false,
		"has space in it here":                 false,
		strings.Repeat("a", 129):               false,
		"abcdefghijklmnop/":                    false,
	} {
		if ValidSessionID(id) != want {
			t.Errorf("ValidSessionID(%q) != %v", id, want)
		}
	}
}
