package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"piivault/internal/vault"
)

// requestRow is one row of the request lists (§8); app, brief and reason
// only when set.
type requestRow struct {
	Action       string `json:"action"`
	App          string `json:"app,omitempty"`
	Brief        string `json:"brief,omitempty"`
	CreationTime int64  `json:"creationtime"`
	More         bool   `json:"more"`
	Reason       string `json:"reason,omitempty"`
	RToken       string `json:"rtoken"`
	Status       string `json:"status"`
	Token        string `json:"token"`
	When         int64  `json:"when"`
}

// requestResponse answers GET /v1/request/{rtoken}: app only for
// change-app-data, brief only for agreement-withdraw, change only when the
// request carries one.
type requestResponse struct {
	Status   string          `json:"status"`
	App      string          `json:"app,omitempty"`
	Brief    string          `json:"brief,omitempty"`
	Original any             `json:"original"`
	Change   json.RawMessage `json:"change,omitempty"`
}

func requestRows(rs []vault.RequestRow) []requestRow {
	rows := make([]requestRow, len(rs))
	for i, q := range rs {
		rows[i] = requestRow{Action: q.Action, App: q.App, Brief: q.Brief, CreationTime: q.Created, More: q.More,
			Reason: q.Reason, RToken: q.RToken, Status: q.Status, Token: q.Token, When: q.When}
	}
	return rows
}

// listRequests serves GET /v1/requests (§8): one status (open by default),
// oldest first.
func (h *handler) listRequests(w http.ResponseWriter, r *http.Request) {
	page, err := parsePage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rs, total, err := h.svc.ListRequests(r.Context(), actorOf(r), r.URL.Query().Get("status"), page)
	respondPage(h, w, r, requestRows(rs), total, err)
}

// userRequests serves GET /v1/requests/{mode}/{identity} (§8).
func (h *handler) userRequests(w http.ResponseWriter, r *http.Request) {
	id, page, err := h.identityPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rs, total, err := h.svc.UserRequests(r.Context(), actorOf(r), id, page)
	respondPage(h, w, r, requestRows(rs), total, err)
}

// getRequest serves GET /v1/request/{rtoken} (§8): the original and the
// submitted change.
func (h *handler) getRequest(w http.ResponseWriter, r *http.Request) {
	rtoken, err := uuidParam(r, "rtoken")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.GetRequest(r.Context(), actorOf(r), rtoken)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res := requestResponse{Status: "ok", Original: v.Original, Change: v.Change}
	switch v.Action {
	case vault.ActionChangeAppData:
		res.App = v.App
	case vault.ActionAgreementWithdraw:
		res.Brief, res.Original = v.Brief, requestAgreement(v.Agreement)
	}
	h.respond(w, r, http.StatusOK, res)
}

// approveRequest serves POST /v1/request/{rtoken} (§8).
func (h *handler) approveRequest(w http.ResponseWriter, r *http.Request) {
	h.decideRequest(w, r, h.svc.ApproveRequest)
}

// cancelRequest serves DELETE /v1/request/{rtoken} (§8).
func (h *handler) cancelRequest(w http.ResponseWriter, r *http.Request) {
	h.decideRequest(w, r, h.svc.CancelRequest)
}

type requestDecision func(ctx context.Context, actor vault.Actor, rtoken string, body map[string]any) error

func (h *handler) decideRequest(w http.ResponseWriter, r *http.Request, decide requestDecision) {
	rtoken, err := uuidParam(r, "rtoken")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	doc, err := h.decodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := decide(r.Context(), actorOf(r), rtoken, doc); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, resultResponse{Status: "ok", Result: "done"})
}

// uuidParam reads a path value that must be a UUID (§1.8).
// Errors: EINVALID "bad uuid".
func uuidParam(r *http.Request, name string) (string, error) {
	v, err := pathParam(r, name)
	if err != nil {
		return "", err
	}
	if !vault.IsUUID(v) {
		return "", vault.ErrBadUUID
	}
	return v, nil
}
