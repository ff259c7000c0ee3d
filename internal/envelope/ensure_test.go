package envelope

import (
	"context"
	"errors"
	"sync"
	"testing"

	"piivault/internal/vault"
)

// memKeyStore is a minimal vault.KeyStore for the faults a real database
// cannot produce on demand: beforeInsert plays the rival instance that wins
// the first-start race at exactly the wrong moment. ensure_db_test.go runs
// Ensure over sqlstore.
type memKeyStore struct {
	mu           sync.Mutex
	keks         []vault.KEKRecord
	err          error
	beforeInsert func(s *memKeyStore)
}

func (s *memKeyStore) KEKs(context.Context) ([]vault.KEKRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return append([]vault.KEKRecord(nil), s.keks...), nil
}

func (s *memKeyStore) InsertKEK(_ context.Context, k vault.KEKRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.beforeInsert != nil {
		s.beforeInsert(s)
	}
	for _, have := range s.keks {
		if have.Version == k.Version {
			return vault.Errorf(vault.ECONFLICT, "kek version exists")
		}
	}
	s.keks = append(s.keks, k)
	return nil
}

// sameKeys checks that a data key made by a opens with b.
func sameKeys(t *testing.T, a, b *Keyring) {
	t.Helper()
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := a.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.OpenDataKey(wrapped, aad)
	if err != nil {
		t.Fatalf("the other keyring cannot open the data key: %v", err)
	}
	if _, err := other.Open(dk.Seal([]byte("v"), nil), nil); err != nil {
		t.Fatalf("the data keys differ: %v", err)
	}
}

func TestEnsure(t *testing.T) {
	ctx := context.Background()
	master := testMaster(1)

	t.Run("the first start creates version 1 and later starts reuse it", func(t *testing.T) {
		ks := &memKeyStore{}
		first, err := Ensure(ctx, master, ks, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(ks.keks) != 1 || ks.keks[0].Version != 1 || ks.keks[0].Status != "active" || ks.keks[0].Created != testNow.Unix() {
			t.Fatalf("stored %+v", ks.keks)
		}
		second, err := Ensure(ctx, master, ks, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(ks.keks) != 1 {
			t.Errorf("a second start stored another KEK")
		}
		sameKeys(t, first, second)
	})
	t.Run("an instance that loses the race uses the winner's KEK", func(t *testing.T) {
		winner, err := NewKEK(master, 1, testNow)
		if err != nil {
			t.Fatal(err)
		}
		ks := &memKeyStore{}
		ks.beforeInsert = func(s *memKeyStore) { s.keks, s.beforeInsert = []vault.KEKRecord{winner}, nil }
		k, err := Ensure(ctx, master, ks, testNow)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := Open(master, []vault.KEKRecord{winner})
		if err != nil {
			t.Fatal(err)
		}
		sameKeys(t, ref, k)
	})
	t.Run("instances starting together agree", func(t *testing.T) {
		ks := &memKeyStore{}
		rings := make([]*Keyring, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range rings {
			wg.Go(func() { rings[i], errs[i] = Ensure(ctx, master, ks, testNow) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		sameKeys(t, rings[0], rings[1])
	})
	t.Run("a wrong master key is ErrWrongMasterKey", func(t *testing.T) {
		ks := &memKeyStore{}
		if _, err := Ensure(ctx, master, ks, testNow); err != nil {
			t.Fatal(err)
		}
		if _, err := Ensure(ctx, testMaster(2), ks, testNow); !errors.Is(err, ErrWrongMasterKey) {
			t.Errorf("err = %v, want ErrWrongMasterKey", err)
		}
	})
	t.Run("a storage error keeps its code", func(t *testing.T) {
		ks := &memKeyStore{err: vault.ErrUnavailable}
		if _, err := Ensure(ctx, master, ks, testNow); vault.ErrorCode(err) != vault.EUNAVAILABLE {
			t.Errorf("err = %v, want code %s", err, vault.EUNAVAILABLE)
		}
	})
}
