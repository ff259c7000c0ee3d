// Package httpapi serves the piivault HTTP API (api.md): routing, middleware,
// body decoding, and the single mapping from vault error codes to HTTP
// statuses. Handlers are thin: they read path values, decode the body, call
// one vault.Service method with the request's context and encode the answer.
package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"piivault/internal/metrics"
	"piivault/internal/vault"
)

// Options configure the HTTP layer. Zero values take the defaults of §16.
type Options struct {
	// MaxBodyBytes limits a request body (server.max_body_bytes); default 1 MiB.
	MaxBodyBytes int64
	// MaxJSONDepth limits JSON nesting, the top-level value being level 1
	// (server.max_json_depth); default 32.
	MaxJSONDepth int
	// CORSOrigins lists the origins allowed to call the API from a browser
	// (server.cors_origins); the single entry "*" allows any. Empty: CORS off.
	CORSOrigins []string
	// HSTS sends Strict-Transport-Security on plain-HTTP connections too, for
	// TLS that ends at a proxy (server.hsts). TLS connections always get it.
	HSTS bool
	// Logger receives internal errors; default discards.
	Logger *slog.Logger
	// AccessLog receives one line per request; default Logger.
	AccessLog *slog.Logger
	// UI is the portal branding (ui.*) of /v1/sys/uiconfiguration and
	// /v1/sys/cookiesettings; unset values are "".
	UI UI
	// Metrics receives request counts and latencies and serves /v1/metrics;
	// default a fresh set.
	Metrics *metrics.Metrics
	// RequestTimeout bounds the whole of one request's work: however many
	// storage calls a use case makes, its context ends then and the answer is
	// 503, so no request hangs on a stalled database. 0 means no bound.
	RequestTimeout time.Duration
	// Configuration returns the effective settings for /v1/sys/configuration,
	// secrets already masked; nil answers an empty configuration.
	Configuration func() map[string]map[string]any
	// RateLimits are the limits of §1.12; the zero value turns them all off.
	RateLimits RateLimits
}

// Defaults of §16.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxJSONDepth = 32
)

type handler struct {
	svc     *vault.Service
	opts    Options
	logger  *slog.Logger
	access  *slog.Logger
	mux     *chi.Mux
	metrics *metrics.Metrics
	limits  *limits
}

// New returns the API handler over svc. It answers every request itself:
// unknown paths get 404 "endpoint is missing", never a redirect or a
// plain-text error.
func New(svc *vault.Service, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxJSONDepth <= 0 {
		opts.MaxJSONDepth = DefaultMaxJSONDepth
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	access := opts.AccessLog
	if access == nil {
		access = logger
	}
	h := &handler{svc: svc, opts: opts, logger: logger, access: access, mux: chi.NewRouter(), metrics: opts.Metrics}
	h.limits = newLimits(opts.RateLimits)
	h.mux.Use(h.routing)
	h.mux.NotFound(func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errEndpointMissing) })
	h.mux.MethodNotAllowed(h.methodNotAllowed)
	h.routes(h.mux)
	return h
}
