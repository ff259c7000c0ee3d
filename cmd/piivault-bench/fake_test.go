package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
)

// fakeVault answers the routes the scenarios use (API §3, §5, §12) from memory, so the load
// generator can be tested before and apart from the real server. With stale set, a session read
// returns the first version ever written: the lost update the mixed scenario must catch.
type fakeVault struct {
	stale    bool
	mu       sync.Mutex
	sessions map[string]json.RawMessage
	emails   map[string]bool
	tokens   map[string]bool
}

// newFakeVault starts a fakeVault on loopback for the duration of the test.
func newFakeVault(t *testing.T, stale bool) *httptest.Server {
	v := &fakeVault{stale: stale, sessions: map[string]json.RawMessage{},
		emails: map[string]bool{}, tokens: map[string]bool{}}
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Bunker-Token") != "DEMO" {
				answer(w, http.StatusForbidden, map[string]any{"status": "error", "message": "access denied"})
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	r.Post("/v1/session/{id}", v.writeSession)
	r.Get("/v1/session/{id}", v.readSession)
	r.Post("/v1/user", v.createUser)
	r.Get("/v1/user/email/{email}", v.readUser)
	r.Post("/v1/token", v.createToken)
	r.Get("/v1/token/{token}", v.readToken)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// failingServer answers every request with a 500 that mentions a locked database.
func failingServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		answer(w, http.StatusInternalServerError, map[string]any{"status": "error", "message": "database is locked"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func answer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

var notFound = map[string]any{"status": "error", "message": "not found"}

func (v *fakeVault) writeSession(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || !json.Valid(body) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		answer(w, http.StatusBadRequest, map[string]any{"status": "error", "message": "failed to decode request body"})
		return
	}
	id := chi.URLParam(r, "id")
	v.mu.Lock()
	if _, ok := v.sessions[id]; !ok || !v.stale {
		v.sessions[id] = body
	}
	v.mu.Unlock()
	answer(w, http.StatusOK, map[string]any{"status": "ok", "session": id})
}

func (v *fakeVault) readSession(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	v.mu.Lock()
	data, ok := v.sessions[id]
	v.mu.Unlock()
	if !ok {
		answer(w, http.StatusNotFound, notFound)
		return
	}
	answer(w, http.StatusOK, map[string]any{"status": "ok", "session": id, "when": 0, "data": data})
}

func (v *fakeVault) createUser(w http.ResponseWriter, r *http.Request) {
	var u userDoc
	if err := json.NewDecoder(r.Body).Decode(&u); err != nil || u.Email == "" || u.Login == "" || u.Phone == "" {
		answer(w, http.StatusBadRequest, map[string]any{"status": "error", "message": "failed to decode request body"})
		return
	}
	v.mu.Lock()
	dup := v.emails[u.Email]
	v.emails[u.Email] = true
	v.mu.Unlock()
	if dup {
		answer(w, http.StatusConflict, map[string]any{"status": "error", "message": "duplicate index: email"})
		return
	}
	answer(w, http.StatusOK, map[string]any{"status": "ok", "token": "2a1f4b8e-0d5c-4b7a-9c3e-6f1d2e3a4b5c"})
}

func (v *fakeVault) readUser(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	ok := v.emails[chi.URLParam(r, "email")]
	v.mu.Unlock()
	if !ok {
		answer(w, http.StatusNotFound, notFound)
		return
	}
	answer(w, http.StatusOK, map[string]any{"status": "ok", "token": "2a1f4b8e-0d5c-4b7a-9c3e-6f1d2e3a4b5c", "data": map[string]any{}})
}

func (v *fakeVault) createToken(w http.ResponseWriter, r *http.Request) {
	var req struct{ Value, Format string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Value == "" || req.Format != "creditcard" {
		answer(w, http.StatusBadRequest, map[string]any{"status": "error", "message": "bad value"})
		return
	}
	v.mu.Lock()
	token := fmt.Sprintf("%016d", len(v.tokens)+1)
	v.tokens[token] = true
	v.mu.Unlock()
	answer(w, http.StatusOK, map[string]any{"status": "ok", "token": token, "format": "creditcard", "exptime": 0})
}

func (v *fakeVault) readToken(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	v.mu.Lock()
	ok := v.tokens[token]
	v.mu.Unlock()
	if !ok {
		answer(w, http.StatusNotFound, notFound)
		return
	}
	answer(w, http.StatusOK, map[string]any{"status": "ok", "token": token, "value": "4111 1111 1111 1111", "format": "creditcard", "exptime": 0})
}
