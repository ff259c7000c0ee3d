package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"piivault/internal/vault"
)

// exchange is the state of one request shared by middleware and handlers. It
// is the single per-request allocation of the middleware: it records the
// response for the access log and carries the request id and the actor.
type exchange struct {
	http.ResponseWriter
	status     int
	size       int64
	id         string
	pattern    string
	actor      vault.Actor
	corsOrigin string // the Access-Control-Allow-Origin value; "" when CORS does not apply
}

func (e *exchange) WriteHeader(code int) {
	if e.status == 0 && code >= 200 {
		e.status = code
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *exchange) Write(b []byte) (int, error) {
	if e.status == 0 {
		e.status = http.StatusOK
	}
	n, err := e.ResponseWriter.Write(b)
	e.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (e *exchange) Unwrap() http.ResponseWriter { return e.ResponseWriter }

type exchangeKey struct{}

// exchangeOf returns the request's exchange. Every request that reaches a
// handler has one, because ServeHTTP is the only entry point.
func exchangeOf(r *http.Request) *exchange {
	return r.Context().Value(exchangeKey{}).(*exchange)
}

// ServeHTTP is the outermost layer: request id, the headers every response
// carries (§1.3, §1.11), panic recovery and the access log, then the router.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ex := &exchange{ResponseWriter: w, id: requestID(r.Header["X-Request-Id"])}
	h.setHeaders(ex.Header(), r, ex)
	ctx := context.WithValue(r.Context(), exchangeKey{}, ex)
	if h.opts.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.opts.RequestTimeout)
		defer cancel()
	}
	r = r.WithContext(ctx)
	defer h.finish(ex, r, start)
	h.mux.ServeHTTP(ex, r)
}

// finish recovers a panicking handler and writes the access log line. The
// line holds the route pattern, never the raw path or query, which may carry
// identities (§1.3).
func (h *handler) finish(ex *exchange, r *http.Request, start time.Time) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		h.logger.LogAttrs(r.Context(), slog.LevelError, "handler panic",
			slog.String("request_id", ex.id),
			slog.Any("panic", v),
			slog.String("stack", string(debug.Stack())))
		if ex.status != 0 {
			// Too late for a clean answer: make the client see a broken response.
			panic(http.ErrAbortHandler)
		}
		h.respond(ex, r, http.StatusInternalServerError, errorResponse{Status: "error", Message: "internal error"})
	}
	status := ex.status
	if status == 0 {
		status = http.StatusOK
	}
	route := ex.pattern
	if route == "" {
		route = "-"
	}
	end := time.Now()
	h.metrics.ObserveRequest(route, logMethod(r.Method), status, end.Sub(start))
	access := h.access.Handler()
	if !access.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	// The record is built here rather than by Logger.LogAttrs, which would
	// walk the stack for a source location this line never shows.
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", logMethod(r.Method)),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", end.Sub(start)),
		slog.Int64("bytes", ex.size),
		slog.String("request_id", ex.id))
	access.Handle(r.Context(), rec)
}

// routing runs inside the router: it makes chi route on the raw path with one
// trailing slash ignored (§1.1) and records the matched pattern for the log.
func (h *handler) routing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx := chi.RouteContext(r.Context())
		rctx.RoutePath = routePath(r)
		defer func() { exchangeOf(r).pattern = rctx.RoutePattern() }()
		next.ServeHTTP(w, r)
	})
}

// routePath is the still percent-encoded path, so that %2F stays inside its
// segment, without one trailing slash.
func routePath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	if p == "" {
		p = "/"
	}
	return p
}

// setHeaders adds the headers of §1.11 that every response carries. The value
// slices are shared, read-only: net/http only reads them.
func (h *handler) setHeaders(hdr http.Header, r *http.Request, ex *exchange) {
	hdr["X-Request-Id"] = []string{ex.id}
	hdr["X-Content-Type-Options"] = nosniff
	hdr["X-Frame-Options"] = deny
	hdr["Referrer-Policy"] = noReferrer
	hdr["Content-Security-Policy"] = apiCSP
	hdr["Cache-Control"] = noStore
	if h.opts.HSTS || r.TLS != nil {
		hdr["Strict-Transport-Security"] = hsts
	}
	if origin := h.allowedOrigin(r.Header["Origin"]); origin != "" {
		ex.corsOrigin = origin
		hdr["Access-Control-Allow-Origin"] = []string{origin}
		hdr["Vary"] = varyOrigin
	}
}

// allowedOrigin returns the Access-Control-Allow-Origin value for a request's
// Origin, or "" when CORS is off or the origin is not configured.
func (h *handler) allowedOrigin(origin []string) string {
	if len(h.opts.CORSOrigins) == 0 || len(origin) == 0 || origin[0] == "" {
		return ""
	}
	for _, o := range h.opts.CORSOrigins {
		switch o {
		case "*":
			return "*"
		case origin[0]:
			return o
		}
	}
	return ""
}

var (
	nosniff    = []string{"nosniff"}
	deny       = []string{"DENY"}
	noReferrer = []string{"no-referrer"}
	apiCSP     = []string{"default-src 'none'; frame-ancestors 'none'"}
	noStore    = []string{"no-store"}
	hsts       = []string{"max-age=31536000; includeSubDomains"}
	varyOrigin = []string{"Origin"}

	preflightMethods = []string{"GET, POST, PUT, DELETE"}
	preflightHeaders = []string{"Content-Type, X-Bunker-Token"}
	preflightMaxAge  = []string{"600"}
)

// requestID echoes the caller's X-Request-Id when it is safe to log
// (^[A-Za-z0-9_-]{1,64}$) and otherwise makes a new one: a random prefix
// drawn once per process and a counter. An id only has to be unique, not
// unpredictable, and this spares a getrandom call per request.
func requestID(sent []string) string {
	if len(sent) == 1 && validRequestID(sent[0]) {
		return sent[0]
	}
	var b [16]byte
	copy(b[:8], requestIDPrefix[:])
	binary.BigEndian.PutUint64(b[8:], requestIDCounter.Add(1))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var (
	requestIDPrefix  = func() (p [8]byte) { rand.Read(p[:]); return p }()
	requestIDCounter atomic.Uint64
)

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// logMethod keeps arbitrary client-chosen method strings out of the log.
func logMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodOptions, http.MethodPatch, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
