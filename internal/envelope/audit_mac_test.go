package envelope

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// Known answers of AuditMAC for the master key 00 01 ... 1f, computed
// independently (RFC 5869 HKDF and HMAC written out in Python). A change
// would break the hash chain of every stored audit trail.
const (
	katAuditMAC      = "971a87f018c8f7f6046c5ada07cadb63c32365c7a7beb52e8157a15987b6b796" // prev 00..1f, msg "event"
	katAuditMACFirst = "21f6ca7b3139e2d8ecedf7cf59e06bae2042d2d05a3611db92a41143f0b40d53" // no prev, msg "event"
)

func TestAuditMAC(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(0))
	prev := testMaster(0) // 32 bytes 00..1f, as a previous MAC would be
	t.Run("the MAC is pinned", func(t *testing.T) {
		if got := hex.EncodeToString(k.AuditMAC(prev, []byte("event"))); got != katAuditMAC {
			t.Errorf("AuditMAC = %s, want %s", got, katAuditMAC)
		}
		if got := hex.EncodeToString(k.AuditMAC(nil, []byte("event"))); got != katAuditMACFirst {
			t.Errorf("AuditMAC without prev = %s, want %s", got, katAuditMACFirst)
		}
	})
	t.Run("moving bytes between prev and msg changes the MAC", func(t *testing.T) {
		if bytes.Equal(k.AuditMAC([]byte("ab"), []byte("c")), k.AuditMAC([]byte("a"), []byte("bc"))) {
			t.Error("prev and msg are not separated")
		}
	})
	t.Run("the key is not the erasure ledger's", func(t *testing.T) {
		if bytes.Equal(k.AuditMAC(nil, []byte("entry")), k.LedgerMAC([]byte("entry"))) {
			t.Error("audit chain and erasure ledger share a key")
		}
	})
	t.Run("another master key gives another MAC", func(t *testing.T) {
		other, _ := newTestKeyring(t, testMaster(1))
		if bytes.Equal(k.AuditMAC(prev, []byte("event")), other.AuditMAC(prev, []byte("event"))) {
			t.Error("the MAC does not depend on the master key")
		}
	})
}
