package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
)

// Format bytes. Distinct values keep a ciphertext of one kind from ever being
// accepted as another, even if the same key were used for both.
const (
	formatKEK     byte = 0x01 // a KEK wrapped by the master wrapping key; id = KEK version
	formatDataKey byte = 0x02 // a data key wrapped by a KEK; id = KEK version
	formatValue   byte = 0x03 // a value sealed by a data key; id = data-key generation
	formatRoot    byte = 0x04 // the derivation root wrapped by the master wrapping key; id = 0
)

// valueKeyID is the generation of per-subject data keys. There is one so far;
// the id is in the header so that a second one can coexist with it later.
const valueKeyID uint32 = 1

const (
	keySize   = 32 // AES-256
	headerLen = 1 + 4
	nonceLen  = 12
	tagLen    = 16
	overhead  = headerLen + nonceLen + tagLen
)

// Errors of opening. They name no key material and no plaintext; vault treats
// them as internal faults, because stored ciphertext that fails to open means
// damage or tampering, not bad client input.
var (
	errTooShort   = errors.New("envelope: open: ciphertext too short")
	errFormat     = errors.New("envelope: open: unknown ciphertext format")
	errUnknownKey = errors.New("envelope: open: unknown key id")
	errAuth       = errors.New("envelope: open: message authentication failed")
)

// newAEAD builds AES-256-GCM for key. Callers build it once per key and keep
// it: construction costs several times a 200-byte seal.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts plaintext under aead with a fresh random nonce and returns
// the full ciphertext, header included.
func seal(aead cipher.AEAD, format byte, id uint32, plaintext, aad []byte) []byte {
	n := len(plaintext) + overhead
	buf := make([]byte, n+headerLen+len(aad))
	out := buf[: headerLen+nonceLen : n]
	out[0] = format
	binary.BigEndian.PutUint32(out[1:headerLen], id)
	nonce := out[headerLen : headerLen+nonceLen]
	rand.Read(nonce) // never fails: crypto/rand crashes the program instead
	return aead.Seal(out, nonce, plaintext, additionalData(buf[n:], out[:headerLen], aad))
}

// header returns the format and key id of ciphertext after checking that it
// is long enough to hold a header, a nonce and a tag.
func header(ciphertext []byte) (format byte, id uint32, err error) {
	if len(ciphertext) < overhead {
		return 0, 0, errTooShort
	}
	return ciphertext[0], binary.BigEndian.Uint32(ciphertext[1:headerLen]), nil
}

// open decrypts a ciphertext made by seal, whose header the caller has
// already checked with header.
func open(aead cipher.AEAD, ciphertext, aad []byte) ([]byte, error) {
	nonce := ciphertext[headerLen : headerLen+nonceLen]
	body := ciphertext[headerLen+nonceLen:]
	n := len(body) - tagLen
	buf := make([]byte, n+headerLen+len(aad))
	plaintext, err := aead.Open(buf[:0:n], nonce, body, additionalData(buf[n:], ciphertext[:headerLen], aad))
	if err != nil {
		return nil, errAuth
	}
	return plaintext, nil
}

// additionalData writes what GCM authenticates besides the plaintext into
// dst, which has room for it: the header, so that no header byte can change
// unnoticed, then the caller's binding. seal and open carve dst from the tail
// of their output allocation, past the output's capacity, so that one
// allocation serves both.
func additionalData(dst, header, aad []byte) []byte {
	copy(dst, header)
	copy(dst[len(header):], aad)
	return dst
}
