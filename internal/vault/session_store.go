package vault

import "context"

// SessionRecord is a web session as stored. The session id is a bearer
// credential, so rows are keyed by its blind index and the id itself is kept
// sealed (it is shown again only in a user's session list).
type SessionRecord struct {
	Key       string // blind index of the session id; primary key
	SealedID  []byte // the session id, sealed under DataKey
	DataKey   []byte // wrapped data key of this session
	Data      []byte // sealed session document
	UserToken string // the bound user, "" when unbound
	ExpTime   int64  // Unix seconds; never served at or after it
	When      int64  // Unix seconds of the last write
	Seq       int64  // store-assigned, rises with every committed write (orders writes within one second)
}

// SessionReader reads sessions.
type SessionReader interface {
	// SessionByKey returns the session stored under key, expired ones included
	// (the caller decides). Errors: ErrNotFound.
	SessionByKey(ctx context.Context, key string) (*SessionRecord, error)
	// SessionsByUser returns the user's sessions live at now, oldest write
	// first (When, then Seq), and the count of all of them.
	SessionsByUser(ctx context.Context, userToken string, now int64, offset, limit int) ([]*SessionRecord, int, error)
	// CountLiveSessions returns how many sessions are live at now.
	CountLiveSessions(ctx context.Context, now int64) (int, error)
}

// SessionWriter changes sessions inside a transaction.
type SessionWriter interface {
	// PutSession inserts or atomically replaces the session under s.Key and
	// assigns s.Seq. Concurrent puts of one key never fail; the last commit wins.
	PutSession(ctx context.Context, s *SessionRecord) error
	// DeleteSession removes the session under key; a missing one is not an error.
	DeleteSession(ctx context.Context, key string) error
	// DeleteUserSessions removes every session bound to the user and returns how many.
	DeleteUserSessions(ctx context.Context, userToken string) (int, error)
	// DeleteExpiredSessions removes at most limit sessions whose ExpTime <= now
	// and returns how many, so a sweeper works in bounded batches.
	DeleteExpiredSessions(ctx context.Context, now int64, limit int) (int, error)
}
