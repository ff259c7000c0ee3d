package main

import (
	"context"
	"fmt"

	"piivault/internal/ledger"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

func runRestore(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "restore", "restore [--data-dir DIR] [--config FILE] FILE",
		"Replaces the SQLite database with the backup in FILE (made by 'piivault backup'), after checking\n"+
			"that FILE is an intact piivault database. Refuses while a server has the database open: stop it\n"+
			"first. With the master key configured it then replays the erasure ledger, so that nobody erased\n"+
			"after the backup comes back; without it, the next server start does that before serving.",
		false, true)
	pos, cfg, status, done := f.loadSQLiteFile(args, "one backup FILE")
	if done {
		return status
	}
	release, err := lockDatabase(cfg, true)
	if err != nil {
		return fail(env, "restore", err)
	}
	defer release()
	path := cfg.Storage.DSN.Value()
	if err := sqlstore.RestoreSQLite(ctx, pos[0], path); err != nil {
		return fail(env, "restore", err)
	}
	fmt.Fprintf(env.stdout, "restored %s from %s\n", path, pos[0])
	if cfg.Keys.MasterKey == "" {
		fmt.Fprintln(env.stdout, "no master key configured: the next server start replays the erasure ledger before it serves")
		return exitOK
	}
	master, err := masterKeyOf(cfg)
	if err != nil {
		return fail(env, "restore", err)
	}
	ke, err := openKeyEnv(ctx, cfg, master, env.stderr)
	if err != nil {
		return fail(env, "restore", fmt.Errorf("the database is restored, but: %w", err))
	}
	defer ke.close()
	led, err := ledger.Open(ledgerPath(cfg, ke.keys), ke.keys.LedgerMAC)
	if err != nil {
		return fail(env, "restore", fmt.Errorf("the database is restored, but the erasure ledger: %w", err))
	}
	defer led.Close()
	res, err := vault.NewService(ke.db, ke.keys, vault.Options{}).ReplayErasures(ctx, led.Entries())
	if err != nil {
		return fail(env, "restore", fmt.Errorf("the database is restored, but replaying %s: %w", led.Path(), err))
	}
	fmt.Fprintf(env.stdout, "erasure ledger %s replayed: %d entries, %d users erased again\n", led.Path(), res.Entries, res.Erased)
	return exitOK
}
