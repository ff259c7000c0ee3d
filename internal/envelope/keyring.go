package envelope

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"piivault/internal/vault"
)

// defaultCacheSize bounds the unwrapped data keys held in memory: enough for
// the hot subjects of a busy server, about 1.5 KiB each.
const defaultCacheSize = 4096

// Keyring is the envelope encryption of one vault: it implements vault.Keys
// and is safe for concurrent use. The KEK versions it knows form an immutable
// set behind an atomic pointer; AddKEK swaps in a new set, so that readers
// never lock and never see a half-built keyring.
type Keyring struct {
	set    atomic.Pointer[kekSet]
	wrap   cipher.AEAD // opens and seals KEKs; derived from the master key
	index  sync.Pool   // of *indexer, keyed for blind indexes
	ledger []byte      // HMAC key of the erasure ledger; derived from the root
	cache  *keyCache   // unwrapped data keys by wrapped form
	mu     sync.Mutex  // serialises AddKEK and Reload
	miss   missReload  // reloads the KEKs when a wrapped key names an unknown version
}

var _ vault.Keys = (*Keyring)(nil)

// kekSet is one immutable generation of the keyring.
type kekSet struct {
	active uint32                 // version wrapping new data keys
	keks   map[uint32]cipher.AEAD // every known version, built once
	// wraps counts the data keys this process has wrapped under each
	// version (new and re-wrapped), for the random-nonce bound of GCM. The
	// counters are shared by every generation, so a swap loses no count.
	wraps map[uint32]*atomic.Uint64
}

// Open returns the keyring of the stored KEKs, unwrapping each with master.
// The active version is the highest one with status "active". It fails with
// ErrWrongMasterKey when master opens none of them, and with a plain error
// when there are none, none is active, or only some open (damage or
// tampering).
func Open(master []byte, keks []vault.KEKRecord) (*Keyring, error) {
	return openWithRoot(master, master, keks)
}

// openWithRoot is Open with the root of the derived (non-wrapping) keys
// given apart from the master key: they differ once the master key has been
// changed (see Rekey).
func openWithRoot(master, root []byte, keks []vault.KEKRecord) (*Keyring, error) {
	if len(keks) == 0 {
		return nil, errors.New("envelope: open keyring: no key-encryption keys")
	}
	wrap, err := wrappingAEAD(master)
	if err != nil {
		return nil, err
	}
	indexKey, err := deriveKey(root, infoBlindIndex)
	if err != nil {
		return nil, err
	}
	ledgerKey, err := deriveKey(root, infoErasureLedger)
	if err != nil {
		return nil, err
	}
	set := newKEKSet(len(keks))
	failed := 0
	for _, k := range keks {
		aead, err := openKEK(wrap, k)
		switch {
		case errors.Is(err, errAuth):
			failed++
			continue
		case err != nil:
			return nil, fmt.Errorf("envelope: open keyring: %w", err)
		}
		if _, dup := set.keks[uint32(k.Version)]; dup {
			return nil, fmt.Errorf("envelope: open keyring: KEK version %d stored twice", k.Version)
		}
		set.add(uint32(k.Version), aead, k.Status, nil)
	}
	if failed == len(keks) {
		return nil, ErrWrongMasterKey
	}
	if failed > 0 {
		return nil, fmt.Errorf("envelope: open keyring: %d of %d KEK versions fail to open with a master key that opens the others: damaged or tampered", failed, len(keks))
	}
	if set.active == 0 {
		return nil, errors.New("envelope: open keyring: no active key-encryption key")
	}
	k := &Keyring{wrap: wrap, ledger: ledgerKey, cache: newKeyCache(defaultCacheSize)}
	k.index.New = func() any { return newIndexer(indexKey) }
	k.set.Store(set)
	return k, nil
}

// Ensure loads the KEKs from ks and opens them with master. On first start,
// when there are none, it creates version 1 and stores it; if another
// instance stored one first (ECONFLICT from InsertKEK), it uses that one.
//
// When ks is also a vault.KeyringMetaStore (sqlstore is), Ensure first
// compares master with the stored check value, so that a wrong key is
// refused before anything is opened or written, and stores the check value
// when there is none yet; it also takes the root of the derived keys from
// there after a master-key change (Rekey).
//
// Errors of ks keep their vault code (EUNAVAILABLE when storage is down);
// a wrong master key is ErrWrongMasterKey.
func Ensure(ctx context.Context, master []byte, ks vault.KeyStore, now time.Time) (*Keyring, error) {
	ms, _ := ks.(vault.KeyringMetaStore)
	var meta vault.KeyringMeta
	if ms != nil {
		var err error
		if meta, err = ms.KeyringMeta(ctx); err != nil {
			return nil, fmt.Errorf("envelope: load keyring check: %w", err)
		}
		if meta.Check != nil {
			if err := verifyCheck(master, meta.Check); err != nil {
				return nil, err
			}
		}
	}
	keks, err := ks.KEKs(ctx)
	if err != nil {
		return nil, fmt.Errorf("envelope: load keys: %w", err)
	}
	if len(keks) == 0 {
		first, err := NewKEK(master, 1, now)
		if err != nil {
			return nil, err
		}
		err = ks.InsertKEK(ctx, first)
		switch {
		case err == nil:
			keks = []vault.KEKRecord{first}
		case vault.ErrorCode(err) == vault.ECONFLICT:
			if keks, err = ks.KEKs(ctx); err != nil {
				return nil, fmt.Errorf("envelope: reload keys: %w", err)
			}
		default:
			return nil, fmt.Errorf("envelope: store first key: %w", err)
		}
	}
	root, err := unsealRoot(master, meta.Root)
	if err != nil {
		return nil, err
	}
	defer clear(root)
	k, err := openWithRoot(master, root, keks)
	if err != nil {
		return nil, err
	}
	if ms != nil && meta.Check == nil {
		if err := initCheck(ctx, ms, master); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// ActiveVersion returns the KEK version that wraps new data keys.
func (k *Keyring) ActiveVersion() int64 { return int64(k.set.Load().active) }

// AddKEK unwraps a KEK version made by NewKEK with the same master key (and
// already stored) and swaps in a keyring that knows it. If its status is
// "active" and its version is the highest active one, new data keys are
// wrapped by it from then on. It fails, leaving the keyring unchanged, for a
// version the keyring already has or a record that does not open.
func (k *Keyring) AddKEK(rec vault.KEKRecord) error {
	aead, err := openKEK(k.wrap, rec)
	if err != nil {
		return fmt.Errorf("envelope: add KEK: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.set.Load()
	if _, dup := old.keks[uint32(rec.Version)]; dup {
		return fmt.Errorf("envelope: add KEK: version %d exists", rec.Version)
	}
	set := old.clone()
	set.add(uint32(rec.Version), aead, rec.Status, nil)
	k.set.Store(set)
	return nil
}

func newKEKSet(n int) *kekSet {
	return &kekSet{keks: make(map[uint32]cipher.AEAD, n), wraps: make(map[uint32]*atomic.Uint64, n)}
}

// clone returns a new generation with the versions, counters and active
// version of s, for a builder to add to before it is published.
func (s *kekSet) clone() *kekSet {
	c := newKEKSet(len(s.keks) + 1)
	c.active = s.active
	for v, a := range s.keks {
		c.keks[v] = a
		c.wraps[v] = s.wraps[v]
	}
	return c
}

// add records one unwrapped version with its wrap counter (a new one when
// wraps is nil); only the builder of s calls it.
func (s *kekSet) add(version uint32, aead cipher.AEAD, status string, wraps *atomic.Uint64) {
	if wraps == nil {
		wraps = new(atomic.Uint64)
	}
	s.keks[version] = aead
	s.wraps[version] = wraps
	if status == statusActive && version > s.active {
		s.active = version
	}
}

// seal wraps raw under the active version and counts it.
func (s *kekSet) seal(raw, aad []byte) []byte {
	s.wraps[s.active].Add(1)
	return seal(s.keks[s.active], formatDataKey, s.active, raw, aad)
}
