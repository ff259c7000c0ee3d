package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Bounds of the multi-instance test; none is an assertion on speed.
const (
	writersPerInstance = 4
	writePhase         = 3 * time.Second
	sweepTimeout       = 15 * time.Second
)

// TestInstancesShareOneDatabase runs two `piivault serve` processes on one
// fresh PostgreSQL (and MariaDB) database, started at the same moment so
// that their migrations and first keyring write race, and proves that
// what one writes the other reads, that both sweepers run without errors,
// and that concurrent writers on both get no 5xx and lose no update.
func TestInstancesShareOneDatabase(t *testing.T) {
	for _, driver := range serverDBs {
		t.Run("on "+driver, func(t *testing.T) {
			t.Parallel()
			db := freshDB(t, driver)
			key, root := newSecrets()
			// One data directory for both, so they share the erasure ledger
			// as instances on one host would.
			env := serveEnv(db, key, root, "PIIVAULT_JOBS_INTERVAL_SECONDS=1", "PIIVAULT_LOG_LEVEL=debug",
				"PIIVAULT_SERVER_DATA_DIR="+t.TempDir())
			a := launch(t, "http", http.DefaultClient, env, "serve")
			b := launch(t, "http", http.DefaultClient, env, "serve")
			a.waitReady(t, "serve")
			b.waitReady(t, "serve")

			t.Run("a user created through A is read, updated and erased through B", func(t *testing.T) {
				testUserAcrossInstances(t, a, b, root)
			})
			t.Run("a session written on A is read on B, and replaced on B is read on A", func(t *testing.T) {
				testSessionAcrossInstances(t, a, b, root)
			})
			t.Run("both sweepers delete expired sessions without errors", func(t *testing.T) {
				testSweepOnBoth(t, a, b, db, root)
			})
			t.Run("concurrent writers on both get no 5xx and lose no update", func(t *testing.T) {
				testConcurrentWriters(t, a, b, root)
			})
			for name, s := range map[string]*child{"A": a, "B": b} {
				if errs := s.logErrors(); len(errs) > 0 {
					t.Errorf("instance %s logged errors:\n%s", name, strings.Join(errs, "\n"))
				}
				if code := s.stop(t); code != 0 {
					t.Errorf("instance %s: exit %d after SIGTERM:\n%s", name, code, s.output)
				}
			}
		})
	}
}

func testUserAcrossInstances(t *testing.T, a, b *child, root string) {
	user := a.createUser(t, root, `{"login":"multi","email":"multi@example.com"}`)
	got := b.expect(t, 200, http.MethodGet, "/v1/user/email/multi@example.com", root, "")
	if got["token"] != user {
		t.Fatalf("B found token %v by email, want %s", got["token"], user)
	}
	b.expect(t, 200, http.MethodPut, "/v1/user/token/"+user, root, `{"name":"Changed on B"}`)
	got = a.expect(t, 200, http.MethodGet, "/v1/user/token/"+user, root, "")
	if data, _ := got["data"].(map[string]any); data["name"] != "Changed on B" || data["login"] != "multi" {
		t.Fatalf("A reads %v after B's update", got["data"])
	}
	b.expect(t, 200, http.MethodDelete, "/v1/user/token/"+user, root, "")
	for name, s := range map[string]*child{"A": a, "B": b} {
		for _, path := range []string{"/v1/user/token/" + user, "/v1/user/login/multi", "/v1/user/email/multi@example.com"} {
			if code, body := s.call(t, http.MethodGet, path, root, ""); code != 404 {
				t.Errorf("after the erasure %s answers GET %s with %d %s, want 404", name, path, code, body)
			}
		}
	}
}

func testSessionAcrossInstances(t *testing.T, a, b *child, root string) {
	const id = "multi-instance-session-1"
	a.expect(t, 200, http.MethodPost, "/v1/session/"+id, root, `{"cart":[1,2],"by":"A"}`)
	got := b.expect(t, 200, http.MethodGet, "/v1/session/"+id, root, "")
	if data, _ := got["data"].(map[string]any); data["by"] != "A" {
		t.Fatalf("B reads session data %v, want A's", got["data"])
	}
	b.expect(t, 200, http.MethodPost, "/v1/session/"+id, root, `{"by":"B"}`)
	got = a.expect(t, 200, http.MethodGet, "/v1/session/"+id, root, "")
	if data, _ := got["data"].(map[string]any); data["by"] != "B" || data["cart"] != nil {
		t.Fatalf("A reads session data %v after B replaced it", got["data"])
	}
}

// testSweepOnBoth writes sessions that expire after a second through both
// instances, checks that neither serves them once expired, and waits until
// the rows are gone from the database: with jobs.interval_seconds=1 both
// sweepers run every second over the same rows.
func testSweepOnBoth(t *testing.T, a, b *child, db *testDB, root string) {
	const n = 40
	count := func() (rows int) {
		t.Helper()
		if err := db.sql.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := count()
	for i := range n {
		s := []*child{a, b}[i%2]
		s.expect(t, 200, http.MethodPost, fmt.Sprintf("/v1/session/expiring-session-%04d", i), root, `{"expiration":"1s"}`)
	}
	// A session that outlives the test tells a sweep from a wipe.
	a.expect(t, 200, http.MethodPost, "/v1/session/long-lived-session-0001", root, `{"expiration":"1h"}`)

	deadline := time.Now().Add(sweepTimeout)
	left := count() - before
	for ; left != 1 && time.Now().Before(deadline); left = count() - before {
		time.Sleep(200 * time.Millisecond)
	}
	if left != 1 {
		t.Errorf("%d new sessions left after %s, want only the long-lived one: the sweepers did not delete the expired ones", left, sweepTimeout)
	}
	for i := range n {
		path := fmt.Sprintf("/v1/session/expiring-session-%04d", i)
		for name, s := range map[string]*child{"A": a, "B": b} {
			if code, body := s.call(t, http.MethodGet, path, root, ""); code != 404 {
				t.Errorf("%s serves expired %s: %d %s", name, path, code, body)
			}
		}
	}
	b.expect(t, 200, http.MethodGet, "/v1/session/long-lived-session-0001", root, "")
}

// testConcurrentWriters runs writers on both instances for a few seconds:
// each creates users, writes a shared session id, and adds its own keys to
// one shared profile. No answer may be a 5xx, and the shared profile must
// end with every key written (concurrent PUTs are serialised, none lost).
func testConcurrentWriters(t *testing.T, a, b *child, root string) {
	shared := a.createUser(t, root, `{"login":"shared"}`)
	ctx, cancel := context.WithTimeout(context.Background(), writePhase)
	defer cancel()

	var (
		mu       sync.Mutex
		problems []string
		written  = map[string]bool{} // profile keys acknowledged with 200
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	var wg sync.WaitGroup
	for w := range 2 * writersPerInstance {
		s, name := a, "A"
		if w%2 == 1 {
			s, name = b, "B"
		}
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				field := fmt.Sprintf("w%d_%d", w, i)
				for _, r := range []struct{ method, path, body string }{
					{http.MethodPost, "/v1/user", fmt.Sprintf(`{"login":"writer-%s","email":"%s@example.com"}`, field, field)},
					{http.MethodPost, "/v1/session/shared-session-id-0001", fmt.Sprintf(`{"by":%q}`, field)},
					{http.MethodPut, "/v1/user/token/" + shared, fmt.Sprintf(`{%q:%d}`, field, i)},
				} {
					got, err := s.send(r.method, r.path, root, r.body)
					switch {
					case err != nil:
						report("%s %s on %s: %v", r.method, r.path, name, err)
						return
					case got.status != 200:
						report("%s %s on %s = %d %s", r.method, r.path, name, got.status, got.body)
					case r.method == http.MethodPut:
						mu.Lock()
						written[field] = true
						mu.Unlock()
					}
				}
			}
		})
	}
	wg.Wait()
	if len(problems) > 0 {
		t.Fatalf("writers on both instances got:\n%s", strings.Join(problems, "\n"))
	}
	got := b.expect(t, 200, http.MethodGet, "/v1/user/token/"+shared, root, "")
	data, _ := got["data"].(map[string]any)
	var lost []string
	for field := range written {
		if _, ok := data[field]; !ok {
			lost = append(lost, field)
		}
	}
	if len(lost) > 0 || len(written) < 2*writersPerInstance {
		raw, _ := json.Marshal(data)
		t.Errorf("%d of %d acknowledged updates lost (%v); profile has %d bytes", len(lost), len(written), lost, len(raw))
	}
	t.Logf("%d updates of one profile from %d writers on two instances, none lost", len(written), 2*writersPerInstance)
}
