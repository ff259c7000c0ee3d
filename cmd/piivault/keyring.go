package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"piivault/internal/config"
	"piivault/internal/envelope"
	"piivault/internal/ledger"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// reloadTimeout bounds the KEK read of a reload on an unknown key version,
// which runs inside a request.
const reloadTimeout = 5 * time.Second

// openKeyring opens db's keyring with master, creating it on first use. The
// stored check value refuses a wrong key before anything is opened or
// written; it becomes the operator-facing errWrongMasterKey. The keyring
// reloads its KEKs from db when it meets a version it does not know (a
// rotation on another instance).
func openKeyring(ctx context.Context, db *sqlstore.DB, master []byte) (*envelope.Keyring, error) {
	keys, err := envelope.Ensure(ctx, master, db, time.Now())
	if errors.Is(err, envelope.ErrWrongMasterKey) {
		return nil, errWrongMasterKey
	} else if err != nil {
		return nil, fmt.Errorf("open keyring: %w", err)
	}
	keys.SetReloader(func() ([]vault.KEKRecord, error) {
		ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
		defer cancel()
		return db.KEKs(ctx)
	})
	return keys, nil
}

// masterKeyOf checks cfg for a command that needs the master key but not
// the root token, and decodes the key.
func masterKeyOf(cfg *config.Config) ([]byte, error) {
	var problems config.Problems
	if err := cfg.ValidateWithoutSecrets(); err != nil && !errors.As(err, &problems) {
		return nil, err
	}
	var master []byte
	switch {
	case cfg.Keys.MasterKey == "":
		problems = append(problems, "keys.master_key is required (or keys.master_key_file; env PIIVAULT_KEYS_MASTER_KEY or PIIVAULT_KEYS_MASTER_KEY_FILE)")
	default:
		var err error
		if master, err = envelope.ParseMasterKey(cfg.Keys.MasterKey.Value()); err != nil {
			problems = append(problems, "keys.master_key: "+err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return master, nil
}

// keyManagerOptions maps keys.* onto the KeyManager's options.
func keyManagerOptions(cfg *config.Config, logger *slog.Logger) vault.KeyManagerOptions {
	rotateAfter := cfg.Keys.RotateAfterEncryptions
	if rotateAfter == 0 {
		rotateAfter = -1 // 0 turns automatic rotation off in the configuration
	}
	return vault.KeyManagerOptions{
		BatchSize:   cfg.Keys.RotationBatchSize,
		Refresh:     cfg.Keys.RefreshInterval,
		RotateAfter: rotateAfter,
		Logger:      logger,
	}
}

// ledgerPath is erasure.ledger_file, or by default a file in the data
// directory named by the vault's id, so that two vaults given one data
// directory never share a ledger.
func ledgerPath(cfg *config.Config, keys *envelope.Keyring) string {
	if cfg.Erasure.LedgerFile != "" {
		return cfg.Erasure.LedgerFile
	}
	return filepath.Join(cfg.Server.DataDir, "erasures-"+keys.LedgerID()+".ledger")
}

// replayErasures erases again every user of the ledger whom the database
// still holds, as after a restored backup. A broken ledger is an error: the
// server must not serve what it cannot prove erased.
func replayErasures(ctx context.Context, svc *vault.Service, led *ledger.Ledger, logger *slog.Logger) error {
	res, err := svc.ReplayErasures(ctx, led.Entries())
	if err != nil {
		return fmt.Errorf("replay the erasure ledger %s: %w", led.Path(), err)
	}
	if res.Erased > 0 {
		logger.Warn("erased users again from the erasure ledger: the database did not reflect them (a restored backup?)",
			"erased", res.Erased, "entries", res.Entries, "ledger", led.Path())
	} else {
		logger.Info("erasure ledger replayed: the database reflects every entry", "entries", res.Entries, "ledger", led.Path())
	}
	return nil
}
