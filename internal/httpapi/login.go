package httpapi

import (
	"net/http"

	"piivault/internal/vault"
)

// loginResponse answers a successful portal login (§6).
type loginResponse struct {
	Status string `json:"status"`
	XToken string `json:"xtoken"`
	Token  string `json:"token"`
}

// prelogin serves GET /v1/prelogin/{mode}/{identity} and
// /v1/prelogin/{mode}/{identity}/{code}/{captcha} (§6): the last two
// segments are ignored. The answer is the same whether or not the identity
// belongs to a live user; the code, if any, is sent in the background.
func (h *handler) prelogin(w http.ResponseWriter, r *http.Request) {
	// A request counts against the address before anything else is
	// checked, so a bad mode counts too (§1.12).
	if !h.allow(w, r, h.limits.preloginIP, limitPreloginIP, h.limits.clientKey(r)) {
		return
	}
	id, raw, err := h.loginIdentity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.allow(w, r, h.limits.preloginIdentity, limitPreloginIdentity, identityKey(id, raw)) {
		return
	}
	if err := h.svc.RequestLoginCode(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, resultResponse{Status: "ok", Result: "done"})
}

// login serves GET /v1/login/{mode}/{identity}/{code} (§6). Every failure
// is the same 403, and counts as an authentication failure of the address.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	defer h.countAuthFailure(r)
	if !h.allow(w, r, h.limits.loginIP, limitLoginIP, h.limits.clientKey(r)) {
		return
	}
	id, _, err := h.loginIdentity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	code, err := pathParam(r, "code")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.Login(r.Context(), id, code)
	if err != nil {
		if vault.ErrorCode(err) == vault.EFORBIDDEN {
			h.metrics.LoginFailed()
		}
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, loginResponse{Status: "ok", XToken: res.XToken, Token: res.UserToken})
}

// loginIdentity parses the {mode}/{identity} of a §6 route and returns the
// raw identity too, for rate limiting identities that normalise to nothing.
// Errors: EINVALID "bad mode".
func (h *handler) loginIdentity(r *http.Request) (vault.Identity, string, error) {
	mode, err := pathParam(r, "mode")
	if err != nil {
		return vault.Identity{}, "", err
	}
	raw, err := pathParam(r, "identity")
	if err != nil {
		return vault.Identity{}, "", err
	}
	id, err := h.svc.ParseLoginIdentity(mode, raw)
	return id, raw, err
}
