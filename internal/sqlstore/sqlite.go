package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/mattn/go-sqlite3"

	"piivault/internal/vault"
	"piivault/migrations"
)

func newSQLiteDialect() *dialect {
	return &dialect{
		name:         SQLite,
		migrations:   migrations.SQLite,
		duplicateKey: sqliteDuplicateKey,
		unavailable:  sqliteUnavailable,
		retryable:    func(error) bool { return false }, // one writer: nothing to retry
	}
}

// openSQLite opens the database file at cfg.DSN (created when missing)
// with one writer connection and a pool of read-only readers.
func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	path := cfg.DSN
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		// A memory database cannot be shared between the writer and readers.
		return nil, vault.Errorf(vault.EINVALID, "sqlite: the DSN must be a file path")
	}
	file := "file:" + (&url.URL{Path: path}).EscapedPath()
	busy := strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10)

	// The writer: WAL so that readers never block it nor it them;
	// synchronous=FULL so that an acknowledged write is fsynced (group
	// commit makes that as fast as NORMAL); BEGIN IMMEDIATE so that the
	// write lock is taken up front, never upgraded midway into a "locked";
	// busy_timeout for other processes (a second instance, piivault migrate);
	// secure_delete so that deleted content (an erased user's wrapped data
	// key) is overwritten in the file rather than left in a free page.
	conn, err := sql.Open("sqlite3", file+"?"+url.Values{
		"_secure_delete":   {"on"},
		"_journal_mode":    {"WAL"},
		"_synchronous":     {"FULL"},
		"_busy_timeout":    {busy},
		"_foreign_keys":    {"on"},
		"_txlock":          {"immediate"},
		"_stmt_cache_size": {"64"},
	}.Encode())
	if err != nil {
		return nil, vault.Wrap(vault.EINVALID, "sqlite: bad DSN", err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	conn.SetConnMaxIdleTime(0)
	// Connect now: the file and its WAL must exist before the readers open.
	pctx, cancel := context.WithTimeout(ctx, cfg.QueryTimeout)
	defer cancel()
	if err := conn.PingContext(pctx); err != nil {
		conn.Close()
		return nil, unavailableErr("open", err)
	}

	// The readers: query_only, so that no code path can write around the
	// writer and meet its lock.
	pool, err := sql.Open("sqlite3", file+"?"+url.Values{
		"_busy_timeout":    {busy},
		"_foreign_keys":    {"on"},
		"_query_only":      {"on"},
		"_stmt_cache_size": {"64"},
	}.Encode())
	if err != nil {
		conn.Close()
		return nil, vault.Wrap(vault.EINVALID, "sqlite: bad DSN", err)
	}
	configurePool(pool, cfg)

	d := newSQLiteDialect()
	return &DB{d: d, pool: pool, writer: newWriter(d, conn)}, nil
}

// sqliteDuplicateKey reads "UNIQUE constraint failed: users.email_idx" as
// users_email_idx, the name the constraint has in the other dialects.
func sqliteDuplicateKey(err error) (string, bool) {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrConstraint ||
		(se.ExtendedCode != sqlite3.ErrConstraintUnique && se.ExtendedCode != sqlite3.ErrConstraintPrimaryKey) {
		return "", false
	}
	_, cols, _ := strings.Cut(se.Error(), "failed: ")
	col, _, _ := strings.Cut(cols, ",")
	return strings.ReplaceAll(strings.TrimSpace(col), ".", "_"), true
}

func sqliteUnavailable(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrFull, sqlite3.ErrIoErr,
		sqlite3.ErrCantOpen, sqlite3.ErrNomem, sqlite3.ErrInterrupt,
		sqlite3.ErrProtocol:
		return true
	}
	return false
}
