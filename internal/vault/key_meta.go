package vault

import "context"

// KeyringMeta is what the keyring stores besides its KEKs. Neither field is
// key material an attacker could use: Check is a MAC of a fixed label, and
// Root is sealed under the master key like the KEKs.
type KeyringMeta struct {
	// Check proves the master key: a keyed MAC of a fixed label under a
	// subkey of it. Start-up compares it before opening or writing anything,
	// so a wrong key is refused with a clear message. Nil until first set.
	Check []byte
	// Root is the root of the derived keys (blind indexes, the erasure
	// ledger's MAC), sealed under the current master key. It is nil until
	// the master key is first changed: until then the master key is the root.
	// Blind indexes cannot be recomputed without every plaintext, so a new
	// master key keeps the old root.
	Root []byte
}

// KeyringMetaStore keeps the KeyringMeta of the keyring. sqlstore
// implements it next to KeyStore.
type KeyringMetaStore interface {
	// KeyringMeta returns what is stored; the zero value when nothing is.
	// Errors: EUNAVAILABLE.
	KeyringMeta(ctx context.Context) (KeyringMeta, error)
	// InitKeyringMeta stores m when nothing is stored yet.
	// Errors: ECONFLICT when something is (another instance was first);
	// EUNAVAILABLE.
	InitKeyringMeta(ctx context.Context, m KeyringMeta) error
	// Rekey replaces, in one transaction, the Wrapped form of every KEK in
	// old by the one of the same version in next, and the KeyringMeta by m.
	// If any KEK is no longer stored as in old, or another version exists,
	// nothing changes. Errors: ECONFLICT; EUNAVAILABLE.
	Rekey(ctx context.Context, old, next []KEKRecord, m KeyringMeta) error
}
