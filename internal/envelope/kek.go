package envelope

import (
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"math"
	"time"

	"piivault/internal/vault"
)

// statusActive marks a KEK version that may wrap new data keys; the others
// ("retiring", "retired") only unwrap.
const statusActive = "active"

// NewKEK returns a new random key-encryption key of the given version, sealed
// under the wrapping key that HKDF derives from master, with status "active"
// and Created set to now. The version is in the authenticated header, so a
// record whose Version is changed no longer opens. It fails for a master key
// that is not 32 bytes or a version outside 1..2^32-1.
func NewKEK(master []byte, version int64, now time.Time) (vault.KEKRecord, error) {
	wrap, err := wrappingAEAD(master)
	if err != nil {
		return vault.KEKRecord{}, err
	}
	return newKEK(wrap, version, now)
}

// newKEK seals a fresh KEK under wrap. Rotation calls it with the keyring's
// wrapping key, so that the raw master key need not be kept around.
func newKEK(wrap cipher.AEAD, version int64, now time.Time) (vault.KEKRecord, error) {
	if version < 1 || version > math.MaxUint32 {
		return vault.KEKRecord{}, fmt.Errorf("envelope: KEK version %d out of range", version)
	}
	var kek [keySize]byte
	rand.Read(kek[:]) // never fails: crypto/rand crashes the program instead
	defer clear(kek[:])
	return vault.KEKRecord{
		Version: version,
		Wrapped: seal(wrap, formatKEK, uint32(version), kek[:], nil),
		Status:  statusActive,
		Created: now.Unix(),
	}, nil
}

// openKEK unwraps one stored KEK and builds its AEAD. errAuth means the
// master key is not the one that sealed it, or the record was altered.
func openKEK(wrap cipher.AEAD, k vault.KEKRecord) (cipher.AEAD, error) {
	kek, err := openKEKRaw(wrap, k)
	if err != nil {
		return nil, err
	}
	defer clear(kek)
	return newAEAD(kek)
}

// openKEKRaw unwraps one stored KEK into its raw bytes, which the caller
// clears.
func openKEKRaw(wrap cipher.AEAD, k vault.KEKRecord) ([]byte, error) {
	if k.Version < 1 || k.Version > math.MaxUint32 {
		return nil, fmt.Errorf("envelope: KEK version %d out of range", k.Version)
	}
	format, id, err := header(k.Wrapped)
	if err != nil {
		return nil, fmt.Errorf("envelope: KEK version %d: %w", k.Version, err)
	}
	if format != formatKEK || int64(id) != k.Version {
		return nil, fmt.Errorf("envelope: KEK version %d: %w", k.Version, errFormat)
	}
	kek, err := open(wrap, k.Wrapped, nil)
	if err != nil {
		return nil, err
	}
	if len(kek) != keySize {
		clear(kek)
		return nil, fmt.Errorf("envelope: KEK version %d: wrong key size", k.Version)
	}
	return kek, nil
}

// wrappingAEAD derives the KEK wrapping key from master and builds its AEAD.
func wrappingAEAD(master []byte) (cipher.AEAD, error) {
	key, err := deriveKey(master, infoKEKWrap)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return newAEAD(key)
}
