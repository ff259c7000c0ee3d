package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection
)

// Admin DSNs of the test servers; each test creates and drops its own
// database through them.
const (
	defaultPostgresAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultMySQLAdmin    = "root@tcp(127.0.0.1:3306)/"
)

// backend makes fresh empty databases of one dialect.
type backend struct {
	name  string
	fresh func(t testing.TB) Config // a new empty database, dropped at cleanup
}

// backends returns the three databases, each test skipping (or, under CI
// or PIIVAULT_REQUIRE_DBS=1, failing) a server that does not answer.
func backends() []backend {
	return []backend{
		{SQLite, freshSQLite},
		{Postgres, freshPostgres},
		{MySQL, freshMySQL},
	}
}

func freshSQLite(t testing.TB) Config {
	return Config{Driver: SQLite, DSN: filepath.Join(t.TempDir(), "vault.db")}
}

func freshPostgres(t testing.TB) Config {
	admin := envOr("PIIVAULT_TEST_POSTGRES_DSN", defaultPostgresAdmin)
	name := "piivault_test_" + randomHex(t, 6)
	adminDB := connectAdmin(t, "pgx", admin, "PostgreSQL")
	mustExec(t, adminDB, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		mustExec(t, adminDB, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		adminDB.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("PIIVAULT_TEST_POSTGRES_DSN: %v", err)
	}
	u.Path = "/" + name
	return Config{Driver: Postgres, DSN: u.String()}
}

func freshMySQL(t testing.TB) Config {
	admin := envOr("PIIVAULT_TEST_MYSQL_DSN", defaultMySQLAdmin)
	name := "piivault_test_" + randomHex(t, 6)
	adminDB := connectAdmin(t, "mysql", admin, "MariaDB/MySQL")
	mustExec(t, adminDB, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		mustExec(t, adminDB, "DROP DATABASE IF EXISTS "+name)
		adminDB.Close()
	})
	mc, err := mysql.ParseDSN(admin)
	if err != nil {
		t.Fatalf("PIIVAULT_TEST_MYSQL_DSN: %v", err)
	}
	mc.DBName = name
	return Config{Driver: MySQL, DSN: mc.FormatDSN()}
}

// connectAdmin connects to a server or skips the test loudly; under CI the
// test fails instead, so that a missing server cannot pass unnoticed.
func connectAdmin(t testing.TB, driver, dsn, what string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err = db.PingContext(ctx); err != nil {
			db.Close()
		}
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("PIIVAULT_REQUIRE_DBS") == "1" {
			t.Fatalf("%s is not reachable and CI/PIIVAULT_REQUIRE_DBS requires it: %v", what, err)
		}
		t.Skipf("!!! SKIPPED: %s is not reachable (%v); set CI or PIIVAULT_REQUIRE_DBS=1 to make this a failure", what, err)
	}
	return db
}

// open opens cfg, migrates it and closes it at cleanup.
func open(t testing.TB, cfg Config) *DB {
	t.Helper()
	db := openRaw(t, cfg)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// openRaw opens cfg without migrating.
func openRaw(t testing.TB, cfg Config) *DB {
	t.Helper()
	db, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.Driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t testing.TB, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
