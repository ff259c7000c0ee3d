package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piivault/internal/envelope"
	"piivault/internal/vault"
)

func runInit(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "init", "init [--data-dir DIR] [--config FILE]",
		"Creates the database schema and the keyring, then prints a new master key and a new root token\n"+
			"to stdout as environment assignments, exactly once: store them in your secret manager and pass\n"+
			"them to 'piivault serve'. Neither is stored anywhere. A master key or root token already set in\n"+
			"the configuration is used instead of a new one and not printed.\n\n"+
			"  piivault init --data-dir /var/lib/piivault > piivault.env && chmod 600 piivault.env",
		false, true)
	if status, done := f.parse(args); done {
		return status
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	if err := cfg.ValidateWithoutSecrets(); err != nil {
		return fail(env, "init", err)
	}

	newKey, newToken := "", ""
	keyText := cfg.Keys.MasterKey.Value()
	if keyText == "" {
		newKey = envelope.GenerateMasterKey()
		keyText = newKey
	}
	master, err := envelope.ParseMasterKey(keyText)
	if err != nil {
		return fail(env, "init", fmt.Errorf("keys.master_key: %w", err))
	}
	if cfg.Auth.RootToken == "" {
		newToken = vault.NewUUID()
	}

	db, err := openStore(ctx, cfg)
	if err != nil {
		return fail(env, "init", err)
	}
	defer db.Close()
	_, err = envelope.Ensure(ctx, master, db, time.Now())
	clear(master)
	switch {
	case errors.Is(err, envelope.ErrWrongMasterKey) && newKey != "":
		return fail(env, "init", errors.New("this database is already initialised with another master key; nothing was changed "+
			"(to check a key, set keys.master_key and run init again)"))
	case errors.Is(err, envelope.ErrWrongMasterKey):
		return fail(env, "init", errWrongMasterKey)
	case err != nil:
		return fail(env, "init", fmt.Errorf("create keyring: %w", err))
	}

	if newKey != "" {
		fmt.Fprintf(env.stdout, "PIIVAULT_KEYS_MASTER_KEY=%s\n", newKey)
	}
	if newToken != "" {
		fmt.Fprintf(env.stdout, "PIIVAULT_AUTH_ROOT_TOKEN=%s\n", newToken)
	}
	fmt.Fprintln(env.stderr, "piivault init: database ready.")
	if newKey != "" || newToken != "" {
		fmt.Fprintln(env.stderr, "piivault init: the secrets above are shown once and stored nowhere; keep them safe. "+
			"Losing the master key loses every record; 'piivault serve' needs both.")
	}
	return exitOK
}
