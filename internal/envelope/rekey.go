package envelope

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"piivault/internal/vault"
)

// RekeyStore is the storage Rekey changes: the KEKs and the keyring's
// metadata. sqlstore.DB implements it.
type RekeyStore interface {
	vault.KeyStore
	vault.KeyringMetaStore
}

// Rekey replaces the operator's master key: it re-wraps every KEK, and the
// root of the derived keys, under newMaster and stores them with
// newMaster's check value in one transaction. Afterwards oldMaster opens
// nothing in the database and Ensure refuses it; data keys and ciphertexts
// are untouched, because the KEKs themselves do not change.
//
// Blind indexes and the erasure ledger's MAC are keyed by subkeys of the
// root, which stays the original master key (now stored sealed under the
// new one): recomputing every blind index would need every plaintext.
// Someone holding the old key can therefore still compute blind indexes,
// though no longer open anything.
//
// Run it while no instance serves (an instance still holding the old key
// cannot open KEKs created after the change). Errors: ErrWrongMasterKey when
// oldMaster is not the current key; ECONFLICT when the keyring changed
// meanwhile; errors of ks with their codes.
func Rekey(ctx context.Context, oldMaster, newMaster []byte, ks RekeyStore) error {
	if len(newMaster) != keySize {
		return fmt.Errorf("envelope: rekey: the new master key is %d bytes, want %d", len(newMaster), keySize)
	}
	if bytes.Equal(oldMaster, newMaster) {
		return errors.New("envelope: rekey: the new master key is the current one")
	}
	meta, err := ks.KeyringMeta(ctx)
	if err != nil {
		return fmt.Errorf("envelope: rekey: %w", err)
	}
	if meta.Check != nil {
		if err := verifyCheck(oldMaster, meta.Check); err != nil {
			return err
		}
	}
	keks, err := ks.KEKs(ctx)
	if err != nil {
		return fmt.Errorf("envelope: rekey: %w", err)
	}
	if len(keks) == 0 {
		return errors.New("envelope: rekey: the database has no keyring yet (run piivault init)")
	}
	oldWrap, err := wrappingAEAD(oldMaster)
	if err != nil {
		return err
	}
	newWrap, err := wrappingAEAD(newMaster)
	if err != nil {
		return err
	}
	next := make([]vault.KEKRecord, len(keks))
	for i, rec := range keks {
		raw, err := openKEKRaw(oldWrap, rec)
		if errors.Is(err, errAuth) {
			if i == 0 {
				return ErrWrongMasterKey
			}
			return fmt.Errorf("envelope: rekey: KEK version %d does not open: damaged or tampered", rec.Version)
		} else if err != nil {
			return fmt.Errorf("envelope: rekey: %w", err)
		}
		next[i] = rec
		next[i].Wrapped = seal(newWrap, formatKEK, uint32(rec.Version), raw, nil)
		clear(raw)
	}
	root, err := unsealRoot(oldMaster, meta.Root)
	if err != nil {
		return err
	}
	defer clear(root)
	check, err := checkValue(newMaster)
	if err != nil {
		return err
	}
	m := vault.KeyringMeta{Check: check, Root: seal(newWrap, formatRoot, 0, root, nil)}
	if err := ks.Rekey(ctx, keks, next, m); err != nil {
		return fmt.Errorf("envelope: rekey: %w", err)
	}
	return nil
}
