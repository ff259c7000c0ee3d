package vault

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// Token formats of §12.
const (
	FormatUUID       = "uuid"
	FormatDigits     = "digits"
	FormatCreditCard = "creditcard"
	FormatEmail      = "email"
)

var errBadValue = &Error{Code: EINVALID, Message: "bad value"}

// normaliseTokenValue checks value against format and returns the form used
// for the unique index: creditcard numbers reduced to digits, others as sent.
// Errors: EINVALID "bad value".
func normaliseTokenValue(format, value string) (string, error) {
	switch format {
	case FormatUUID:
		if len(value) < 1 || len(value) > 4096 {
			return "", errBadValue
		}
		return value, nil
	case FormatDigits:
		if len(value) < 6 || len(value) > 64 || !allDigits(value) {
			return "", errBadValue
		}
		return value, nil
	case FormatCreditCard:
		d := strings.NewReplacer(" ", "", "-", "").Replace(value)
		if len(d) < 12 || len(d) > 19 || !allDigits(d) {
			return "", errBadValue
		}
		return d, nil
	case FormatEmail:
		at := strings.LastIndexByte(value, '@')
		if len(value) > 254 || at <= 0 || at == len(value)-1 {
			return "", errBadValue
		}
		return value, nil
	}
	return "", errBadFormat
}

// knownFormat reports whether format is one of the four token formats.
func knownFormat(format string) bool {
	switch format {
	case FormatUUID, FormatDigits, FormatCreditCard, FormatEmail:
		return true
	}
	return false
}

// generateToken makes a random token of format for the normalised value norm.
// The caller retries when the token is taken or equals the value.
func generateToken(format, norm, emailDomain string) string {
	switch format {
	case FormatDigits:
		return randomDigits(len(norm), false)
	case FormatCreditCard:
		return creditCardToken(norm)
	case FormatEmail:
		return randomString(16, "abcdefghijklmnopqrstuvwxyz0123456789") + "@" + emailDomain
	}
	return NewUUID()
}

// creditCardToken keeps the length and last four digits of a card number,
// never starts with 0 and passes the Luhn check: the digit just before the
// last four (never doubled, being fifth from the right) is chosen to fix the sum.
func creditCardToken(card string) string {
	n := len(card)
	b := []byte(randomDigits(n-5, true) + "0" + card[n-4:])
	sum := luhnSum(b)
	b[n-5] = byte('0' + (10-sum%10)%10)
	return string(b)
}

// luhnSum is the Luhn checksum of a digit string (valid when sum%10 == 0).
func luhnSum(d []byte) int {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum
}

// LuhnValid reports whether a digit string passes the Luhn check.
func LuhnValid(d string) bool { return allDigits(d) && d != "" && luhnSum([]byte(d))%10 == 0 }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func randomDigits(n int, nonZeroFirst bool) string {
	b := make([]byte, n)
	for i := range b {
		if i == 0 && nonZeroFirst {
			b[i] = '1' + byte(randInt(9))
		} else {
			b[i] = '0' + byte(randInt(10))
		}
	}
	return string(b)
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randInt(len(alphabet))]
	}
	return string(b)
}

// randInt returns a uniform random int in [0, n) from crypto/rand.
func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("vault: crypto/rand failed: " + err.Error())
	}
	return int(v.Int64())
}
