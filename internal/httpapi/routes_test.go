package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/httpapi"
	"piivault/internal/vault"
)

func TestRouting(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	missing := func(name, method, path string) scenario {
		return scenario{name: name, method: method, path: path, headers: []string{root}, status: 404, want: errBody("endpoint is missing")}
	}
	notAllowed := func(name, method, path, allow string) scenario {
		return scenario{name: name, method: method, path: path, status: 405, want: errBody("method not allowed"),
			header: map[string]string{"Allow": allow}}
	}
	options := func(name, path, allow string) scenario {
		return scenario{name: name, method: "OPTIONS", path: path, status: 204, want: "", header: map[string]string{"Allow": allow}}
	}
	run(t, srv, []scenario{
		missing("an unknown path", "GET", "/nope"),
		missing("an unknown portal asset", "GET", "/site/nope.js"),
		missing("an unknown path under /v1", "GET", "/v1/nope/x"),
		missing("paths are case-sensitive", "POST", "/V1/USER"),
		missing("a missing identity segment", "GET", "/v1/user/email"),
		{name: "an unknown path needs no token to be missing", method: "DELETE", path: "/v1/whatever", status: 404,
			want: errBody("endpoint is missing")},
		notAllowed("GET on the create path, before authentication", "GET", "/v1/user", "POST, OPTIONS"),
		notAllowed("DELETE on the list path", "DELETE", "/v1/users/", "GET, POST, OPTIONS"),
		notAllowed("PATCH on a user", "PATCH", "/v1/user/login/x", "GET, PUT, DELETE, OPTIONS"),
		{name: "HEAD on a user", method: "HEAD", path: "/v1/user/login/x", status: 405,
			header: map[string]string{"Allow": "GET, PUT, DELETE, OPTIONS"}},
		notAllowed("POST on status", "POST", "/status", "GET, HEAD, OPTIONS"),
		notAllowed("a method chi does not know on a known path", "PURGE", "/v1/users", "GET, POST, OPTIONS"),
		missing("a method chi does not know on an unknown path", "PURGE", "/nope"),
		options("OPTIONS on a user needs no token", "/v1/user/email/a@b.c", "GET, PUT, DELETE, OPTIONS"),
		options("OPTIONS with a trailing slash", "/v1/user/", "POST, OPTIONS"),
		options("OPTIONS on status", "/v1/status", "GET, HEAD, OPTIONS"),
		missing("OPTIONS on an unknown path", "OPTIONS", "/nope"),

		{name: "status", method: "GET", path: "/status", status: 200, want: "OK"},
		{name: "status with a slash", method: "GET", path: "/status/", status: 200, want: "OK"},
		{name: "v1 status", method: "GET", path: "/v1/status", status: 200, want: "OK"},
		{name: "v1 status with a slash and a token that is ignored", method: "GET", path: "/v1/status/",
			headers: []string{"X-Bunker-Token: wrong"}, status: 200, want: "OK"},
		{name: "HEAD status", method: "HEAD", path: "/status", status: 200, want: ""},
		{name: "HEAD v1 status", method: "HEAD", path: "/v1/status/", status: 200, want: ""},

		{name: "no CORS headers without configured origins", method: "GET", path: "/status",
			headers: []string{"Origin: https://app.example"}, status: 200,
			header: map[string]string{"Access-Control-Allow-Origin": "", "Vary": ""}},
		{name: "no HSTS on plain HTTP by default", method: "GET", path: "/status", status: 200,
			header: map[string]string{"Strict-Transport-Security": ""}},
	})
}

func TestCORS(t *testing.T) {
	srv := apitest.New(t, apitest.WithHTTP(func(o *httpapi.Options) { o.CORSOrigins = []string{"https://app.example"} }))
	preflight := map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example",
		"Vary":                             "Origin",
		"Allow":                            "GET, PUT, DELETE, OPTIONS",
		"Access-Control-Allow-Methods":     "GET, POST, PUT, DELETE",
		"Access-Control-Allow-Headers":     "Content-Type, X-Bunker-Token",
		"Access-Control-Max-Age":           "600",
		"Access-Control-Allow-Credentials": "",
	}
	run(t, srv, []scenario{
		{name: "a configured origin is allowed", method: "GET", path: "/v1/user/login/x",
			headers: []string{"Origin: https://app.example"}, status: 401,
			header: map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Vary": "Origin",
				"Access-Control-Allow-Methods": ""}},
		{name: "another origin gets nothing", method: "GET", path: "/status", headers: []string{"Origin: https://evil.example"},
			status: 200, header: map[string]string{"Access-Control-Allow-Origin": "", "Vary": ""}},
		{name: "a preflight from the origin", method: "OPTIONS", path: "/v1/user/login/x",
			headers: []string{"Origin: https://app.example", "Access-Control-Request-Method: PUT",
				"Access-Control-Request-Headers: content-type, x-bunker-token"},
			status: 204, header: preflight},
		{name: "a preflight from another origin", method: "OPTIONS", path: "/v1/user/login/x",
			headers: []string{"Origin: https://evil.example", "Access-Control-Request-Method: PUT"}, status: 204,
			header: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
	})

	any := apitest.New(t, apitest.WithHTTP(func(o *httpapi.Options) { o.CORSOrigins = []string{"*"} }))
	run(t, any, []scenario{
		{name: "a star allows any origin", method: "GET", path: "/status", headers: []string{"Origin: https://other.example"},
			status: 200, header: map[string]string{"Access-Control-Allow-Origin": "*", "Vary": "Origin"}},
	})
}

func TestHSTS(t *testing.T) {
	srv := apitest.New(t, apitest.WithHTTP(func(o *httpapi.Options) { o.HSTS = true }))
	hsts := map[string]string{"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}
	run(t, srv, []scenario{
		{name: "on success", method: "GET", path: "/status", status: 200, header: hsts},
		{name: "on an error", method: "GET", path: "/nope", status: 404, header: hsts},
	})
}

func TestRequestIDAndAccessLog(t *testing.T) {
	srv := apitest.New(t)
	const secret = "secret.person@example.com"
	createUser(t, srv, `{"email":"`+secret+`"}`)

	res := srv.Do("GET", "/v1/user/email/"+secret+"?q="+secret, "", srv.RootHeader(), "X-Request-Id: trace_1-A")
	if res.Status != 200 || res.Header.Get("X-Request-Id") != "trace_1-A" {
		t.Fatalf("a valid request id is echoed: %d %q", res.Status, res.Header.Get("X-Request-Id"))
	}
	for _, bad := range []string{strings.Repeat("a", 65), "has space", "semi;colon", "é"} {
		res := srv.Do("GET", "/status", "", "X-Request-Id: "+bad)
		if got := res.Header.Get("X-Request-Id"); got == bad || got == "" {
			t.Errorf("request id %q: answered with %q, want a new id", bad, got)
		}
	}
	a := srv.Do("GET", "/status", "").Header.Get("X-Request-Id")
	b := srv.Do("GET", "/status", "").Header.Get("X-Request-Id")
	if a == b {
		t.Errorf("two requests share the id %q", a)
	}

	logs := srv.Logs()
	for _, leak := range []string{secret, srv.Root, "q="} {
		if strings.Contains(logs, leak) {
			t.Errorf("the log holds %q:\n%s", leak, logs)
		}
	}
	line := findLogLine(t, logs, "trace_1-A")
	want := map[string]any{"msg": "request", "method": "GET", "route": "/v1/user/{mode}/{identity}",
		"status": float64(200), "request_id": "trace_1-A"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Errorf("log line has no duration: %v", line)
	}
	if n, _ := line["bytes"].(float64); n <= 0 {
		t.Errorf("log bytes = %v, want the body size", line["bytes"])
	}

	miss := srv.Do("GET", "/v1/nope/"+secret, "", "X-Request-Id: trace-2")
	if miss.Status != 404 {
		t.Fatalf("unknown path: %d", miss.Status)
	}
	if line := findLogLine(t, srv.Logs(), "trace-2"); line["route"] != "-" || line["status"] != float64(404) {
		t.Errorf("an unrouted request logs route %v status %v, want - and 404", line["route"], line["status"])
	}
}

// findLogLine returns the access log line of a request id.
func findLogLine(t *testing.T, logs, id string) map[string]any {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		if line["request_id"] == id && line["msg"] == "request" {
			return line
		}
	}
	t.Fatalf("no access log line for %s in:\n%s", id, logs)
	return nil
}

func TestBodyLimits(t *testing.T) {
	small := apitest.New(t, apitest.WithHTTP(func(o *httpapi.Options) { o.MaxBodyBytes = 64; o.MaxJSONDepth = 3 }))
	root := small.RootHeader()
	exact := `{"login":"` + strings.Repeat("x", 64-len(`{"login":""}`)) + `"}`
	run(t, small, []scenario{
		{name: "a body of exactly the limit", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: exact, status: 200, want: okToken},
		{name: "a Content-Length one byte over the limit", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: exact + " ", status: 413, want: errBody("request body too large")},
		{name: "the size limit comes before the media type", method: "POST", path: "/v1/user",
			headers: []string{root, "Content-Type: text/plain"}, body: strings.Repeat("x", 65), status: 413,
			want: errBody("request body too large")},
		{name: "an over-long body of white space", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: strings.Repeat(" ", 65), status: 413, want: errBody("request body too large")},
		{name: "the configured depth is allowed", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"d3","a":{"b":{}}}`, status: 200, want: okToken},
		{name: "one level more is too deep", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"d4","a":{"b":{"c":{}}}}`, status: 400, want: errBody("json nesting too deep")},
		{name: "an unauthenticated large body is 401, not 413", method: "POST", path: "/v1/user", headers: []string{asJSON},
			body: strings.Repeat(" ", 100), status: 401, want: errBody("access denied")},
	})

	t.Run("a chunked body is refused once it passes the limit", func(t *testing.T) {
		res := small.Send(chunked(t, small, "POST", "/v1/user", `{"login":"`+strings.Repeat("y", 100)+`"}`))
		if res.Status != 413 || string(res.Body) != errBody("request body too large")+"\n" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("a chunked body within the limit is read", func(t *testing.T) {
		res := small.Send(chunked(t, small, "POST", "/v1/user", `{"login":"chunk"}`))
		if res.Status != 200 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})

	def := apitest.New(t)
	t.Run("the default limit is 1 MiB: Content-Length", func(t *testing.T) {
		body := `{"login":"big","pad":"` + strings.Repeat("p", httpapi.DefaultMaxBodyBytes) + `"}`
		res := def.Do("PUT", "/v1/user/login/big", body, def.RootHeader(), asJSON)
		if res.Status != 413 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("the default limit is 1 MiB: chunked", func(t *testing.T) {
		body := `{"login":"big","pad":"` + strings.Repeat("p", httpapi.DefaultMaxBodyBytes) + `"}`
		res := def.Send(chunked(t, def, "POST", "/v1/user", body))
		if res.Status != 413 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("a profile just under 1 MiB is accepted", func(t *testing.T) {
		body := `{"login":"big","pad":"` + strings.Repeat("p", httpapi.DefaultMaxBodyBytes-64) + `"}`
		res := def.Do("POST", "/v1/user", body, def.RootHeader(), asJSON)
		if res.Status != 200 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
}

// chunked builds a root JSON request whose body has no Content-Length, so
// the client sends it chunked.
func chunked(t *testing.T, srv *apitest.Server, method, path, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, io.NopCloser(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("X-Bunker-Token", srv.Root)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestUnavailableStorage(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	createUser(t, srv, `{"login":"x"}`)
	if err := srv.DB.Close(); err != nil {
		t.Fatal(err)
	}
	run(t, srv, []scenario{
		{name: "a read is 503 with Retry-After", method: "GET", path: "/v1/user/login/x", headers: []string{root},
			status: 503, want: errBody("service unavailable"), header: map[string]string{"Retry-After": "5"}},
		{name: "a write is 503", method: "POST", path: "/v1/user", headers: []string{root, asJSON}, body: `{"login":"y"}`,
			status: 503, want: errBody("service unavailable")},
		{name: "status says error as plain text", method: "GET", path: "/status", status: 500, want: "error"},
		{name: "authentication still comes first", method: "GET", path: "/v1/user/login/x", status: 401,
			want: errBody("access denied")},
	})
}

// TestPanicRecovery drives a real panic: a service without a store panics
// on its first storage call.
func TestPanicRecovery(t *testing.T) {
	var logs strings.Builder
	h := httpapi.New(vault.NewService(nil, nil, vault.Options{}), httpapi.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	req := httptest.NewRequest("GET", "/v1/status", nil)
	req.Header.Set("X-Request-Id", "panic-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	if rec.Code != 500 || rec.Body.String() != errBody("internal error")+"\n" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	checkCommonHeaders(t, apitest.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()})
	out := logs.String()
	if !strings.Contains(out, `"msg":"handler panic"`) || !strings.Contains(out, `"request_id":"panic-1"`) {
		t.Errorf("the panic is not logged with its request id:\n%s", out)
	}
	if line := findLogLine(t, out, "panic-1"); line["status"] != float64(500) {
		t.Errorf("access log status %v, want 500", line["status"])
	}
}
