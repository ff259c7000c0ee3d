package sqlstore

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"piivault/internal/vault"
)

// runner is what SQL runs on: a pool (*sql.DB) or a transaction (*sql.Tx).
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader holds the read methods of every resource. Outside a transaction it
// runs on the pool and bounds each call by timeout; inside one it runs on
// the transaction, whose Update call is bounded already.
type reader struct {
	d        *dialect
	run      runner
	timeout  time.Duration // 0 inside a transaction
	lock     bool          // inside a PostgreSQL/MySQL transaction: reads lock their rows
	detach   bool          // inside the SQLite writer: see bound
	deadline time.Time     // inside a PostgreSQL/MySQL transaction: Update's deadline
}

// bound returns the context a call runs its statements with.
//
// In the SQLite writer the statements ignore cancellation: mattn interrupts
// a cancelled statement with sqlite3_interrupt, and an interrupted write
// rolls back the whole transaction, which other callers' writes share.
// A caller that gives up is told so by Update instead.
func (r *reader) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	switch {
	case r.detach:
		return context.WithoutCancel(ctx), func() {}
	case r.timeout > 0:
		return context.WithTimeout(ctx, r.timeout)
	case !r.deadline.IsZero():
		// fn's statements get the caller's context, which may have no
		// deadline; Update's bound must hold for them too.
		return context.WithDeadline(ctx, r.deadline)
	}
	return ctx, func() {}
}

// boundPoint is bound for a read of at most one row by a unique key. On
// SQLite, outside the writer, such a read takes microseconds and never
// waits for the writer (in WAL mode readers do not block on it; a rare
// busy wait ends after busy_timeout), so cancelling it half-way gains
// nothing, while a cancellable context costs database/sql a watcher
// goroutine and mattn an interrupt hook per statement: a measured 5% of a
// session read. So it runs with a context that cannot be cancelled,
// unless the caller's has already ended, which fails it at once.
func (r *reader) boundPoint(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.d.name == SQLite && r.timeout > 0 && ctx.Err() == nil {
		return context.WithoutCancel(ctx), func() {}
	}
	return r.bound(ctx)
}

// sql returns query in the dialect's form, locking the rows it reads when
// the reader belongs to a PostgreSQL/MySQL transaction and lockable is set.
func (r *reader) sql(query string, lockable bool) string {
	return r.d.text(query, lockable && r.lock)
}

// txn is one read-write transaction: the vault.Tx given to Update's fn.
type txn struct {
	reader
	// shred is set by an erasure: on SQLite the writer then checkpoints
	// the WAL after the commit, so the destroyed data key does not linger
	// in old WAL frames (secure_delete already zeroes it in the main file).
	shred bool
}

func newTxn(d *dialect, run runner, detach bool) *txn {
	return &txn{reader: reader{d: d, run: run, lock: d.forUpdate != "", detach: detach}}
}

// maxAttempts bounds the runs of one Update on PostgreSQL/MySQL when the
// database aborts it for a deadlock or serialisation failure.
const maxAttempts = 5

// Update runs fn in one read-write transaction and answers only after the
// commit is durable. An error of fn rolls back fn's changes and is returned
// as is. On SQLite concurrent Updates share one commit (group commit); fn
// must not call Update itself. On PostgreSQL/MySQL fn may run again, up to
// 5 times, after a deadlock or serialisation failure. The whole call is
// bounded by QueryTimeout; when it gives up while fn runs, the outcome is
// unknown (as with a connection lost during COMMIT).
// Errors: fn's error; EUNAVAILABLE when the database is unreachable, busy,
// full or closed, or the time is up; EINTERNAL otherwise.
func (db *DB) Update(ctx context.Context, fn func(tx vault.Tx) error) error {
	return db.update(ctx, func(t *txn) error { return fn(t) })
}

func (db *DB) update(ctx context.Context, fn func(*txn) error) error {
	ctx, cancel := context.WithTimeout(ctx, db.cfg.QueryTimeout)
	defer cancel()
	if db.writer != nil {
		return db.writer.do(ctx, fn)
	}
	for attempt := 1; ; attempt++ {
		err := db.runTx(ctx, fn)
		if err == nil || attempt == maxAttempts || !db.d.retryable(err) {
			return err
		}
		// Jittered backoff so that the transactions that deadlocked do not
		// meet again at once.
		wait := time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return unavailableErr("update", ctx.Err())
		}
	}
}

// runTx runs fn once in a pool transaction. READ COMMITTED plus locking
// reads serialises writers of one row without MySQL's gap locks; the
// UNIQUE constraints settle races on new index values.
func (db *DB) runTx(ctx context.Context, fn func(*txn) error) error {
	tx, err := db.pool.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return db.d.wrap("begin", err)
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked
			tx.Rollback()
		}
	}()
	t := newTxn(db.d, tx, false)
	t.deadline, _ = ctx.Deadline()
	if err := fn(t); err != nil {
		return err
	}
	done = true
	return db.d.wrap("commit", tx.Commit())
}

// affected turns an UPDATE or DELETE that matched no row into ErrNotFound.
func affected(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return vault.ErrNotFound
	}
	return nil
}

// nullString stores an absent value ("") as NULL, which UNIQUE ignores.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes stores nil as NULL rather than as an empty blob.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
