package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"piivault/internal/config"
	"piivault/internal/sqlstore"
)

// errDatabaseInUse refuses an offline command while a server has the
// SQLite database open.
var errDatabaseInUse = errors.New("the database is in use by a running piivault (serve or demo); stop it first")

// lockDatabase takes a lock on <database>.lock next to a SQLite database:
// shared for a server, so that backups and other commands may run beside
// it, exclusive for the offline commands (restore, rekey), which must not.
// The lock lives in its own file because opening and closing the database
// file itself in this process would drop SQLite's own POSIX locks on it.
// It returns the release function; for PostgreSQL and MySQL it does
// nothing. Errors: errDatabaseInUse; I/O errors.
func lockDatabase(cfg *config.Config, exclusive bool) (release func(), err error) {
	if cfg.Storage.Driver != sqlstore.SQLite {
		return func() {}, nil
	}
	if err := os.MkdirAll(cfg.Server.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	f, err := os.OpenFile(cfg.Storage.DSN.Value()+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the database: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		switch {
		case errors.Is(err, syscall.EWOULDBLOCK) && exclusive:
			return nil, errDatabaseInUse
		case errors.Is(err, syscall.EWOULDBLOCK):
			return nil, errors.New("an offline command (restore or rekey) is changing the database; start again when it has finished")
		}
		return nil, fmt.Errorf("lock the database: %w", err)
	}
	return func() { f.Close() }, nil
}
