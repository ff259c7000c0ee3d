package vault

import "context"

// Share targets (§9, §13).
const (
	ShareProfile = "profile"
	ShareApp     = "app"
	ShareSession = "session"
)

// ShareRecord is a shared record as stored. The record id is a bearer
// secret, so the row is keyed by its blind index and the id is kept sealed
// under the user's data key, as is Spec (fields and partner).
type ShareRecord struct {
	Key          string // blind index of the record id
	SealedRecord []byte // the record id, sealed
	UserToken    string
	Target       string // ShareProfile, ShareApp or ShareSession
	App          string // ShareApp: the app name
	SessionKey   string // ShareSession: the session's blind index (SessionRecord.Key)
	Spec         []byte // sealed JSON {"fields":"…","partner":"…"}
	ExpTime      int64  // Unix seconds; never served at or after it
	Created      int64  // Unix seconds
}

// ShareReader reads shared records.
type ShareReader interface {
	// ShareByKey returns the share stored under key, expired ones included.
	// Errors: ErrNotFound.
	ShareByKey(ctx context.Context, key string) (*ShareRecord, error)
	// SharesByUser returns the user's shares live at now, oldest first.
	SharesByUser(ctx context.Context, userToken string, now int64) ([]*ShareRecord, error)
}

// ShareWriter changes shared records inside a transaction.
type ShareWriter interface {
	// InsertShare stores a new share.
	InsertShare(ctx context.Context, s *ShareRecord) error
	// DeleteShare removes the share under key. Errors: ErrNotFound.
	DeleteShare(ctx context.Context, key string) error
	// DeleteExpiredShares removes at most limit shares whose ExpTime <= now
	// and returns how many.
	DeleteExpiredShares(ctx context.Context, now int64, limit int) (int, error)
}
