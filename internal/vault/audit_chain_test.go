package vault_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"piivault/internal/envelope"
	"piivault/internal/phone"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// freshServerDB creates an empty database on the local PostgreSQL or
// MariaDB test server and drops it at cleanup. A server that does not
// answer skips the test, or fails it under CI or PIIVAULT_REQUIRE_DBS=1.
func freshServerDB(t *testing.T, driver string) sqlstore.Config {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "piivault_audit_" + hex.EncodeToString(b[:])
	adminDriver, admin, drop := "pgx", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", " WITH (FORCE)"
	if v := os.Getenv("PIIVAULT_TEST_POSTGRES_DSN"); v != "" && driver == sqlstore.Postgres {
		admin = v
	}
	if driver == sqlstore.MySQL {
		adminDriver, admin, drop = "mysql", "root@tcp(127.0.0.1:3306)/", ""
		if v := os.Getenv("PIIVAULT_TEST_MYSQL_DSN"); v != "" {
			admin = v
		}
	}
	db, err := sql.Open(adminDriver, admin)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("PIIVAULT_REQUIRE_DBS") == "1" {
			t.Fatalf("%s is not reachable: %v", driver, err)
		}
		t.Skipf("!!! SKIPPED: %s is not reachable (%v)", driver, err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE IF EXISTS " + name + drop)
		db.Close()
	})
	if driver == sqlstore.MySQL {
		mc, err := mysql.ParseDSN(admin)
		if err != nil {
			t.Fatal(err)
		}
		mc.DBName = name
		return sqlstore.Config{Driver: driver, DSN: mc.FormatDSN()}
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return sqlstore.Config{Driver: driver, DSN: u.String()}
}

// auditInstance opens one more service over cfg, as a second server process
// would: its own pool and its own keyring, opened with the same master key.
func auditInstance(t *testing.T, cfg sqlstore.Config, master []byte) *vault.Service {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := envelope.Ensure(ctx, master, db, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return vault.NewService(db, keys, vault.Options{Normalizer: vault.Normalizer{Phone: phone.Normalizer("GB")}})
}

// TestTwoInstancesKeepOneAuditChain runs two services on one database, each
// with many writers and its own chainer looping at the same time, as two
// server processes would. The result must be one chain holding every event
// exactly once, in order, that verifies.
func TestTwoInstancesKeepOneAuditChain(t *testing.T) {
	for _, driver := range []string{sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			cfg := freshServerDB(t, driver)
			master, _ := envelope.ParseMasterKey(envelope.GenerateMasterKey())
			svcs := []*vault.Service{auditInstance(t, cfg, master), auditInstance(t, cfg, master)}

			const writers, ops = 6, 15
			var wg sync.WaitGroup
			errs := make(chan error, 2*writers*ops+16)
			done := make(chan struct{})
			var chainers sync.WaitGroup
			for _, svc := range svcs {
				chainers.Add(1)
				go func() {
					defer chainers.Done()
					for {
						if _, err := svc.LinkAudit(ctx); err != nil {
							errs <- fmt.Errorf("link: %w", err)
						}
						select {
						case <-done:
							return
						default:
						}
					}
				}()
				for w := 0; w < writers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; i < ops; i++ {
							tok, err := svc.CreateUser(ctx, vault.Root, map[string]any{"login": vault.NewUUID()})
							if err != nil {
								errs <- err
								continue
							}
							id, _ := svc.ParseIdentity("token", tok)
							if _, err := svc.GetUser(ctx, vault.Root, id); err != nil {
								errs <- err
							}
						}
					}()
				}
			}
			wg.Wait()
			close(done)
			chainers.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			events := 2 * writers * ops * 2 // a create and a get each
			v, err := svcs[1].VerifyAudit(ctx, vault.Root)
			if err != nil || v.Result != vault.AuditIntact || v.Checked != events {
				t.Fatalf("verify: %+v, %v; want ok over %d events", v, err, events)
			}
			// The other instance sees the same chain, now one event longer.
			if v, err := svcs[0].VerifyAudit(ctx, vault.Root); err != nil || v.Result != vault.AuditIntact || v.Checked != events+1 {
				t.Fatalf("verify on the other instance: %+v, %v", v, err)
			}

			// An edit made directly in this database is found like on SQLite.
			raw, err := sql.Open(map[string]string{sqlstore.Postgres: "pgx", sqlstore.MySQL: "mysql"}[driver], cfg.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			var atoken string
			if err := raw.QueryRow("SELECT atoken FROM audit_events WHERE seq = 100").Scan(&atoken); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec("UPDATE audit_events SET msg = 'edited' WHERE seq = 100"); err != nil {
				t.Fatal(err)
			}
			if v, err := svcs[0].VerifyAudit(ctx, vault.Root); err != nil || v.Result != vault.AuditBroken ||
				v.AToken != atoken || v.Reason != vault.ReasonHash || v.Checked != 99 {
				t.Fatalf("verify after an edit: %+v, %v; want hash mismatch at %s after 99", v, err, atoken)
			}
		})
	}
}
