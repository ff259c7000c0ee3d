package httpapi

import (
	"context"
	"net/http"
)

// expStartResponse answers POST /v1/exp/start/{mode}/{identity}.
type expStartResponse struct {
	Status   string `json:"status"`
	ExpToken string `json:"exptoken"`
}

// expStatusResponse answers GET /v1/exp/status/{mode}/{identity}.
type expStatusResponse struct {
	Status    string `json:"status"`
	ExpTime   int64  `json:"exptime"`
	ExpStatus string `json:"expstatus"`
	ExpToken  string `json:"exptoken"`
}

// startExpiration serves POST /v1/exp/start/{mode}/{identity} (§10).
func (h *handler) startExpiration(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	doc, err := h.decodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	token, err := h.svc.StartExpiration(r.Context(), actorOf(r), id, doc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, expStartResponse{Status: "ok", ExpToken: token})
}

// expirationStatus serves GET /v1/exp/status/{mode}/{identity} (§10).
func (h *handler) expirationStatus(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.ExpirationStatus(r.Context(), actorOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, expStatusResponse{Status: "ok", ExpTime: v.ExpTime, ExpStatus: v.Status, ExpToken: v.Token})
}

// cancelExpiration serves DELETE /v1/exp/cancel/{mode}/{identity} (§10).
func (h *handler) cancelExpiration(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.CancelExpiration(r.Context(), actorOf(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// retainByLink serves GET and POST /v1/exp/retain/{exptoken} (§10), the
// tokenless link that keeps the user: plain-text OK, JSON 404.
func (h *handler) retainByLink(w http.ResponseWriter, r *http.Request) {
	h.expirationLink(w, r, h.svc.RetainByLink)
}

// deleteByLink serves GET and POST /v1/exp/delete/{exptoken} (§10), the
// tokenless link that erases the user now.
func (h *handler) deleteByLink(w http.ResponseWriter, r *http.Request) {
	h.expirationLink(w, r, h.svc.DeleteByLink)
}

func (h *handler) expirationLink(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, token string) error) {
	token, err := pathParam(r, "exptoken")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := act(r.Context(), token); err != nil {
		h.fail(w, r, err)
		return
	}
	writeText(w, http.StatusOK, "OK")
}
