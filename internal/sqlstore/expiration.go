package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"piivault/internal/vault"
)

const (
	expColumns = "user_token, exptime, expstatus, exptoken_idx, exptoken"

	sqlExpiration       = "SELECT " + expColumns + " FROM expirations WHERE user_token = ?"
	sqlExpirationByKey  = "SELECT " + expColumns + " FROM expirations WHERE exptoken_idx = ?"
	sqlDueExpirations   = "SELECT user_token FROM expirations WHERE expstatus = 'wait' AND exptime <= ? ORDER BY exptime LIMIT ?"
	sqlDeleteExpiration = "DELETE FROM expirations WHERE user_token = ?"
	sqlInsertExpiration = "INSERT INTO expirations (" + expColumns + ") VALUES (?, ?, ?, ?, ?)"
)

// expChunk is how many users one ExpirationsOf statement asks for: a users
// page holds at most 100.
const expChunk = 100

var sqlExpirationsOf = "SELECT " + expColumns + " FROM expirations WHERE user_token IN (" +
	strings.TrimSuffix(strings.Repeat("?, ", expChunk), ", ") + ")"

// Expiration returns the user's schedule; inside Update the row stays
// locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) Expiration(ctx context.Context, userToken string) (*vault.ExpirationRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	e, err := scanExpiration(r.run.QueryRowContext(ctx, r.sql(sqlExpiration, true), userToken))
	return e, r.d.wrap("get expiration", err)
}

// ExpirationByKey returns the schedule whose link token has blind index key.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) ExpirationByKey(ctx context.Context, key string) (*vault.ExpirationRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	e, err := scanExpiration(r.run.QueryRowContext(ctx, r.sql(sqlExpirationByKey, true), key))
	return e, r.d.wrap("get expiration", err)
}

// ExpirationsOf returns the schedules of the given users by user token.
// Errors: EUNAVAILABLE.
func (r *reader) ExpirationsOf(ctx context.Context, userTokens []string) (map[string]*vault.ExpirationRecord, error) {
	out := make(map[string]*vault.ExpirationRecord)
	ctx, cancel := r.bound(ctx)
	defer cancel()
	for len(userTokens) > 0 {
		n := min(len(userTokens), expChunk)
		args := make([]any, expChunk)
		for i := range args {
			// Padding repeats the first token, so there is one statement text.
			args[i] = userTokens[min(i, n-1)]
		}
		userTokens = userTokens[n:]
		rows, err := r.run.QueryContext(ctx, r.sql(sqlExpirationsOf, false), args...)
		if err != nil {
			return nil, r.d.wrap("list expirations", err)
		}
		for rows.Next() {
			e, err := scanExpiration(rows)
			if err != nil {
				rows.Close()
				return nil, r.d.wrap("list expirations", err)
			}
			out[e.UserToken] = e
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, r.d.wrap("list expirations", err)
		}
	}
	return out, nil
}

// DueExpirations returns at most limit users whose schedule is wait and due
// at now, earliest first.
// Errors: EUNAVAILABLE.
func (r *reader) DueExpirations(ctx context.Context, now int64, limit int) ([]string, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlDueExpirations, false), now, limit)
	if err != nil {
		return nil, r.d.wrap("due expirations", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var tok string
		if err := rows.Scan(&tok); err != nil {
			return nil, r.d.wrap("due expirations", err)
		}
		out = append(out, tok)
	}
	return out, r.d.wrap("due expirations", rows.Err())
}

// PutExpiration replaces the user's schedule (delete, then insert: the
// caller holds the user's row lock, so no other writer interleaves).
// Errors: EUNAVAILABLE.
func (t *txn) PutExpiration(ctx context.Context, e *vault.ExpirationRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	if _, err := t.run.ExecContext(ctx, t.sql(sqlDeleteExpiration, false), e.UserToken); err != nil {
		return t.d.wrap("put expiration", err)
	}
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertExpiration, false), e.UserToken, e.ExpTime, e.Status,
		nullString(e.TokenKey), nullBytes(e.SealedToken))
	return t.d.wrap("put expiration", err)
}

// DeleteExpiration removes the user's schedule; none is no error.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteExpiration(ctx context.Context, userToken string) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlDeleteExpiration, false), userToken)
	return t.d.wrap("delete expiration", err)
}

// scanExpiration scans one row of expColumns. No row is ErrNotFound.
func scanExpiration(row interface{ Scan(...any) error }) (*vault.ExpirationRecord, error) {
	var (
		e   vault.ExpirationRecord
		key sql.NullString
	)
	err := row.Scan(&e.UserToken, &e.ExpTime, &e.Status, &key, &e.SealedToken)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	e.TokenKey = key.String
	return &e, nil
}
