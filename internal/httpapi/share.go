package httpapi

import (
	"encoding/json"
	"net/http"
)

// shareCreatedResponse answers POST /v1/sharedrecord/{mode}/{identity}.
type shareCreatedResponse struct {
	Status string `json:"status"`
	Record string `json:"record"`
}

// sharedResponse answers GET /v1/get/{record}; app only for app-record shares.
type sharedResponse struct {
	Status string          `json:"status"`
	App    string          `json:"app,omitempty"`
	Data   json.RawMessage `json:"data"`
}

// createShare serves POST /v1/sharedrecord/{mode}/{identity} (§9).
func (h *handler) createShare(w http.ResponseWriter, r *http.Request) {
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
	record, err := h.svc.CreateShare(r.Context(), actorOf(r), id, doc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, shareCreatedResponse{Status: "ok", Record: record})
}

// getShared serves GET /v1/get/{record} (§9) to anyone: the record id is
// the secret, so a malformed one is simply not found.
func (h *handler) getShared(w http.ResponseWriter, r *http.Request) {
	record, err := pathParam(r, "record")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.GetShared(r.Context(), record)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, sharedResponse{Status: "ok", App: v.App, Data: v.Data})
}

// deleteShare serves DELETE /v1/sharedrecord/{record} (§9): the owner
// revokes a share.
func (h *handler) deleteShare(w http.ResponseWriter, r *http.Request) {
	record, err := uuidParam(r, "record")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DeleteShare(r.Context(), actorOf(r), record); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}
