package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"piivault/internal/vault"
)

var _ vault.KeyringMetaStore = (*DB)(nil)

const (
	sqlKeyringMeta       = "SELECT check_value, root FROM keyring_meta WHERE id = 1"
	sqlInsertKeyringMeta = "INSERT INTO keyring_meta (id, check_value, root) VALUES (1, ?, ?)"
	sqlDeleteKeyringMeta = "DELETE FROM keyring_meta"
	sqlRekeyKEK          = "UPDATE keks SET wrapped = ? WHERE version = ? AND wrapped = ?"
	sqlCountKEKs         = "SELECT COUNT(*) FROM keks"
)

// KeyringMeta returns the stored check value and sealed root; the zero
// value when none is stored. Errors: EUNAVAILABLE.
func (db *DB) KeyringMeta(ctx context.Context) (vault.KeyringMeta, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var m vault.KeyringMeta
	err := db.run.QueryRowContext(ctx, db.sql(sqlKeyringMeta, false)).Scan(&m.Check, &m.Root)
	if errors.Is(err, sql.ErrNoRows) {
		return vault.KeyringMeta{}, nil
	}
	return m, db.d.wrap("keyring meta", err)
}

// InitKeyringMeta stores m when nothing is stored yet.
// Errors: ECONFLICT when something is; EUNAVAILABLE.
func (db *DB) InitKeyringMeta(ctx context.Context, m vault.KeyringMeta) error {
	return db.update(ctx, func(t *txn) error {
		ctx, cancel := t.bound(ctx)
		defer cancel()
		_, err := t.run.ExecContext(ctx, t.sql(sqlInsertKeyringMeta, false), m.Check, nullBytes(m.Root))
		if _, dup := t.d.duplicateKey(err); dup {
			return vault.Errorf(vault.ECONFLICT, "keyring meta exists")
		}
		return t.d.wrap("init keyring meta", err)
	})
}

// Rekey replaces, in one transaction, the wrapped form of every KEK of old
// by next's and the keyring meta by m; if any KEK changed meanwhile or
// another exists, nothing changes. Errors: ECONFLICT; EUNAVAILABLE.
func (db *DB) Rekey(ctx context.Context, old, next []vault.KEKRecord, m vault.KeyringMeta) error {
	if len(old) != len(next) {
		return errors.New("sqlstore: rekey: old and new keyrings differ in size")
	}
	conflict := vault.Errorf(vault.ECONFLICT, "the keyring changed during the rekey")
	return db.update(ctx, func(t *txn) error {
		ctx, cancel := t.bound(ctx)
		defer cancel()
		var n int
		if err := t.run.QueryRowContext(ctx, t.sql(sqlCountKEKs, false)).Scan(&n); err != nil {
			return t.d.wrap("rekey", err)
		}
		if n != len(old) {
			return fmt.Errorf("sqlstore: rekey: %w", conflict)
		}
		for i := range old {
			if old[i].Version != next[i].Version {
				return errors.New("sqlstore: rekey: old and new keyrings differ in versions")
			}
			res, err := t.run.ExecContext(ctx, t.sql(sqlRekeyKEK, false), next[i].Wrapped, old[i].Version, old[i].Wrapped)
			if err != nil {
				return t.d.wrap("rekey", err)
			}
			if err := affected(res); err != nil {
				return fmt.Errorf("sqlstore: rekey: %w", conflict)
			}
		}
		if _, err := t.run.ExecContext(ctx, t.sql(sqlDeleteKeyringMeta, false)); err != nil {
			return t.d.wrap("rekey", err)
		}
		_, err := t.run.ExecContext(ctx, t.sql(sqlInsertKeyringMeta, false), m.Check, nullBytes(m.Root))
		return t.d.wrap("rekey", err)
	})
}
