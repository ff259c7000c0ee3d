// Package sqlstore implements vault's Store and KeyStore over database/sql
// for SQLite (the default), PostgreSQL and MySQL/MariaDB. It sees only
// ciphertext, wrapped keys and blind indexes.
//
// database/sql rather than pgxpool: one code path, one transaction helper
// and one conformance suite serve all three dialects; the differences live
// in a dialect value.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"piivault/internal/vault"
)

// Config says which database to open and how to bound it. A zero field
// takes the default named on it.
type Config struct {
	// Driver is "sqlite" (default), "postgres" or "mysql".
	Driver string
	// DSN is a file path for SQLite, a postgres:// URL for PostgreSQL and a
	// go-sql-driver DSN (user:pass@tcp(host:3306)/db) for MySQL.
	DSN string
	// MaxOpenConns bounds the pool: default 16 for PostgreSQL and MySQL;
	// for SQLite it sizes the reader pool, default 4 (measured: 2-16 made no
	// difference, 64 was slower). SQLite always has one writer connection.
	MaxOpenConns int
	// MaxIdleConns defaults to MaxOpenConns.
	MaxIdleConns int
	// ConnMaxLifetime defaults to 30 minutes, so that connections follow
	// fail-overs and credential rotations.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime defaults to 5 minutes.
	ConnMaxIdleTime time.Duration
	// BusyTimeout bounds waiting for a lock, default 5s: SQLite busy_timeout,
	// PostgreSQL lock_timeout, MySQL innodb_lock_wait_timeout (whole seconds).
	BusyTimeout time.Duration
	// QueryTimeout bounds each read and each Update as a whole, default 10s;
	// past it the call fails with EUNAVAILABLE instead of hanging.
	QueryTimeout time.Duration
}

func (c *Config) setDefaults() {
	if c.Driver == "" {
		c.Driver = SQLite
	}
	if c.MaxOpenConns <= 0 {
		c.MaxOpenConns = 16
		if c.Driver == SQLite {
			c.MaxOpenConns = 4
		}
	}
	if c.MaxIdleConns <= 0 {
		c.MaxIdleConns = c.MaxOpenConns
	}
	if c.ConnMaxLifetime <= 0 {
		c.ConnMaxLifetime = 30 * time.Minute
	}
	if c.ConnMaxIdleTime <= 0 {
		c.ConnMaxIdleTime = 5 * time.Minute
	}
	if c.BusyTimeout <= 0 {
		c.BusyTimeout = 5 * time.Second
	}
	if c.QueryTimeout <= 0 {
		c.QueryTimeout = 10 * time.Second
	}
}

// DB is an open database. It satisfies vault.Store and vault.KeyStore and is
// safe for concurrent use.
type DB struct {
	reader // the read methods outside transactions, on pool

	d        *dialect
	cfg      Config
	pool     *sql.DB   // PostgreSQL/MySQL: every call; SQLite: the read-only readers
	writer   *writer   // SQLite only: the group-commit writer
	appender *appender // PostgreSQL/MySQL only: batches the events of reads
}

var (
	_ vault.Store    = (*DB)(nil)
	_ vault.KeyStore = (*DB)(nil)
	_ vault.Tx       = (*txn)(nil)
)

// Open connects to the database cfg names and checks that it answers. It
// does not migrate: call Migrate. Errors: EINVALID for an unknown driver or
// a malformed DSN; EUNAVAILABLE when the database does not answer within
// QueryTimeout.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	cfg.setDefaults()
	var (
		db  *DB
		err error
	)
	switch cfg.Driver {
	case SQLite:
		db, err = openSQLite(ctx, cfg)
	case Postgres:
		db, err = openPostgres(cfg)
	case MySQL:
		db, err = openMySQL(cfg)
	default:
		return nil, vault.Errorf(vault.EINVALID, "unknown database driver %q", cfg.Driver)
	}
	if err != nil {
		return nil, err
	}
	db.cfg = cfg
	db.reader = reader{d: db.d, run: db.pool, timeout: cfg.QueryTimeout}
	if db.writer == nil {
		db.appender = newAppender(db)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// configurePool applies the pool limits of cfg.
func configurePool(pool *sql.DB, cfg Config) {
	pool.SetMaxOpenConns(cfg.MaxOpenConns)
	pool.SetMaxIdleConns(cfg.MaxIdleConns)
	pool.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	pool.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
}

// Dialect returns "sqlite", "postgres" or "mysql".
func (db *DB) Dialect() string { return db.d.name }

// Ping checks that the database answers within QueryTimeout.
// Errors: EUNAVAILABLE.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, db.cfg.QueryTimeout)
	defer cancel()
	if db.writer != nil {
		if err := db.writer.ping(ctx); err != nil {
			return err
		}
	}
	if err := db.pool.PingContext(ctx); err != nil {
		return unavailableErr("ping", err)
	}
	return nil
}

// Close waits for queued writes to commit and answer, then closes every
// connection. Calls after Close fail with EUNAVAILABLE.
func (db *DB) Close() error {
	var errs []error
	if db.writer != nil {
		errs = append(errs, db.writer.close())
	}
	if db.appender != nil {
		db.appender.close()
	}
	errs = append(errs, db.pool.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlstore: close: %w", err)
	}
	return nil
}
