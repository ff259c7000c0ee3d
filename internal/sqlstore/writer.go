package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// maxBatch bounds the writes that share one SQLite commit. Measured: group
// commit of up to 128 writes with synchronous=FULL is as fast as NORMAL.
const maxBatch = 128

// writer owns SQLite's only write connection. One goroutine takes queued
// Updates in FIFO order, runs up to maxBatch of them in one transaction,
// each inside its own savepoint, commits once (one fsync) and only then
// answers each of them. A single writer is why SQLite never reports
// "database is locked" to a caller of this process.
type writer struct {
	d     *dialect
	conn  *sql.DB // exactly one connection
	queue chan *op
	done  chan struct{} // closed when the goroutine has answered everything

	mu     sync.RWMutex // held for reading while enqueueing, for writing by close
	closed bool

	commits atomic.Int64 // committed batches: tests check that writes share them
}

// op is one queued Update.
type op struct {
	ctx   context.Context
	fn    func(*txn) error
	state atomic.Int32  // opQueued, then opTaken by the writer or opAbandoned by the caller
	res   chan opResult // buffered: the writer never waits for a caller
}

const (
	opQueued int32 = iota
	opTaken
	opAbandoned
)

type opResult struct {
	err      error
	panicked any // a panic of fn, raised again in the caller's goroutine
}

func newWriter(d *dialect, conn *sql.DB) *writer {
	w := &writer{d: d, conn: conn, queue: make(chan *op, 4*maxBatch), done: make(chan struct{})}
	go w.loop()
	return w
}

// do queues fn and waits for the commit that contains it.
func (w *writer) do(ctx context.Context, fn func(*txn) error) error {
	o := &op{ctx: ctx, fn: fn, res: make(chan opResult, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return unavailableErr("update", errClosed)
	}
	select {
	case w.queue <- o:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return unavailableErr("update", ctx.Err())
	}
	select {
	case r := <-o.res:
		if r.panicked != nil {
			panic(r.panicked)
		}
		return r.err
	case <-ctx.Done():
		if o.state.CompareAndSwap(opQueued, opAbandoned) {
			return unavailableErr("update", ctx.Err()) // never ran
		}
		return unavailableErr("update: outcome unknown", ctx.Err())
	}
}

func (w *writer) loop() {
	defer close(w.done)
	serveBatches(w.queue, maxBatch, nil, w.commit)
}

// serveBatches is the loop of a group commit, shared by the SQLite writer
// and the audit appender: it waits for the first queued item, adds what
// else is queued at that moment, up to limit items and until full (nil:
// never) reports the batch complete, hands the batch to run, and repeats
// until queue is closed and drained.
func serveBatches[T any](queue <-chan T, limit int, full func([]T) bool, run func([]T)) {
	batch := make([]T, 0, limit)
	for first := range queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < limit && (full == nil || !full(batch)) {
			select {
			case next, ok := <-queue:
				if !ok {
					break fill
				}
				batch = append(batch, next)
			default:
				break fill
			}
		}
		run(batch)
		clear(batch) // let answered items be collected
	}
}

// commit runs one batch in one transaction and answers every op of it.
func (w *writer) commit(batch []*op) {
	run := batch[:0:0]
	for _, o := range batch {
		if !o.state.CompareAndSwap(opQueued, opTaken) {
			continue // its caller has gone and been answered
		}
		if err := o.ctx.Err(); err != nil {
			o.res <- opResult{err: unavailableErr("update", err)}
			continue
		}
		run = append(run, o)
	}
	if len(run) == 0 {
		return
	}
	results, err := w.runBatch(run)
	for i, o := range run {
		if err != nil {
			o.res <- opResult{err: err} // nothing of the batch was committed
		} else {
			o.res <- results[i]
		}
	}
}

// runBatch returns each op's result, or one error for the whole batch when
// the transaction could not be committed.
func (w *writer) runBatch(run []*op) ([]opResult, error) {
	// Infrastructure statements never take a caller's context: cancelling
	// would interrupt, and so roll back, everybody's transaction.
	ctx := context.Background()
	tx, err := w.conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE, via _txlock
	if err != nil {
		return nil, w.d.wrap("update: begin", err)
	}
	results := make([]opResult, len(run))
	shred := false
	for i, o := range run {
		r, shredOp, err := w.runOp(ctx, tx, o)
		shred = shred || shredOp
		if err != nil {
			tx.Rollback()
			// The transaction is gone: a database fault, whatever the
			// op's own error (kept as a cause) was coded.
			return nil, unavailableErr("update", err)
		}
		results[i] = r
	}
	if err := tx.Commit(); err != nil {
		return nil, w.d.wrap("update: commit", err)
	}
	w.commits.Add(1)
	if shred {
		w.truncateWAL(ctx)
	}
	return results, nil
}

// truncateWAL copies the WAL into the database file and empties it, so that
// the frames holding an erased user's data key are gone before the erasure
// is acknowledged. A reader still inside an older snapshot makes the
// checkpoint report busy; readers are short, so a few tries suffice. It is
// best effort: a failure leaves the frames to the next checkpoint, which
// overwrites them in time.
func (w *writer) truncateWAL(ctx context.Context) {
	for try := 0; try < 20; try++ {
		var busy, logFrames, done int
		err := w.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
		if err == nil && busy == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runOp runs one op inside its own savepoint. The error it returns is
// fatal to the batch: SQLite rolled the whole transaction back on its own
// (disk full, I/O error), which the savepoint statements reveal.
// shred reports that the op erased data whose traces must leave the WAL.
func (w *writer) runOp(ctx context.Context, tx *sql.Tx, o *op) (r opResult, shred bool, err error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
		return opResult{}, false, err
	}
	t := newTxn(w.d, tx, true)
	r = call(o.fn, t)
	failed := r.err != nil || r.panicked != nil
	if failed {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO op"); err != nil {
			return opResult{}, false, errors.Join(err, r.err)
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE op"); err != nil {
		return opResult{}, false, errors.Join(err, r.err)
	}
	return r, t.shred && !failed, nil
}

// call runs fn and catches its panic, which would otherwise take down the
// writer and with it every other caller.
func call(fn func(*txn) error, t *txn) (r opResult) {
	defer func() {
		if p := recover(); p != nil {
			r = opResult{panicked: p}
		}
	}()
	return opResult{err: fn(t)}
}

// ping runs an empty write through the queue: it proves that the writer
// goroutine is alive and can take the write lock.
func (w *writer) ping(ctx context.Context) error {
	return w.do(ctx, func(*txn) error { return nil })
}

// close stops taking Updates, waits until every queued one is committed
// and answered, and closes the write connection. It is idempotent.
func (w *writer) close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return nil
	}
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	<-w.done
	if err := w.conn.Close(); err != nil {
		return fmt.Errorf("writer: %w", err)
	}
	return nil
}
