package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"piivault/internal/vault"
)

var errBadSessionID = &vault.Error{Code: vault.EINVALID, Message: "bad session id"}

// sessionResponse answers POST /v1/session/{session}.
type sessionResponse struct {
	Status  string `json:"status"`
	Session string `json:"session"`
}

// sessionDataResponse answers GET /v1/session/{session}.
type sessionDataResponse struct {
	Status  string          `json:"status"`
	Session string          `json:"session"`
	When    int64           `json:"when"`
	Data    json.RawMessage `json:"data"`
}

func (s sessionDataResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = appendJSONString(b, s.Status)
	b = append(b, `,"session":`...)
	b = appendJSONString(b, s.Session)
	b = append(b, `,"when":`...)
	b = strconv.AppendInt(b, s.When, 10)
	b = append(b, `,"data":`...)
	if len(s.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, s.Data...)
	}
	return append(b, "}\n"...)
}

// sessionRow is one row of GET /v1/sessions/{mode}/{identity}.
type sessionRow struct {
	When    int64           `json:"when"`
	Session string          `json:"session"`
	Data    json.RawMessage `json:"data"`
}

type statusResponse struct {
	Status string `json:"status"`
}

type deletedResponse struct {
	Status  string `json:"status"`
	Deleted int    `json:"deleted"`
}

// putSession serves POST /v1/session/{session} (§5). The id is checked
// before the body is read (§1.5); a 0-byte body is "empty request body",
// while {} is a session like any other.
func (h *handler) putSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathParam(r, "session")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !vault.ValidSessionID(id) {
		h.fail(w, r, errBadSessionID)
		return
	}
	data, err := h.decodeObject(r) // nil for an empty body
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.PutSession(r.Context(), actorOf(r), id, data); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, sessionResponse{Status: "ok", Session: id})
}

// getSession serves GET /v1/session/{session} (§5). An id outside the
// session-id syntax is simply not found.
func (h *handler) getSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathParam(r, "session")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.svc.GetSession(r.Context(), actorOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, sessionDataResponse{Status: "ok", Session: s.ID, When: s.When, Data: s.Data})
}

// deleteSession serves DELETE /v1/session/{session} (§5): 200 for every
// id, known or not, well-formed or not.
func (h *handler) deleteSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathParam(r, "session")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DeleteSession(r.Context(), actorOf(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// userSessions serves GET /v1/sessions/{mode}/{identity} (§5), always paged.
func (h *handler) userSessions(w http.ResponseWriter, r *http.Request) {
	id, page, err := h.identityPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sessions, total, err := h.svc.UserSessions(r.Context(), actorOf(r), id, page)
	rows := make([]sessionRow, len(sessions))
	for i, s := range sessions {
		rows[i] = sessionRow{When: s.When, Session: s.ID, Data: s.Data}
	}
	respondPage(h, w, r, rows, total, err)
}

// deleteUserSessions serves DELETE /v1/sessions/{mode}/{identity} (§5):
// log out everywhere.
func (h *handler) deleteUserSessions(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n, err := h.svc.DeleteUserSessions(r.Context(), actorOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, deletedResponse{Status: "ok", Deleted: n})
}
