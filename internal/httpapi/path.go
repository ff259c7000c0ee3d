package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"piivault/internal/vault"
)

// pathParam returns the path parameter name, percent-decoded exactly once
// (§1.1): routing saw the raw path, so "%2F" is a slash inside the value and
// "+" stays a plus. net/http refuses malformed escapes before routing; should
// one arrive anyway the path names no route.
func pathParam(r *http.Request, name string) (string, error) {
	v, err := url.PathUnescape(chi.URLParam(r, name))
	if err != nil {
		return "", errEndpointMissing
	}
	return v, nil
}

// identity parses the {mode}/{identity} pair of a route.
// Errors: EINVALID "bad mode", "bad uuid".
func (h *handler) identity(r *http.Request) (vault.Identity, error) {
	mode, err := pathParam(r, "mode")
	if err != nil {
		return vault.Identity{}, err
	}
	raw, err := pathParam(r, "identity")
	if err != nil {
		return vault.Identity{}, err
	}
	return h.svc.ParseIdentity(mode, raw)
}

var (
	errBadOffset = &vault.Error{Code: vault.EINVALID, Message: "bad offset"}
	errBadLimit  = &vault.Error{Code: vault.EINVALID, Message: "bad limit"}
)

// Paging bounds of §1.9.
const (
	defaultLimit = 10
	maxLimit     = 100
)

// parsePage reads offset and limit (§1.9): unsigned decimal integers; limit
// absent, empty or 0 means 10 and is capped at 100.
// Errors: EINVALID "bad offset", "bad limit".
func parsePage(r *http.Request) (vault.Page, error) {
	q := r.URL.Query()
	offset, ok := parseCount(q.Get("offset"))
	if !ok {
		return vault.Page{}, errBadOffset
	}
	limit, ok := parseCount(q.Get("limit"))
	if !ok {
		return vault.Page{}, errBadLimit
	}
	switch {
	case limit == 0:
		limit = defaultLimit
	case limit > maxLimit:
		limit = maxLimit
	}
	return vault.Page{Offset: offset, Limit: limit}, nil
}

// parseCount parses digits only: strconv.Atoi alone would accept a sign.
func parseCount(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// identityPage reads the {mode}/{identity} of a paged per-subject list and
// its offset/limit, path syntax first (§1.5).
// Errors: ErrBadMode, ErrBadUUID, "bad offset", "bad limit".
func (h *handler) identityPage(r *http.Request) (vault.Identity, vault.Page, error) {
	id, err := h.identity(r)
	if err != nil {
		return vault.Identity{}, vault.Page{}, err
	}
	page, err := parsePage(r)
	return id, page, err
}
