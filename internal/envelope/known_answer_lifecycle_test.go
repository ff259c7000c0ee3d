package envelope

import (
	"encoding/hex"
	"testing"
)

// Known answers of the key-lifecycle derivations, computed independently
// (RFC 5869 HKDF and HMAC written out in Python) for the master key 00 01
// ... 1f. A change would refuse every existing master key at start (the
// check value) or break every erasure ledger's chain.
const (
	katCheckValue = "3936d5a991b3835871c0be19f8a27594a3a6ddda137372cc73c5788add9d53b9"
	katLedgerMAC  = "1bf1bd1c0efe20aeba5693a442de7cee8a679e05ea909db8b2fb0604755d6fd7" // of "entry"
)

func TestKnownAnswersOfTheKeyLifecycle(t *testing.T) {
	master := testMaster(0)
	t.Run("the check value is pinned", func(t *testing.T) {
		got, err := checkValue(master)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != katCheckValue {
			t.Errorf("check value = %x, want %s", got, katCheckValue)
		}
	})
	t.Run("the ledger MAC is pinned", func(t *testing.T) {
		k, _ := newTestKeyring(t, master)
		if got := hex.EncodeToString(k.LedgerMAC([]byte("entry"))); got != katLedgerMAC {
			t.Errorf("LedgerMAC = %s, want %s", got, katLedgerMAC)
		}
	})
}
