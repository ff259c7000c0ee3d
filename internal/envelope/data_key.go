package envelope

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"piivault/internal/vault"
)

// dataKey is one subject's unwrapped data key. Only its AEAD is kept: the raw
// key bytes are cleared as soon as the AEAD is built. It implements
// vault.DataKey and is safe for concurrent use.
type dataKey struct {
	aead cipher.AEAD
}

var _ vault.DataKey = (*dataKey)(nil)

// Seal encrypts plaintext bound to aad under the data key, with a fresh
// random nonce.
func (d *dataKey) Seal(plaintext, aad []byte) []byte {
	return seal(d.aead, formatValue, valueKeyID, plaintext, aad)
}

// Open decrypts a ciphertext made by Seal with the same aad. A short,
// foreign, altered or moved ciphertext is an error, never wrong data.
func (d *dataKey) Open(ciphertext, aad []byte) ([]byte, error) {
	format, id, err := header(ciphertext)
	switch {
	case err != nil:
		return nil, err
	case format != formatValue:
		return nil, errFormat
	case id != valueKeyID:
		return nil, errUnknownKey
	}
	return open(d.aead, ciphertext, aad)
}

// newDataKey builds the data key for raw, then clears raw.
func newDataKey(raw []byte) (*dataKey, error) {
	defer clear(raw)
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &dataKey{aead: aead}, nil
}

// NewDataKey creates a random data key, wraps it under the active KEK version
// bound to aad, and caches it under its wrapped form. It implements
// vault.Keys.
func (k *Keyring) NewDataKey(aad []byte) (vault.DataKey, []byte, error) {
	set := k.set.Load()
	raw := make([]byte, keySize)
	rand.Read(raw) // never fails: crypto/rand crashes the program instead
	wrapped := set.seal(raw, aad)
	dk, err := newDataKey(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: new data key: %w", err)
	}
	k.cache.put(wrapped, aad, dk)
	return dk, wrapped, nil
}

// OpenDataKey returns the data key behind wrapped, which must have been made
// by NewDataKey or RewrapDataKey with the same aad. It answers from the cache
// when it can. A short, altered, moved or foreign wrapped key, or one whose
// KEK version the keyring does not know even after a reload (SetReloader),
// is an error. It implements vault.Keys.
func (k *Keyring) OpenDataKey(wrapped, aad []byte) (vault.DataKey, error) {
	if dk := k.cache.get(wrapped, aad); dk != nil {
		return dk, nil
	}
	raw, err := k.unwrap(wrapped, aad)
	if err != nil {
		return nil, err
	}
	dk, err := newDataKey(raw)
	if err != nil {
		return nil, fmt.Errorf("envelope: open data key: %w", err)
	}
	return k.cache.put(wrapped, aad, dk), nil
}

// ForgetDataKey drops the cached copy of the data key behind wrapped, if
// any, so that after erasure of the wrapped key it lives nowhere in this
// process. It implements vault.Keys.
func (k *Keyring) ForgetDataKey(wrapped []byte) { k.cache.forget(wrapped) }

// RewrapDataKey returns wrapped re-wrapped under the active KEK version, bound
// to the same aad. A key already wrapped by the active version is checked
// and returned unchanged. It fails like OpenDataKey. The cached copy under
// the old wrapped form is dropped, so that ForgetDataKey of the new form
// leaves no copy behind.
func (k *Keyring) RewrapDataKey(wrapped, aad []byte) ([]byte, error) {
	raw, err := k.unwrap(wrapped, aad)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	set := k.set.Load() // after unwrap, which may have reloaded it
	if version, _ := KEKVersionOf(wrapped); version == int64(set.active) {
		return wrapped, nil
	}
	rewrapped := set.seal(raw, aad)
	k.cache.forget(wrapped)
	return rewrapped, nil
}

// KEKVersionOf returns the KEK version named in the header of a wrapped data
// key, without opening it. It fails for input too short to be one or that is
// not a wrapped data key.
func KEKVersionOf(wrapped []byte) (int64, error) {
	format, id, err := header(wrapped)
	if err != nil {
		return 0, err
	}
	if format != formatDataKey {
		return 0, errFormat
	}
	return int64(id), nil
}

// unwrap returns the raw data key behind wrapped; the caller clears it.
func (k *Keyring) unwrap(wrapped, aad []byte) ([]byte, error) {
	version, err := KEKVersionOf(wrapped)
	if err != nil {
		return nil, err
	}
	kek, ok := k.set.Load().keks[uint32(version)]
	if !ok {
		// Another instance may have rotated since this one last looked.
		if kek, ok = k.miss.reload(k, uint32(version)); !ok {
			return nil, errUnknownKey
		}
	}
	raw, err := open(kek, wrapped, aad)
	if err != nil {
		return nil, err
	}
	if len(raw) != keySize {
		clear(raw)
		return nil, errors.New("envelope: open: wrong data key size")
	}
	return raw, nil
}
