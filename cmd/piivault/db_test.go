package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection
)

// Admin DSNs of the local test servers, the same defaults and variables the
// sqlstore and apitest suites use.
const (
	defaultPostgresAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultMySQLAdmin    = "root@tcp(127.0.0.1:3306)/"
)

// serverDBs are the database servers the process tests run piivault on.
var serverDBs = []string{"postgres", "mysql"}

// testDB is an empty database made for one test on a shared server.
type testDB struct {
	driver string
	// dsn is what piivault's storage.dsn should be.
	dsn string
	// sql is a connection to the same database, for checks the API cannot make.
	sql *sql.DB
	// host is the server's host:port, for tests that put a proxy in front.
	host string
}

// freshDB creates piivault_cmd_<random> on the driver's test server and
// drops it at cleanup. A server that does not answer skips the test loudly,
// or fails it under CI or PIIVAULT_REQUIRE_DBS=1.
func freshDB(t *testing.T, driver string) *testDB {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "piivault_cmd_" + hex.EncodeToString(b[:])
	switch driver {
	case "postgres":
		admin := envOr("PIIVAULT_TEST_POSTGRES_DSN", defaultPostgresAdmin)
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatalf("PIIVAULT_TEST_POSTGRES_DSN: %v", err)
		}
		create(t, "pgx", admin, "PostgreSQL", name, " WITH (FORCE)")
		u.Path = "/" + name
		return &testDB{driver: driver, dsn: u.String(), sql: connect(t, "pgx", u.String()), host: u.Host}
	case "mysql":
		admin := envOr("PIIVAULT_TEST_MYSQL_DSN", defaultMySQLAdmin)
		mc, err := mysql.ParseDSN(admin)
		if err != nil {
			t.Fatalf("PIIVAULT_TEST_MYSQL_DSN: %v", err)
		}
		create(t, "mysql", admin, "MariaDB/MySQL", name, "")
		mc.DBName = name
		return &testDB{driver: driver, dsn: mc.FormatDSN(), sql: connect(t, "mysql", mc.FormatDSN()), host: mc.Addr}
	}
	t.Fatalf("freshDB: unknown driver %q", driver)
	return nil
}

// create makes database name through the admin DSN and registers its
// removal; dropSuffix lets PostgreSQL drop a database still in use.
func create(t *testing.T, driver, admin, what, name, dropSuffix string) {
	t.Helper()
	db, err := sql.Open(driver, admin)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if os.Getenv("CI") != "" || os.Getenv("PIIVAULT_REQUIRE_DBS") == "1" {
			t.Fatalf("%s is not reachable and CI/PIIVAULT_REQUIRE_DBS requires it: %v", what, err)
		}
		t.Skipf("!!! SKIPPED: %s is not reachable (%v); set CI or PIIVAULT_REQUIRE_DBS=1 to make this a failure", what, err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("create database on %s: %v", what, err)
	}
	// Registered before the test's own cleanups run, so it runs after them:
	// the piivault processes are gone by the time the database is dropped.
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + dropSuffix); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
}

// connect opens dsn for the test's own checks.
func connect(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// serveEnv is the environment of `piivault serve` on db with fresh secrets,
// plus extra settings; callers set PIIVAULT_SERVER_DATA_DIR, or files such
// as the erasure ledger land in the package directory.
func serveEnv(db *testDB, masterKey, rootToken string, extra ...string) []string {
	return environment(append([]string{
		"PIIVAULT_STORAGE_DRIVER=" + db.driver,
		"PIIVAULT_STORAGE_DSN=" + db.dsn,
		"PIIVAULT_KEYS_MASTER_KEY=" + masterKey,
		"PIIVAULT_AUTH_ROOT_TOKEN=" + rootToken,
	}, extra...)...)
}

// newSecrets returns a master key and a root token as `piivault init`
// would print them.
func newSecrets() (masterKey, rootToken string) {
	var k, tok [32]byte
	rand.Read(k[:])
	rand.Read(tok[:])
	return hex.EncodeToString(k[:]), hex.EncodeToString(tok[:16])
}

// via returns db's DSN with the server address replaced by addr, to reach
// the database through a proxy.
func (db *testDB) via(t *testing.T, addr string) string {
	t.Helper()
	switch db.driver {
	case "postgres":
		u, err := url.Parse(db.dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.Host = addr
		return u.String()
	default:
		mc, err := mysql.ParseDSN(db.dsn)
		if err != nil {
			t.Fatal(err)
		}
		mc.Addr = addr
		return mc.FormatDSN()
	}
}
