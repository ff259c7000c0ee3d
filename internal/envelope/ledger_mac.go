package envelope

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

// LedgerID returns 16 hex digits that name this vault's key root without
// revealing anything about it. It survives master-key changes, like the
// root. The default erasure ledger file carries it in its name, so that two
// vaults given the same data directory never share (and break) one ledger.
func (k *Keyring) LedgerID() string {
	return hex.EncodeToString(k.LedgerMAC([]byte("piivault ledger id"))[:8])
}
