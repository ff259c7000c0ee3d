package apitest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection

	"piivault/internal/sqlstore"
)

// Admin DSNs of the local test servers, the same defaults and variables the
// sqlstore conformance suite uses.
const (
	defaultPostgresAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultMySQLAdmin    = "root@tcp(127.0.0.1:3306)/"
)

// database prepares an empty database for one server, dropped at cleanup.
// The driver comes from PIIVAULT_TEST_DRIVER (default sqlite); asking for a
// server that does not answer fails the test rather than skipping it.
func (s *Server) database(t testing.TB) sqlstore.Config {
	t.Helper()
	switch driver := os.Getenv("PIIVAULT_TEST_DRIVER"); driver {
	case "", sqlstore.SQLite:
		s.dbPath = sqlitePath(t)
		return sqlstore.Config{Driver: sqlstore.SQLite, DSN: s.dbPath}
	case sqlstore.Postgres:
		admin := envOr("PIIVAULT_TEST_POSTGRES_DSN", defaultPostgresAdmin)
		name := freshDatabase(t, "pgx", admin, " WITH (FORCE)")
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatalf("apitest: PIIVAULT_TEST_POSTGRES_DSN: %v", err)
		}
		u.Path = "/" + name
		return sqlstore.Config{Driver: sqlstore.Postgres, DSN: u.String()}
	case sqlstore.MySQL:
		admin := envOr("PIIVAULT_TEST_MYSQL_DSN", defaultMySQLAdmin)
		name := freshDatabase(t, "mysql", admin, "")
		mc, err := mysql.ParseDSN(admin)
		if err != nil {
			t.Fatalf("apitest: PIIVAULT_TEST_MYSQL_DSN: %v", err)
		}
		mc.DBName = name
		return sqlstore.Config{Driver: sqlstore.MySQL, DSN: mc.FormatDSN()}
	default:
		t.Fatalf("apitest: PIIVAULT_TEST_DRIVER=%q: want sqlite, postgres or mysql", driver)
		return sqlstore.Config{}
	}
}

// freshDatabase creates piivault_api_<random> through the admin connection
// and registers its removal. dropSuffix lets PostgreSQL drop a database that
// still has connections.
func freshDatabase(t testing.TB, driver, admin, dropSuffix string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "piivault_api_" + hex.EncodeToString(b[:])
	db, err := sql.Open(driver, admin)
	if err != nil {
		t.Fatalf("apitest: connect to the %s admin DSN: %v", driver, err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("apitest: create database on %s: %v", driver, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + dropSuffix); err != nil {
			t.Errorf("apitest: drop database %s: %v", name, err)
		}
	})
	return name
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
