package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"

	"piivault/internal/vault"
)

var _ vault.KeyJobStore = (*DB)(nil)

// dataKeyTable describes a table that holds a wrapped data key in column
// datakey: key is the row key that AAD(table, "datakey", row) binds, and
// order the column a re-wrap walks the table by, per dialect. Walking in
// storage order (SQLite's rowid, InnoDB's clustered primary key, the
// insertion-ordered identity) makes a batch of 500 rows touch a few pages
// instead of up to 500: measured on SQLite, walking users by token instead
// of id wrote the table over many times and ran several times slower.
type dataKeyTable struct {
	key     string
	order   map[string]string // dialect -> column; a numeric column when numeric[dialect]
	numeric map[string]bool
}

// dataKeyTables lists the tables a rotation re-wraps; a new subject table
// is one entry. The re-wrap queries are built from it.
var dataKeyTables = map[string]dataKeyTable{
	"users": {key: "token",
		order:   map[string]string{SQLite: "id", Postgres: "id", MySQL: "id"},
		numeric: map[string]bool{SQLite: true, Postgres: true, MySQL: true}},
	// PostgreSQL has no index on seq; SQLite rewrites seq on every put,
	// which only moves a re-written (so already new) session ahead.
	"sessions": {key: "sid_idx",
		order:   map[string]string{SQLite: "seq", Postgres: "sid_idx", MySQL: "sid_idx"},
		numeric: map[string]bool{SQLite: true}},
	"tokens": {key: "token_idx",
		order:   map[string]string{SQLite: "rowid", Postgres: "token_idx", MySQL: "token_idx"},
		numeric: map[string]bool{SQLite: true}},
	// An agreement has its own data key while no user holds its identity.
	"agreements": {key: "akey",
		order:   map[string]string{SQLite: "id", Postgres: "id", MySQL: "id"},
		numeric: map[string]bool{SQLite: true, Postgres: true, MySQL: true}},
}

// cursorArg turns a job cursor into the order column's argument: "" is
// before the first row.
func (d dataKeyTable) cursorArg(dialect, cursor string) (any, error) {
	if !d.numeric[dialect] {
		return cursor, nil
	}
	if cursor == "" {
		return int64(math.MinInt64), nil
	}
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: bad key job cursor %q", cursor)
	}
	return n, nil
}

const (
	keyJobColumns = "id, from_version, to_version, status, done, total, cursor_table, cursor_row, started, finished, reason"

	sqlInsertKeyJob = "INSERT INTO key_jobs (" + keyJobColumns + ", running) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	sqlLatestKeyJob = "SELECT " + keyJobColumns + " FROM key_jobs ORDER BY seq DESC LIMIT 1"
	sqlKeyJob       = "SELECT " + keyJobColumns + " FROM key_jobs WHERE id = ?"
	sqlKeyJobExists = "SELECT COUNT(*) FROM key_jobs WHERE id = ?"
	sqlSaveKeyJob   = "UPDATE key_jobs SET status = ?, done = ?, total = ?, cursor_table = ?, cursor_row = ?," +
		" finished = ?, reason = ?, running = ? WHERE id = ?"

	sqlRetireActiveKEKs = "UPDATE keks SET status = 'retiring' WHERE status = 'active'"
	sqlSetKEKStatus     = "UPDATE keks SET status = ? WHERE version = ?"
	sqlAddEncryptions   = "UPDATE keks SET encryptions = encryptions + ? WHERE version = ?"
	sqlEncryptions      = "SELECT version, encryptions FROM keks"
)

// StartKeyJob, in one transaction, stores job as the running job, marks
// every active KEK retiring and stores kek. The running job's UNIQUE slot
// and the KEK version's primary key both turn a concurrent start into a
// conflict. Errors: vault.ErrRotationInProgress; EUNAVAILABLE.
func (db *DB) StartKeyJob(ctx context.Context, kek vault.KEKRecord, job *vault.KeyJob) error {
	return db.update(ctx, func(t *txn) error {
		ctx, cancel := t.bound(ctx)
		defer cancel()
		_, err := t.run.ExecContext(ctx, t.sql(sqlInsertKeyJob, false), job.ID, job.From, job.To, job.Status,
			job.Done, job.Total, job.Table, job.Cursor, job.Started, job.Finished, job.Reason, runningSlot(job.Status))
		if _, dup := t.d.duplicateKey(err); dup {
			return fmt.Errorf("sqlstore: start key job: %w", vault.ErrRotationInProgress)
		} else if err != nil {
			return t.d.wrap("start key job", err)
		}
		if _, err := t.run.ExecContext(ctx, t.sql(sqlRetireActiveKEKs, false)); err != nil {
			return t.d.wrap("start key job: retire keks", err)
		}
		_, err = t.run.ExecContext(ctx, t.sql(sqlInsertKEK, false), kek.Version, kek.Wrapped, kek.Status, kek.Created)
		if _, dup := t.d.duplicateKey(err); dup {
			return fmt.Errorf("sqlstore: start key job: %w", vault.ErrRotationInProgress)
		}
		return t.d.wrap("start key job: insert kek", err)
	})
}

// runningSlot is the value of key_jobs.running: 1 while running, else NULL.
func runningSlot(status string) any {
	if status == vault.JobRunning {
		return 1
	}
	return nil
}

// LatestKeyJob returns the job started last.
// Errors: ErrNotFound; EUNAVAILABLE.
func (db *DB) LatestKeyJob(ctx context.Context) (*vault.KeyJob, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	job, err := scanKeyJob(db.run.QueryRowContext(ctx, db.sql(sqlLatestKeyJob, false)))
	return job, db.d.wrap("latest key job", err)
}

func scanKeyJob(row *sql.Row) (*vault.KeyJob, error) {
	var j vault.KeyJob
	err := row.Scan(&j.ID, &j.From, &j.To, &j.Status, &j.Done, &j.Total, &j.Table, &j.Cursor, &j.Started, &j.Finished, &j.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// CountDataKeys counts the wrapped data keys of table by their first n
// bytes. Errors: EUNAVAILABLE; EINTERNAL for an unknown table.
func (db *DB) CountDataKeys(ctx context.Context, table string, n int) (map[string]int64, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	return db.reader.countDataKeys(ctx, table, n)
}

// UpdateKeyJob runs fn in one transaction holding the lock of job id. On
// PostgreSQL and MySQL the job row is read FOR UPDATE SKIP LOCKED, so that
// an instance finding another at work moves on instead of waiting; on
// SQLite the single writer (BEGIN IMMEDIATE across processes) is the lock.
// Errors: vault.ErrJobLocked; ErrNotFound; fn's error; EUNAVAILABLE.
func (db *DB) UpdateKeyJob(ctx context.Context, id string, fn func(tx vault.KeyJobTx, job *vault.KeyJob) error) error {
	return db.update(ctx, func(t *txn) error {
		bctx, cancel := t.bound(ctx)
		defer cancel()
		query := sqlKeyJob
		if t.d.name != SQLite {
			query += " FOR UPDATE SKIP LOCKED"
		}
		job, err := scanKeyJob(t.run.QueryRowContext(bctx, t.sql(query, false), id))
		if errors.Is(err, vault.ErrNotFound) && t.d.name != SQLite {
			var n int
			if err := t.run.QueryRowContext(bctx, t.sql(sqlKeyJobExists, false), id).Scan(&n); err != nil {
				return t.d.wrap("lock key job", err)
			}
			if n > 0 {
				return fmt.Errorf("sqlstore: lock key job: %w", vault.ErrJobLocked)
			}
		}
		if err != nil {
			return t.d.wrap("lock key job", err)
		}
		return fn(&keyJobTx{t}, job)
	})
}

// keyJobTx is the vault.KeyJobTx of UpdateKeyJob.
type keyJobTx struct {
	t *txn
}

// DataKeysAfter returns up to limit rows of table after the cursor after,
// in storage order, whose wrapped key does not begin with skip.
func (x *keyJobTx) DataKeysAfter(ctx context.Context, table, after string, skip []byte, limit int) ([]vault.WrappedKey, error) {
	spec, ok := dataKeyTables[table]
	if !ok {
		return nil, fmt.Errorf("sqlstore: list data keys: unknown table %q", table)
	}
	arg, err := spec.cursorArg(x.t.d.name, after)
	if err != nil {
		return nil, err
	}
	ctx, cancel := x.t.bound(ctx)
	defer cancel()
	// The prefix length is an integer the caller controls, not input, so it
	// is written into the text; tables and columns come from the map.
	order := spec.order[x.t.d.name]
	query := "SELECT " + spec.key + ", " + order + ", datakey FROM " + table + " WHERE " + order + " > ? AND datakey IS NOT NULL" +
		" AND SUBSTR(datakey, 1, " + strconv.Itoa(len(skip)) + ") <> ? ORDER BY " + order + " LIMIT ?"
	rows, err := x.t.run.QueryContext(ctx, x.t.sql(query, false), arg, skip, limit)
	if err != nil {
		return nil, x.t.d.wrap("list data keys", err)
	}
	defer rows.Close()
	var out []vault.WrappedKey
	for rows.Next() {
		var w vault.WrappedKey
		if err := rows.Scan(&w.Row, &w.Cursor, &w.Wrapped); err != nil {
			return nil, x.t.d.wrap("list data keys", err)
		}
		out = append(out, w)
	}
	return out, x.t.d.wrap("list data keys", rows.Err())
}

// ReplaceDataKey sets the wrapped key of row to next if it is still old.
func (x *keyJobTx) ReplaceDataKey(ctx context.Context, table, row string, old, next []byte) (bool, error) {
	spec, ok := dataKeyTables[table]
	if !ok {
		return false, fmt.Errorf("sqlstore: replace data key: unknown table %q", table)
	}
	ctx, cancel := x.t.bound(ctx)
	defer cancel()
	query := "UPDATE " + table + " SET datakey = ? WHERE " + spec.key + " = ? AND datakey = ?"
	res, err := x.t.run.ExecContext(ctx, x.t.sql(query, false), next, row, old)
	if err != nil {
		return false, x.t.d.wrap("replace data key", err)
	}
	n, err := res.RowsAffected()
	return n == 1, x.t.d.wrap("replace data key", err)
}

// CountDataKeys is DB.CountDataKeys inside the transaction.
func (x *keyJobTx) CountDataKeys(ctx context.Context, table string, n int) (map[string]int64, error) {
	ctx, cancel := x.t.bound(ctx)
	defer cancel()
	return x.t.reader.countDataKeys(ctx, table, n)
}

// SaveKeyJob stores the job's progress and outcome; a job that no longer
// runs frees the running slot.
func (x *keyJobTx) SaveKeyJob(ctx context.Context, j *vault.KeyJob) error {
	ctx, cancel := x.t.bound(ctx)
	defer cancel()
	res, err := x.t.run.ExecContext(ctx, x.t.sql(sqlSaveKeyJob, false), j.Status, j.Done, j.Total, j.Table, j.Cursor,
		j.Finished, truncate(j.Reason, 255), runningSlot(j.Status), j.ID)
	if err != nil {
		return x.t.d.wrap("save key job", err)
	}
	return x.t.d.wrap("save key job", affected(res))
}

// SetKEKStatus sets the status of a KEK version. Errors: ErrNotFound.
func (x *keyJobTx) SetKEKStatus(ctx context.Context, version int64, status string) error {
	ctx, cancel := x.t.bound(ctx)
	defer cancel()
	res, err := x.t.run.ExecContext(ctx, x.t.sql(sqlSetKEKStatus, false), status, version)
	if err != nil {
		return x.t.d.wrap("set kek status", err)
	}
	return x.t.d.wrap("set kek status", affected(res))
}

// countDataKeys groups a table's wrapped keys by their first n bytes.
func (r *reader) countDataKeys(ctx context.Context, table string, n int) (map[string]int64, error) {
	if _, ok := dataKeyTables[table]; !ok {
		return nil, fmt.Errorf("sqlstore: count data keys: unknown table %q", table)
	}
	prefix := "SUBSTR(datakey, 1, " + strconv.Itoa(n) + ")"
	query := "SELECT " + prefix + ", COUNT(*) FROM " + table + " WHERE datakey IS NOT NULL GROUP BY " + prefix
	rows, err := r.run.QueryContext(ctx, r.sql(query, false))
	if err != nil {
		return nil, r.d.wrap("count data keys", err)
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var p []byte
		var c int64
		if err := rows.Scan(&p, &c); err != nil {
			return nil, r.d.wrap("count data keys", err)
		}
		counts[string(p)] += c
	}
	return counts, r.d.wrap("count data keys", rows.Err())
}

// AddEncryptions adds per-version counts to the stored totals in one
// transaction; each instance adds its own, so nothing is lost or counted
// twice. Errors: EUNAVAILABLE.
func (db *DB) AddEncryptions(ctx context.Context, counts map[int64]int64) error {
	return db.update(ctx, func(t *txn) error {
		ctx, cancel := t.bound(ctx)
		defer cancel()
		for v, n := range counts {
			if n == 0 {
				continue
			}
			if _, err := t.run.ExecContext(ctx, t.sql(sqlAddEncryptions, false), n, v); err != nil {
				return t.d.wrap("add encryptions", err)
			}
		}
		return nil
	})
}

// Encryptions returns the stored total of encryptions per KEK version.
// Errors: EUNAVAILABLE.
func (db *DB) Encryptions(ctx context.Context) (map[int64]int64, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	rows, err := db.run.QueryContext(ctx, db.sql(sqlEncryptions, false))
	if err != nil {
		return nil, db.d.wrap("encryptions", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var v, n int64
		if err := rows.Scan(&v, &n); err != nil {
			return nil, db.d.wrap("encryptions", err)
		}
		out[v] = n
	}
	return out, db.d.wrap("encryptions", rows.Err())
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
