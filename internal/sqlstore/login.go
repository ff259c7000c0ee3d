package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"piivault/internal/vault"
)

const (
	loginCodeColumns  = "user_token, code_hash, exptime, attempts, created"
	loginTokenColumns = "token_hash, user_token, exptime, created"

	sqlLoginCodeByUser     = "SELECT " + loginCodeColumns + " FROM login_codes WHERE user_token = ?"
	sqlInsertLoginCode     = "INSERT INTO login_codes (" + loginCodeColumns + ") VALUES (?, ?, ?, ?, ?)"
	sqlSetLoginAttempts    = "UPDATE login_codes SET attempts = ? WHERE user_token = ?"
	sqlDeleteLoginCode     = "DELETE FROM login_codes WHERE user_token = ?"
	sqlLoginTokenByHash    = "SELECT " + loginTokenColumns + " FROM login_tokens WHERE token_hash = ?"
	sqlInsertLoginToken    = "INSERT INTO login_tokens (" + loginTokenColumns + ") VALUES (?, ?, ?, ?)"
	sqlDeleteUserLoginToks = "DELETE FROM login_tokens WHERE user_token = ?"

	// Bounded sweeps, in the form of the session sweep (session.go).
	sqlSweepLoginCodes       = "DELETE FROM login_codes WHERE user_token IN (SELECT user_token FROM login_codes WHERE exptime <= ? LIMIT ?) AND exptime <= ?"
	sqlSweepLoginCodesMySQL  = "DELETE FROM login_codes WHERE exptime <= ? LIMIT ?"
	sqlSweepLoginTokens      = "DELETE FROM login_tokens WHERE token_hash IN (SELECT token_hash FROM login_tokens WHERE exptime <= ? LIMIT ?) AND exptime <= ?"
	sqlSweepLoginTokensMySQL = "DELETE FROM login_tokens WHERE exptime <= ? LIMIT ?"
)

// LoginCodeByUser returns the user's pending login code, expired ones
// included. Inside Update the row stays locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) LoginCodeByUser(ctx context.Context, userToken string) (*vault.LoginCodeRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var c vault.LoginCodeRecord
	err := r.run.QueryRowContext(ctx, r.sql(sqlLoginCodeByUser, true), userToken).
		Scan(&c.UserToken, &c.Hash, &c.ExpTime, &c.Attempts, &c.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, r.d.wrap("get login code", err)
	}
	return &c, nil
}

// LoginTokenByHash returns the login token with that SHA-256 (hex),
// expired ones included.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) LoginTokenByHash(ctx context.Context, hash string) (*vault.LoginTokenRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var t vault.LoginTokenRecord
	err := r.run.QueryRowContext(ctx, r.sql(sqlLoginTokenByHash, false), hash).
		Scan(&t.Hash, &t.UserToken, &t.ExpTime, &t.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, r.d.wrap("get login token", err)
	}
	return &t, nil
}

// InsertLoginCode stores a pending login code.
// Errors: ECONFLICT when the user already has one; EUNAVAILABLE.
func (t *txn) InsertLoginCode(ctx context.Context, c *vault.LoginCodeRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertLoginCode, false), c.UserToken, c.Hash, c.ExpTime, c.Attempts, c.Created)
	if _, dup := t.d.duplicateKey(err); dup {
		err = vault.Errorf(vault.ECONFLICT, "duplicate login code")
	}
	return t.d.wrap("insert login code", err)
}

// SetLoginCodeAttempts records the wrong attempts of the user's pending
// code; a missing code is not an error.
// Errors: EUNAVAILABLE.
func (t *txn) SetLoginCodeAttempts(ctx context.Context, userToken string, attempts int) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlSetLoginAttempts, false), attempts, userToken)
	return t.d.wrap("count login attempt", err)
}

// DeleteLoginCode removes the user's pending code; a missing one is not an error.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteLoginCode(ctx context.Context, userToken string) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlDeleteLoginCode, false), userToken)
	return t.d.wrap("delete login code", err)
}

// InsertLoginToken stores a new login token.
// Errors: ECONFLICT for a hash already stored; EUNAVAILABLE.
func (t *txn) InsertLoginToken(ctx context.Context, lt *vault.LoginTokenRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertLoginToken, false), lt.Hash, lt.UserToken, lt.ExpTime, lt.Created)
	if _, dup := t.d.duplicateKey(err); dup {
		err = vault.Errorf(vault.ECONFLICT, "duplicate login token")
	}
	return t.d.wrap("insert login token", err)
}

// DeleteExpiredLoginCodes removes at most limit codes with exptime <= now
// and returns how many.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteExpiredLoginCodes(ctx context.Context, now int64, limit int) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := t.sweep(ctx, sqlSweepLoginCodes, sqlSweepLoginCodesMySQL, now, limit)
	return n, t.d.wrap("sweep login codes", err)
}

// DeleteExpiredLoginTokens removes at most limit login tokens with
// exptime <= now and returns how many.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteExpiredLoginTokens(ctx context.Context, now int64, limit int) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := t.sweep(ctx, sqlSweepLoginTokens, sqlSweepLoginTokensMySQL, now, limit)
	return n, t.d.wrap("sweep login tokens", err)
}

// deleteUserLogin removes the user's pending code and login tokens, as part
// of erasing the user (§3.5): a login token must not outlive its user.
func (t *txn) deleteUserLogin(ctx context.Context, userToken string) error {
	if _, err := t.run.ExecContext(ctx, t.sql(sqlDeleteLoginCode, false), userToken); err != nil {
		return err
	}
	_, err := t.run.ExecContext(ctx, t.sql(sqlDeleteUserLoginToks, false), userToken)
	return err
}
