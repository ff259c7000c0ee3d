package httpapi

import (
	"crypto/sha256"
	"net/http"
	"net/netip"
	"time"

	"piivault/internal/ratelimit"
	"piivault/internal/vault"
)

// RateLimits are the per-process limits of §1.12 (ratelimit.*). The zero
// value turns every limit off; the server passes the configured ones.
type RateLimits struct {
	PreloginPerIdentity ratelimit.Limit // code requests per normalised identity
	PreloginPerIP       ratelimit.Limit // code requests per client address
	LoginPerIP          ratelimit.Limit // login attempts per client address
	AnonymousPerIP      ratelimit.Limit // tokenless data routes per client address
	AuthFailuresPerIP   ratelimit.Limit // 401/403 answers per client address before the block
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (server.trusted_proxies).
	TrustedProxies []netip.Prefix
	// Now is the clock of the windows; nil means time.Now.
	Now func() time.Time
}

// limits holds one limiter per limit of §1.12; a nil limiter is off.
type limits struct {
	preloginIdentity, preloginIP, loginIP, anonymousIP, authFailures *ratelimit.Limiter
	trusted                                                          []netip.Prefix
}

func newLimits(o RateLimits) *limits {
	return &limits{
		preloginIdentity: ratelimit.New(o.PreloginPerIdentity, o.Now),
		preloginIP:       ratelimit.New(o.PreloginPerIP, o.Now),
		loginIP:          ratelimit.New(o.LoginPerIP, o.Now),
		anonymousIP:      ratelimit.New(o.AnonymousPerIP, o.Now),
		authFailures:     ratelimit.New(o.AuthFailuresPerIP, o.Now),
		trusted:          o.TrustedProxies,
	}
}

// clientKey is the rate-limit key of r's client address.
func (l *limits) clientKey(r *http.Request) string { return addrKey(clientAddr(r, l.trusted)) }

// identityKey is the rate-limit key of a §6 identity: a hash, so that the
// limiter's memory holds no identities. An identity that normalises to
// nothing is counted under its raw form, so junk is limited too.
func identityKey(id vault.Identity, raw string) string {
	v := id.Value
	if id.Empty {
		v = "\x00" + raw
	}
	sum := sha256.Sum256([]byte(string(id.Mode) + ":" + v))
	return string(sum[:])
}

// retryAfter carries a 429's wait to fail, which writes Retry-After.
type retryAfter int

func (s retryAfter) Error() string          { return "rate limit exceeded" }
func (s retryAfter) RetryAfterSeconds() int { return int(s) }

// tooMany is the ETOOMANY error for a caller who may try again after wait.
func tooMany(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	return &vault.Error{Code: vault.ETOOMANY, Message: "too many requests", Err: retryAfter(max(secs, 1))}
}

// Limit names, the ratelimit.* keys, for metrics.
const (
	limitPreloginIdentity = "prelogin_per_identity"
	limitPreloginIP       = "prelogin_per_ip"
	limitLoginIP          = "login_per_ip"
	limitAnonymousIP      = "anonymous_per_ip"
	limitAuthFailures     = "auth_failures_per_ip"
)

// allow counts one request against l (named name) under key (§1.5 step
// 2). Over the limit it answers 429 with Retry-After and returns false.
func (h *handler) allow(w http.ResponseWriter, r *http.Request, l *ratelimit.Limiter, name, key string) bool {
	if l == nil {
		return true
	}
	ok, wait := l.Allow(key)
	if !ok {
		h.metrics.RateLimited(name)
		h.fail(w, r, tooMany(wait))
	}
	return ok
}

// anonymousLimit wraps a `none` route that touches data (/v1/get/…,
// /v1/exp/retain/…, /v1/exp/delete/…) with ratelimit.anonymous_per_ip.
// A token sent there is ignored, so every request counts.
func (h *handler) anonymousLimit(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.allowAnonymous(w, r) {
			next(w, r)
		}
	}
}

// allowAnonymous counts r against ratelimit.anonymous_per_ip and answers
// 429 when over it, for routes that are tokenless only sometimes (the
// tokenless agreement accept): call it on the tokenless path only.
func (h *handler) allowAnonymous(w http.ResponseWriter, r *http.Request) bool {
	if h.limits.anonymousIP == nil {
		return true
	}
	return h.allow(w, r, h.limits.anonymousIP, limitAnonymousIP, h.limits.clientKey(r))
}

// authBlocked answers 429 and returns true when r's address has had too
// many 401/403 answers (§1.12). Call it only for a request without a valid
// token: one with a valid token is never blocked.
func (h *handler) authBlocked(w http.ResponseWriter, r *http.Request) bool {
	if h.limits.authFailures == nil {
		return false
	}
	blocked, wait := h.limits.authFailures.Blocked(h.limits.clientKey(r))
	if blocked {
		h.metrics.RateLimited(limitAuthFailures)
		h.fail(w, r, tooMany(wait))
	}
	return blocked
}

// refuse answers a request whose credential failed with err, or with 429
// while the address is blocked for its authentication failures.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if c := vault.ErrorCode(err); (c == vault.EUNAUTHORIZED || c == vault.EFORBIDDEN) && h.authBlocked(w, r) {
		return
	}
	h.fail(w, r, err)
}

// countAuthFailure records a 401 or 403 answer against r's address, once
// the handler has answered.
func (h *handler) countAuthFailure(r *http.Request) {
	if h.limits.authFailures == nil {
		return
	}
	if st := exchangeOf(r).status; st == http.StatusUnauthorized || st == http.StatusForbidden {
		h.limits.authFailures.Record(h.limits.clientKey(r))
	}
}
