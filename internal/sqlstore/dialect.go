package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"piivault/internal/vault"
)

// Dialect names, as accepted in Config.Driver and returned by DB.Dialect.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
	MySQL    = "mysql"
)

// dialect holds everything that differs between the three databases, so
// that the SQL of each resource is written once with ? placeholders.
type dialect struct {
	name       string
	dollar     bool   // PostgreSQL numbers its placeholders: ? -> $1, $2, ...
	forUpdate  string // suffix that locks the rows a read returns inside a transaction
	migrations fs.FS

	// duplicateKey reports the name of the unique constraint err violated,
	// as "<table>_<column>", or false when err is no duplicate-key error.
	duplicateKey func(err error) (string, bool)
	// unavailable reports a database-side fault the client cannot fix:
	// refused, closed, timed out, full, busy.
	unavailable func(err error) bool
	// retryable reports an aborted transaction worth running again
	// (deadlock, serialisation failure, lock wait timeout).
	retryable func(err error) bool

	texts sync.Map // textKey -> string, the rebound form of each query
}

type textKey struct {
	query string
	lock  bool
}

// text returns query in this dialect's form, with the locking suffix when
// lock is set. It is computed once per query and cached, so callers keep
// passing the ? constants.
func (d *dialect) text(query string, lock bool) string {
	if !d.dollar && (!lock || d.forUpdate == "") {
		return query
	}
	k := textKey{query, lock}
	if s, ok := d.texts.Load(k); ok {
		return s.(string)
	}
	s := query
	if lock {
		s += d.forUpdate
	}
	if d.dollar {
		s = rebindDollar(s)
	}
	d.texts.Store(k, s)
	return s
}

// rebindDollar numbers the ? placeholders of query. The SQL constants of
// this package contain no ? inside string literals, so no parsing is needed.
func rebindDollar(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// upsert returns the clause that turns an INSERT into an upsert on the
// unique key conflict, overwriting cols with the inserted values.
func (d *dialect) upsert(conflict string, cols ...string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		if d.name == MySQL {
			set[i] = c + " = VALUES(" + c + ")"
		} else {
			set[i] = c + " = excluded." + c
		}
	}
	if d.name == MySQL {
		return " ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
	}
	return " ON CONFLICT (" + conflict + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// wrap gives err the package's "sqlstore: <op>: " context and a code:
// coded errors keep theirs, faults of the database become EUNAVAILABLE, and
// anything else stays uncoded (EINTERNAL).
func (d *dialect) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ve *vault.Error
	if key, ok := d.duplicateKey(err); ok {
		// MySQL quotes the duplicate value, a token or blind index, in its
		// message: keep only the key name.
		err = fmt.Errorf("duplicate key %s", key)
	} else if !errors.As(err, &ve) && d.isUnavailable(err) {
		err = vault.Wrap(vault.EUNAVAILABLE, vault.ErrUnavailable.Message, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// isUnavailable adds the faults common to every driver to the dialect's own.
func (d *dialect) isUnavailable(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ENOSPC), errors.Is(err, errClosed),
		errors.As(err, &ne):
		return true
	case strings.Contains(err.Error(), "sql: database is closed"): // not exported by database/sql
		return true
	}
	return d.unavailable(err)
}

// errClosed is the cause reported for calls after Close.
var errClosed = errors.New("database closed")

// unavailableErr codes err as EUNAVAILABLE for callers outside wrap.
func unavailableErr(op string, err error) error {
	return fmt.Errorf("sqlstore: %s: %w", op, vault.Wrap(vault.EUNAVAILABLE, vault.ErrUnavailable.Message, err))
}
