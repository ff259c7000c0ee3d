package vault

import "context"

// TokenRecord is a vault token (§12) as stored. Rows are keyed by the blind
// index of the token; the token and the value are sealed under the token's
// own data key.
type TokenRecord struct {
	Key         string // blind index of the token; primary key
	SealedToken []byte // the token, sealed (needed to hand a unique token out again)
	DataKey     []byte // wrapped data key of this token
	Value       []byte // the tokenized value, sealed
	Format      string // uuid, digits, creditcard, email
	Unique      string // blind index of (format, normalised value) for unique tokens, else ""
	ExpTime     int64  // Unix seconds, 0 = never
	Created     int64  // Unix seconds
}

// TokenReader reads vault tokens.
type TokenReader interface {
	// TokenByKey returns the token stored under key, expired ones included.
	// Errors: ErrNotFound.
	TokenByKey(ctx context.Context, key string) (*TokenRecord, error)
	// TokenByUnique returns the unique token with that value index, expired
	// ones included. Errors: ErrNotFound.
	TokenByUnique(ctx context.Context, unique string) (*TokenRecord, error)
	// TokensByKeys returns the stored tokens among keys (at most 1000),
	// expired ones included, each once, in no particular order; a key without
	// a token is simply absent from the result. It lets a bulk lookup read in a few
	// statements instead of one round trip per token.
	TokensByKeys(ctx context.Context, keys []string) ([]*TokenRecord, error)
}

// TokenWriter changes vault tokens inside a transaction.
type TokenWriter interface {
	// InsertToken stores a new token. A Key or Unique already stored fails
	// with ECONFLICT (the caller retries with a new token or reuses the unique one).
	InsertToken(ctx context.Context, t *TokenRecord) error
	// DeleteToken removes the token under key. Errors: ErrNotFound.
	DeleteToken(ctx context.Context, key string) error
	// DeleteExpiredTokens removes at most limit tokens with 0 < ExpTime <= now.
	DeleteExpiredTokens(ctx context.Context, now int64, limit int) (int, error)
}
