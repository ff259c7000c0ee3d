package envelope

import (
	"bytes"
	"testing"
	"time"

	"piivault/internal/vault"
)

// testNow is the fixed clock of tests: 2026-01-01T00:00:00Z.
var testNow = time.Unix(1767225600, 0)

// testMaster returns a fixed 32-byte master key that differs per seed.
func testMaster(seed byte) []byte {
	m := make([]byte, keySize)
	for i := range m {
		m[i] = seed + byte(i)
	}
	return m
}

// newTestKeyring returns a keyring with one active KEK version under master,
// and that version's record.
func newTestKeyring(t testing.TB, master []byte) (*Keyring, vault.KEKRecord) {
	t.Helper()
	rec, err := NewKEK(master, 1, testNow)
	if err != nil {
		t.Fatalf("NewKEK: %v", err)
	}
	k, err := Open(master, []vault.KEKRecord{rec})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return k, rec
}

// flipped returns a copy of b with byte i changed by mask.
func flipped(b []byte, i int, mask byte) []byte {
	c := bytes.Clone(b)
	c[i] ^= mask
	return c
}
