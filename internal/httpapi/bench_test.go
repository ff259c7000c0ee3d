package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"piivault/internal/apitest"
	"piivault/internal/httpapi"
	"piivault/internal/vault"
)

// The benchmarks call the handler in-process, so they measure what piivault
// adds per request (middleware, routing, decoding, encoding) against a bare
// chi router in the same run, without the kernel's share.

func BenchmarkBareChi(b *testing.B) {
	r := chi.NewRouter()
	r.Get("/v1/user/{mode}/{identity}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	serve(b, r, "GET", "/v1/user/token/"+vault.NewUUID(), "", nil)
}

func BenchmarkEndpointMissing(b *testing.B) {
	h := httpapi.New(vault.NewService(nil, nil, vault.Options{}), httpapi.Options{})
	serve(b, h, "GET", "/v1/nope", "", nil)
}

func BenchmarkGetUser(b *testing.B) {
	srv := apitest.New(b)
	res := srv.Do("POST", "/v1/user", `{"login":"bench","email":"bench@example.com","name":"Bench Mark"}`,
		srv.RootHeader(), asJSON)
	token := uuidPattern.FindString(string(res.Body))
	serve(b, srv.Handler, "GET", "/v1/user/token/"+token, "", http.Header{"X-Bunker-Token": {srv.Root}})
}

func BenchmarkUpdateUser(b *testing.B) {
	srv := apitest.New(b)
	srv.Do("POST", "/v1/user", `{"login":"bench"}`, srv.RootHeader(), asJSON)
	serve(b, srv.Handler, "PUT", "/v1/user/login/bench", `{"n":1.10,"address":{"city":"Paris"}}`,
		http.Header{"X-Bunker-Token": {srv.Root}, "Content-Type": {"application/json"}})
}

func serve(b *testing.B, h http.Handler, method, path, body string, hdr http.Header) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
}
