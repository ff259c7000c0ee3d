package envelope

import (
	"encoding/binary"
	"time"

	"piivault/internal/vault"
)

// NewKEK returns a new random key-encryption key of the given version,
// sealed under this keyring's master wrapping key, with status "active" and
// Created set to now: the record a rotation stores. The keyring itself is
// not changed; Reload or AddKEK adds the version once it is stored. It
// fails for a version outside 1..2^32-1.
func (k *Keyring) NewKEK(version int64, now time.Time) (vault.KEKRecord, error) {
	return newKEK(k.wrap, version, now)
}

// WrappedKeyPrefix returns the bytes that every data key wrapped under the
// given KEK version begins with: its format byte and version. Stores use it
// to find and count data keys by version without opening them.
func (k *Keyring) WrappedKeyPrefix(version int64) []byte {
	p := make([]byte, headerLen)
	p[0] = formatDataKey
	binary.BigEndian.PutUint32(p[1:], uint32(version))
	return p
}

// Encryptions returns, per KEK version, how many data keys this process has
// wrapped under it since it started, new ones and re-wrapped ones alike.
// GCM with random 96-bit nonces must seal well under 2^32 messages per key;
// the caller adds these counts up across instances and restarts and rotates
// before the bound (keys.rotate_after_encryptions). Each data key has its
// own key and seals one subject's values, so per-KEK wraps are the count
// that grows without bound.
func (k *Keyring) Encryptions() map[int64]uint64 {
	set := k.set.Load()
	out := make(map[int64]uint64, len(set.wraps))
	for v, n := range set.wraps {
		out[int64(v)] = n.Load()
	}
	return out
}
