package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"piivault/internal/vault"
)

const (
	requestColumns = "rtoken, user_token, action, app, brief, method, change_doc, status, reason, note, created, changed"

	sqlRequestByToken = "SELECT " + requestColumns + " FROM requests WHERE rtoken = ?"
	sqlOpenRequest    = "SELECT " + requestColumns + " FROM requests WHERE open_key = ?"
	sqlCountByStatus  = "SELECT COUNT(*) FROM requests WHERE status = ?"
	sqlListByStatus   = "SELECT " + requestColumns + " FROM requests WHERE status = ? ORDER BY id LIMIT ? OFFSET ?"
	sqlCountByUser    = "SELECT COUNT(*) FROM requests WHERE user_token = ?"
	sqlListByUser     = "SELECT " + requestColumns + " FROM requests WHERE user_token = ? ORDER BY id LIMIT ? OFFSET ?"
	sqlInsertRequest  = "INSERT INTO requests (" + requestColumns + ", open_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	sqlCloseRequest   = "UPDATE requests SET status = ?, reason = ?, note = ?, changed = ?, open_key = NULL" +
		" WHERE rtoken = ? AND status = 'open'"

	// Erasure: open requests are canceled with the note "user erased", and
	// every change and reason of the user goes (they are sealed under the
	// destroyed key and could never be read again anyway).
	sqlCancelUserRequests = "UPDATE requests SET status = 'canceled', note = ?, changed = ?, open_key = NULL" +
		" WHERE user_token = ? AND status = 'open'"
	sqlShredUserRequests = "UPDATE requests SET change_doc = NULL, reason = NULL WHERE user_token = ?"
)

// openKey is the UNIQUE value that allows one open request per kind.
func openKey(r *vault.RequestRecord) string {
	return r.UserToken + "|" + r.Action + "|" + r.App + "|" + r.Brief
}

// RequestByToken returns the request rtoken; inside Update the row stays
// locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) RequestByToken(ctx context.Context, rtoken string) (*vault.RequestRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	q, err := scanRequest(r.run.QueryRowContext(ctx, r.sql(sqlRequestByToken, true), rtoken))
	return q, r.d.wrap("get request", err)
}

// OpenRequest returns the open request of the user for (action, app, brief).
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) OpenRequest(ctx context.Context, userToken, action, app, brief string) (*vault.RequestRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	key := openKey(&vault.RequestRecord{UserToken: userToken, Action: action, App: app, Brief: brief})
	q, err := scanRequest(r.run.QueryRowContext(ctx, r.sql(sqlOpenRequest, true), key))
	return q, r.d.wrap("get open request", err)
}

// RequestsByStatus returns the requests of status, oldest first, and their count.
// Errors: EUNAVAILABLE.
func (r *reader) RequestsByStatus(ctx context.Context, status string, offset, limit int) ([]*vault.RequestRecord, int, error) {
	return r.listRequests(ctx, sqlCountByStatus, sqlListByStatus, status, offset, limit)
}

// RequestsByUser returns the user's requests, oldest first, and their count.
// Errors: EUNAVAILABLE.
func (r *reader) RequestsByUser(ctx context.Context, userToken string, offset, limit int) ([]*vault.RequestRecord, int, error) {
	return r.listRequests(ctx, sqlCountByUser, sqlListByUser, userToken, offset, limit)
}

func (r *reader) listRequests(ctx context.Context, count, list, arg string, offset, limit int) ([]*vault.RequestRecord, int, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var total int
	if err := r.run.QueryRowContext(ctx, r.sql(count, false), arg).Scan(&total); err != nil {
		return nil, 0, r.d.wrap("list requests", err)
	}
	if limit <= 0 || offset >= total {
		return []*vault.RequestRecord{}, total, nil
	}
	rows, err := r.run.QueryContext(ctx, r.sql(list, false), arg, limit, max(offset, 0))
	if err != nil {
		return nil, 0, r.d.wrap("list requests", err)
	}
	defer rows.Close()
	out := make([]*vault.RequestRecord, 0, min(limit, total))
	for rows.Next() {
		q, err := scanRequest(rows)
		if err != nil {
			return nil, 0, r.d.wrap("list requests", err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, r.d.wrap("list requests", err)
	}
	return out, total, nil
}

// InsertRequest stores a new request; an open one of the same kind already
// stored fails with ECONFLICT "request exists".
// Errors: ECONFLICT; EUNAVAILABLE.
func (t *txn) InsertRequest(ctx context.Context, q *vault.RequestRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var key any
	if q.Status == vault.RequestOpen {
		key = openKey(q)
	}
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertRequest, false), q.RToken, q.UserToken, q.Action, q.App, q.Brief,
		q.Method, nullBytes(q.Change), q.Status, nullBytes(q.Reason), q.Note, q.Created, q.When, key)
	if k, ok := t.d.duplicateKey(err); ok && k == "requests_open_key" {
		return vault.Errorf(vault.ECONFLICT, "request exists")
	}
	return t.d.wrap("insert request", err)
}

// CloseRequest moves an open request to q.Status with q's reason, note and When.
// Errors: ErrNotFound when the request is not open; EUNAVAILABLE.
func (t *txn) CloseRequest(ctx context.Context, q *vault.RequestRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlCloseRequest, false), q.Status, nullBytes(q.Reason), q.Note, q.When, q.RToken)
	if err != nil {
		return t.d.wrap("close request", err)
	}
	return t.d.wrap("close request", affected(res))
}

// eraseUserRequests cancels the user's open requests and drops every sealed
// change and reason of the user.
func (t *txn) eraseUserRequests(ctx context.Context, userToken string, when int64) error {
	if _, err := t.run.ExecContext(ctx, t.sql(sqlCancelUserRequests, false), vault.NoteUserErased, when, userToken); err != nil {
		return err
	}
	_, err := t.run.ExecContext(ctx, t.sql(sqlShredUserRequests, false), userToken)
	return err
}

// scanRequest scans one row of requestColumns. No row is ErrNotFound.
func scanRequest(row interface{ Scan(...any) error }) (*vault.RequestRecord, error) {
	var q vault.RequestRecord
	err := row.Scan(&q.RToken, &q.UserToken, &q.Action, &q.App, &q.Brief, &q.Method, &q.Change,
		&q.Status, &q.Reason, &q.Note, &q.Created, &q.When)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &q, nil
}
