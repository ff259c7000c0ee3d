package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"piivault/internal/sqlstore"
)

// errBackupDialect points PostgreSQL and MySQL operators to their tools.
var errBackupDialect = errors.New("backup and restore handle SQLite only; back PostgreSQL and MySQL up with their own tools " +
	"(pg_dump, mysqldump, mariadb-backup) and run 'piivault erasures replay' after restoring (see README)")

func runBackup(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "backup", "backup [--data-dir DIR] [--config FILE] FILE",
		"Writes a consistent copy of the SQLite database to FILE, which must not exist. Safe while a\n"+
			"server runs (SQLite's VACUUM INTO reads one snapshot). The copy holds ciphertext only; reading\n"+
			"it needs the master key of its time. The erasure ledger is not in it, on purpose: after a\n"+
			"restore, the ledger erases again everyone erased since the backup. Needs no master key.",
		false, true)
	pos, status, done := f.parseWithArgs(args, 1, "one FILE to write")
	if done {
		return status
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	if err := cfg.ValidateWithoutSecrets(); err != nil {
		return fail(env, "backup", err)
	}
	if cfg.Storage.Driver != sqlstore.SQLite {
		return fail(env, "backup", errBackupDialect)
	}
	path := cfg.Storage.DSN.Value()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fail(env, "backup", fmt.Errorf("no database at %s", path))
	}
	db, err := sqlstore.Open(ctx, sqlstore.Config{Driver: sqlstore.SQLite, DSN: path, BusyTimeout: cfg.Storage.BusyTimeout})
	if err != nil {
		return fail(env, "backup", err)
	}
	defer db.Close()
	if err := db.Backup(ctx, pos[0]); err != nil {
		return fail(env, "backup", err)
	}
	info, _ := os.Stat(pos[0])
	fmt.Fprintf(env.stdout, "backup of %s written to %s (%d bytes)\n", path, pos[0], info.Size())
	return exitOK
}
