package envelope_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"piivault/internal/envelope"
	"piivault/internal/vault"
)

func newMaster(t *testing.T) []byte {
	t.Helper()
	m, err := envelope.ParseMasterKey(envelope.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCheckValue: the first start stores the master key's check value,
// and a later start with another key is refused by it before any KEK is
// looked at, even when the KEKs are gone.
func TestCheckValue(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1767225600, 0)
	db := openSQLite(t, filepath.Join(t.TempDir(), "vault.db"))
	master := newMaster(t)
	if _, err := envelope.Ensure(ctx, master, db, now); err != nil {
		t.Fatal(err)
	}
	meta, err := db.KeyringMeta(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.Check) != 32 || meta.Root != nil {
		t.Fatalf("stored check of %d bytes and root %x; want 32 bytes and none", len(meta.Check), meta.Root)
	}
	if bytes.Contains(meta.Check, master) {
		t.Fatal("the check value contains the master key")
	}
	t.Run("the right key starts again", func(t *testing.T) {
		if _, err := envelope.Ensure(ctx, master, db, now); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another key is ErrWrongMasterKey and writes nothing", func(t *testing.T) {
		if _, err := envelope.Ensure(ctx, newMaster(t), db, now); !errors.Is(err, envelope.ErrWrongMasterKey) {
			t.Fatalf("err = %v, want ErrWrongMasterKey", err)
		}
		keks, _ := db.KEKs(ctx)
		if len(keks) != 1 {
			t.Errorf("%d KEKs stored, want 1", len(keks))
		}
	})
}

// TestRekey changes the master key over a real store: the old key stops
// working, the new one opens every data key made before, and blind indexes
// and the ledger MAC stay the same, so lookups and the ledger chain survive.
func TestRekey(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1767225600, 0)
	path := filepath.Join(t.TempDir(), "vault.db")
	db := openSQLite(t, path)
	oldKey, newKey := newMaster(t), newMaster(t)
	before, err := envelope.Ensure(ctx, oldKey, db, now)
	if err != nil {
		t.Fatal(err)
	}
	// Two versions, so that every KEK is re-wrapped, not just the first.
	v2, err := before.NewKEK(2, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InsertKEK(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if err := before.AddKEK(v2); err != nil {
		t.Fatal(err)
	}
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := before.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	sealed := dk.Seal([]byte("value"), nil)

	t.Run("a wrong old key is refused and changes nothing", func(t *testing.T) {
		if err := envelope.Rekey(ctx, newMaster(t), newKey, db); !errors.Is(err, envelope.ErrWrongMasterKey) {
			t.Fatalf("err = %v, want ErrWrongMasterKey", err)
		}
	})
	t.Run("the same key twice is refused", func(t *testing.T) {
		if err := envelope.Rekey(ctx, oldKey, oldKey, db); err == nil {
			t.Fatal("accepted")
		}
	})
	if err := envelope.Rekey(ctx, oldKey, newKey, db); err != nil {
		t.Fatal(err)
	}
	t.Run("the old key no longer starts", func(t *testing.T) {
		if _, err := envelope.Ensure(ctx, oldKey, openSQLite(t, path), now); !errors.Is(err, envelope.ErrWrongMasterKey) {
			t.Fatalf("err = %v, want ErrWrongMasterKey", err)
		}
	})
	after, err := envelope.Ensure(ctx, newKey, openSQLite(t, path), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the new key opens data keys of every version", func(t *testing.T) {
		got, err := after.OpenDataKey(wrapped, aad)
		if err != nil {
			t.Fatal(err)
		}
		if plain, err := got.Open(sealed, nil); err != nil || string(plain) != "value" {
			t.Fatalf("Open = %q, %v", plain, err)
		}
		if after.ActiveVersion() != 2 {
			t.Errorf("ActiveVersion = %d, want 2", after.ActiveVersion())
		}
	})
	t.Run("blind indexes and the ledger MAC do not change", func(t *testing.T) {
		if a, b := before.BlindIndex("email", "a@b.c"), after.BlindIndex("email", "a@b.c"); a != b {
			t.Errorf("blind index changed: %s -> %s", a, b)
		}
		if a, b := before.LedgerMAC([]byte("entry")), after.LedgerMAC([]byte("entry")); !bytes.Equal(a, b) {
			t.Errorf("ledger MAC changed")
		}
	})
	t.Run("a second change keeps the same root", func(t *testing.T) {
		third := newMaster(t)
		if err := envelope.Rekey(ctx, newKey, third, db); err != nil {
			t.Fatal(err)
		}
		k, err := envelope.Ensure(ctx, third, openSQLite(t, path), now)
		if err != nil {
			t.Fatal(err)
		}
		if before.BlindIndex("email", "a@b.c") != k.BlindIndex("email", "a@b.c") {
			t.Error("blind index changed")
		}
		if _, err := k.OpenDataKey(wrapped, aad); err != nil {
			t.Error(err)
		}
	})
	t.Run("no stored record contains a master key", func(t *testing.T) {
		keks, _ := db.KEKs(ctx)
		meta, _ := db.KeyringMeta(ctx)
		for _, m := range [][]byte{oldKey, newKey} {
			for _, k := range keks {
				if bytes.Contains(k.Wrapped, m) {
					t.Error("a KEK record contains a master key in the clear")
				}
			}
			if bytes.Contains(meta.Root, m) || bytes.Contains(meta.Check, m) {
				t.Error("the keyring meta contains a master key in the clear")
			}
		}
	})
}

// TestRekeyConflict: a rekey computed against a keyring that changed
// before it commits is refused as a whole.
func TestRekeyConflict(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t, filepath.Join(t.TempDir(), "vault.db"))
	k, err := envelope.Ensure(ctx, newMaster(t), db, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keks, _ := db.KEKs(ctx)
	v2, _ := k.NewKEK(2, time.Now())
	if err := db.InsertKEK(ctx, v2); err != nil {
		t.Fatal(err)
	}
	next := append([]vault.KEKRecord(nil), keks...)
	next[0].Wrapped = []byte("x")
	err = db.Rekey(ctx, keks, next, vault.KeyringMeta{Check: []byte("c")})
	if vault.ErrorCode(err) != vault.ECONFLICT {
		t.Fatalf("err = %v, want ECONFLICT", err)
	}
	after, _ := db.KEKs(ctx)
	if !bytes.Equal(after[0].Wrapped, keks[0].Wrapped) {
		t.Error("version 1 changed")
	}
}
