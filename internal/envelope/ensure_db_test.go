package envelope_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"piivault/internal/envelope"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// openSQLite opens and migrates a SQLite database file; two calls on one
// path act as two instances sharing a database.
func openSQLite(t *testing.T, path string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{Driver: sqlstore.SQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestEnsureOverSQLite runs Ensure against the real store: the KEK survives a
// restart, instances starting together agree through the store's ECONFLICT,
// and another master key is refused.
func TestEnsureOverSQLite(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1767225600, 0)
	master, err := envelope.ParseMasterKey(envelope.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vault.db")
	a, b := openSQLite(t, path), openSQLite(t, path)

	rings := make([]*envelope.Keyring, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, db := range []*sqlstore.DB{a, b} {
		wg.Go(func() { rings[i], errs[i] = envelope.Ensure(ctx, master, db, now) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	keks, err := a.KEKs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keks) != 1 || keks[0].Version != 1 || keks[0].Status != "active" {
		t.Fatalf("stored %d KEKs, want one: version 1, active", len(keks))
	}

	restarted, err := envelope.Ensure(ctx, master, openSQLite(t, path), now)
	if err != nil {
		t.Fatal(err)
	}
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := rings[0].NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	sealed := dk.Seal([]byte("value"), nil)
	for name, k := range map[string]*envelope.Keyring{"the other instance": rings[1], "a restarted instance": restarted} {
		other, err := k.OpenDataKey(wrapped, aad)
		if err != nil {
			t.Fatalf("%s cannot open the data key: %v", name, err)
		}
		if _, err := other.Open(sealed, nil); err != nil {
			t.Fatalf("%s has another data key: %v", name, err)
		}
	}

	wrong, err := envelope.ParseMasterKey(envelope.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envelope.Ensure(ctx, wrong, a, now); !errors.Is(err, envelope.ErrWrongMasterKey) {
		t.Errorf("another master key: err = %v, want ErrWrongMasterKey", err)
	}
}
