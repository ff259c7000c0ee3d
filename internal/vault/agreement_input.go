package vault

import (
	"encoding/json"
	"strconv"
	"strings"
)

// maxAgreementText limits agreementmethod, referencecode and lastmodifiedby
// (§7.2), in characters.
const maxAgreementText = 256

var (
	errBasisNotActive = &Error{Code: ECONFLICT, Message: "legal basis not active"}
	errBadStartTime   = &Error{Code: EINVALID, Message: "bad starttime"}
)

// yesWords are the status values that mean yes (§7.2), in lower case.
var yesWords = map[string]bool{
	"1": true, "active": true, "accept": true, "agree": true, "approve": true, "given": true,
	"good": true, "ok": true, "on": true, "true": true, "y": true, "yes": true,
}

// statusYes reads the status of an agreement body. Absent means yes; a
// string, boolean or number means yes when its text is one of yesWords.
// Anything else, null included, means no: nothing ambiguous counts as consent.
func statusYes(body map[string]any) bool {
	v, ok := body["status"]
	if !ok {
		return true
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case bool:
		s = strconv.FormatBool(x)
	case json.Number:
		s = string(x)
	}
	return yesWords[strings.ToLower(strings.TrimSpace(s))]
}

// agreementInput holds the fields present in an agreement body; nil
// fields were absent and keep their stored value.
type agreementInput struct {
	method, reference, lastModifiedBy *string
	start, end                        *int64
}

// parseAgreementInput checks the fields of a POST agreement body. A
// withdrawal ignores expiration, since it ends the agreement anyway.
// Errors: EINVALID "bad agreementmethod", "bad referencecode",
// "bad lastmodifiedby", "bad starttime", "bad expiration".
func (s *Service) parseAgreementInput(body map[string]any, withdraw bool) (agreementInput, error) {
	var in agreementInput
	var err error
	setText(&err, body, "agreementmethod", maxAgreementText, &in.method)
	setText(&err, body, "referencecode", maxAgreementText, &in.reference)
	setText(&err, body, "lastmodifiedby", maxAgreementText, &in.lastModifiedBy)
	if err != nil {
		return in, err
	}
	if v := body["starttime"]; v != nil {
		n, ok := unixTime(v)
		if !ok {
			return in, errBadStartTime
		}
		in.start = &n
	}
	if v := body["expiration"]; v != nil && !withdraw {
		end, err := ExpirationEnd(v, s.clock.Now(), 0)
		if err != nil {
			return in, err
		}
		in.end = &end
	}
	return in, nil
}

// unixTime reads a non-negative integer Unix time: a JSON integer or, from
// a form, a string of digits.
func unixTime(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		return digits(string(x))
	case string:
		return digits(strings.TrimSpace(x))
	}
	return 0, false
}
