package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"piivault/internal/vault"
)

// httpError is a failure that only the HTTP layer knows about: routing and
// transport limits have no vault code.
type httpError struct {
	status  int
	message string
}

func (e *httpError) Error() string { return e.message }

var (
	errEndpointMissing  = &httpError{http.StatusNotFound, "endpoint is missing"}
	errMethodNotAllowed = &httpError{http.StatusMethodNotAllowed, "method not allowed"}
	errTooLarge         = &httpError{http.StatusRequestEntityTooLarge, "request body too large"}
	errUnsupportedMedia = &httpError{http.StatusUnsupportedMediaType, "unsupported media type"}
)

// RetryAfter is implemented by errors that know when the caller may try again,
// such as a rate limiter's ETOOMANY error; fail copies it into Retry-After.
type RetryAfter interface {
	RetryAfterSeconds() int
}

// defaultRetryAfter answers a 429 whose error does not say how long to wait.
const defaultRetryAfter = 60

// fail writes the JSON error envelope for err. It is the only place where
// vault error codes become HTTP statuses (§1.4). Messages come from the coded
// error and are public; uncoded errors become 500 "internal error" and, like
// 503s, are logged with the request id and the error chain, which by the
// project's rules carries no personal data.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, message := statusOf(w, err)
	if status >= 500 {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", exchangeOf(r).id),
			slog.Int("status", status),
			slog.String("error", err.Error()))
	}
	h.respond(w, r, status, errorResponse{Status: "error", Message: message})
}

// statusOf maps err to an HTTP status and public message and sets the
// headers that go with it.
func statusOf(w http.ResponseWriter, err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.message
	}
	hdr := w.Header()
	switch vault.ErrorCode(err) {
	case vault.EINVALID:
		return http.StatusBadRequest, vault.ErrorMessage(err)
	case vault.EUNAUTHORIZED:
		hdr["Www-Authenticate"] = wwwAuthenticate
		return http.StatusUnauthorized, vault.ErrorMessage(err)
	case vault.EFORBIDDEN:
		return http.StatusForbidden, vault.ErrorMessage(err)
	case vault.ENOTFOUND:
		return http.StatusNotFound, vault.ErrorMessage(err)
	case vault.ECONFLICT:
		return http.StatusConflict, vault.ErrorMessage(err)
	case vault.ETOOMANY:
		secs := defaultRetryAfter
		var ra RetryAfter
		if errors.As(err, &ra) {
			secs = max(ra.RetryAfterSeconds(), 1)
		}
		hdr.Set("Retry-After", strconv.Itoa(secs))
		return http.StatusTooManyRequests, "too many requests"
	case vault.EUNAVAILABLE:
		hdr["Retry-After"] = retryAfter5
		return http.StatusServiceUnavailable, "service unavailable"
	}
	return http.StatusInternalServerError, "internal error"
}

var (
	wwwAuthenticate = []string{"X-Bunker-Token"}
	retryAfter5     = []string{"5"}
)
