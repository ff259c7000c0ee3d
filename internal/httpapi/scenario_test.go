package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"piivault/internal/apitest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// scenario is one request and what its answer must be, in the style of
// pocketbase's tests/api.go. Scenarios of one table run in order against one
// server, so a table can tell a story (create, read, change, erase).
type scenario struct {
	name    string
	method  string
	path    string
	headers []string // "Name: value"
	body    string

	status int
	// want is the whole body with every UUID written as <uuid>; golden
	// names a file in testdata/ holding it instead. Either compares bytes,
	// so the key order of the contract is checked too.
	want   string
	golden string
	// contains and absent are substrings the body must and must not hold.
	contains []string
	absent   []string
	// header lists expected response headers; a value of "" means the header
	// must be absent.
	header map[string]string
}

var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)

// run sends each scenario in order and checks the answer, including the
// headers that every response must carry (§1.3, §1.11).
func run(t *testing.T, srv *apitest.Server, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			res := srv.Do(sc.method, sc.path, sc.body, sc.headers...)
			if res.Status != sc.status {
				t.Fatalf("%s %s: status %d, want %d; body %s", sc.method, sc.path, res.Status, sc.status, res.Body)
			}
			checkCommonHeaders(t, res)
			body := uuidPattern.ReplaceAllString(strings.TrimSuffix(string(res.Body), "\n"), "<uuid>")
			switch {
			case sc.golden != "":
				compareGolden(t, sc.golden, body)
			case sc.want != "" && body != sc.want:
				t.Errorf("%s %s: body\n got %s\nwant %s", sc.method, sc.path, body, sc.want)
			}
			for _, s := range sc.contains {
				if !strings.Contains(string(res.Body), s) {
					t.Errorf("%s %s: body %s does not contain %q", sc.method, sc.path, res.Body, s)
				}
			}
			for _, s := range sc.absent {
				if strings.Contains(string(res.Body), s) {
					t.Errorf("%s %s: body %s contains %q", sc.method, sc.path, res.Body, s)
				}
			}
			for name, want := range sc.header {
				got := res.Header.Values(name)
				switch {
				case want == "" && len(got) > 0:
					t.Errorf("%s %s: header %s = %q, want absent", sc.method, sc.path, name, got)
				case want != "" && (len(got) != 1 || got[0] != want):
					t.Errorf("%s %s: header %s = %q, want %q", sc.method, sc.path, name, got, want)
				}
			}
			checkContentType(t, sc, res)
			if res.Status >= 400 && res.Header.Get("Content-Type") == jsonType && sc.method != "HEAD" {
				checkErrorEnvelope(t, res.Body)
			}
		})
	}
}

// checkCommonHeaders asserts the headers of §1.11 that every response carries.
func checkCommonHeaders(t *testing.T, res apitest.Response) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
	} {
		if got := res.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if id := res.Header.Get("X-Request-Id"); !regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`).MatchString(id) {
		t.Errorf("X-Request-Id = %q", id)
	}
	if ce := res.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("Content-Encoding = %q, want none", ce)
	}
}

const (
	jsonType = "application/json; charset=utf-8"
	textType = "text/plain; charset=utf-8"
)

// checkContentType asserts §1.3: plain text on the /status routes, JSON on
// everything else that has a body.
func checkContentType(t *testing.T, sc scenario, res apitest.Response) {
	t.Helper()
	want := jsonType
	switch p := strings.TrimSuffix(sc.path, "/"); {
	case res.Status == http.StatusNoContent:
		want = ""
	case (p == "/status" || p == "/v1/status") && (sc.method == "GET" || sc.method == "HEAD"):
		want = textType
	}
	if got := res.Header.Get("Content-Type"); got != want {
		t.Errorf("%s %s: Content-Type %q, want %q", sc.method, sc.path, got, want)
	}
}

// checkErrorEnvelope asserts that an error body is exactly
// {"status":"error","message":"..."} as JSON with that content type.
func checkErrorEnvelope(t *testing.T, body []byte) {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	msg, _ := env["message"].(string)
	if len(env) != 2 || env["status"] != "error" || msg == "" || !bytes.HasPrefix(body, []byte(`{"status":"error","message":`)) {
		t.Errorf("error body %s is not the envelope", body)
	}
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with -update to create it)", err)
	}
	if got != strings.TrimSuffix(string(want), "\n") {
		t.Errorf("body differs from %s\n got %s\nwant %s", path, got, want)
	}
}

// createUser makes a user as root and returns its token.
func createUser(t *testing.T, srv *apitest.Server, profile string) string {
	t.Helper()
	res := srv.Do("POST", "/v1/user", profile, srv.RootHeader(), "Content-Type: application/json")
	var out struct{ Status, Token string }
	if err := json.Unmarshal(res.Body, &out); err != nil || res.Status != 200 || out.Token == "" {
		t.Fatalf("create user %s: %d %s", profile, res.Status, res.Body)
	}
	return out.Token
}

const (
	asJSON  = "Content-Type: application/json"
	asForm  = "Content-Type: application/x-www-form-urlencoded"
	asMerge = "Content-Type: application/merge-patch+json"
	asPatch = "Content-Type: application/json-patch+json"
)

func errBody(msg string) string { return `{"status":"error","message":"` + msg + `"}` }
