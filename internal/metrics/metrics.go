// Package metrics owns piivault's Prometheus collectors (api.md §14): HTTP
// requests and latency by route pattern, authentication failures, rate
// limiting, audit events, background jobs, expired records, storage errors
// and failed deliveries. Labels carry route patterns, methods, status codes
// and fixed reason names only — never paths, identities or tokens.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one process's set of collectors on a registry of its own, so
// tests can create as many as they like. It is safe for concurrent use. A nil
// *Metrics records nothing, so code paths run by tools and tests without a
// metrics endpoint need no stand-in.
type Metrics struct {
	registry *prometheus.Registry

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	authFailures  *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	auditEvents   prometheus.Counter
	notifyFailed  prometheus.Counter
	notifySent    prometheus.Counter
	deliveryFails prometheus.Counter
	loginsFailed  prometheus.Counter
	storageErrors prometheus.Counter
	jobRuns       *prometheus.CounterVec
	expired       *prometheus.CounterVec
	sessionsLive  prometheus.Gauge
}

// New registers every collector, the Go runtime and process collectors included.
func New() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "piivault_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "piivault_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "piivault_auth_failures_total", Help: "Refused credentials by reason (missing, invalid, forbidden).",
	}, []string{"reason"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "piivault_rate_limited_total", Help: "Requests answered 429, by limit.",
	}, []string{"limit"})
	m.auditEvents = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "piivault_audit_events_total", Help: "Audit events written.",
	})
	m.notifyFailed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "piivault_notifications_failed_total", Help: "Outgoing notification deliveries that failed.",
	})
	m.notifySent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "piivault_notifications_delivered_total", Help: "Outgoing notifications the receiver accepted.",
	})
	m.deliveryFails = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "piivault_login_code_delivery_failures_total", Help: "Login codes that could not be sent by e-mail or SMS.",
	})
	m.loginsFailed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "piivault_logins_failed_total", Help: "Portal logins refused (wrong, expired or used code).",
	})
	m.storageErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "piivault_storage_errors_total", Help: "Requests answered 503 because storage was unreachable, slow or full.",
	})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "piivault_job_runs_total", Help: "Background job runs by job and outcome.",
	}, []string{"job", "outcome"})
	m.expired = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "piivault_expired_total", Help: "Records removed by expiry, by kind (session, token, ...).",
	}, []string{"kind"})
	m.sessionsLive = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "piivault_sessions_live", Help: "Sessions stored and not yet expired, as of the last sweep.",
	})
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.authFailures, m.rateLimited, m.auditEvents, m.notifyFailed, m.notifySent,
		m.deliveryFails, m.loginsFailed, m.storageErrors, m.jobRuns, m.expired, m.sessionsLive,
	)
	return m
}

// Handler serves the metrics in the Prometheus text format, uncompressed
// (§1.3: bodies are never compressed).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{DisableCompression: true})
}

// ObserveRequest counts one answered request. route is the matched pattern
// ("-" when nothing matched), never the raw path.
func (m *Metrics) ObserveRequest(route, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
	switch code {
	case http.StatusUnauthorized:
		m.authFailures.WithLabelValues("missing").Inc()
	case http.StatusForbidden:
		m.authFailures.WithLabelValues("forbidden").Inc()
	case http.StatusServiceUnavailable:
		m.storageErrors.Inc()
	}
}

// RateLimited counts a 429 of the named limit (the ratelimit.* key name).
func (m *Metrics) RateLimited(limit string) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(limit).Inc()
}

// AuditEvents counts n stored audit events.
func (m *Metrics) AuditEvents(n int) {
	if m == nil {
		return
	}
	m.auditEvents.Add(float64(n))
}

// NotificationFailed counts a failed outgoing notification.
func (m *Metrics) NotificationFailed() {
	if m == nil {
		return
	}
	m.notifyFailed.Inc()
}

// NotificationsDelivered counts n outgoing notifications the receiver accepted.
func (m *Metrics) NotificationsDelivered(n int) {
	if m == nil {
		return
	}
	m.notifySent.Add(float64(n))
}

// CodeDeliveryFailed counts a login code that could not be sent.
func (m *Metrics) CodeDeliveryFailed() {
	if m == nil {
		return
	}
	m.deliveryFails.Inc()
}

// LoginFailed counts a refused portal login.
func (m *Metrics) LoginFailed() {
	if m == nil {
		return
	}
	m.loginsFailed.Inc()
}

// JobRun counts one run of a background job; err nil is success.
func (m *Metrics) JobRun(job string, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.jobRuns.WithLabelValues(job, outcome).Inc()
}

// Expired counts n records of kind removed by expiry.
func (m *Metrics) Expired(kind string, n int) {
	if m == nil {
		return
	}
	if n > 0 {
		m.expired.WithLabelValues(kind).Add(float64(n))
	}
}

// SetSessionsLive records the number of live sessions.
func (m *Metrics) SetSessionsLive(n int) {
	if m == nil {
		return
	}
	m.sessionsLive.Set(float64(n))
}
