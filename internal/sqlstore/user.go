package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"piivault/internal/vault"
)

const (
	userColumns = "token, datakey, profile, login_idx, email_idx, phone_idx, custom_idx, created, updated, erased"
	// userSelect adds the time of a pending scheduled erasure (§10), read
	// with the user in one statement, so that a user past it is never served
	// even before the background job has erased them (§1.14).
	userSelect = "SELECT " + userColumns + ", (SELECT e.exptime FROM expirations e" +
		" WHERE e.user_token = users.token AND e.expstatus = 'wait') FROM users"

	sqlUserByToken  = userSelect + " WHERE token = ?"
	sqlUserByLogin  = userSelect + " WHERE login_idx = ? AND erased = 0"
	sqlUserByEmail  = userSelect + " WHERE email_idx = ? AND erased = 0"
	sqlUserByPhone  = userSelect + " WHERE phone_idx = ? AND erased = 0"
	sqlUserByCustom = userSelect + " WHERE custom_idx = ? AND erased = 0"
	sqlListUsers    = userSelect + " WHERE erased = 0 ORDER BY id LIMIT ? OFFSET ?"
	sqlCountUsers   = "SELECT COUNT(*) FROM users WHERE erased = 0"

	// Erased users have NULL indexes, so every match is a live user. One
	// branch per unique index rather than one OR: PostgreSQL plans the OR
	// as a sequential scan while the table has no statistics, and keeps
	// that plan in the prepared statement as the table grows (with
	// autovacuum off, forever); each branch is an equality on a unique
	// index, planned as an index scan with or without statistics.
	sqlUserIndexHolders = "SELECT login_idx, email_idx, phone_idx, custom_idx FROM users WHERE login_idx = ? AND token <> ?" +
		" UNION ALL SELECT login_idx, email_idx, phone_idx, custom_idx FROM users WHERE email_idx = ? AND token <> ?" +
		" UNION ALL SELECT login_idx, email_idx, phone_idx, custom_idx FROM users WHERE phone_idx = ? AND token <> ?" +
		" UNION ALL SELECT login_idx, email_idx, phone_idx, custom_idx FROM users WHERE custom_idx = ? AND token <> ?"
	sqlInsertUser = "INSERT INTO users (" + userColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
	sqlUpdateUser = "UPDATE users SET profile = ?, login_idx = ?, email_idx = ?, phone_idx = ?, custom_idx = ?, updated = ?" +
		" WHERE token = ? AND erased = 0"
	sqlEraseUser = "UPDATE users SET datakey = NULL, profile = NULL," +
		" login_idx = NULL, email_idx = NULL, phone_idx = NULL, custom_idx = NULL, erased = ?" +
		" WHERE token = ? AND erased = 0"
)

// userKeyFields maps the unique constraints of users to the index field
// whose duplicate they report.
var userKeyFields = map[string]vault.Mode{
	"users_login_idx":  vault.ModeLogin,
	"users_email_idx":  vault.ModeEmail,
	"users_phone_idx":  vault.ModePhone,
	"users_custom_idx": vault.ModeCustom,
}

// UserByToken returns the user with that token, erased ones included.
// Inside Update the row stays locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) UserByToken(ctx context.Context, token string) (*vault.UserRecord, error) {
	ctx, cancel := r.boundPoint(ctx)
	defer cancel()
	u, err := scanUser(r.run.QueryRowContext(ctx, r.sql(sqlUserByToken, true), token))
	return u, r.d.wrap("get user", err)
}

// UserByIndex returns the live user whose field has blind index hash.
// Inside Update the row stays locked until the commit.
// Errors: ErrBadMode for a field without an index; ErrNotFound; EUNAVAILABLE.
func (r *reader) UserByIndex(ctx context.Context, field vault.Mode, hash string) (*vault.UserRecord, error) {
	var query string
	switch field {
	case vault.ModeLogin:
		query = sqlUserByLogin
	case vault.ModeEmail:
		query = sqlUserByEmail
	case vault.ModePhone:
		query = sqlUserByPhone
	case vault.ModeCustom:
		query = sqlUserByCustom
	default:
		return nil, vault.ErrBadMode
	}
	if hash == "" {
		return nil, fmt.Errorf("sqlstore: get user: %w", vault.ErrNotFound)
	}
	ctx, cancel := r.boundPoint(ctx)
	defer cancel()
	u, err := scanUser(r.run.QueryRowContext(ctx, r.sql(query, true), hash))
	return u, r.d.wrap("get user", err)
}

// ListUsers returns live users in creation order from offset, at most
// limit of them (none when limit <= 0), and the count of all live users.
// Errors: EUNAVAILABLE.
func (r *reader) ListUsers(ctx context.Context, offset, limit int) ([]*vault.UserRecord, int, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var total int
	if err := r.run.QueryRowContext(ctx, r.sql(sqlCountUsers, false)).Scan(&total); err != nil {
		return nil, 0, r.d.wrap("list users", err)
	}
	if limit <= 0 || offset >= total {
		return []*vault.UserRecord{}, total, nil
	}
	rows, err := r.run.QueryContext(ctx, r.sql(sqlListUsers, true), limit, max(offset, 0))
	if err != nil {
		return nil, 0, r.d.wrap("list users", err)
	}
	defer rows.Close()
	users := make([]*vault.UserRecord, 0, min(limit, total))
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, r.d.wrap("list users", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, r.d.wrap("list users", err)
	}
	return users, total, nil
}

// InsertUser stores a new user. An index held by another live user fails
// with ECONFLICT "duplicate index: <field>", checked in the order login,
// email, phone, custom; under concurrency the UNIQUE constraints decide.
// Errors: ECONFLICT; EUNAVAILABLE.
func (t *txn) InsertUser(ctx context.Context, u *vault.UserRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	if err := t.checkIndex(ctx, u.Token, u.Index); err != nil {
		return t.d.wrap("insert user", err)
	}
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertUser, false), u.Token, nullBytes(u.DataKey), nullBytes(u.Profile),
		nullString(u.Index.Login), nullString(u.Index.Email), nullString(u.Index.Phone), nullString(u.Index.Custom),
		u.Created, u.Updated)
	return t.d.wrap("insert user", t.userConflict(err))
}

// UpdateUser replaces the profile, indexes and Updated time of a live user.
// Errors: ErrNotFound; ECONFLICT as InsertUser; EUNAVAILABLE.
func (t *txn) UpdateUser(ctx context.Context, u *vault.UserRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	if err := t.checkIndex(ctx, u.Token, u.Index); err != nil {
		return t.d.wrap("update user", err)
	}
	res, err := t.run.ExecContext(ctx, t.sql(sqlUpdateUser, false), nullBytes(u.Profile),
		nullString(u.Index.Login), nullString(u.Index.Email), nullString(u.Index.Phone), nullString(u.Index.Custom),
		u.Updated, u.Token)
	if err != nil {
		return t.d.wrap("update user", t.userConflict(err))
	}
	return t.d.wrap("update user", affected(res))
}

// EraseUser removes the profile, data key and indexes of a live user and
// marks it erased at when (Unix seconds, > 0); the token stays reserved
// and the indexes are free for other users. The user's sessions go in the
// same transaction.
// Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) EraseUser(ctx context.Context, token string, when int64) error {
	if when <= 0 {
		return errors.New("sqlstore: erase user: erasure time must be positive")
	}
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlEraseUser, false), when, token)
	if err != nil {
		return t.d.wrap("erase user", err)
	}
	if err := affected(res); err != nil {
		return t.d.wrap("erase user", err)
	}
	t.shred = true
	if err := t.eraseUserRecords(ctx, token, when); err != nil {
		return t.d.wrap("erase user: records", err)
	}
	if err := t.deleteUserLogin(ctx, token); err != nil {
		return t.d.wrap("erase user: login", err)
	}
	if err := t.clearAgreementWho(ctx, token); err != nil {
		return t.d.wrap("erase user: agreements", err)
	}
	_, err = t.deleteUserSessions(ctx, token)
	return t.d.wrap("erase user: sessions", err)
}

// checkIndex reports the first of ix's indexes that a live user other than
// token holds, in the order of vault.IndexFields.
func (t *txn) checkIndex(ctx context.Context, token string, ix vault.Index) error {
	if ix == (vault.Index{}) {
		return nil
	}
	rows, err := t.run.QueryContext(ctx, t.sql(sqlUserIndexHolders, false),
		nullString(ix.Login), token, nullString(ix.Email), token, nullString(ix.Phone), token, nullString(ix.Custom), token)
	if err != nil {
		return err
	}
	defer rows.Close()
	var held vault.Index // the indexes among ours that someone holds
	for rows.Next() {
		var h [4]sql.NullString
		if err := rows.Scan(&h[0], &h[1], &h[2], &h[3]); err != nil {
			return err
		}
		for i, f := range vault.IndexFields {
			if h[i].Valid && h[i].String == ix.Get(f) {
				held.Set(f, h[i].String)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range vault.IndexFields {
		if held.Get(f) != "" {
			return duplicateIndex(f)
		}
	}
	return nil
}

// userConflict turns a violated unique constraint of users into the
// contract's conflict: the backstop when concurrent transactions both
// passed checkIndex.
func (t *txn) userConflict(err error) error {
	key, ok := t.d.duplicateKey(err)
	if !ok {
		return err
	}
	if f, ok := userKeyFields[key]; ok {
		return duplicateIndex(f)
	}
	return vault.Errorf(vault.ECONFLICT, "duplicate token")
}

func duplicateIndex(f vault.Mode) error {
	return vault.Errorf(vault.ECONFLICT, "duplicate index: %s", f)
}

// scanUser scans one row of userSelect. No row is ErrNotFound.
func scanUser(row interface{ Scan(...any) error }) (*vault.UserRecord, error) {
	var (
		u   vault.UserRecord
		ix  [4]sql.NullString
		due sql.NullInt64
	)
	err := row.Scan(&u.Token, &u.DataKey, &u.Profile, &ix[0], &ix[1], &ix[2], &ix[3], &u.Created, &u.Updated, &u.Erased, &due)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	u.Index = vault.Index{Login: ix[0].String, Email: ix[1].String, Phone: ix[2].String, Custom: ix[3].String}
	u.ErasureDue = due.Int64
	return &u, nil
}
