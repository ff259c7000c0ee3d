package sqlstore

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"piivault/internal/vault"
)

// The audit appender stores the events of reads (and of refused calls) on
// PostgreSQL and MySQL. A read answers only once its event is durable, and
// on these databases a transaction of its own per event costs three round
// trips and a WAL flush per read: at 64 concurrent readers that, not the
// read, was the limit. Instead every queued event of a moment goes into one
// multi-row INSERT, one round trip and one commit shared by all, and each
// caller still waits for the commit that holds its event. SQLite needs none
// of this: its writer already commits concurrent Updates together.
const (
	// appendWorkers lets one batch collect while another commits.
	appendWorkers = 2
	// maxAppendBatch and maxAppendBytes bound one INSERT: well below
	// PostgreSQL's 65,535 parameters and MySQL's max_allowed_packet.
	maxAppendBatch = 128
	maxAppendBytes = 1 << 20
)

type appender struct {
	db    *DB
	queue chan *appendOp
	wg    sync.WaitGroup // the workers

	mu     sync.RWMutex // held for reading while enqueueing, for writing by close
	closed bool

	batches atomic.Int64 // committed INSERTs: tests check that events share them
}

type appendOp struct {
	ctx context.Context
	e   *vault.AuditRecord
	res chan error // buffered: a worker never waits for a caller
}

func newAppender(db *DB) *appender {
	a := &appender{db: db, queue: make(chan *appendOp, 4*maxAppendBatch)}
	a.wg.Add(appendWorkers)
	for range appendWorkers {
		go a.loop()
	}
	return a
}

// AppendAuditEvent stores one new, unlinked event outside any other
// transaction and returns once it is durable. Concurrent calls may share
// one commit. Unlike InsertAuditEvent it does not set e.ID.
// Errors: EUNAVAILABLE.
func (db *DB) AppendAuditEvent(ctx context.Context, e *vault.AuditRecord) error {
	if db.appender == nil { // SQLite: the writer batches already
		return db.update(ctx, func(t *txn) error { return t.InsertAuditEvent(ctx, e) })
	}
	ctx, cancel := context.WithTimeout(ctx, db.cfg.QueryTimeout)
	defer cancel()
	return db.appender.append(ctx, e)
}

func (a *appender) append(ctx context.Context, e *vault.AuditRecord) error {
	o := &appendOp{ctx: ctx, e: e, res: make(chan error, 1)}
	a.mu.RLock()
	if a.closed {
		a.mu.RUnlock()
		return unavailableErr("append audit event", errClosed)
	}
	select {
	case a.queue <- o:
		a.mu.RUnlock()
	case <-ctx.Done():
		a.mu.RUnlock()
		return unavailableErr("append audit event", ctx.Err())
	}
	select {
	case err := <-o.res:
		return err
	case <-ctx.Done():
		// The event may yet be stored; the caller is told it was not,
		// which fails its read closed.
		return unavailableErr("append audit event: outcome unknown", ctx.Err())
	}
}

func (a *appender) loop() {
	defer a.wg.Done()
	serveBatches(a.queue, maxAppendBatch, batchBytesReached, a.flush)
}

// batchBytesReached reports whether batch fills one INSERT's packet.
func batchBytesReached(batch []*appendOp) bool {
	size := 0
	for _, o := range batch {
		size += eventSize(o.e)
	}
	return size >= maxAppendBytes
}

// flush stores the live events of batch in one INSERT and answers each
// caller. When the INSERT fails for a reason other than an unreachable
// database, each event is tried alone, so that one bad row cannot refuse
// the reads of the others.
func (a *appender) flush(batch []*appendOp) {
	run := batch[:0:0]
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			o.res <- unavailableErr("append audit event", err)
			continue
		}
		run = append(run, o)
	}
	if len(run) == 0 {
		return
	}
	err := a.insert(run)
	if err != nil && len(run) > 1 && vault.ErrorCode(err) != vault.EUNAVAILABLE {
		for _, o := range run {
			o.res <- a.insert([]*appendOp{o})
		}
		return
	}
	for _, o := range run {
		o.res <- err
	}
}

// insert runs one autocommitted multi-row INSERT: atomic and durable on its
// own, without BEGIN and COMMIT round trips. Callers' contexts are not
// used, since cancelling for one would fail them all; the query timeout
// bounds it instead.
func (a *appender) insert(run []*appendOp) error {
	ctx, cancel := context.WithTimeout(context.Background(), a.db.cfg.QueryTimeout)
	defer cancel()
	var q strings.Builder
	q.Grow(len(sqlAppendAudit) + len(run)*len(auditValuesRow))
	q.WriteString(sqlAppendAudit)
	args := make([]any, 0, len(run)*auditInsertColumns)
	for i, o := range run {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(auditValuesRow)
		args = append(args, auditInsertArgs(o.e)...)
	}
	query := q.String()
	if a.db.d.dollar {
		query = rebindDollar(query)
	}
	if _, err := a.db.pool.ExecContext(ctx, query, args...); err != nil {
		return a.db.d.wrap("append audit events", err)
	}
	a.batches.Add(1)
	return nil
}

// eventSize approximates an event's share of the INSERT's packet.
func eventSize(e *vault.AuditRecord) int {
	return 256 + len(e.Identity) + len(e.Who) + len(e.Record) + len(e.App) + len(e.Msg) +
		len(e.Title) + len(e.Before) + len(e.After)
}

// close stops taking events and returns once every queued one is answered.
func (a *appender) close() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	close(a.queue)
	a.mu.Unlock()
	a.wg.Wait()
}
