package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"piivault/internal/vault"
)

// TestConformance runs the one suite every dialect must pass.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { runConformance(t, b.fresh) })
	}
}

// runConformance checks the vault.Store and vault.KeyStore contracts on
// fresh databases made by fresh.
func runConformance(t *testing.T, fresh func(testing.TB) Config) {
	tests := []struct {
		name string
		run  func(t *testing.T, fresh func(testing.TB) Config)
	}{
		{"migrating twice changes nothing", testMigrateIdempotent},
		{"two instances migrating at once both succeed", testMigrateConcurrent},
		{"a schema newer than the binary is refused", testMigrateNewer},
		{"a user is found by token and by each index", testInsertAndGet},
		{"missing users are ErrNotFound", testNotFound},
		{"insert reports the first duplicate index in field order", testInsertDuplicate},
		{"update reports duplicate indexes but not the user's own", testUpdateDuplicate},
		{"of concurrent inserts claiming one email exactly one wins", testConcurrentClaim},
		{"update re-indexes", testUpdateReindex},
		{"erase clears data and indexes and keeps the token reserved", testErase},
		{"list pages live users in creation order", testList},
		{"sessions are put, replaced with a rising seq and deleted", testSessionPutReplace},
		{"concurrent puts of one session never fail and the last wins whole", testSessionConcurrentPut},
		{"a user's live sessions are paged in write order", testSessionsByUser},
		{"deleting a user's sessions removes only theirs", testDeleteUserSessions},
		{"erasing a user removes their sessions", testEraseRemovesSessions},
		{"expired sessions are swept in bounded batches", testSweepSessions},
		{"tokens are found by key and by unique index", testTokenInsertAndGet},
		{"duplicate token keys and unique indexes conflict", testTokenDuplicates},
		{"tokens are read in bulk across statement chunks", testTokensByKeys},
		{"expired tokens are swept in bounded batches, never-expiring ones kept", testSweepTokens},
		{"keks are listed in version order and versions are unique", testKEKs},
		{"a failing Update rolls back only itself", testUpdateRollback},
		{"concurrent Updates commit exactly the ones that succeed", testConcurrentUpdates},
		{"a panic in fn rolls back and reaches the caller", testUpdatePanic},
		{"writes survive close and reopen", testDurability},
		{"calls after Close are unavailable", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, fresh) })
	}
}

// newUser returns a live user with all four indexes, distinct per seed.
func newUser(t testing.TB, seed string) *vault.UserRecord {
	return &vault.UserRecord{
		Token:   newToken(t),
		DataKey: []byte("wrapped-key-" + seed),
		Profile: []byte("sealed-profile-" + seed),
		Index: vault.Index{
			Login: hash("login:" + seed), Email: hash("email:" + seed),
			Phone: hash("phone:" + seed), Custom: hash("custom:" + seed),
		},
		Created: 1700000000,
		Updated: 1700000000,
	}
}

func newToken(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func insert(t testing.TB, db *DB, users ...*vault.UserRecord) {
	t.Helper()
	for _, u := range users {
		if err := db.Update(context.Background(), func(tx vault.Tx) error {
			return tx.InsertUser(context.Background(), u)
		}); err != nil {
			t.Fatalf("insert user: %v", err)
		}
	}
}

// wantCode fails unless err carries code and, when msg is set, that public message.
func wantCode(t testing.TB, err error, code, msg string) {
	t.Helper()
	if got := vault.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if msg != "" && vault.ErrorMessage(err) != msg {
		t.Fatalf("error %v: message %q, want %q", err, vault.ErrorMessage(err), msg)
	}
}

func testMigrateIdempotent(t *testing.T, fresh func(testing.TB) Config) {
	cfg := fresh(t)
	db := open(t, cfg)
	if db.Dialect() != cfg.Driver {
		t.Fatalf("Dialect() = %q, want %q", db.Dialect(), cfg.Driver)
	}
	for range 2 {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
	}
	assertMigrations(t, db)
}

// assertMigrations checks that every migration file is recorded once.
func assertMigrations(t testing.TB, db *DB) {
	t.Helper()
	ms, err := loadMigrations(db.d.migrations)
	if err != nil {
		t.Fatal(err)
	}
	var n, distinct int
	if err := db.pool.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || distinct != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%d versions), want %d", n, distinct, len(ms))
	}
}

func testMigrateConcurrent(t *testing.T, fresh func(testing.TB) Config) {
	cfg := fresh(t)
	a, b := openRaw(t, cfg), openRaw(t, cfg)
	errs := make(chan error, 2)
	for _, db := range []*DB{a, b} {
		go func() { errs <- db.Migrate(context.Background()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
	assertMigrations(t, a)
	insert(t, b, newUser(t, "after-migrate"))
}

func testMigrateNewer(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	if err := db.update(ctx, func(tx *txn) error {
		_, err := tx.run.ExecContext(ctx, tx.sql(sqlRecordMigration, false), 9999, "future", 1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := db.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("migrate under a newer schema: %v", err)
	}
}

func testKEKs(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	if keks, err := db.KEKs(ctx); err != nil || len(keks) != 0 {
		t.Fatalf("empty keyring: %v, %v", keks, err)
	}
	want := []vault.KEKRecord{
		{Version: 1, Wrapped: []byte("kek-1"), Status: "retiring", Created: 100},
		{Version: 2, Wrapped: []byte("kek-2"), Status: "active", Created: 200},
	}
	for _, k := range []vault.KEKRecord{want[1], want[0]} {
		if err := db.InsertKEK(ctx, k); err != nil {
			t.Fatalf("insert kek %d: %v", k.Version, err)
		}
	}
	err := db.InsertKEK(ctx, vault.KEKRecord{Version: 2, Wrapped: []byte("other"), Status: "active", Created: 300})
	wantCode(t, err, vault.ECONFLICT, "duplicate kek version")
	got, err := db.KEKs(ctx)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("keks: got %+v, %v; want %+v", got, err, want)
	}
}

func testUpdateRollback(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	boom := errors.New("boom")
	u := newUser(t, "a")
	err := db.Update(ctx, func(tx vault.Tx) error {
		if err := tx.InsertUser(ctx, u); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update returned %v, want fn's error as is", err)
	}
	if _, err := db.UserByToken(ctx, u.Token); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("rolled-back user: got %v, want ErrNotFound", err)
	}
	insert(t, db, u) // its indexes were never taken
}

func testConcurrentUpdates(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	const n = 64
	users := make([]*vault.UserRecord, n)
	errs := make([]error, n)
	boom := errors.New("boom")
	var wg sync.WaitGroup
	for i := range n {
		users[i] = newUser(t, fmt.Sprint("c", i))
		wg.Go(func() {
			errs[i] = db.Update(ctx, func(tx vault.Tx) error {
				if err := tx.InsertUser(ctx, users[i]); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, u := range users {
		_, err := db.UserByToken(ctx, u.Token)
		switch {
		case i%3 == 0 && errs[i] != boom:
			t.Fatalf("op %d: got %v, want its own error", i, errs[i])
		case i%3 == 0 && !errors.Is(err, vault.ErrNotFound):
			t.Fatalf("op %d failed but its user is stored: %v", i, err)
		case i%3 != 0 && (errs[i] != nil || err != nil):
			t.Fatalf("op %d: update %v, read %v", i, errs[i], err)
		}
	}
}

func testUpdatePanic(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	u := newUser(t, "a")
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Fatalf("recovered %v, want the fn's panic", p)
			}
		}()
		db.Update(ctx, func(tx vault.Tx) error {
			if err := tx.InsertUser(ctx, u); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	if _, err := db.UserByToken(ctx, u.Token); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("user of the panicked fn: got %v, want ErrNotFound", err)
	}
	insert(t, db, u)
}

func testDurability(t *testing.T, fresh func(testing.TB) Config) {
	cfg := fresh(t)
	db := open(t, cfg)
	u := newUser(t, "a")
	insert(t, db, u)
	if err := db.InsertKEK(context.Background(), vault.KEKRecord{Version: 1, Wrapped: []byte("k"), Status: "active", Created: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	db = open(t, cfg)
	got, err := db.UserByToken(context.Background(), u.Token)
	if err != nil || !reflect.DeepEqual(got, u) {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if keks, err := db.KEKs(context.Background()); err != nil || len(keks) != 1 {
		t.Fatalf("keks after reopen: %v, %v", keks, err)
	}
}

func testClosed(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	ctx := context.Background()
	err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, newUser(t, "late")) })
	wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
	_, err = db.UserByToken(ctx, newToken(t))
	wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
	wantCode(t, db.Ping(ctx), vault.EUNAVAILABLE, "service unavailable")
	wantCode(t, db.AppendAuditEvent(ctx, newAuditRecord(1, "")), vault.EUNAVAILABLE, "service unavailable")
	if err := db.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
