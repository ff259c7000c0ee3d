package envelope

import (
	"crypto/cipher"
	"fmt"
	"math"
	"sync"
	"time"

	"piivault/internal/vault"
)

// Reload brings the keyring up to date with the stored KEKs: versions it
// does not know yet are unwrapped and added, and the active version becomes
// the highest one whose status is "active". Versions it knows are kept as
// they are, even when absent from keks or stored differently (as after a
// master-key change): a process never loses a key it could open. Instances
// sharing a database call it every few seconds, which is how a rotation on
// one becomes active for new writes on all. It fails, leaving the keyring
// unchanged, when a new version does not open with this keyring's master
// key or no version is active.
func (k *Keyring) Reload(keks []vault.KEKRecord) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	set := k.set.Load().clone()
	set.active = 0
	for _, rec := range keks {
		if rec.Version < 1 || rec.Version > math.MaxUint32 {
			return fmt.Errorf("envelope: reload: KEK version %d out of range", rec.Version)
		}
		v := uint32(rec.Version)
		aead, known := set.keks[v]
		if !known {
			var err error
			if aead, err = openKEK(k.wrap, rec); err != nil {
				return fmt.Errorf("envelope: reload: KEK version %d: %w", rec.Version, err)
			}
		}
		set.add(v, aead, rec.Status, set.wraps[v])
	}
	if set.active == 0 {
		return fmt.Errorf("envelope: reload: no active key-encryption key")
	}
	k.set.Store(set)
	return nil
}

// SetReloader gives the keyring a way to read the stored KEKs, used when
// OpenDataKey or RewrapDataKey meet a wrapped key whose version the keyring
// does not know: another instance has rotated and re-wrapped it since this
// one last reloaded. Concurrent misses share one call of load, and misses
// within minMissGap of the last call do not call it again, so that a
// damaged key cannot turn every request into a database read. Call it once,
// before the keyring is shared.
func (k *Keyring) SetReloader(load func() ([]vault.KEKRecord, error)) {
	k.miss.load = load
}

// minMissGap bounds the reloads that unknown versions can cause.
const minMissGap = 250 * time.Millisecond

// missReload is the reload-on-miss state of a keyring.
type missReload struct {
	load func() ([]vault.KEKRecord, error)
	mu   sync.Mutex
	last time.Time
}

// reload reloads the keyring once for an unknown version and returns that
// version's KEK if it is known afterwards.
func (m *missReload) reload(k *Keyring, version uint32) (cipher.AEAD, bool) {
	if m.load == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if kek, ok := k.set.Load().keks[version]; ok {
		return kek, true // a concurrent miss has reloaded it
	}
	if time.Since(m.last) < minMissGap {
		return nil, false
	}
	m.last = time.Now()
	keks, err := m.load()
	if err != nil {
		return nil, false
	}
	if err := k.Reload(keks); err != nil {
		return nil, false
	}
	kek, ok := k.set.Load().keks[version]
	return kek, ok
}
