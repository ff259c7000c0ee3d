package envelope

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// HKDF info strings, one per purpose, so that no two uses of the master key
// ever share a key. Changing one makes every stored KEK or blind index
// unreadable: they are pinned by known-answer tests.
const (
	infoKEKWrap    = "piivault v1 kek wrapping"
	infoBlindIndex = "piivault v1 blind index"
	// infoErasureLedger keys the HMAC chain of the erasure ledger.
	infoErasureLedger = "piivault v1 erasure ledger"
	// infoCheck keys the check value that tells a wrong master key at
	// start, before anything is opened or written.
	infoCheck = "piivault v1 master key check"
)

// ErrWrongMasterKey means that the master key opens none of the stored KEKs:
// the operator configured another key than the one the database was created
// with. It is returned by Open and Ensure and is never wrapped with key
// material.
var ErrWrongMasterKey = errors.New("envelope: wrong master key: it opens none of the stored key-encryption keys")

// ParseMasterKey decodes an operator-supplied master key: 64 hexadecimal
// digits, or base64 (standard or URL alphabet, padded or not) of exactly 32
// bytes. Surrounding whitespace, such as a trailing newline in a key file, is
// ignored. The error says what is wrong with the shape, never what the key is.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("envelope: master key is empty")
	}
	if len(s) == 2*keySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
		return nil, errors.New("envelope: master key has 64 characters but is not hexadecimal")
	}
	decoded := -1
	for _, enc := range [...]*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) == keySize {
			return key, nil
		}
		decoded = len(key)
		clear(key)
	}
	if decoded >= 0 {
		return nil, fmt.Errorf("envelope: master key decodes to %d bytes, want %d", decoded, keySize)
	}
	return nil, fmt.Errorf("envelope: master key is neither 64 hex digits nor base64 of %d bytes", keySize)
}

// GenerateMasterKey returns a new random master key as 64 lower-case hex
// digits, the form ParseMasterKey reads.
func GenerateMasterKey() string {
	var key [keySize]byte
	rand.Read(key[:]) // never fails: crypto/rand crashes the program instead
	defer clear(key[:])
	return hex.EncodeToString(key[:])
}

// deriveKey returns the 32-byte subkey of master for one purpose.
func deriveKey(master []byte, info string) ([]byte, error) {
	if len(master) != keySize {
		return nil, fmt.Errorf("envelope: master key is %d bytes, want %d", len(master), keySize)
	}
	return hkdf.Key(sha256.New, master, nil, info, keySize)
}
