package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"piivault/internal/vault"
)

const (
	shareColumns = "record_idx, sealed_record, user_token, target, app, session_idx, spec, exptime, created"

	sqlShareByKey     = "SELECT " + shareColumns + " FROM shares WHERE record_idx = ?"
	sqlSharesByUser   = "SELECT " + shareColumns + " FROM shares WHERE user_token = ? AND exptime > ? ORDER BY id"
	sqlInsertShare    = "INSERT INTO shares (" + shareColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	sqlDeleteShare    = "DELETE FROM shares WHERE record_idx = ?"
	sqlDeleteUserShrs = "DELETE FROM shares WHERE user_token = ?"

	sqlSweepShares      = "DELETE FROM shares WHERE record_idx IN (SELECT record_idx FROM shares WHERE exptime <= ? LIMIT ?) AND exptime <= ?"
	sqlSweepSharesMySQL = "DELETE FROM shares WHERE exptime <= ? LIMIT ?"
)

// ShareByKey returns the share stored under key, expired ones included.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) ShareByKey(ctx context.Context, key string) (*vault.ShareRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	s, err := scanShare(r.run.QueryRowContext(ctx, r.sql(sqlShareByKey, true), key))
	return s, r.d.wrap("get share", err)
}

// SharesByUser returns the user's shares live at now (exptime > now), oldest first.
// Errors: EUNAVAILABLE.
func (r *reader) SharesByUser(ctx context.Context, userToken string, now int64) ([]*vault.ShareRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlSharesByUser, false), userToken, now)
	if err != nil {
		return nil, r.d.wrap("list shares", err)
	}
	defer rows.Close()
	out := []*vault.ShareRecord{}
	for rows.Next() {
		s, err := scanShare(rows)
		if err != nil {
			return nil, r.d.wrap("list shares", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, r.d.wrap("list shares", err)
	}
	return out, nil
}

// InsertShare stores a new share.
// Errors: EUNAVAILABLE.
func (t *txn) InsertShare(ctx context.Context, s *vault.ShareRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertShare, false), s.Key, s.SealedRecord, s.UserToken, s.Target, s.App,
		nullString(s.SessionKey), s.Spec, s.ExpTime, s.Created)
	return t.d.wrap("insert share", err)
}

// DeleteShare removes the share under key.
// Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) DeleteShare(ctx context.Context, key string) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlDeleteShare, false), key)
	if err != nil {
		return t.d.wrap("delete share", err)
	}
	return t.d.wrap("delete share", affected(res))
}

// DeleteExpiredShares removes at most limit shares with exptime <= now and
// returns how many.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteExpiredShares(ctx context.Context, now int64, limit int) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := t.sweep(ctx, sqlSweepShares, sqlSweepSharesMySQL, now, limit)
	return n, t.d.wrap("sweep shares", err)
}

// scanShare scans one row of shareColumns. No row is ErrNotFound.
func scanShare(row interface{ Scan(...any) error }) (*vault.ShareRecord, error) {
	var (
		s    vault.ShareRecord
		sess sql.NullString
	)
	err := row.Scan(&s.Key, &s.SealedRecord, &s.UserToken, &s.Target, &s.App, &sess, &s.Spec, &s.ExpTime, &s.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	s.SessionKey = sess.String
	return &s, nil
}
