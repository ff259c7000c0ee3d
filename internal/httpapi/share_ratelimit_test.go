package httpapi_test

import (
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/httpapi"
	"piivault/internal/ratelimit"
	"piivault/internal/vault"
)

// TestTokenlessRoutesAreRateLimited checks ratelimit.anonymous_per_ip on
// /v1/get and the expiration links (§1.12): every request counts, found or
// not, and the excess gets 429 with Retry-After.
func TestTokenlessRoutesAreRateLimited(t *testing.T) {
	srv := apitest.New(t, apitest.WithHTTP(func(o *httpapi.Options) {
		o.RateLimits.AnonymousPerIP = ratelimit.Limit{Count: 3, Window: time.Minute}
	}))
	createUser(t, srv, `{"login":"lim"}`)
	rec := share(t, srv, "login/lim", ``)
	run(t, srv, []scenario{
		{name: "a share is served", method: "GET", path: "/v1/get/" + rec, status: 200},
		{name: "an unknown share counts too", method: "GET", path: "/v1/get/" + vault.NewUUID(), status: 404},
		{name: "so does an expiration link", method: "POST", path: "/v1/exp/retain/" + vault.NewUUID(), status: 404},
		{name: "the fourth request is refused", method: "GET", path: "/v1/get/" + rec, status: 429,
			want: errBody("too many requests")},
		{name: "on the delete link too", method: "GET", path: "/v1/exp/delete/" + vault.NewUUID(), status: 429,
			want: errBody("too many requests")},
		{name: "routes with a token are not counted", method: "GET", path: "/v1/userapps", headers: []string{srv.RootHeader()}, status: 200},
	})
	if r := srv.Do("GET", "/v1/get/"+rec, ""); r.Header.Get("Retry-After") == "" {
		t.Fatalf("a 429 without Retry-After: %d %v", r.Status, r.Header)
	}
}
