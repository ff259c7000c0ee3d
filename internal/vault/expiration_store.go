package vault

import "context"

// Expiration statuses (§10). A user without a schedule has none ("").
const (
	ExpWait   = "wait"
	ExpRetain = "retain"
)

// ExpirationRecord is the erasure schedule of one user (§10). While the
// status is wait, TokenKey is the blind index of the retain/delete link
// token and SealedToken the token sealed under the user's data key.
type ExpirationRecord struct {
	UserToken   string
	ExpTime     int64 // Unix seconds; 0 when retained
	Status      string
	TokenKey    string
	SealedToken []byte
}

// ExpirationReader reads erasure schedules.
type ExpirationReader interface {
	// Expiration returns the user's schedule. Inside Update the row stays
	// locked until the commit. Errors: ErrNotFound.
	Expiration(ctx context.Context, userToken string) (*ExpirationRecord, error)
	// ExpirationByKey returns the schedule whose link token has blind index
	// key. Errors: ErrNotFound.
	ExpirationByKey(ctx context.Context, key string) (*ExpirationRecord, error)
	// ExpirationsOf returns the schedules of the given users, keyed by user
	// token; users without one are absent.
	ExpirationsOf(ctx context.Context, userTokens []string) (map[string]*ExpirationRecord, error)
	// DueExpirations returns at most limit users whose status is wait and
	// whose ExpTime <= now, earliest first.
	DueExpirations(ctx context.Context, now int64, limit int) ([]string, error)
}

// ExpirationWriter changes erasure schedules inside a transaction.
type ExpirationWriter interface {
	// PutExpiration inserts or replaces the user's schedule.
	PutExpiration(ctx context.Context, e *ExpirationRecord) error
	// DeleteExpiration removes the user's schedule; none is not an error.
	DeleteExpiration(ctx context.Context, userToken string) error
}
