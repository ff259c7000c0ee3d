package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"piivault/internal/config"
	"piivault/internal/sqlstore"
)

// errBackupDialect points PostgreSQL and MySQL operators to their tools.
var errBackupDialect = errors.New("backup and restore handle SQLite only; back PostgreSQL and MySQL up with their own tools " +
	"(pg_dump, mysqldump, mariadb-backup) and run 'piivault erasures replay' after restoring (see README)")

// loadSQLiteFile parses the one FILE argument (what names it in a usage
// error) and loads a configuration that must use SQLite, as backup and
// restore need.
func (f *flags) loadSQLiteFile(args []string, what string) (pos []string, cfg *config.Config, status int, done bool) {
	if pos, status, done = f.parseWithArgs(args, 1, what); done {
		return nil, nil, status, true
	}
	if cfg, status, done = f.load(nil); done {
		return nil, nil, status, true
	}
	if err := cfg.ValidateWithoutSecrets(); err != nil {
		return nil, nil, fail(f.env, f.fs.Name(), err), true
	}
	if cfg.Storage.Driver != sqlstore.SQLite {
		return nil, nil, fail(f.env, f.fs.Name(), errBackupDialect), true
	}
	return pos, cfg, exitOK, false
}

func runBackup(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "backup", "backup [--data-dir DIR] [--config FILE] FILE",
		"Writes a consistent copy of the SQLite database to FILE, which must not exist. Safe while a\n"+
			"server runs (SQLite's VACUUM INTO reads one snapshot). The copy holds ciphertext only; reading\n"+
			"it needs the master key of its time. The erasure ledger is not in it, on purpose: after a\n"+
			"restore, the ledger erases again everyone erased since the backup. Needs no master key.",
		false, true)
	pos, cfg, status, done := f.loadSQLiteFile(args, "one FILE to write")
	if done {
		return status
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
