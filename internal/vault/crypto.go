package vault

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
)

// Keys is the envelope encryption vault relies on. It is implemented by
// envelope.Keyring, the only package that touches ciphers and MACs.
//
// Every subject (user, session, vault token) has its own random data key,
// stored only in wrapped form next to the subject. Destroying the wrapped key
// shreds everything sealed under it, in backups too.
type Keys interface {
	// NewDataKey creates a random data key and returns it together with its
	// wrapped (storable) form, bound to aad.
	NewDataKey(aad []byte) (DataKey, []byte, error)
	// OpenDataKey unwraps a stored data key. A tampered, moved or foreign
	// wrapped key fails with an error; it never yields a wrong key.
	OpenDataKey(wrapped, aad []byte) (DataKey, error)
	// ForgetDataKey drops any cached copy of the data key behind wrapped, so
	// that after erasure the key lives nowhere.
	ForgetDataKey(wrapped []byte)
	// BlindIndex returns the keyed HMAC-SHA-256 of a normalised value, as
	// lower-case hex. field separates the index spaces ("login", "email",
	// "session", "token:creditcard", ...).
	BlindIndex(field, normalised string) string
}

// DataKey seals and opens values of one subject with AES-256-GCM.
type DataKey interface {
	// Seal encrypts plaintext bound to aad; the output names its key.
	Seal(plaintext, aad []byte) []byte
	// Open decrypts a ciphertext made by Seal with the same aad. Any flipped
	// byte, other aad or other key is an error, never wrong data.
	Open(ciphertext, aad []byte) ([]byte, error)
}

// AAD builds the associated data that binds a ciphertext to the table, column
// and row it is stored in, so that a value moved to another place fails to
// open. Parts are length-prefixed so that no two bindings collide.
func AAD(table, column, row string) []byte {
	b := make([]byte, 0, 16+len(table)+len(column)+len(row))
	b = append(b, "piivault"...)
	for _, p := range [...]string{table, column, row} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}

// NewUUID returns a random RFC 4122 version-4 UUID in lower case.
func NewUUID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic("vault: crypto/rand failed: " + err.Error())
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}
