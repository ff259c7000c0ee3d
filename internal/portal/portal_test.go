package portal_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"piivault/internal/portal"
	"piivault/web"
)

const defaultCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func newHandler(t *testing.T, opts portal.Options) http.Handler {
	t.Helper()
	opts.NotFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"status":"error","message":"endpoint is missing"}`)
	})
	p, err := portal.New(web.FS, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Dispatch like chi does, without ServeMux's path cleaning, so the
	// handler's own traversal guard is what the tests exercise.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			p.ServeIndex(w, r)
		case r.URL.Path == "/robots.txt":
			p.ServeRobots(w, r)
		default:
			p.ServeAsset(w, r)
		}
	})
}

func TestServe(t *testing.T) {
	h := newHandler(t, portal.Options{})
	tests := []struct {
		path, status, ctype, cache, csp, body string
	}{
		{"/", "200", "text/html; charset=utf-8", "no-store", defaultCSP, `src="/site/app.js"`},
		{"/site/", "200", "text/html; charset=utf-8", "no-store", defaultCSP, `<main id="main"`},
		{"/site/profile", "200", "text/html; charset=utf-8", "no-store", defaultCSP, `<main id="main"`},
		{"/site/app.js", "200", "text/javascript; charset=utf-8", "public, max-age=300", defaultCSP, "hashchange"},
		{"/site/style.css", "200", "text/css; charset=utf-8", "public, max-age=300", defaultCSP, ":root"},
		{"/site/missing.js", "404", "", "", "", "endpoint is missing"},
		{"/site/../web.go", "404", "", "", "", "endpoint is missing"},
		{"/robots.txt", "200", "text/plain; charset=utf-8", "public, max-age=300", "", "Disallow: /\n"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			res := rec.Result()
			if got := res.Status[:3]; got != tc.status {
				t.Fatalf("status %s, want %s", got, tc.status)
			}
			for name, want := range map[string]string{"Content-Type": tc.ctype, "Cache-Control": tc.cache, "Content-Security-Policy": tc.csp} {
				if want != "" && res.Header.Get(name) != want {
					t.Errorf("%s = %q, want %q", name, res.Header.Get(name), want)
				}
			}
			if body := rec.Body.String(); !strings.Contains(body, tc.body) {
				t.Errorf("body lacks %q", tc.body)
			}
		})
	}
}

// The branding origins widen exactly the directive they need, and a link
// that could smuggle a directive never reaches the policy.
func TestCSPBranding(t *testing.T) {
	tests := []struct {
		name string
		opts portal.Options
		want []string
		not  []string
	}{
		{"both", portal.Options{LogoLink: "https://cdn.example.com/logo.png", CustomCSSLink: "https://css.example.org/x.css"},
			[]string{"style-src 'self' https://css.example.org;", "img-src 'self' data: https://cdn.example.com;"}, nil},
		{"relative ignored", portal.Options{LogoLink: "/logo.png"}, []string{"img-src 'self' data:;"}, nil},
		{"injection ignored", portal.Options{CustomCSSLink: "javascript:alert(1); script-src *"}, []string{"style-src 'self';"}, []string{"*"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			newHandler(t, tc.opts).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			csp := rec.Header().Get("Content-Security-Policy")
			for _, w := range tc.want {
				if !strings.Contains(csp, w) {
					t.Errorf("CSP %q lacks %q", csp, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(csp, n) {
					t.Errorf("CSP %q holds %q", csp, n)
				}
			}
		})
	}
}

// Every asset the shell loads must be served, and none may be remote or
// inline, or the strict CSP would block the portal.
func TestAssetsSelfContained(t *testing.T) {
	h := newHandler(t, portal.Options{})
	for _, name := range []string{"index.html", "app.js", "api.js", "ui.js", "portal.js", "admin.js", "style.css"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/site/"+name, nil))
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", name, rec.Code)
		}
		for _, bad := range []string{"http://", "https://", "<script>", " style=", "innerHTML", "eval("} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}

func TestNewNeedsIndex(t *testing.T) {
	if _, err := portal.New(fstest.MapFS{}, portal.Options{}); err == nil {
		t.Fatal("New without index.html succeeded")
	}
}
