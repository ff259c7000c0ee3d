package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"piivault/internal/config"
	"piivault/internal/envelope"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// keyEnv is what the offline key commands work on: the migrated database,
// its keyring and a key manager like a server's.
type keyEnv struct {
	db   *sqlstore.DB
	keys *envelope.Keyring
	km   *vault.KeyManager
}

// openConfiguredKeyEnv is openKeyEnv with the master key of cfg.
func openConfiguredKeyEnv(ctx context.Context, cfg *config.Config, w io.Writer) (*keyEnv, error) {
	master, err := masterKeyOf(cfg)
	if err != nil {
		return nil, err
	}
	return openKeyEnv(ctx, cfg, master, w)
}

// openKeyEnv opens cfg's database and keyring with master (cleared
// afterwards). Faults of the key manager are logged to w as text, warnings
// and worse only: the commands report progress themselves.
func openKeyEnv(ctx context.Context, cfg *config.Config, master []byte, w io.Writer) (*keyEnv, error) {
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	keys, err := openKeyring(ctx, db, master)
	clear(master)
	if err != nil {
		db.Close()
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return &keyEnv{db: db, keys: keys, km: vault.NewKeyManager(db, keys, keyManagerOptions(cfg, logger))}, nil
}

// close saves the encryption counts of this process and closes the database.
func (k *keyEnv) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	k.km.SaveEncryptions(ctx)
	return k.db.Close()
}
