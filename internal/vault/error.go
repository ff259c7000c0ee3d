package vault

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status in httpapi; the mapping
// lives there and nowhere else.
const (
	EINVALID      = "invalid"      // 400: malformed or invalid input
	EUNAUTHORIZED = "unauthorized" // 401: no credential where one is needed
	EFORBIDDEN    = "forbidden"    // 403: credential refused or not allowed here
	ENOTFOUND     = "not_found"    // 404: the addressed thing does not exist
	ECONFLICT     = "conflict"     // 409: conflicts with stored state
	ETOOMANY      = "too_many"     // 429: a rate limit was hit
	EUNAVAILABLE  = "unavailable"  // 503: storage unreachable, timed out or full
	EINTERNAL     = "internal"     // 500: everything else
)

// Error is a coded error whose Message is safe to show to a client: it never
// contains submitted values, identities, tokens or record content. Err keeps
// the underlying cause for logs (which must be PII-free too).
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements error. It reports the public message and, when set, the
// cause, so that wrapped logs keep the chain.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a coded error with a formatted public message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns a coded error with a public message that keeps err as its cause.
func Wrap(code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the public message of the first *Error in err's chain,
// or "internal error" for any other error. It never exposes an uncoded cause.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// Common errors with the exact messages of the API contract.
var (
	ErrNotFound     = &Error{Code: ENOTFOUND, Message: "not found"}
	ErrAccessDenied = &Error{Code: EFORBIDDEN, Message: "access denied"}
	ErrNoToken      = &Error{Code: EUNAUTHORIZED, Message: "access denied"}
	ErrBadMode      = &Error{Code: EINVALID, Message: "bad mode"}
	ErrBadUUID      = &Error{Code: EINVALID, Message: "bad uuid"}
	ErrUnavailable  = &Error{Code: EUNAVAILABLE, Message: "service unavailable"}
)
