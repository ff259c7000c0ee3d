package vault_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"piivault/internal/ledger"
	"piivault/internal/phone"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// withLedger rebuilds in's service with an erasure ledger at path.
func withLedger(t *testing.T, in *instance, path string) *ledger.Ledger {
	t.Helper()
	l, err := ledger.Open(path, in.keys.LedgerMAC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	in.svc = vault.NewService(in.db, in.keys, vault.Options{
		RootTokenHash: vault.HashToken("root"),
		Normalizer:    vault.Normalizer{Phone: phone.Normalizer("GB")},
		KeyManager:    in.km,
		Erasures:      l,
	})
	return l
}

// TestErasureSurvivesARestoredBackup: an erasure is in the ledger, and
// replaying the ledger over a backup taken before it erases the user again.
func TestErasureSurvivesARestoredBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := newInstance(t, filepath.Join(dir, "vault.db"), newMasterKey(t), vault.KeyManagerOptions{})
	led := withLedger(t, in, filepath.Join(dir, "erasures.ledger"))
	users, _ := subjects(t, in.svc, 3)
	backup := filepath.Join(dir, "backup.db")
	if err := in.db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	id, _ := in.svc.ParseIdentity("token", users[1])
	if _, err := in.svc.EraseUser(ctx, vault.Root, id); err != nil {
		t.Fatal(err)
	}
	if led.Len() != 1 {
		t.Fatalf("the ledger holds %d entries after one erasure", led.Len())
	}
	in.db.Close()
	if err := sqlstore.RestoreSQLite(ctx, backup, in.path); err != nil {
		t.Fatal(err)
	}
	restored := newInstance(t, in.path, in.master, vault.KeyManagerOptions{})
	if _, err := restored.svc.GetUser(ctx, vault.Root, id); err != nil {
		t.Fatalf("the backup does not hold the user: %v", err)
	}
	res, err := restored.svc.ReplayErasures(ctx, led.Entries())
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != 1 || res.Erased != 1 {
		t.Errorf("replay = %+v, want 1 entry, 1 erased", res)
	}
	if _, err := restored.svc.GetUser(ctx, vault.Root, id); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Errorf("after replay: %v, want not found", err)
	}
	rec, err := restored.db.UserByToken(ctx, users[1])
	if err != nil || rec.DataKey != nil || rec.Profile != nil {
		t.Errorf("after replay the row keeps ciphertext: key %x, profile %x, %v", rec.DataKey, rec.Profile, err)
	}
	for _, u := range []string{users[0], users[2]} {
		id, _ := restored.svc.ParseIdentity("token", u)
		if _, err := restored.svc.GetUser(ctx, vault.Root, id); err != nil {
			t.Errorf("another user: %v", err)
		}
	}
	t.Run("a second replay finds nothing to do", func(t *testing.T) {
		res, err := restored.svc.ReplayErasures(ctx, led.Entries())
		if err != nil || res.Erased != 0 {
			t.Errorf("replay = %+v, %v", res, err)
		}
	})
}

// failingLog is an ErasureLog whose disk is gone, a fault a real file
// cannot produce on demand.
type failingLog struct{}

func (failingLog) Append(context.Context, string, int64) error {
	return errors.New("no space left on device")
}

func TestErasureRefusedWhenTheLedgerFails(t *testing.T) {
	ctx := context.Background()
	in := newInstance(t, filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t), vault.KeyManagerOptions{})
	svc := vault.NewService(in.db, in.keys, vault.Options{Erasures: failingLog{}})
	u, err := svc.CreateUser(ctx, vault.Root, map[string]any{"login": "a"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := svc.ParseIdentity("token", u)
	if _, err := svc.EraseUser(ctx, vault.Root, id); vault.ErrorCode(err) != vault.EUNAVAILABLE {
		t.Fatalf("err = %v, want EUNAVAILABLE", err)
	}
	if _, err := svc.GetUser(ctx, vault.Root, id); err != nil {
		t.Errorf("the user was erased without a ledger entry: %v", err)
	}
}

func TestReplayStopsAtABrokenLedger(t *testing.T) {
	in := newInstance(t, filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t), vault.KeyManagerOptions{})
	broken := errors.New("ledger: the erasure ledger is broken")
	entries := func(yield func(vault.Erasure, error) bool) {
		if yield(vault.Erasure{Token: vault.NewUUID(), When: 1}, nil) {
			yield(vault.Erasure{}, broken)
		}
	}
	res, err := in.svc.ReplayErasures(context.Background(), entries)
	if !errors.Is(err, broken) || res.Entries != 1 {
		t.Fatalf("replay = %+v, %v", res, err)
	}
}
