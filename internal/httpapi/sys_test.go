package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/httpapi"
)

func TestMetricsRouteCountsByPatternNeverByPath(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	srv.Do("POST", "/v1/user", `{"email":"metrics.canary@example.org"}`, root, jsonCT)
	srv.Do("GET", "/v1/user/email/metrics.canary@example.org", "", root)
	srv.Do("GET", "/v1/user/email/metrics.canary@example.org", "", "X-Bunker-Token: wrong-token-canary")

	r := srv.Do("GET", "/v1/metrics", "")
	if r.Status != 200 {
		t.Fatalf("metrics: %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("content type %q", ct)
	}
	body := string(r.Body)
	for _, want := range []string{
		`piivault_http_requests_total{code="200",method="GET",route="/v1/user/{mode}/{identity}"} 1`,
		`piivault_http_requests_total{code="403",method="GET",route="/v1/user/{mode}/{identity}"} 1`,
		`piivault_http_request_duration_seconds_bucket{method="POST",route="/v1/user",le="+Inf"} 1`,
		`piivault_auth_failures_total{reason="forbidden"} 1`,
		"piivault_sessions_live", "piivault_audit_events_total",
		"piivault_notifications_failed_total", "piivault_notifications_delivered_total", "piivault_login_code_delivery_failures_total",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, leak := range []string{"metrics.canary", "wrong-token-canary", srv.Root} {
		if strings.Contains(body, leak) {
			t.Errorf("metrics contain %q", leak)
		}
	}
}

func TestSystemRoutes(t *testing.T) {
	settings := map[string]map[string]any{"auth": {"root_token": "****"}, "server": {"port": 3000}}
	srv := apitest.New(t, apitest.WithHTTP(func(o *httpapi.Options) {
		o.Configuration = func() map[string]map[string]any { return settings }
	}))
	root := srv.RootHeader()
	run(t, srv, []scenario{
		{name: "backup is reserved, never a 2xx for nothing", method: "GET", path: "/v1/sys/backup", headers: []string{root},
			status: 501, want: errBody("not implemented")},
		{name: "backup needs root", method: "GET", path: "/v1/sys/backup", status: 401, want: errBody("access denied")},
		{name: "configuration shows the masked settings", method: "GET", path: "/v1/sys/configuration", headers: []string{root},
			status: 200, want: `{"status":"ok","configuration":{"auth":{"root_token":"****"},"server":{"port":3000}}}`},
		{name: "configuration needs root", method: "GET", path: "/v1/sys/configuration", headers: []string{"X-Bunker-Token: nope"},
			status: 403, want: errBody("access denied")},
	})
	r := srv.Do("GET", "/v1/audit/admin", "", root)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"title":"view configuration"`) {
		t.Fatalf("the configuration view is not audited: %d %s", r.Status, r.Body)
	}
}

func TestLiveSessionsCountsOnlyUnexpired(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock))
	root := srv.RootHeader()
	for id, body := range map[string]string{"live-session-00000001": `{"a":1}`, "short-session-0000001": `{"expiration":"10s"}`} {
		if r := srv.Do("POST", "/v1/session/"+id, body, root, jsonCT); r.Status != 200 {
			t.Fatalf("put %s: %d %s", id, r.Status, r.Body)
		}
	}
	ctx := context.Background()
	if n, err := srv.Service.LiveSessions(ctx); err != nil || n != 2 {
		t.Fatalf("live sessions: %d, %v; want 2", n, err)
	}
	clock.advance(11 * time.Second)
	if n, err := srv.Service.LiveSessions(ctx); err != nil || n != 1 {
		t.Fatalf("after one expired: %d, %v; want 1", n, err)
	}
}
