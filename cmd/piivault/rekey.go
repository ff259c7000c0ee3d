package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"piivault/internal/envelope"
)

func runRekey(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "rekey", "rekey --new-master-key-file FILE [--data-dir DIR] [--config FILE]",
		"Replaces the master key, offline: every key-encryption key is re-wrapped under the key in FILE\n"+
			"(64 hex digits or base64 of 32 bytes, as 'piivault init' prints) in one transaction, together\n"+
			"with the new key's check value. Afterwards the current key (keys.master_key) no longer opens\n"+
			"this database; start every instance with the new one. Data keys and records are untouched.\n"+
			"Stop every instance first (with SQLite this command refuses to run beside a server).\n"+
			"Backups taken before the change still need the old key: keep it as long as you keep them.\n"+
			"Blind indexes keep their key (derived from the original master key, now stored wrapped).",
		false, true)
	newKeyFile := f.fs.String("new-master-key-file", "", "`file` holding the new master key")
	if status, done := f.parse(args); done {
		return status
	}
	if *newKeyFile == "" {
		fmt.Fprintln(env.stderr, "piivault rekey: --new-master-key-file is required")
		f.usage(env.stderr)
		return exitUsage
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	oldKey, err := masterKeyOf(cfg)
	if err != nil {
		return fail(env, "rekey", err)
	}
	defer clear(oldKey)
	b, err := os.ReadFile(*newKeyFile)
	if err != nil {
		return fail(env, "rekey", err)
	}
	newKey, err := envelope.ParseMasterKey(string(b))
	clear(b)
	if err != nil {
		return fail(env, "rekey", fmt.Errorf("%s: %w", *newKeyFile, err))
	}
	defer clear(newKey)
	release, err := lockDatabase(cfg, true)
	if err != nil {
		return fail(env, "rekey", err)
	}
	defer release()
	db, err := openStore(ctx, cfg)
	if err != nil {
		return fail(env, "rekey", err)
	}
	defer db.Close()
	err = envelope.Rekey(ctx, oldKey, newKey, db)
	if errors.Is(err, envelope.ErrWrongMasterKey) {
		return fail(env, "rekey", errWrongMasterKey)
	} else if err != nil {
		return fail(env, "rekey", err)
	}
	fmt.Fprintln(env.stdout, "master key changed: the keyring is wrapped by the new key and the old one no longer opens this database.")
	fmt.Fprintln(env.stdout, "Start every instance with keys.master_key set to the new key; keep the old key for backups taken before now.")
	return exitOK
}
