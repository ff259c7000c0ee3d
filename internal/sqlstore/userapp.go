package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"piivault/internal/vault"
)

const (
	appColumns = "user_token, appname, data, created, updated"

	sqlAppRecord  = "SELECT " + appColumns + " FROM userapps WHERE user_token = ? AND appname = ?"
	sqlAppRecords = "SELECT " + appColumns + " FROM userapps WHERE user_token = ? ORDER BY appname"
	// Erasure deletes app records, so the join only guards against a row
	// written by a transaction that raced an erasure on another instance.
	sqlAppNames = "SELECT DISTINCT a.appname FROM userapps a JOIN users u ON u.token = a.user_token WHERE u.erased = 0"
	// An update keeps the row's creation time; the whole record is replaced.
	sqlUpdateApp     = "UPDATE userapps SET data = ?, updated = ? WHERE user_token = ? AND appname = ?"
	sqlInsertApp     = "INSERT INTO userapps (" + appColumns + ") VALUES (?, ?, ?, ?, ?)"
	sqlDeleteApp     = "DELETE FROM userapps WHERE user_token = ? AND appname = ?"
	sqlDeleteUserApp = "DELETE FROM userapps WHERE user_token = ?"
)

// AppRecord returns the user's record of app; inside Update the row stays
// locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) AppRecord(ctx context.Context, userToken, app string) (*vault.AppRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	a, err := scanApp(r.run.QueryRowContext(ctx, r.sql(sqlAppRecord, true), userToken, app))
	return a, r.d.wrap("get app record", err)
}

// AppRecords returns the user's app records ordered by app name.
// Errors: EUNAVAILABLE.
func (r *reader) AppRecords(ctx context.Context, userToken string) ([]*vault.AppRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlAppRecords, false), userToken)
	if err != nil {
		return nil, r.d.wrap("list app records", err)
	}
	defer rows.Close()
	out := []*vault.AppRecord{}
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, r.d.wrap("list app records", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, r.d.wrap("list app records", err)
	}
	// Byte order, whatever the database's collation says about '_'.
	slices.SortFunc(out, func(a, b *vault.AppRecord) int {
		switch {
		case a.App < b.App:
			return -1
		case a.App > b.App:
			return 1
		}
		return 0
	})
	return out, nil
}

// AppNames returns the distinct app names of live users in byte order.
// Errors: EUNAVAILABLE.
func (r *reader) AppNames(ctx context.Context) ([]string, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlAppNames, false))
	if err != nil {
		return nil, r.d.wrap("list app names", err)
	}
	defer rows.Close()
	names := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, r.d.wrap("list app names", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, r.d.wrap("list app names", err)
	}
	slices.Sort(names)
	return names, nil
}

// PutAppRecord replaces the (user, app) record or inserts it. Callers hold
// the user's row lock (vault reads the user in the same transaction), so
// two writers of one record never both take the insert path.
// Errors: EUNAVAILABLE.
func (t *txn) PutAppRecord(ctx context.Context, a *vault.AppRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlUpdateApp, false), a.Data, a.Updated, a.UserToken, a.App)
	if err != nil {
		return t.d.wrap("put app record", err)
	}
	if err := affected(res); err == nil {
		return nil
	} else if !errors.Is(err, vault.ErrNotFound) {
		return t.d.wrap("put app record", err)
	}
	_, err = t.run.ExecContext(ctx, t.sql(sqlInsertApp, false), a.UserToken, a.App, a.Data, a.Created, a.Updated)
	return t.d.wrap("put app record", err)
}

// DeleteAppRecord removes the user's record of app.
// Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) DeleteAppRecord(ctx context.Context, userToken, app string) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlDeleteApp, false), userToken, app)
	if err != nil {
		return t.d.wrap("delete app record", err)
	}
	return t.d.wrap("delete app record", affected(res))
}

// scanApp scans one row of appColumns. No row is ErrNotFound.
func scanApp(row interface{ Scan(...any) error }) (*vault.AppRecord, error) {
	var a vault.AppRecord
	err := row.Scan(&a.UserToken, &a.App, &a.Data, &a.Created, &a.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &a, nil
}
