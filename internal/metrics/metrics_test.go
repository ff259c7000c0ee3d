package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d", rec.Code)
	}
	if ce := rec.Header().Get("Content-Encoding"); ce != "" {
		t.Fatalf("compressed metrics: %q", ce)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetricsExposeTheContractNames(t *testing.T) {
	m := New()
	m.ObserveRequest("/v1/user/{mode}/{identity}", "GET", 200, 3*time.Millisecond)
	m.ObserveRequest("/v1/user/{mode}/{identity}", "GET", 403, time.Millisecond)
	m.ObserveRequest("/v1/user", "POST", 503, time.Millisecond)
	m.RateLimited("prelogin_per_ip")
	m.AuditEvents(2)
	m.NotificationFailed()
	m.CodeDeliveryFailed()
	m.LoginFailed()
	m.JobRun("sweep", nil)
	m.JobRun("sweep", errors.New("down"))
	m.Expired("session", 3)
	m.SetSessionsLive(7)
	out := scrape(t, m)
	for _, want := range []string{
		`piivault_http_requests_total{code="200",method="GET",route="/v1/user/{mode}/{identity}"} 1`,
		`piivault_http_request_duration_seconds_count{method="GET",route="/v1/user/{mode}/{identity}"} 2`,
		`piivault_auth_failures_total{reason="forbidden"} 1`,
		`piivault_rate_limited_total{limit="prelogin_per_ip"} 1`,
		`piivault_sessions_live 7`,
		`piivault_audit_events_total 2`,
		`piivault_notifications_failed_total 1`,
		`piivault_login_code_delivery_failures_total 1`,
		`piivault_logins_failed_total 1`,
		`piivault_storage_errors_total 1`,
		`piivault_job_runs_total{job="sweep",outcome="error"} 1`,
		`piivault_expired_total{kind="session"} 3`,
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	m.ObserveRequest("/", "GET", 200, time.Millisecond)
	m.RateLimited("x")
	m.AuditEvents(1)
	m.NotificationFailed()
	m.CodeDeliveryFailed()
	m.LoginFailed()
	m.JobRun("sweep", nil)
	m.Expired("session", 1)
	m.SetSessionsLive(1)
}
