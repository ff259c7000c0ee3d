package envelope

import (
	"crypto/hmac"
	"crypto/sha256"
)

// LedgerMAC returns HMAC-SHA-256 of msg under the erasure ledger's subkey
// of the root key. The ledger chains its entries with it, so that an entry
// cannot be removed or changed without the master key; the subkey survives
// master-key changes (see Rekey), so the chain stays verifiable.
func (k *Keyring) LedgerMAC(msg []byte) []byte {
	mac := hmac.New(sha256.New, k.ledger)
	mac.Write(msg)
	return mac.Sum(nil)
}
