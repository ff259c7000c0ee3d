package httpapi_test

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/httpapi"
	"piivault/internal/ratelimit"
	"piivault/internal/vault"
)

// The rate limits of §1.12, driven by a manual clock.

func limitedServer(t *testing.T, clock *manualClock, set func(*httpapi.RateLimits)) *apitest.Server {
	t.Helper()
	return apitest.New(t, withClock(clock), apitest.WithHTTP(func(o *httpapi.Options) {
		o.RateLimits.Now = clock.Now
		set(&o.RateLimits)
	}))
}

// expect sends a request and checks its status and, for a 429, the exact
// Retry-After.
func expect(t *testing.T, srv *apitest.Server, path string, status int, retryAfter time.Duration, headers ...string) {
	t.Helper()
	r := srv.Do("GET", path, "", headers...)
	if r.Status != status {
		t.Fatalf("GET %s: %d, want %d; %s", path, r.Status, status, r.Body)
	}
	if status == 429 {
		if string(r.Body) != errBody("too many requests")+"\n" || r.Header.Get("Retry-After") != strconv.Itoa(int(retryAfter/time.Second)) {
			t.Fatalf("GET %s: 429 with Retry-After %q and %s, want %v", path, r.Header.Get("Retry-After"), r.Body, retryAfter)
		}
	}
}

func TestPreloginPerIdentity(t *testing.T) {
	clock := newManualClock()
	srv := limitedServer(t, clock, func(l *httpapi.RateLimits) {
		l.PreloginPerIdentity = ratelimit.Limit{Count: 3, Window: 15 * time.Minute}
	})
	createUser(t, srv, `{"email":"mary@example.com"}`)
	for _, id := range []string{"mary@example.com", "nobody@example.com"} { // counted whether or not a user exists
		for range 3 {
			expect(t, srv, "/v1/prelogin/email/"+id, 200, 0)
		}
		expect(t, srv, "/v1/prelogin/email/"+id, 429, 15*time.Minute)
	}
	expect(t, srv, "/v1/prelogin/email/%20MARY@example.com", 429, 15*time.Minute)  // the normalised identity counts
	expect(t, srv, "/v1/prelogin/email/mary@example.com/x/y", 429, 15*time.Minute) // on both routes
	expect(t, srv, "/v1/prelogin/phone/mary@example.com", 200, 0)                  // another mode is another identity
	expect(t, srv, "/v1/prelogin/email/john@example.com", 200, 0)
	clock.advance(10 * time.Minute)
	expect(t, srv, "/v1/prelogin/email/mary@example.com", 429, 5*time.Minute)
	clock.advance(5 * time.Minute)
	expect(t, srv, "/v1/prelogin/email/mary@example.com", 200, 0)
}

func TestPreloginPerAddress(t *testing.T) {
	clock := newManualClock()
	srv := limitedServer(t, clock, func(l *httpapi.RateLimits) { l.PreloginPerIP = ratelimit.Limit{Count: 10, Window: 15 * time.Minute} })
	for i := range 9 {
		expect(t, srv, "/v1/prelogin/email/user"+strconv.Itoa(i)+"@example.com", 200, 0)
	}
	expect(t, srv, "/v1/prelogin/token/x", 400, 0) // a bad mode still counts
	expect(t, srv, "/v1/prelogin/email/another@example.com", 429, 15*time.Minute)
	expect(t, srv, "/v1/prelogin/bogus/x", 429, 15*time.Minute) // the limit comes before the mode check
	expect(t, srv, "/v1/login/email/another@example.com/123456", 403, 0)
}

func TestLoginPerAddress(t *testing.T) {
	clock := newManualClock()
	srv := limitedServer(t, clock, func(l *httpapi.RateLimits) { l.LoginPerIP = ratelimit.Limit{Count: 10, Window: time.Minute} })
	createUser(t, srv, `{"email":"mary@example.com"}`)
	for i := range 10 {
		expect(t, srv, "/v1/login/email/mary@example.com/"+strconv.Itoa(100000+i), 403, 0)
	}
	expect(t, srv, "/v1/login/email/mary@example.com/123456", 429, time.Minute)
	expect(t, srv, "/v1/login/email/nobody@example.com/123456", 429, time.Minute)
	expect(t, srv, "/v1/prelogin/email/mary@example.com", 200, 0) // its own limits only
	clock.advance(time.Minute)
	expect(t, srv, "/v1/login/email/mary@example.com/123456", 403, 0)
}

func TestAuthFailureBlock(t *testing.T) {
	clock := newManualClock()
	srv := limitedServer(t, clock, func(l *httpapi.RateLimits) {
		l.AuthFailuresPerIP = ratelimit.Limit{Count: 30, Window: time.Minute}
		l.LoginPerIP = ratelimit.Limit{Count: 100, Window: time.Minute}
	})
	mary := createUser(t, srv, `{"email":"mary@example.com"}`)
	john := createUser(t, srv, `{"email":"john@example.com"}`)
	login, err := srv.Service.IssueLoginToken(t.Context(), mary)
	if err != nil {
		t.Fatal(err)
	}
	asMary := "X-Bunker-Token: " + login
	wrong := "X-Bunker-Token: " + vault.NewUUID()
	user := "/v1/user/token/" + mary
	for i := range 10 {
		expect(t, srv, user, 401, 0)                           // no token
		expect(t, srv, user, 403, 0, wrong)                    // a wrong token
		expect(t, srv, "/v1/user/token/"+john, 403, 0, asMary) // a valid token where it may not go
		if i == 4 {
			clock.advance(20 * time.Second)
		}
	}
	// Thirty failures within the minute: fifteen at 0 s, fifteen at 20 s.
	// The block lasts until the first of them leaves the window, at 60 s.
	expect(t, srv, user, 429, 40*time.Second)
	expect(t, srv, user, 429, 40*time.Second, wrong)
	expect(t, srv, "/v1/token/x", 429, 40*time.Second, "X-Bunker-Token: DEMO")
	expect(t, srv, user, 200, 0, srv.RootHeader()) // a valid token is never blocked
	expect(t, srv, user, 200, 0, asMary)
	expect(t, srv, "/v1/user/token/"+john, 403, 0, asMary)
	for _, path := range []string{"/v1/status", "/status", "/v1/prelogin/email/mary@example.com", "/v1/login/email/mary@example.com/123456"} {
		if r := srv.Do("GET", path, ""); r.Status == 429 {
			t.Fatalf("a none route is blocked: GET %s", path)
		}
	}
	clock.advance(39 * time.Second)
	expect(t, srv, user, 429, time.Second)
	clock.advance(time.Second)
	expect(t, srv, user, 401, 0)
}

func TestClientAddress(t *testing.T) {
	loginLimit := func(trusted ...string) func(*httpapi.RateLimits) {
		return func(l *httpapi.RateLimits) {
			l.LoginPerIP = ratelimit.Limit{Count: 1, Window: time.Minute}
			for _, p := range trusted {
				l.TrustedProxies = append(l.TrustedProxies, netip.MustParsePrefix(p))
			}
		}
	}
	const path = "/v1/login/email/a@example.com/123456"
	xff := func(v string) string { return "X-Forwarded-For: " + v }
	tests := []struct {
		name    string
		trusted []string
		first   []string // headers of the first request, which passes
		second  []string // headers of the second
		status  int      // of the second: 429 when both count as one client
	}{
		{"without trusted proxies X-Forwarded-For is ignored", nil, []string{xff("198.51.100.1")}, []string{xff("198.51.100.2")}, 429},
		{"from a trusted proxy each forwarded client counts apart", []string{"127.0.0.1/32"}, []string{xff("198.51.100.1")}, []string{xff("198.51.100.2")}, 403},
		{"a forwarded client is one client", []string{"127.0.0.0/8"}, []string{xff("198.51.100.1")}, []string{xff("198.51.100.1")}, 429},
		{"what the client wrote left of the proxy's entry is not believed", []string{"127.0.0.1/32"},
			[]string{xff("203.0.113.9, 198.51.100.1")}, []string{xff("203.0.113.10, 198.51.100.1")}, 429},
		{"trusted hops are skipped from the right", []string{"127.0.0.1/32", "10.0.0.0/8"},
			[]string{xff("198.51.100.1, 10.1.2.3")}, []string{xff("198.51.100.2"), xff("10.1.2.3")}, 403},
		{"an IPv6 client counts per /64", []string{"127.0.0.1/32"}, []string{xff("2001:db8::1")}, []string{xff("2001:db8::2")}, 429},
		{"another /64 is another client", []string{"127.0.0.1/32"}, []string{xff("2001:db8::1")}, []string{xff("2001:db8:0:1::1")}, 403},
		{"a malformed entry falls back to the proxy", []string{"127.0.0.1/32"}, []string{xff("garbage")}, []string{}, 429},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := limitedServer(t, newManualClock(), loginLimit(tc.trusted...))
			expect(t, srv, path, 403, 0, tc.first...)
			expect(t, srv, path, tc.status, time.Minute, tc.second...)
		})
	}
}
