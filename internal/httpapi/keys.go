package httpapi

import (
	"net/http"
	"strconv"
)

// keysResponse is GET /v1/sys/keys (§14). It is built from KeyStatus,
// which holds no key material, so none can reach the body.
type keysResponse struct {
	Status   string       `json:"status"`
	Active   int64        `json:"active"`
	Keys     []keyRow     `json:"keys"`
	Rotation *rotationRow `json:"rotation"`
}

type keyRow struct {
	ID       string `json:"id"`
	Version  int64  `json:"version"`
	Status   string `json:"status"`
	Created  int64  `json:"created"`
	DataKeys int64  `json:"datakeys"`
}

type rotationRow struct {
	Job      string `json:"job"`
	Status   string `json:"status"`
	Started  int64  `json:"started"`
	Finished int64  `json:"finished"`
	Done     int64  `json:"done"`
	Total    int64  `json:"total"`
}

// rotateResponse is the 202 of POST /v1/sys/rotate-key.
type rotateResponse struct {
	Status  string `json:"status"`
	Job     string `json:"job"`
	Version int64  `json:"version"`
}

// keys serves GET /v1/sys/keys (§14).
func (h *handler) keys(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.KeyStatus(r.Context(), actorOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := keysResponse{Status: "ok", Active: st.Active, Keys: make([]keyRow, 0, len(st.Keys))}
	for _, k := range st.Keys {
		out.Keys = append(out.Keys, keyRow{
			ID: "kek-" + strconv.FormatInt(k.Version, 10), Version: k.Version,
			Status: k.Status, Created: k.Created, DataKeys: k.DataKeys,
		})
	}
	if j := st.Rotation; j != nil {
		out.Rotation = &rotationRow{Job: j.ID, Status: j.Status, Started: j.Started, Finished: j.Finished, Done: j.Done, Total: j.Total}
	}
	h.respond(w, r, http.StatusOK, out)
}

// rotateKey serves POST /v1/sys/rotate-key (§14): 202 with the job, 409
// "rotation in progress" while one runs. The body is ignored.
func (h *handler) rotateKey(w http.ResponseWriter, r *http.Request) {
	job, err := h.svc.RotateKey(r.Context(), actorOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusAccepted, rotateResponse{Status: "ok", Job: job.ID, Version: job.To})
}
