package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// schema_migrations records each applied migration. The runner creates it,
// so that it exists before the first numbered file runs.
const (
	sqlCreateMigrationsSQLite = "CREATE TABLE IF NOT EXISTS schema_migrations" +
		" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)"
	sqlCreateMigrationsPostgres = "CREATE TABLE IF NOT EXISTS schema_migrations" +
		" (version BIGINT PRIMARY KEY, name VARCHAR(255) NOT NULL, applied BIGINT NOT NULL)"
	sqlCreateMigrationsMySQL = "CREATE TABLE IF NOT EXISTS schema_migrations" +
		" (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied BIGINT NOT NULL)" +
		" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
	sqlAppliedMigrations = "SELECT version FROM schema_migrations"
	sqlRecordMigration   = "INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)"

	// Session locks that serialise instances migrating one database. The
	// PostgreSQL key is an arbitrary constant ("piiv"); lock_timeout would
	// otherwise cut the wait for the lock and for DDL's table locks short.
	sqlPostgresNoLockTimeout = "SET lock_timeout = 0"
	sqlPostgresLock          = "SELECT pg_advisory_lock(1885956470)"
	sqlMySQLLock             = "SELECT GET_LOCK('piivault_migrate', 3600)"
)

// migration is one numbered file.
type migration struct {
	version int64
	name    string
	stmts   []string
}

// Migrate applies the pending migrations of the dialect, each recorded in
// schema_migrations, and is a no-op when none is pending. Instances
// starting together take turns: PostgreSQL pg_advisory_lock, MySQL
// GET_LOCK, SQLite its single writer and BEGIN IMMEDIATE (where all pending
// files commit as one transaction). It is bounded by ctx only, not by
// QueryTimeout. Errors: EUNAVAILABLE; EINTERNAL for a failed migration or
// a database migrated by a newer piivault.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(db.d.migrations)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if db.writer != nil {
		return db.writer.do(ctx, func(t *txn) error {
			ctx, cancel := t.bound(ctx)
			defer cancel()
			return db.migrate(ctx, t.run, ms)
		})
	}
	conn, err := db.pool.Conn(ctx)
	if err != nil {
		return db.d.wrap("migrate", err)
	}
	// Closing the session releases the lock and the changed lock_timeout
	// whatever happened, rather than returning them to the pool.
	defer conn.Raw(func(any) error { return driver.ErrBadConn })
	switch db.d.name {
	case Postgres:
		for _, q := range []string{sqlPostgresNoLockTimeout, sqlPostgresLock} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return db.d.wrap("migrate: lock", err)
			}
		}
	case MySQL:
		var got sql.NullInt64 // 1 taken, 0 timed out, NULL failed
		if err := conn.QueryRowContext(ctx, sqlMySQLLock).Scan(&got); err != nil {
			return db.d.wrap("migrate: lock", err)
		}
		if got.Int64 != 1 {
			return unavailableErr("migrate: lock", errors.New("timed out waiting for the migration lock"))
		}
	}
	return db.migrate(ctx, conn, ms)
}

// migrate applies the migrations missing from schema_migrations, each in
// its own transaction where the dialect has transactional DDL (PostgreSQL)
// and directly on run otherwise (MySQL; SQLite runs inside the writer's).
func (db *DB) migrate(ctx context.Context, run runner, ms []migration) error {
	create := map[string]string{SQLite: sqlCreateMigrationsSQLite, Postgres: sqlCreateMigrationsPostgres, MySQL: sqlCreateMigrationsMySQL}
	if _, err := run.ExecContext(ctx, create[db.d.name]); err != nil {
		return db.d.wrap("migrate: schema_migrations", err)
	}
	applied, err := db.appliedMigrations(ctx, run)
	if err != nil {
		return db.d.wrap("migrate: schema_migrations", err)
	}
	if n := len(applied); n > 0 && (len(ms) == 0 || applied[n-1] > ms[len(ms)-1].version) {
		return fmt.Errorf("sqlstore: migrate: the database has schema version %d, newer than this piivault knows", applied[n-1])
	}
	for _, m := range ms {
		if _, done := slices.BinarySearch(applied, m.version); done {
			continue
		}
		if err := db.applyMigration(ctx, run, m); err != nil {
			return db.d.wrap(fmt.Sprintf("migrate: %04d_%s", m.version, m.name), err)
		}
	}
	return nil
}

func (db *DB) appliedMigrations(ctx context.Context, run runner) ([]int64, error) {
	rows, err := run.QueryContext(ctx, sqlAppliedMigrations)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs, rows.Err()
}

func (db *DB) applyMigration(ctx context.Context, run runner, m migration) error {
	if c, ok := run.(*sql.Conn); ok && db.d.name == Postgres {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := execMigration(ctx, db.d, tx, m); err != nil {
			return err
		}
		return tx.Commit()
	}
	return execMigration(ctx, db.d, run, m)
}

func execMigration(ctx context.Context, d *dialect, run runner, m migration) error {
	for _, s := range m.stmts {
		if _, err := run.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	_, err := run.ExecContext(ctx, d.text(sqlRecordMigration, false), m.version, m.name, time.Now().Unix())
	return err
}

// loadMigrations reads NNNN_name.up.sql files in version order.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.up.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		num, rest, ok := strings.Cut(strings.TrimSuffix(path.Base(name), ".up.sql"), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 || rest == "" {
			return nil, fmt.Errorf("migration %s: want NNNN_name.up.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: rest, stmts: splitStatements(string(b))})
	}
	slices.SortFunc(ms, func(a, b migration) int { return int(a.version - b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migration version %d appears twice", ms[i].version)
		}
	}
	return ms, nil
}

// splitStatements splits a file after each line that ends with a semicolon
// and is no comment, so that no driver needs multi-statement mode.
// Comment-only pieces are dropped.
func splitStatements(text string) []string {
	var stmts []string
	var cur strings.Builder
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		for _, line := range strings.Split(s, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
				stmts = append(stmts, strings.TrimSuffix(s, ";"))
				return
			}
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		cur.WriteString(line)
		if l := strings.TrimSpace(line); strings.HasSuffix(l, ";") && !strings.HasPrefix(l, "--") {
			flush()
		}
	}
	flush()
	return stmts
}
