package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"piivault/internal/vault"
)

const (
	sessionColumns = "sid_idx, sealed_id, datakey, data, user_token, exptime, written, seq"

	sqlSessionByKey    = "SELECT " + sessionColumns + " FROM sessions WHERE sid_idx = ?"
	sqlCountUserSess   = "SELECT COUNT(*) FROM sessions WHERE user_token = ? AND exptime > ?"
	sqlListUserSess    = "SELECT " + sessionColumns + " FROM sessions WHERE user_token = ? AND exptime > ? ORDER BY written, seq LIMIT ? OFFSET ?"
	sqlDeleteSession   = "DELETE FROM sessions WHERE sid_idx = ?"
	sqlDeleteUserSess  = "DELETE FROM sessions WHERE user_token = ?"
	sqlInsertSessionSQ = "INSERT INTO sessions (sid_idx, sealed_id, datakey, data, user_token, exptime, written) VALUES (?, ?, ?, ?, ?, ?, ?)"

	// PostgreSQL and MySQL replace in one atomic upsert, so that concurrent
	// writers of one id wait for each other's row lock instead of failing on
	// the primary key. PostgreSQL draws the replacing seq once it holds the
	// row lock, so the writes of one id get rising numbers in commit order.
	sqlPutSessionPG = "INSERT INTO sessions (sid_idx, sealed_id, datakey, data, user_token, exptime, written, seq)" +
		" VALUES (?, ?, ?, ?, ?, ?, ?, nextval('sessions_seq')) ON CONFLICT (sid_idx) DO UPDATE SET" +
		" sealed_id = excluded.sealed_id, datakey = excluded.datakey, data = excluded.data," +
		" user_token = excluded.user_token, exptime = excluded.exptime, written = excluded.written," +
		" seq = nextval('sessions_seq')" +
		" RETURNING seq"
	// LAST_INSERT_ID(expr) makes the driver report the new seq on the update
	// path too, where InnoDB would otherwise report none.
	sqlPutSessionMySQL = "INSERT INTO sessions (sid_idx, sealed_id, datakey, data, user_token, exptime, written, seq)" +
		" VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON DUPLICATE KEY UPDATE" +
		" sealed_id = VALUES(sealed_id), datakey = VALUES(datakey), data = VALUES(data)," +
		" user_token = VALUES(user_token), exptime = VALUES(exptime), written = VALUES(written)," +
		" seq = LAST_INSERT_ID(VALUES(seq))"

	// Bounded sweeps. The outer exptime test matters on PostgreSQL: a row
	// rewritten (and so revived) after the subquery's snapshot is re-checked
	// against it and kept. MySQL cannot LIMIT an IN subquery on the table it
	// deletes from, but has DELETE ... LIMIT.
	sqlSweepSessions      = "DELETE FROM sessions WHERE sid_idx IN (SELECT sid_idx FROM sessions WHERE exptime <= ? LIMIT ?) AND exptime <= ?"
	sqlSweepSessionsMySQL = "DELETE FROM sessions WHERE exptime <= ? LIMIT ?"
)

// SessionByKey returns the session stored under key, expired ones included.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) SessionByKey(ctx context.Context, key string) (*vault.SessionRecord, error) {
	ctx, cancel := r.boundPoint(ctx)
	defer cancel()
	s, err := scanSession(r.run.QueryRowContext(ctx, r.sql(sqlSessionByKey, true), key))
	return s, r.d.wrap("get session", err)
}

// SessionsByUser returns the user's sessions live at now (exptime > now),
// oldest write first (written, then seq), from offset, at most limit of
// them, and the count of all the user's live sessions.
// Errors: EUNAVAILABLE.
func (r *reader) SessionsByUser(ctx context.Context, userToken string, now int64, offset, limit int) ([]*vault.SessionRecord, int, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var total int
	if err := r.run.QueryRowContext(ctx, r.sql(sqlCountUserSess, false), userToken, now).Scan(&total); err != nil {
		return nil, 0, r.d.wrap("list sessions", err)
	}
	if limit <= 0 || offset >= total {
		return []*vault.SessionRecord{}, total, nil
	}
	rows, err := r.run.QueryContext(ctx, r.sql(sqlListUserSess, false), userToken, now, limit, max(offset, 0))
	if err != nil {
		return nil, 0, r.d.wrap("list sessions", err)
	}
	defer rows.Close()
	out := make([]*vault.SessionRecord, 0, min(limit, total))
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, 0, r.d.wrap("list sessions", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, r.d.wrap("list sessions", err)
	}
	return out, total, nil
}

// PutSession inserts or replaces the session under s.Key and sets s.Seq to
// the new, higher sequence number. Concurrent puts of one key never fail:
// PostgreSQL and MySQL upsert atomically, SQLite has a single writer.
// Errors: EUNAVAILABLE.
func (t *txn) PutSession(ctx context.Context, s *vault.SessionRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	args := []any{s.Key, s.SealedID, s.DataKey, s.Data, nullString(s.UserToken), s.ExpTime, s.When}
	var err error
	switch t.d.name {
	case Postgres:
		err = t.run.QueryRowContext(ctx, t.sql(sqlPutSessionPG, false), args...).Scan(&s.Seq)
	case MySQL:
		var res sql.Result
		if res, err = t.run.ExecContext(ctx, t.sql(sqlPutSessionMySQL, false), args...); err == nil {
			s.Seq, err = res.LastInsertId()
		}
	default:
		// The writer goroutine serialises every write, so delete and insert
		// cannot interleave with another put of the same key.
		if _, err = t.run.ExecContext(ctx, t.sql(sqlDeleteSession, false), s.Key); err != nil {
			break
		}
		var res sql.Result
		if res, err = t.run.ExecContext(ctx, t.sql(sqlInsertSessionSQ, false), args...); err == nil {
			s.Seq, err = res.LastInsertId()
		}
	}
	return t.d.wrap("put session", err)
}

// DeleteSession removes the session under key; a missing one is no error.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteSession(ctx context.Context, key string) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlDeleteSession, false), key)
	return t.d.wrap("delete session", err)
}

// DeleteUserSessions removes every session bound to the user, expired ones
// included, and returns how many there were.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteUserSessions(ctx context.Context, userToken string) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := t.deleteUserSessions(ctx, userToken)
	return n, t.d.wrap("delete user sessions", err)
}

func (t *txn) deleteUserSessions(ctx context.Context, userToken string) (int, error) {
	res, err := t.run.ExecContext(ctx, t.sql(sqlDeleteUserSess, false), userToken)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredSessions removes at most limit sessions with exptime <= now
// and returns how many.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteExpiredSessions(ctx context.Context, now int64, limit int) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := t.sweep(ctx, sqlSweepSessions, sqlSweepSessionsMySQL, now, limit)
	return n, t.d.wrap("sweep sessions", err)
}

// sweep runs a bounded delete of expired rows: query on SQLite and
// PostgreSQL (arguments now, limit, now), mysqlQuery on MySQL (now, limit).
func (t *txn) sweep(ctx context.Context, query, mysqlQuery string, now int64, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	var (
		res sql.Result
		err error
	)
	if t.d.name == MySQL {
		res, err = t.run.ExecContext(ctx, t.sql(mysqlQuery, false), now, limit)
	} else {
		res, err = t.run.ExecContext(ctx, t.sql(query, false), now, limit, now)
	}
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// scanSession scans one row of sessionColumns. No row is ErrNotFound.
func scanSession(row interface{ Scan(...any) error }) (*vault.SessionRecord, error) {
	var (
		s    vault.SessionRecord
		user sql.NullString
	)
	err := row.Scan(&s.Key, &s.SealedID, &s.DataKey, &s.Data, &user, &s.ExpTime, &s.When, &s.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	s.UserToken = user.String
	return &s, nil
}

const sqlCountLiveSessions = "SELECT COUNT(*) FROM sessions WHERE exptime > ?"

// CountLiveSessions returns how many sessions are live at now (exptime >
// now), bound or not, for the piivault_sessions_live gauge.
// Errors: EUNAVAILABLE.
func (r *reader) CountLiveSessions(ctx context.Context, now int64) (int, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var n int
	err := r.run.QueryRowContext(ctx, r.sql(sqlCountLiveSessions, false), now).Scan(&n)
	return n, r.d.wrap("count sessions", err)
}
