package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"piivault/internal/vault"
)

func TestText(t *testing.T) {
	pg, my, lite := newPostgresDialect(), newMySQLDialect(), newSQLiteDialect()
	tests := []struct {
		d     *dialect
		query string
		lock  bool
		want  string
	}{
		{pg, "SELECT a FROM t WHERE b = ? AND c = ?", false, "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{pg, "SELECT a FROM t WHERE b = ?", true, "SELECT a FROM t WHERE b = $1 FOR UPDATE"},
		{my, "SELECT a FROM t WHERE b = ?", true, "SELECT a FROM t WHERE b = ? FOR UPDATE"},
		{my, "SELECT a FROM t WHERE b = ?", false, "SELECT a FROM t WHERE b = ?"},
		{lite, "SELECT a FROM t WHERE b = ?", true, "SELECT a FROM t WHERE b = ?"},
		{pg, "SELECT 1", false, "SELECT 1"},
	}
	for _, tc := range tests {
		for range 2 { // the second call answers from the cache
			if got := tc.d.text(tc.query, tc.lock); got != tc.want {
				t.Errorf("%s text(%q, %v) = %q, want %q", tc.d.name, tc.query, tc.lock, got, tc.want)
			}
		}
	}
}

func TestUpsert(t *testing.T) {
	tests := map[*dialect]string{
		newSQLiteDialect():   " ON CONFLICT (k) DO UPDATE SET a = excluded.a, b = excluded.b",
		newPostgresDialect(): " ON CONFLICT (k) DO UPDATE SET a = excluded.a, b = excluded.b",
		newMySQLDialect():    " ON DUPLICATE KEY UPDATE a = VALUES(a), b = VALUES(b)",
	}
	for d, want := range tests {
		if got := d.upsert("k", "a", "b"); got != want {
			t.Errorf("%s upsert = %q, want %q", d.name, got, want)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	tests := []struct {
		d    *dialect
		err  error
		key  string
		isOK bool
	}{
		{newPostgresDialect(), &pgconn.PgError{Code: "23505", ConstraintName: "users_email_idx"}, "users_email_idx", true},
		{newPostgresDialect(), &pgconn.PgError{Code: "23503"}, "", false},
		{newMySQLDialect(), &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'ab' for key 'users_phone_idx'"}, "users_phone_idx", true},
		{newMySQLDialect(), &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'ab' for key 'users.users_phone_idx'"}, "users_phone_idx", true},
		{newMySQLDialect(), &mysql.MySQLError{Number: 1213}, "", false},
		{newSQLiteDialect(), errors.New("UNIQUE constraint failed: users.email_idx"), "", false},
	}
	for _, tc := range tests {
		key, ok := tc.d.duplicateKey(fmt.Errorf("wrapped: %w", tc.err))
		if key != tc.key || ok != tc.isOK {
			t.Errorf("%s duplicateKey(%v) = %q, %v; want %q, %v", tc.d.name, tc.err, key, ok, tc.key, tc.isOK)
		}
	}
}

func TestWrapDropsDuplicateValues(t *testing.T) {
	err := newMySQLDialect().wrap("insert user", &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'secret-token' for key 'users_token'"})
	if strings.Contains(err.Error(), "secret-token") || !strings.Contains(err.Error(), "users_token") {
		t.Fatalf("wrapped duplicate: %v", err)
	}
}

func TestWrapCodes(t *testing.T) {
	pg := newPostgresDialect()
	tests := []struct {
		err  error
		code string
	}{
		{context.DeadlineExceeded, vault.EUNAVAILABLE},
		{syscall.ECONNREFUSED, vault.EUNAVAILABLE},
		{&pgconn.PgError{Code: "53100"}, vault.EUNAVAILABLE}, // disk full
		{&pgconn.PgError{Code: "08006"}, vault.EUNAVAILABLE},
		{&pgconn.PgError{Code: "42P01"}, vault.EINTERNAL}, // undefined table: a bug
		{vault.ErrNotFound, vault.ENOTFOUND},
		{errors.New("other"), vault.EINTERNAL},
	}
	for _, tc := range tests {
		err := pg.wrap("op", tc.err)
		if got := vault.ErrorCode(err); got != tc.code {
			t.Errorf("wrap(%v): code %q, want %q", tc.err, got, tc.code)
		}
		if !strings.HasPrefix(err.Error(), "sqlstore: op: ") || !errors.Is(err, tc.err) {
			t.Errorf("wrap(%v) = %v: context or cause lost", tc.err, err)
		}
	}
	if pg.wrap("op", nil) != nil {
		t.Error("wrap(nil) != nil")
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		d    *dialect
		err  error
		want bool
	}{
		{newPostgresDialect(), &pgconn.PgError{Code: "40001"}, true},
		{newPostgresDialect(), &pgconn.PgError{Code: "40P01"}, true},
		{newPostgresDialect(), &pgconn.PgError{Code: "23505"}, false},
		{newMySQLDialect(), &mysql.MySQLError{Number: 1213}, true},
		{newMySQLDialect(), &mysql.MySQLError{Number: 1205}, true},
		{newMySQLDialect(), &mysql.MySQLError{Number: 1062}, false},
	}
	for _, tc := range tests {
		if got := tc.d.retryable(fmt.Errorf("sqlstore: x: %w", tc.err)); got != tc.want {
			t.Errorf("%s retryable(%v) = %v, want %v", tc.d.name, tc.err, got, tc.want)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	text := "-- header;\nCREATE TABLE a (x INT);\n\n-- between\nCREATE INDEX b\n    ON a (x);\n-- trailing comment\n"
	want := []string{"-- header;\nCREATE TABLE a (x INT)", "-- between\nCREATE INDEX b\n    ON a (x)"}
	if got := splitStatements(text); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLoadMigrations(t *testing.T) {
	good := fstest.MapFS{
		"0002_keks.up.sql":  {Data: []byte("CREATE TABLE k (x INT);")},
		"0001_users.up.sql": {Data: []byte("CREATE TABLE u (x INT);\nCREATE TABLE v (x INT);")},
		"README.md":         {Data: []byte("ignored")},
	}
	ms, err := loadMigrations(good)
	if err != nil || len(ms) != 2 || ms[0].version != 1 || ms[0].name != "users" || len(ms[0].stmts) != 2 || ms[1].version != 2 {
		t.Fatalf("got %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no number":         {"users.up.sql": {}},
		"no name":           {"0001.up.sql": {}},
		"duplicate version": {"0001_a.up.sql": {}, "01_b.up.sql": {}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// The embedded files of every dialect load.
	for _, d := range []*dialect{newSQLiteDialect(), newPostgresDialect(), newMySQLDialect()} {
		if ms, err := loadMigrations(d.migrations); err != nil || len(ms) == 0 {
			t.Errorf("%s migrations: %d, %v", d.name, len(ms), err)
		}
	}
}
