package httpapi

import (
	"net/http"

	"piivault/internal/vault"
)

// guardAgreementAccept is POST /v1/agreement/{brief}/{mode}/{identity}:
// U/R, and a request without a token goes through to the service as
// vault.ActorAnonymous, which accepts it only for consent to a login-module
// basis (§7.2) and answers 401 otherwise.
var guardAgreementAccept = guard{accepts: guardUser.accepts, anonymous: func(*vault.Service) bool { return true }}

// agreementObject is the agreement object of §7.2, keys in contract order.
type agreementObject struct {
	AgreementMethod string `json:"agreementmethod"`
	Brief           string `json:"brief"`
	CreationTime    int64  `json:"creationtime"`
	EndTime         int64  `json:"endtime"`
	LastModifiedBy  string `json:"lastmodifiedby"`
	Mode            string `json:"mode"`
	ReferenceCode   string `json:"referencecode"`
	StartTime       int64  `json:"starttime"`
	Status          string `json:"status"`
	Token           string `json:"token"`
	When            int64  `json:"when"`
	Who             string `json:"who"`
}

func newAgreementObject(a vault.AgreementView) agreementObject {
	return agreementObject{AgreementMethod: a.AgreementMethod, Brief: a.Brief, CreationTime: a.Created,
		EndTime: a.End, LastModifiedBy: a.LastModifiedBy, Mode: a.Mode, ReferenceCode: a.ReferenceCode,
		StartTime: a.Start, Status: a.Status, Token: a.Token, When: a.When, Who: a.Who}
}

type agreementResponse struct {
	Status string          `json:"status"`
	Data   agreementObject `json:"data"`
}

// acceptAgreement serves POST /v1/agreement/{brief}/{mode}/{identity}
// (§7.2). A request without a token counts against
// ratelimit.anonymous_per_ip first, whatever comes of it (§1.12); then
// anything that keeps it from being a login consent (a bad brief, mode or
// body included) is 401: the caller has not authenticated, so it learns
// nothing more.
func (h *handler) acceptAgreement(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	if actor.Kind == vault.ActorAnonymous && !h.allowAnonymous(w, r) {
		return
	}
	brief, id, body, err := h.agreementRequest(r, true)
	if err != nil {
		if actor.Kind == vault.ActorAnonymous {
			err = vault.ErrNoToken
		}
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.AcceptAgreement(r.Context(), actor, brief, id, body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.agreementChanged(w, r, res)
}

// withdrawAgreement serves DELETE /v1/agreement/{brief}/{mode}/{identity}
// (§7.2); the optional body may carry lastmodifiedby.
func (h *handler) withdrawAgreement(w http.ResponseWriter, r *http.Request) {
	brief, id, body, err := h.agreementRequest(r, true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.WithdrawAgreement(r.Context(), actorOf(r), brief, id, body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.agreementChanged(w, r, res)
}

// getAgreement serves GET /v1/agreement/{brief}/{mode}/{identity} (§7.2).
func (h *handler) getAgreement(w http.ResponseWriter, r *http.Request) {
	brief, id, _, err := h.agreementRequest(r, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.svc.GetAgreement(r.Context(), actorOf(r), brief, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, agreementResponse{Status: "ok", Data: newAgreementObject(a)})
}

// revokeAgreements serves DELETE /v1/agreement/{brief} (§7.2).
func (h *handler) revokeAgreements(w http.ResponseWriter, r *http.Request) {
	brief, err := h.briefParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.RevokeAgreements(r.Context(), actorOf(r), brief); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// userAgreements serves GET /v1/agreements/{mode}/{identity} (§7.2),
// paged only when asked.
func (h *handler) userAgreements(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := optionalPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, total, err := h.svc.UserAgreements(r.Context(), actorOf(r), id, page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]agreementObject, len(list))
	for i, a := range list {
		rows[i] = newAgreementObject(a)
	}
	h.respond(w, r, http.StatusOK, pageResponse[agreementObject]{Status: "ok", Total: total, Rows: rows})
}

// agreementRequest reads the path of an agreement route in the order of
// §1.5 (brief, then mode and identity), then its body when withBody is set.
// The body is nil when empty.
func (h *handler) agreementRequest(r *http.Request, withBody bool) (string, vault.Identity, map[string]any, error) {
	brief, err := h.briefParam(r)
	if err != nil {
		return "", vault.Identity{}, nil, err
	}
	id, err := h.identity(r)
	if err != nil || !withBody {
		return brief, id, nil, err
	}
	fields, err := h.decodeObject(r)
	return brief, id, fields, err
}

// agreementChanged answers an accept or withdrawal: {"status":"ok"}, or the
// request that a withdrawal became (§8).
func (h *handler) agreementChanged(w http.ResponseWriter, r *http.Request, res vault.ChangeResult) {
	if res.Result == "" {
		h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
		return
	}
	h.respond(w, r, http.StatusOK, resultResponse{Status: "ok", Result: res.Result, RToken: res.RToken})
}
