package sqlstore

import (
	"context"

	"piivault/internal/vault"
)

const (
	sqlKEKs      = "SELECT version, wrapped, status, created FROM keks ORDER BY version"
	sqlInsertKEK = "INSERT INTO keks (version, wrapped, status, created) VALUES (?, ?, ?, ?)"
)

// KEKs returns every stored KEK version, oldest first.
// Errors: EUNAVAILABLE.
func (db *DB) KEKs(ctx context.Context) ([]vault.KEKRecord, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	rows, err := db.run.QueryContext(ctx, db.sql(sqlKEKs, false))
	if err != nil {
		return nil, db.d.wrap("list keks", err)
	}
	defer rows.Close()
	var keks []vault.KEKRecord
	for rows.Next() {
		var k vault.KEKRecord
		if err := rows.Scan(&k.Version, &k.Wrapped, &k.Status, &k.Created); err != nil {
			return nil, db.d.wrap("list keks", err)
		}
		keks = append(keks, k)
	}
	return keks, db.d.wrap("list keks", rows.Err())
}

// InsertKEK stores a new KEK version durably. A version that exists already
// fails with ECONFLICT "duplicate kek version", so that two instances
// initialising the keyring together agree on one.
// Errors: ECONFLICT; EUNAVAILABLE.
func (db *DB) InsertKEK(ctx context.Context, k vault.KEKRecord) error {
	return db.update(ctx, func(t *txn) error {
		ctx, cancel := t.bound(ctx)
		defer cancel()
		_, err := t.run.ExecContext(ctx, t.sql(sqlInsertKEK, false), k.Version, k.Wrapped, k.Status, k.Created)
		if _, dup := t.d.duplicateKey(err); dup {
			err = vault.Errorf(vault.ECONFLICT, "duplicate kek version")
		}
		return t.d.wrap("insert kek", err)
	})
}
