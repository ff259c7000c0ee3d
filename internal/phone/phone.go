// Package phone normalises telephone numbers to E.164 with libphonenumber
// rules, as the identity rules of the API contract require (§1.7).
package phone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Normalizer returns a function that parses raw with defaultRegion (an
// ISO 3166-1 alpha-2 code such as "GB") for numbers written without a country
// code and formats the result as E.164. It parses only: a number that parses
// but is not a valid or assigned number (such as "4444" → "+444444") is still
// returned, so that writes and lookups agree. It reports false when raw does
// not parse at all. The returned function is safe for concurrent use.
func Normalizer(defaultRegion string) func(raw string) (string, bool) {
	region := strings.ToUpper(defaultRegion)
	return func(raw string) (string, bool) {
		n, err := phonenumbers.Parse(raw, region)
		if err != nil {
			return "", false
		}
		return phonenumbers.Format(n, phonenumbers.E164), true
	}
}

// ValidRegion reports whether region (any case) is a region libphonenumber
// knows, and so can serve as a default region.
func ValidRegion(region string) bool {
	_, ok := phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
	return ok
}
