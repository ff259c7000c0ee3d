package vault

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"sync/atomic"
	"time"
)

// Options configure a Service. The zero value of each field is a safe default.
type Options struct {
	// RootTokenHash is the SHA-256 of the root token. The token itself is never kept.
	RootTokenHash [32]byte
	// AnonymousCreate lets POST /v1/user succeed without a token
	// (generic.create_user_without_access_token).
	AnonymousCreate bool
	// ListUsers enables GET /v1/users (generic.list_users).
	ListUsers bool
	// Normalizer normalises identities; its Phone func carries the default region.
	Normalizer Normalizer
	// Clock defaults to the system clock.
	Clock Clock
	// MaxSessionRetention caps session lifetimes (policy.max_session_retention_period, default 1h).
	MaxSessionRetention time.Duration
	// MaxTokenRetention caps vault-token lifetimes (policy.max_token_retention_period); 0 = no cap.
	MaxTokenRetention time.Duration
	// TokenEmailDomain is the domain of email-format vault tokens (default piivault.invalid).
	TokenEmailDomain string
	// ScopedTokens are the configured tokenization credentials (auth.scoped_tokens).
	ScopedTokens []ScopedToken
	// KeyManager serves the key routes of §14; nil answers them 503.
	KeyManager *KeyManager
	// Erasures records every erasure outside the database before it
	// commits (see logErasure); nil records nothing.
	Erasures ErasureLog
	// SelfService decides which changes of a login token apply at once
	// and which become requests (selfservice.*).
	SelfService SelfService
	// MaxShareRetention caps shared records
	// (policy.max_shareable_record_retention_period); 0 means one month.
	MaxShareRetention time.Duration
	// MaxUserRetention caps scheduled erasures
	// (policy.max_user_retention_period); 0 means one month.
	MaxUserRetention time.Duration
	// RequestNotifier is told of every new request (generic.admin_email);
	// nil tells no one.
	RequestNotifier RequestNotifier
	// Demo is demo mode (§1.6): the demo identities get login code 4444,
	// which is never sent.
	Demo bool
	// Login configures login codes and login tokens (§6).
	Login LoginOptions
	// Notifications queues an outgoing notification (§15) with every
	// change of a user's profile, existence or consent
	// (notification.notification_url is set); DeliverNotifications sends them.
	Notifications bool
}

// ScopedToken is a configured credential limited to tokenization scopes.
type ScopedToken struct {
	Name   string
	SHA256 [32]byte // SHA-256 of the token; the token itself is never kept
	Scopes []string // token:create, token:read, token:delete
}

// Service implements the use cases of the vault, one method each. It is safe
// for concurrent use. Methods take the acting caller explicitly so that every
// guard and (later) audit event is decided here, not in HTTP handlers.
type Service struct {
	store Store
	keys  Keys
	opts  Options
	clock Clock

	// detokenized counts token values handed out (§12), until the audit
	// trail records each detokenization.
	detokenized atomic.Int64
}

// NewService returns a Service over store and keys.
func NewService(store Store, keys Keys, opts Options) *Service {
	clock := opts.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	if opts.MaxSessionRetention <= 0 {
		opts.MaxSessionRetention = time.Hour
	}
	if opts.TokenEmailDomain == "" {
		opts.TokenEmailDomain = "piivault.invalid"
	}
	opts.Login = opts.Login.withDefaults()
	return &Service{store: store, keys: keys, opts: opts, clock: clock}
}

// ActorKind says what kind of credential a caller presented.
type ActorKind int

// Actor kinds (§1.6).
const (
	ActorAnonymous ActorKind = iota // no credential, on a route that allows that
	ActorRoot                       // the root token
	ActorLogin                      // a data subject's login token
	ActorScoped                     // a scoped tokenization token
	ActorSystem                     // background jobs
)

// Actor is the authenticated caller of a use case.
type Actor struct {
	Kind      ActorKind
	UserToken string   // ActorLogin: the subject the login token belongs to
	Name      string   // ActorScoped: the configured token name
	Scopes    []string // ActorScoped: the scopes it holds
}

// Root is the actor holding the root token.
var Root = Actor{Kind: ActorRoot}

// Authenticate resolves the X-Bunker-Token value to an Actor: root, a
// scoped token, or an unexpired login token (which are UUIDs, so nothing
// else is looked up).
// Errors: ErrNoToken for an empty token; ErrAccessDenied for any token that is
// not valid; EUNAVAILABLE. The comparison with the root token runs in
// constant time.
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	if token == "" {
		return Actor{}, ErrNoToken
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], s.opts.RootTokenHash[:]) == 1 {
		return Root, nil
	}
	for _, st := range s.opts.ScopedTokens {
		if subtle.ConstantTimeCompare(sum[:], st.SHA256[:]) == 1 {
			return Actor{Kind: ActorScoped, Name: st.Name, Scopes: st.Scopes}, nil
		}
	}
	if IsUUID(token) {
		return s.loginActor(ctx, sum)
	}
	return Actor{}, ErrAccessDenied
}

// AnonymousCreate reports whether users may be created without a token.
func (s *Service) AnonymousCreate() bool { return s.opts.AnonymousCreate }

// ListUsersEnabled reports whether GET /v1/users is switched on. While it is
// off the route is 403 for everyone, before any parameter is looked at (§1.5).
func (s *Service) ListUsersEnabled() bool { return s.opts.ListUsers }

// ParseIdentity checks and normalises a {mode}/{identity} path pair.
// Errors: ErrBadMode, ErrBadUUID.
func (s *Service) ParseIdentity(mode, raw string) (Identity, error) {
	return s.opts.Normalizer.ParseIdentity(mode, raw)
}

// Ping checks that storage answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

func (s *Service) now() int64 { return s.clock.Now().Unix() }

// Detokenized returns how many token values this Service has handed out
// since it started: one per found token of GET /v1/token/{token} and of
// POST /v1/tokens/lookup. Missing and expired tokens are not counted.
func (s *Service) Detokenized() int64 { return s.detokenized.Load() }

// HasScope reports whether the actor may use a tokenization route needing
// scope: root always, a scoped token when it holds the scope.
func (a Actor) HasScope(scope string) bool {
	if a.Kind == ActorRoot {
		return true
	}
	if a.Kind != ActorScoped {
		return false
	}
	for _, s := range a.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// HashToken returns the SHA-256 of a secret token, the only form in which
// piivault keeps tokens it issues or is configured with.
func HashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }
