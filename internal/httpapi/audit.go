package httpapi

import (
	"encoding/json"
	"net/http"

	"piivault/internal/vault"
)

// auditRow is one event of the audit lists (§1.13): keys in contract order,
// app and msg only when set.
type auditRow struct {
	App      string `json:"app,omitempty"`
	AToken   string `json:"atoken"`
	Identity string `json:"identity"`
	Mode     string `json:"mode"`
	More     bool   `json:"more"`
	Msg      string `json:"msg,omitempty"`
	Record   string `json:"record"`
	Status   string `json:"status"`
	Title    string `json:"title"`
	When     int64  `json:"when"`
	Who      string `json:"who"`
}

// auditCopies is the event of GET /v1/audit/get/{atoken}: only the copies
// that still decrypt, {} when none.
type auditCopies struct {
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

type auditEventResponse struct {
	Status string      `json:"status"`
	Event  auditCopies `json:"event"`
}

// auditVerifyResponse answers GET /v1/audit/verify; atoken and reason are
// present exactly for a broken chain (atoken "" when a forged anchor names
// no event).
type auditVerifyResponse struct {
	Status  string  `json:"status"`
	Result  string  `json:"result"`
	Checked int     `json:"checked"`
	AToken  *string `json:"atoken,omitempty"`
	Reason  *string `json:"reason,omitempty"`
}

// auditAdmin serves GET /v1/audit/admin (§11): every event, newest first.
func (h *handler) auditAdmin(w http.ResponseWriter, r *http.Request) {
	page, err := parsePage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	events, total, err := h.svc.AuditEvents(r.Context(), actorOf(r), page)
	respondPage(h, w, r, auditRows(events), total, err)
}

// auditList serves GET /v1/audit/list/{token} (§11): the events of one
// user, newest first.
func (h *handler) auditList(w http.ResponseWriter, r *http.Request) {
	token, err := auditID(r, "token")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := parsePage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	events, total, err := h.svc.UserAuditEvents(r.Context(), actorOf(r), token, page)
	respondPage(h, w, r, auditRows(events), total, err)
}

// auditGet serves GET /v1/audit/get/{atoken} (§11): the before and after
// copies of one event.
func (h *handler) auditGet(w http.ResponseWriter, r *http.Request) {
	atoken, err := auditID(r, "atoken")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.svc.AuditEventCopies(r.Context(), actorOf(r), atoken)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, auditEventResponse{Status: "ok", Event: auditCopies{Before: c.Before, After: c.After}})
}

// auditVerify serves GET /v1/audit/verify (§11). A broken chain is a
// finding, answered 200 like an intact one.
func (h *handler) auditVerify(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.VerifyAudit(r.Context(), actorOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res := auditVerifyResponse{Status: "ok", Result: v.Result, Checked: v.Checked}
	if v.Result != vault.AuditIntact {
		res.AToken, res.Reason = &v.AToken, &v.Reason
	}
	h.respond(w, r, http.StatusOK, res)
}

// auditID returns a path parameter that must be a UUID (§1.8).
// Errors: EINVALID "bad uuid".
func auditID(r *http.Request, name string) (string, error) {
	v, err := pathParam(r, name)
	if err != nil {
		return "", err
	}
	if !vault.IsUUID(v) {
		return "", vault.ErrBadUUID
	}
	return v, nil
}

func auditRows(events []vault.AuditEventView) []auditRow {
	rows := make([]auditRow, len(events))
	for i, e := range events {
		rows[i] = auditRow{
			App: e.App, AToken: e.AToken, Identity: e.Identity, Mode: e.Mode, More: e.More, Msg: e.Msg,
			Record: e.Record, Status: e.Status, Title: e.Title, When: e.When, Who: e.Who,
		}
	}
	return rows
}
