package vault

import "context"

// KEKRecord is one version of the key-encryption key, as stored: wrapped
// under the operator's master key, which is never stored anywhere.
type KEKRecord struct {
	Version int64  // 1, 2, ...; the ciphertext header names it
	Wrapped []byte // the KEK sealed under the master wrapping key
	Status  string // "active", "retiring" or "retired"
	Created int64  // Unix seconds
}

// KeyStore keeps the keyring of key-encryption keys.
type KeyStore interface {
	// KEKs returns every stored KEK version, oldest first.
	KEKs(ctx context.Context) ([]KEKRecord, error)
	// InsertKEK stores a new version. A version that exists already fails
	// with ECONFLICT, so that two instances initialising together agree.
	InsertKEK(ctx context.Context, k KEKRecord) error
}
