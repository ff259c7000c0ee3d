package httpapi

import "net/http"

// tokenCreated answers POST /v1/token and is one row of POST /v1/tokens.
type tokenCreated struct {
	Status  string `json:"status,omitempty"` // set on the single route only
	Token   string `json:"token"`
	Format  string `json:"format"`
	ExpTime int64  `json:"exptime"`
}

// tokenValue answers GET /v1/token/{token} and is a found row of
// POST /v1/tokens/lookup.
type tokenValue struct {
	Status  string `json:"status,omitempty"` // set on the single route only
	Token   string `json:"token"`
	Value   string `json:"value"`
	Format  string `json:"format"`
	ExpTime int64  `json:"exptime"`
}

// tokenMissing is a row of POST /v1/tokens/lookup for a token that is
// unknown or expired.
type tokenMissing struct {
	Token string `json:"token"`
	Error string `json:"error"`
}

// createToken serves POST /v1/token (§12).
func (h *handler) createToken(w http.ResponseWriter, r *http.Request) {
	m, err := h.decodeObject(r) // nil for an empty body: every field takes its default
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tok, err := h.svc.CreateToken(r.Context(), actorOf(r), m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, tokenCreated{Status: "ok", Token: tok.Token, Format: tok.Format, ExpTime: tok.ExpTime})
}

// getToken serves GET /v1/token/{token} (§12).
func (h *handler) getToken(w http.ResponseWriter, r *http.Request) {
	token, err := pathParam(r, "token")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tok, err := h.svc.GetToken(r.Context(), actorOf(r), token)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, tokenValue{Status: "ok", Token: tok.Token, Value: tok.Value, Format: tok.Format, ExpTime: tok.ExpTime})
}

// deleteToken serves DELETE /v1/token/{token} (§12).
func (h *handler) deleteToken(w http.ResponseWriter, r *http.Request) {
	token, err := pathParam(r, "token")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DeleteToken(r.Context(), actorOf(r), token); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// createTokens serves POST /v1/tokens (§12): all items or none.
func (h *handler) createTokens(w http.ResponseWriter, r *http.Request) {
	m, err := h.decodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	toks, err := h.svc.CreateTokens(r.Context(), actorOf(r), m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]tokenCreated, len(toks))
	for i, t := range toks {
		rows[i] = tokenCreated{Token: t.Token, Format: t.Format, ExpTime: t.ExpTime}
	}
	h.respond(w, r, http.StatusOK, pageResponse[tokenCreated]{Status: "ok", Total: len(rows), Rows: rows})
}

// lookupTokens serves POST /v1/tokens/lookup (§12): rows in input order, a
// missing or expired token marked as such in its row.
func (h *handler) lookupTokens(w http.ResponseWriter, r *http.Request) {
	m, err := h.decodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	found, err := h.svc.LookupTokens(r.Context(), actorOf(r), m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]any, len(found))
	for i, f := range found {
		if f.Error != "" {
			rows[i] = tokenMissing{Token: f.Token, Error: f.Error}
		} else {
			rows[i] = tokenValue{Token: f.Token, Value: f.Value, Format: f.Format, ExpTime: f.ExpTime}
		}
	}
	h.respond(w, r, http.StatusOK, pageResponse[any]{Status: "ok", Total: len(rows), Rows: rows})
}
