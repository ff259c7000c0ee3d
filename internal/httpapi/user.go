package httpapi

import (
	"encoding/json"
	"net/http"

	"piivault/internal/vault"
)

var errEmptyRequestBody = &vault.Error{Code: vault.EINVALID, Message: "empty request body"}

// createUser serves POST /v1/user (§3.2).
func (h *handler) createUser(w http.ResponseWriter, r *http.Request) {
	profile, err := h.decodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(profile) == 0 {
		h.fail(w, r, errEmptyRequestBody)
		return
	}
	token, err := h.svc.CreateUser(r.Context(), actorOf(r), profile)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, tokenResponse{Status: "ok", Token: token})
}

// getUser serves GET /v1/user/{mode}/{identity} (§3.3).
func (h *handler) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	user, err := h.svc.GetUser(r.Context(), actorOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, dataResponse{Status: "ok", Token: user.Token, Data: user.Profile})
}

// updateUser serves PUT /v1/user/{mode}/{identity} (§3.4): a JSON object or
// form is a merge patch, a JSON array a JSON Patch.
func (h *handler) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	patch, err := h.decodeBody(r, patchBody)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if isEmpty(patch) {
		h.fail(w, r, errEmptyRequestBody)
		return
	}
	res, err := h.svc.UpdateUser(r.Context(), actorOf(r), id, patch)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.changed(w, r, res)
}

// eraseUser serves DELETE /v1/user/{mode}/{identity} (§3.5).
func (h *handler) eraseUser(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.EraseUser(r.Context(), actorOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.changed(w, r, res)
}

// changed answers a change: applied directly ({"status":"ok","token":…}),
// done ({"status":"ok","result":"done"}) or turned into a request for
// approval (result and rtoken, §8).
func (h *handler) changed(w http.ResponseWriter, r *http.Request, res vault.ChangeResult) {
	switch {
	case res.Result == "":
		h.respond(w, r, http.StatusOK, tokenResponse{Status: "ok", Token: res.Token})
	case res.RToken == "":
		h.respond(w, r, http.StatusOK, resultResponse{Status: "ok", Result: res.Result})
	default:
		h.respond(w, r, http.StatusOK, resultResponse{Status: "ok", Result: res.Result, RToken: res.RToken})
	}
}

// userRow is one row of GET /v1/users; private is the profile as an object
// (compatibility note 10).
type userRow struct {
	Private   json.RawMessage `json:"private"`
	Token     string          `json:"token"`
	EndTime   int64           `json:"endtime"`
	ExpStatus string          `json:"expstatus"`
}

// listUsers serves GET and POST /v1/users (§3.6).
func (h *handler) listUsers(w http.ResponseWriter, r *http.Request) {
	if !h.svc.ListUsersEnabled() {
		h.fail(w, r, vault.ErrAccessDenied)
		return
	}
	page, err := parsePage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	users, total, err := h.svc.ListUsers(r.Context(), actorOf(r), page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]userRow, len(users))
	for i, u := range users {
		rows[i] = userRow{Private: u.Profile, Token: u.Token, EndTime: u.EndTime, ExpStatus: u.ExpStatus}
	}
	h.respond(w, r, http.StatusOK, pageResponse[userRow]{Status: "ok", Total: total, Rows: rows})
}

// isEmpty reports whether a decoded body counts as empty (§1.2): absent, {} or [].
func isEmpty(body any) bool {
	switch b := body.(type) {
	case map[string]any:
		return len(b) == 0
	case []any:
		return len(b) == 0
	}
	return body == nil
}
