package httpapi

import (
	"net/http"

	"piivault/internal/vault"
)

// A guard is the auth column of a route in §2: which authenticated actors
// may call it.
type guard struct {
	accepts func(vault.Actor) bool
	// anonymous, when set and true for the service's configuration, lets a
	// request without a token through as vault.ActorAnonymous.
	anonymous func(*vault.Service) bool
}

var (
	// guardRoot is R: the root token only.
	guardRoot = guard{accepts: isRoot}
	// guardUser is U/R: root, or a login token; whether the login token's
	// user is the subject is decided by the service (§1.5 step 6).
	guardUser = guard{accepts: func(a vault.Actor) bool { return a.Kind == vault.ActorRoot || a.Kind == vault.ActorLogin }}
	// guardCreate is POST /v1/user: R, or no token at all when anonymous
	// creation is configured (§3.2).
	guardCreate = guard{accepts: isRoot, anonymous: (*vault.Service).AnonymousCreate}
	// guardTokenCreate, guardTokenRead and guardTokenDelete are
	// S:token:create, S:token:read and S:token:delete (§12): root, or a
	// scoped token holding that scope.
	guardTokenCreate = guardScope("token:create")
	guardTokenRead   = guardScope("token:read")
	guardTokenDelete = guardScope("token:delete")
)

// guardScope is S:<scope>.
func guardScope(scope string) guard {
	return guard{accepts: func(a vault.Actor) bool { return a.HasScope(scope) }}
}

func isRoot(a vault.Actor) bool { return a.Kind == vault.ActorRoot }

// auth checks X-Bunker-Token before next runs, so that nothing is looked up
// for an unauthenticated caller (§1.5 step 3). The header must appear once: a
// request that sends it twice is refused rather than guessing which counts.
// Every 401 and 403 answer counts against the client address; while it is
// over ratelimit.auth_failures_per_ip, a request without a valid token gets
// 429 instead (§1.12).
// Errors: 401 (absent or empty), 403 (invalid, repeated, or not accepted
// here), 429.
func (h *handler) auth(g guard, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer h.countAuthFailure(r)
		tokens := r.Header["X-Bunker-Token"]
		var actor vault.Actor
		switch {
		case len(tokens) > 1:
			h.refuse(w, r, vault.ErrAccessDenied)
			return
		case (len(tokens) == 0 || tokens[0] == "") && g.anonymous != nil && g.anonymous(h.svc):
			actor = vault.Actor{Kind: vault.ActorAnonymous}
		default:
			var token string
			if len(tokens) == 1 {
				token = tokens[0]
			}
			a, err := h.svc.Authenticate(r.Context(), token)
			if err != nil {
				h.refuse(w, r, err)
				return
			}
			if !g.accepts(a) {
				h.fail(w, r, vault.ErrAccessDenied)
				return
			}
			actor = a
		}
		exchangeOf(r).actor = actor
		next(w, r)
	}
}

// actorOf returns the caller that auth let through.
func actorOf(r *http.Request) vault.Actor { return exchangeOf(r).actor }
