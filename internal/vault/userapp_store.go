package vault

import "context"

// AppRecord is one app record as stored (§4): a document sealed under the
// owning user's data key, bound to the user token and app name.
type AppRecord struct {
	UserToken string
	App       string // lower-case app name
	Data      []byte // sealed JSON object
	Created   int64  // Unix seconds
	Updated   int64  // Unix seconds
}

// AppReader reads app records.
type AppReader interface {
	// AppRecord returns the user's record of app. Inside Update the row stays
	// locked until the commit. Errors: ErrNotFound.
	AppRecord(ctx context.Context, userToken, app string) (*AppRecord, error)
	// AppRecords returns every app record of the user, ordered by app name.
	AppRecords(ctx context.Context, userToken string) ([]*AppRecord, error)
	// AppNames returns the distinct app names held by live users, sorted.
	AppNames(ctx context.Context) ([]string, error)
}

// AppWriter changes app records inside a transaction.
type AppWriter interface {
	// PutAppRecord inserts the record or replaces the one of the same
	// (user, app), keeping its creation time.
	PutAppRecord(ctx context.Context, rec *AppRecord) error
	// DeleteAppRecord removes the user's record of app. Errors: ErrNotFound.
	DeleteAppRecord(ctx context.Context, userToken, app string) error
}
