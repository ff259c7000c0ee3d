package envelope

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"piivault/internal/vault"
)

// checkLabel is what the check value authenticates. A constant: the value
// proves the key, not any data.
const checkLabel = "piivault master key check"

// checkValue returns HMAC-SHA-256 of checkLabel under the check subkey of
// master. It reveals nothing about master beyond allowing the same
// computation, which needs master.
func checkValue(master []byte) ([]byte, error) {
	key, err := deriveKey(master, infoCheck)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(checkLabel))
	return mac.Sum(nil), nil
}

// verifyCheck compares master with a stored check value in constant time.
// Errors: ErrWrongMasterKey on a mismatch.
func verifyCheck(master, stored []byte) error {
	check, err := checkValue(master)
	if err != nil {
		return err
	}
	if !hmac.Equal(check, stored) {
		return ErrWrongMasterKey
	}
	return nil
}

// initCheck stores the check value of master, once the KEKs have proved
// master right. If another instance stored one first, it must match.
func initCheck(ctx context.Context, ms vault.KeyringMetaStore, master []byte) error {
	check, err := checkValue(master)
	if err != nil {
		return err
	}
	err = ms.InitKeyringMeta(ctx, vault.KeyringMeta{Check: check})
	switch {
	case err == nil:
		return nil
	case vault.ErrorCode(err) != vault.ECONFLICT:
		return fmt.Errorf("envelope: store keyring check: %w", err)
	}
	meta, err := ms.KeyringMeta(ctx)
	if err != nil {
		return fmt.Errorf("envelope: load keyring check: %w", err)
	}
	return verifyCheck(master, meta.Check)
}

// unsealRoot returns the root of the derived keys: a copy of master while
// the master key has never been changed (sealed is nil), else the root
// sealed under master. The caller clears it.
func unsealRoot(master, sealed []byte) ([]byte, error) {
	if sealed == nil {
		return bytes.Clone(master), nil
	}
	wrap, err := wrappingAEAD(master)
	if err != nil {
		return nil, err
	}
	format, id, err := header(sealed)
	if err != nil || format != formatRoot || id != 0 {
		return nil, errors.New("envelope: the stored key root is damaged")
	}
	root, err := open(wrap, sealed, nil)
	if errors.Is(err, errAuth) {
		// The check value matched, so the key is right and the record is not.
		return nil, errors.New("envelope: the stored key root does not open: damaged or tampered")
	} else if err != nil {
		return nil, err
	}
	if len(root) != keySize {
		clear(root)
		return nil, errors.New("envelope: the stored key root has the wrong size")
	}
	return root, nil
}
