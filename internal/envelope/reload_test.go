package envelope

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"piivault/internal/vault"
)

// TestReload covers what instances sharing a database rely on: a version
// rotated in elsewhere becomes active, known versions are never dropped,
// and a bad record leaves the keyring as it was.
func TestReload(t *testing.T) {
	master := testMaster(1)
	aad := vault.AAD("users", "datakey", "u1")

	t.Run("a new active version is used for new data keys", func(t *testing.T) {
		k, v1 := newTestKeyring(t, master)
		v2, err := k.NewKEK(2, testNow)
		if err != nil {
			t.Fatal(err)
		}
		v1.Status = vault.KEKRetiring
		if err := k.Reload([]vault.KEKRecord{v1, v2}); err != nil {
			t.Fatal(err)
		}
		if k.ActiveVersion() != 2 {
			t.Fatalf("ActiveVersion = %d, want 2", k.ActiveVersion())
		}
		_, w, err := k.NewDataKey(aad)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := KEKVersionOf(w); v != 2 {
			t.Errorf("new data key wrapped by %d, want 2", v)
		}
	})
	t.Run("a version missing from the records is kept", func(t *testing.T) {
		k, v1 := newTestKeyring(t, master)
		_, w1, err := k.NewDataKey(aad)
		if err != nil {
			t.Fatal(err)
		}
		v2, _ := k.NewKEK(2, testNow)
		if err := k.Reload([]vault.KEKRecord{v2}); err != nil {
			t.Fatal(err)
		}
		k.ForgetDataKey(w1)
		if _, err := k.OpenDataKey(w1, aad); err != nil {
			t.Errorf("a key of the dropped version no longer opens: %v", err)
		}
		_ = v1
	})
	t.Run("a record of another master key fails and changes nothing", func(t *testing.T) {
		k, v1 := newTestKeyring(t, master)
		foreign, err := NewKEK(testMaster(9), 2, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Reload([]vault.KEKRecord{v1, foreign}); err == nil {
			t.Fatal("accepted")
		}
		if k.ActiveVersion() != 1 {
			t.Errorf("ActiveVersion = %d, want 1", k.ActiveVersion())
		}
	})
	t.Run("records without an active version fail", func(t *testing.T) {
		k, v1 := newTestKeyring(t, master)
		v1.Status = vault.KEKRetired
		if err := k.Reload([]vault.KEKRecord{v1}); err == nil {
			t.Fatal("accepted")
		}
		if k.ActiveVersion() != 1 {
			t.Errorf("ActiveVersion = %d, want 1", k.ActiveVersion())
		}
	})
}

// TestReloadOnUnknownVersion plays an instance that has not yet seen a
// rotation done elsewhere: a key already re-wrapped under the new version
// opens after one reload, shared by concurrent requests.
func TestReloadOnUnknownVersion(t *testing.T) {
	master := testMaster(1)
	aad := vault.AAD("users", "datakey", "u1")
	rotated, v1 := newTestKeyring(t, master)
	stale, err := Open(master, []vault.KEKRecord{v1})
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := rotated.NewKEK(2, testNow)
	if err := rotated.AddKEK(v2); err != nil {
		t.Fatal(err)
	}
	_, wrapped, err := rotated.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("without a reloader the version is unknown", func(t *testing.T) {
		if _, err := stale.OpenDataKey(wrapped, aad); !errors.Is(err, errUnknownKey) {
			t.Errorf("err = %v, want %v", err, errUnknownKey)
		}
	})
	var loads atomic.Int32
	stale.SetReloader(func() ([]vault.KEKRecord, error) {
		loads.Add(1)
		return []vault.KEKRecord{v1, v2}, nil
	})
	t.Run("concurrent misses share one reload and all open", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { _, errs[i] = stale.OpenDataKey(wrapped, aad) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if n := loads.Load(); n != 1 {
			t.Errorf("%d reloads, want 1", n)
		}
		if stale.ActiveVersion() != 2 {
			t.Errorf("ActiveVersion = %d after the reload, want 2", stale.ActiveVersion())
		}
	})
	t.Run("a version nobody has is refused without another reload at once", func(t *testing.T) {
		foreign := flipped(wrapped, 4, 0x40) // version 2 -> 66
		before := loads.Load()
		if _, err := stale.OpenDataKey(foreign, aad); !errors.Is(err, errUnknownKey) {
			t.Errorf("err = %v, want %v", err, errUnknownKey)
		}
		if loads.Load() != before {
			t.Errorf("a miss right after a reload reloaded again")
		}
	})
}

// TestEncryptionsCount checks the per-version count behind automatic
// rotation: every wrap counts, new and re-wrapped, under the version that
// made it, and a swap of the keyring keeps the counts.
func TestEncryptionsCount(t *testing.T) {
	master := testMaster(1)
	k, v1 := newTestKeyring(t, master)
	aad := vault.AAD("users", "datakey", "u1")
	var wrapped [][]byte
	for range 3 {
		_, w, err := k.NewDataKey(aad)
		if err != nil {
			t.Fatal(err)
		}
		wrapped = append(wrapped, w)
	}
	if got := k.Encryptions()[1]; got != 3 {
		t.Fatalf("version 1 wrapped %d, want 3", got)
	}
	v2, _ := k.NewKEK(2, testNow)
	v1.Status = vault.KEKRetiring
	if err := k.Reload([]vault.KEKRecord{v1, v2}); err != nil {
		t.Fatal(err)
	}
	for _, w := range wrapped[:2] {
		if _, err := k.RewrapDataKey(w, aad); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := k.OpenDataKey(wrapped[2], aad); err != nil { // opening is no encryption
		t.Fatal(err)
	}
	got := k.Encryptions()
	if got[1] != 3 || got[2] != 2 {
		t.Errorf("Encryptions = %v, want map[1:3 2:2]", got)
	}
}

func TestWrappedKeyPrefix(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	_, w, err := k.NewDataKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := k.WrappedKeyPrefix(1)
	if string(w[:len(p)]) != string(p) {
		t.Errorf("a version-1 data key starts %x, prefix is %x", w[:len(p)], p)
	}
	if string(k.WrappedKeyPrefix(2)) == string(p) {
		t.Error("two versions share a prefix")
	}
}
