package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"piivault/internal/vault"
)

var (
	_ vault.AuditReader = (*reader)(nil)
	_ vault.AuditWriter = (*txn)(nil)
)

const (
	auditColumns = "id, atoken, seq, prev_atoken, hash, identity, mode, who, who_digest, record, app, msg," +
		" status, title, event_time, before_copy, after_copy"

	// sqlAppendAudit is followed by one auditValuesRow per event, with
	// auditInsertArgs each.
	sqlAppendAudit = "INSERT INTO audit_events (atoken, identity, mode, who, who_digest, record, app, msg," +
		" status, title, event_time, before_copy, after_copy) VALUES "
	auditValuesRow       = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	auditInsertColumns   = 13
	sqlInsertAudit       = sqlAppendAudit + auditValuesRow
	sqlAuditByAToken     = "SELECT " + auditColumns + " FROM audit_events WHERE atoken = ?"
	sqlAuditPage         = "SELECT " + auditColumns + " FROM audit_events ORDER BY id DESC LIMIT ? OFFSET ?"
	sqlAuditCount        = "SELECT COUNT(*) FROM audit_events"
	sqlAuditRecordPage   = "SELECT " + auditColumns + " FROM audit_events WHERE record = ? ORDER BY id DESC LIMIT ? OFFSET ?"
	sqlAuditRecordCount  = "SELECT COUNT(*) FROM audit_events WHERE record = ?"
	sqlAuditChain        = "SELECT " + auditColumns + " FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?"
	sqlAuditUnlinked     = "SELECT " + auditColumns + " FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT ?"
	sqlAuditDelete       = "DELETE FROM audit_events WHERE seq <= ?"
	sqlAuditAnchors      = "SELECT name, seq, hash, atoken, mac FROM audit_chain ORDER BY name"
	sqlAuditSetAnchor    = "UPDATE audit_chain SET seq = ?, hash = ?, atoken = ?, mac = ? WHERE name = ?"
	sqlInsertAuditReturn = sqlInsertAudit + " RETURNING id"
	sqlAuditLink         = "UPDATE audit_events SET seq = ?, prev_atoken = ?, hash = ? WHERE id = ? AND seq IS NULL"
)

// AuditEvents returns the events of record ("" for all), newest first,
// from offset, at most limit of them (none when limit <= 0), and the count
// of all of them. Errors: EUNAVAILABLE.
func (r *reader) AuditEvents(ctx context.Context, record string, offset, limit int) ([]*vault.AuditRecord, int, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	count, page, args := sqlAuditCount, sqlAuditPage, []any{}
	if record != "" {
		count, page, args = sqlAuditRecordCount, sqlAuditRecordPage, []any{record}
	}
	var total int
	if err := r.run.QueryRowContext(ctx, r.sql(count, false), args...).Scan(&total); err != nil {
		return nil, 0, r.d.wrap("list audit events", err)
	}
	if limit <= 0 || offset >= total {
		return []*vault.AuditRecord{}, total, nil
	}
	events, err := r.auditQuery(ctx, page, append(args, limit, max(offset, 0))...)
	if err != nil {
		return nil, 0, r.d.wrap("list audit events", err)
	}
	return events, total, nil
}

// AuditEvent returns the event with that atoken. Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) AuditEvent(ctx context.Context, atoken string) (*vault.AuditRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	e, err := scanAudit(r.run.QueryRowContext(ctx, r.sql(sqlAuditByAToken, false), atoken))
	return e, r.d.wrap("get audit event", err)
}

// AuditChain returns at most limit linked events after seq after, in chain
// order. Errors: EUNAVAILABLE.
func (r *reader) AuditChain(ctx context.Context, after int64, limit int) ([]*vault.AuditRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	events, err := r.auditQuery(ctx, sqlAuditChain, after, limit)
	return events, r.d.wrap("read audit chain", err)
}

// UnlinkedAuditEvents returns at most limit events the chainer has not
// linked yet, in insertion order. Errors: EUNAVAILABLE.
func (r *reader) UnlinkedAuditEvents(ctx context.Context, limit int) ([]*vault.AuditRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	events, err := r.auditQuery(ctx, sqlAuditUnlinked, limit)
	return events, r.d.wrap("read unlinked audit events", err)
}

// AuditAnchors returns the head and the checkpoint of the chain. Inside a
// PostgreSQL/MySQL Update both rows stay locked until the commit (SQLite's
// single writer serialises the transactions anyway), which is the chain
// lock of every instance. Errors: EUNAVAILABLE; EINTERNAL when a row is
// missing (the migration inserts both).
func (r *reader) AuditAnchors(ctx context.Context) (head, checkpoint vault.AuditAnchor, err error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlAuditAnchors, true))
	if err != nil {
		return head, checkpoint, r.d.wrap("read audit anchors", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var (
			name string
			a    vault.AuditAnchor
		)
		if err := rows.Scan(&name, &a.Seq, &a.Hash, &a.AToken, &a.MAC); err != nil {
			return head, checkpoint, r.d.wrap("read audit anchors", err)
		}
		switch name {
		case vault.AuditHead:
			head, found = a, found+1
		case vault.AuditCheckpoint:
			checkpoint, found = a, found+1
		}
	}
	if err := rows.Err(); err != nil {
		return head, checkpoint, r.d.wrap("read audit anchors", err)
	}
	if found != 2 {
		return head, checkpoint, errors.New("sqlstore: read audit anchors: the head or checkpoint row is missing")
	}
	return head, checkpoint, nil
}

// InsertAuditEvent stores a new, unlinked event and sets e.ID.
// Errors: EUNAVAILABLE.
func (t *txn) InsertAuditEvent(ctx context.Context, e *vault.AuditRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	args := auditInsertArgs(e)
	if t.d.name == Postgres {
		return t.d.wrap("insert audit event", t.run.QueryRowContext(ctx, t.sql(sqlInsertAuditReturn, false), args...).Scan(&e.ID))
	}
	res, err := t.run.ExecContext(ctx, t.sql(sqlInsertAudit, false), args...)
	if err != nil {
		return t.d.wrap("insert audit event", err)
	}
	e.ID, err = res.LastInsertId()
	return t.d.wrap("insert audit event", err)
}

// auditInsertArgs are the values of e for one auditValuesRow.
func auditInsertArgs(e *vault.AuditRecord) []any {
	return []any{e.AToken, e.Identity, e.Mode, nullBytes(e.Who), e.WhoDigest, e.Record, e.App, e.Msg,
		e.Status, e.Title, e.When, nullBytes(e.Before), nullBytes(e.After)}
}

// maxLinkRows bounds the events one linking statement carries.
const maxLinkRows = 250

// LinkAuditEvents stores the chain fields of unlinked events. On
// PostgreSQL and MySQL it sends one statement per maxLinkRows of them
// rather than one per event: the chainer links every event the vault
// stores, and a statement per event was a round trip per event. The
// caller's transaction makes it all or nothing.
// Errors: ErrNotFound when one is not an unlinked event; ECONFLICT when a
// Seq is taken; EUNAVAILABLE.
func (t *txn) LinkAuditEvents(ctx context.Context, events []*vault.AuditRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	if t.d.name == SQLite {
		// In-process, a statement per event costs no round trip; and
		// SQLite's planner, given the VALUES join, scans the unlinked
		// events once per row of the list (measured: twice the CPU of a
		// user read under load).
		for _, e := range events {
			if err := t.linkAuditEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}
	for len(events) > 0 {
		chunk := events[:min(len(events), maxLinkRows)]
		events = events[len(chunk):]
		query, args := t.d.linkAuditQuery(chunk)
		res, err := t.run.ExecContext(ctx, query, args...)
		if _, dup := t.d.duplicateKey(err); dup {
			return t.d.wrap("link audit events", vault.Errorf(vault.ECONFLICT, "audit sequence taken"))
		} else if err != nil {
			return t.d.wrap("link audit events", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return t.d.wrap("link audit events", err)
		}
		if n != int64(len(chunk)) {
			return t.d.wrap("link audit events", vault.ErrNotFound)
		}
	}
	return nil
}

func (t *txn) linkAuditEvent(ctx context.Context, e *vault.AuditRecord) error {
	res, err := t.run.ExecContext(ctx, sqlAuditLink, e.Seq, e.PrevAToken, e.Hash, e.ID)
	if _, dup := t.d.duplicateKey(err); dup {
		return t.d.wrap("link audit event", vault.Errorf(vault.ECONFLICT, "audit sequence taken"))
	} else if err != nil {
		return t.d.wrap("link audit event", err)
	}
	return t.d.wrap("link audit event", affected(res))
}

// linkAuditQuery is one UPDATE giving each event of chunk its chain fields,
// only where the event is still unlinked. PostgreSQL joins a VALUES list
// with its types spelled out; MySQL has no UPDATE ... FROM and joins a
// derived table instead.
func (d *dialect) linkAuditQuery(chunk []*vault.AuditRecord) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 4*len(chunk))
	for _, e := range chunk {
		args = append(args, e.ID, e.Seq, e.PrevAToken, e.Hash)
	}
	if d.name == MySQL {
		q.WriteString("UPDATE audit_events a JOIN (")
		for i := range chunk {
			if i == 0 {
				q.WriteString("SELECT ? AS id, ? AS seq, ? AS prev_atoken, ? AS hash")
			} else {
				q.WriteString(" UNION ALL SELECT ?, ?, ?, ?")
			}
		}
		q.WriteString(") v ON a.id = v.id SET a.seq = v.seq, a.prev_atoken = v.prev_atoken, a.hash = v.hash" +
			" WHERE a.seq IS NULL")
		return q.String(), args
	}
	q.WriteString("WITH v(id, seq, prev_atoken, hash) AS (VALUES ")
	for i := range chunk {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?::bigint, ?::bigint, ?::text, ?::bytea)")
	}
	q.WriteString(") UPDATE audit_events SET seq = v.seq, prev_atoken = v.prev_atoken, hash = v.hash" +
		" FROM v WHERE audit_events.id = v.id AND audit_events.seq IS NULL")
	return rebindDollar(q.String()), args
}

// SetAuditAnchor replaces the head or the checkpoint.
// Errors: EUNAVAILABLE; EINTERNAL for an unknown name.
func (t *txn) SetAuditAnchor(ctx context.Context, name string, a vault.AuditAnchor) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlAuditSetAnchor, false), a.Seq, nullBytes(a.Hash), a.AToken, nullBytes(a.MAC), name)
	if err != nil {
		return t.d.wrap("set audit anchor", err)
	}
	if err := affected(res); err != nil {
		return fmt.Errorf("sqlstore: set audit anchor: no anchor row %q", name)
	}
	return nil
}

// DeleteAuditEvents removes the linked events up to seq upTo and returns
// how many. Errors: EUNAVAILABLE.
func (t *txn) DeleteAuditEvents(ctx context.Context, upTo int64) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlAuditDelete, false), upTo)
	if err != nil {
		return 0, t.d.wrap("delete audit events", err)
	}
	n, err := res.RowsAffected()
	return int(n), t.d.wrap("delete audit events", err)
}

func (r *reader) auditQuery(ctx context.Context, query string, args ...any) ([]*vault.AuditRecord, error) {
	rows, err := r.run.QueryContext(ctx, r.sql(query, false), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []*vault.AuditRecord
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// scanAudit scans one row of auditColumns. No row is ErrNotFound.
func scanAudit(row interface{ Scan(...any) error }) (*vault.AuditRecord, error) {
	var (
		e   vault.AuditRecord
		seq sql.NullInt64
	)
	err := row.Scan(&e.ID, &e.AToken, &seq, &e.PrevAToken, &e.Hash, &e.Identity, &e.Mode, &e.Who, &e.WhoDigest,
		&e.Record, &e.App, &e.Msg, &e.Status, &e.Title, &e.When, &e.Before, &e.After)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	e.Seq = seq.Int64
	return &e, nil
}
