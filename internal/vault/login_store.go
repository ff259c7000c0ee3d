package vault

import "context"

// LoginCodeRecord is a user's pending one-time login code (§6). The code
// itself is never stored: Hash is a keyed hash of the user token and the
// code, so that a copy of the database does not allow trying the small code
// space offline.
type LoginCodeRecord struct {
	UserToken string // the user the code was issued to; one pending code per user
	Hash      string // keyed hash (blind index) of user token and code, hex
	ExpTime   int64  // Unix seconds; the code is refused at or after it
	Attempts  int    // wrong codes tried so far
	Created   int64  // Unix seconds
}

// LoginTokenRecord is an issued login token (§1.6), kept only as its SHA-256.
type LoginTokenRecord struct {
	Hash      string // lower-case hex SHA-256 of the token; primary key
	UserToken string // the only user the token reaches
	ExpTime   int64  // Unix seconds; refused at or after it, never extended
	Created   int64  // Unix seconds
}

// LoginReader reads login codes and login tokens.
type LoginReader interface {
	// LoginCodeByUser returns the user's pending code, expired ones
	// included. Inside Update the row stays locked until the commit.
	// Errors: ErrNotFound.
	LoginCodeByUser(ctx context.Context, userToken string) (*LoginCodeRecord, error)
	// LoginTokenByHash returns the login token with that hash, expired
	// ones included. Errors: ErrNotFound.
	LoginTokenByHash(ctx context.Context, hash string) (*LoginTokenRecord, error)
}

// LoginWriter changes login codes and login tokens inside a transaction.
// Erasing a user (UserWriter.EraseUser) deletes both of theirs.
type LoginWriter interface {
	// InsertLoginCode stores a pending code. The caller deletes the user's
	// previous code first, holding the user's row, so that this never
	// conflicts. Errors: ECONFLICT when the user already has one.
	InsertLoginCode(ctx context.Context, c *LoginCodeRecord) error
	// SetLoginCodeAttempts records the wrong attempts of the user's code.
	// A missing code is not an error.
	SetLoginCodeAttempts(ctx context.Context, userToken string, attempts int) error
	// DeleteLoginCode removes the user's pending code; a missing one is not an error.
	DeleteLoginCode(ctx context.Context, userToken string) error
	// InsertLoginToken stores a new login token. Errors: ECONFLICT for a hash already stored.
	InsertLoginToken(ctx context.Context, t *LoginTokenRecord) error
	// DeleteExpiredLoginCodes removes at most limit codes with ExpTime <= now
	// and returns how many.
	DeleteExpiredLoginCodes(ctx context.Context, now int64, limit int) (int, error)
	// DeleteExpiredLoginTokens removes at most limit login tokens with
	// ExpTime <= now and returns how many.
	DeleteExpiredLoginTokens(ctx context.Context, now int64, limit int) (int, error)
}
