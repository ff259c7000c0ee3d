package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"piivault/internal/vault"
)

func TestSQLiteReadersCannotWrite(t *testing.T) {
	db := open(t, freshSQLite(t))
	_, err := db.pool.Exec(sqlInsertKEK, 1, []byte("k"), "active", 1)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("insert through the reader pool: %v, want a read-only error", err)
	}
}

func TestSQLiteRejectsNonFileDSN(t *testing.T) {
	for _, dsn := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		_, err := Open(context.Background(), Config{Driver: SQLite, DSN: dsn})
		wantCode(t, err, vault.EINVALID, "")
	}
}

func TestSQLiteSkipsOpsWhoseContextIsDone(t *testing.T) {
	db := open(t, freshSQLite(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.Update(ctx, func(vault.Tx) error { ran = true; return nil })
	wantCode(t, err, vault.EUNAVAILABLE, "")
	if ran {
		t.Fatal("fn ran although its context was done")
	}
}

// TestSQLiteGroupCommitIsolatesFailures queues many writes at once, so that
// they share batches, and checks that each failing one took back only
// its own changes while the same transaction committed the others.
func TestSQLiteGroupCommitIsolatesFailures(t *testing.T) {
	db := open(t, freshSQLite(t))
	ctx := context.Background()
	const n = 512
	var (
		wg      sync.WaitGroup
		results [n]error
		users   [n]*vault.UserRecord
	)
	start := make(chan struct{})
	for i := range n {
		users[i] = newUser(t, fmt.Sprint("g", i))
		if i%5 == 4 { // a real duplicate, refused by the store
			holder := newUser(t, fmt.Sprint("holder", i))
			insert(t, db, holder)
			users[i].Index.Email = holder.Index.Email
		}
		wg.Go(func() {
			<-start
			results[i] = db.Update(ctx, func(tx vault.Tx) error {
				if err := tx.InsertUser(ctx, users[i]); err != nil {
					return err
				}
				if i%7 == 0 {
					return fmt.Errorf("op %d gives up", i)
				}
				return nil
			})
		})
	}
	before := db.writer.commits.Load()
	close(start)
	wg.Wait()
	if c := db.writer.commits.Load() - before; c >= n {
		t.Fatalf("%d writes took %d commits: no group commit", n, c)
	} else {
		t.Logf("%d writes in %d commits", n, c)
	}
	for i, u := range users {
		_, err := db.UserByToken(ctx, u.Token)
		stored := err == nil
		wantStored := i%7 != 0 && i%5 != 4
		if stored != wantStored {
			t.Fatalf("op %d: stored %v, want %v (update error %v)", i, stored, wantStored, results[i])
		}
		switch {
		case i%5 == 4:
			wantCode(t, results[i], vault.ECONFLICT, "duplicate index: email")
		case i%7 == 0:
			if results[i] == nil || vault.ErrorCode(results[i]) != vault.EINTERNAL {
				t.Fatalf("op %d: got %v, want its own error", i, results[i])
			}
		case results[i] != nil:
			t.Fatalf("op %d: %v", i, results[i])
		}
	}
}

// TestSQLiteStress writes and reads from 64 goroutines for two seconds:
// not one error, and never "database is locked".
func TestSQLiteStress(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	db := open(t, freshSQLite(t))
	ctx := context.Background()
	stop := time.Now().Add(2 * time.Second)
	var (
		wg            sync.WaitGroup
		writes, reads atomic.Int64
		mu            sync.Mutex
		errs          []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for g := range 64 {
		wg.Go(func() {
			var mine []string
			for i := 0; time.Now().Before(stop); i++ {
				if g%2 == 0 || len(mine) == 0 {
					u := newUser(t, fmt.Sprint(g, "/", i))
					if err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, u) }); err != nil {
						fail(err)
						return
					}
					mine = append(mine, u.Token)
					writes.Add(1)
					continue
				}
				if _, err := db.UserByToken(ctx, mine[i%len(mine)]); err != nil {
					fail(err)
					return
				}
				if _, _, err := db.ListUsers(ctx, i, 10); err != nil {
					fail(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("stress: %v", err)
	}
	if _, total, err := db.ListUsers(ctx, 0, 1); err != nil || int64(total) != writes.Load() {
		t.Fatalf("total %d, %v; want %d acknowledged writes", total, err, writes.Load())
	}
	t.Logf("%d writes, %d reads", writes.Load(), reads.Load())
}

// TestSQLiteCloseDrainsQueuedWrites closes while writes are queued: every
// acknowledged write is on disk after reopening, and the late ones are
// refused as unavailable rather than lost silently.
func TestSQLiteCloseDrainsQueuedWrites(t *testing.T) {
	cfg := freshSQLite(t)
	db := open(t, cfg)
	ctx := context.Background()
	const n = 200
	var (
		wg      sync.WaitGroup
		results [n]error
		users   [n]*vault.UserRecord
	)
	for i := range n {
		users[i] = newUser(t, fmt.Sprint("d", i))
		wg.Go(func() {
			results[i] = db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, users[i]) })
		})
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	wg.Wait()
	db = open(t, cfg)
	for i, u := range users {
		_, err := db.UserByToken(ctx, u.Token)
		switch {
		case results[i] == nil && err != nil:
			t.Fatalf("acknowledged write %d lost: %v", i, err)
		case results[i] != nil:
			wantCode(t, results[i], vault.EUNAVAILABLE, "")
		}
	}
}

// TestSQLiteTwoInstancesShareAFile runs two DBs on one file, as two
// processes would: the busy timeout makes each wait for the other's
// commit instead of failing with "database is locked".
func TestSQLiteTwoInstancesShareAFile(t *testing.T) {
	cfg := freshSQLite(t)
	a, b := open(t, cfg), open(t, cfg)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Go(func() {
			u := newUser(t, fmt.Sprint("two", i))
			errs <- db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, u) })
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("update: %v", err)
		}
	}
	if _, total, err := b.ListUsers(ctx, 0, 1); err != nil || total != 200 {
		t.Fatalf("total %d, %v; want 200", total, err)
	}
}

// TestSQLiteLockedIsUnavailable holds the write lock from outside past the
// busy timeout: the Update fails with EUNAVAILABLE, not an internal error,
// and the writer recovers once the lock is gone.
func TestSQLiteLockedIsUnavailable(t *testing.T) {
	cfg := freshSQLite(t)
	cfg.BusyTimeout = 100 * time.Millisecond
	db := open(t, cfg)
	other, err := sql.Open("sqlite3", "file:"+cfg.DSN+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, newUser(t, "blocked")) })
	wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
	if !strings.Contains(err.Error(), "locked") && !strings.Contains(err.Error(), "busy") {
		t.Fatalf("cause lost: %v", err)
	}
	tx.Rollback()
	insert(t, db, newUser(t, "after"))
}

func TestSQLiteUpdateTimesOut(t *testing.T) {
	cfg := freshSQLite(t)
	cfg.QueryTimeout = 50 * time.Millisecond
	db := open(t, cfg)
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		// Occupies the writer until released.
		done <- db.Update(context.Background(), func(vault.Tx) error { close(started); <-release; return nil })
	}()
	<-started
	ran := atomic.Bool{}
	err := db.Update(context.Background(), func(vault.Tx) error { ran.Store(true); return nil })
	wantCode(t, err, vault.EUNAVAILABLE, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cause: %v, want the deadline", err)
	}
	close(release)
	<-done
	insert(t, db, newUser(t, "after"))
	if ran.Load() {
		t.Fatal("the abandoned op ran after its caller gave up")
	}
}

// TestSQLiteFullIsUnavailable caps the file at its current size, as a
// full disk would: writes fail with EUNAVAILABLE, concurrent writes in the
// same batch are answered (never hang), and the writer recovers.
func TestSQLiteFullIsUnavailable(t *testing.T) {
	db := open(t, freshSQLite(t))
	ctx := context.Background()
	setMaxPages := func(grow int) {
		t.Helper()
		if err := db.update(ctx, func(tx *txn) error {
			var n int
			if err := tx.run.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n); err != nil {
				return err
			}
			_, err := tx.run.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n+grow))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	setMaxPages(0)
	var wg sync.WaitGroup
	errs := make([]error, 32)
	for i := range errs {
		wg.Go(func() {
			u := newUser(t, fmt.Sprint("full", i))
			u.Profile = make([]byte, 64<<10)
			errs[i] = db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, u) })
		})
	}
	wg.Wait()
	for i, err := range errs {
		wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
		if i == 0 && !strings.Contains(err.Error(), "full") {
			t.Fatalf("cause lost: %v", err)
		}
	}
	setMaxPages(1 << 20)
	insert(t, db, newUser(t, "after"))
}
