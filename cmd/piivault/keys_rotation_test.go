package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dataKeyVersions reads every wrapped data key of a SQLite vault and counts
// them by the KEK version in their header.
func dataKeyVersions(t *testing.T, dir string) map[int64]int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath(dir)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[int64]int{}
	for _, table := range []string{"users", "sessions", "tokens"} {
		rows, err := db.Query("SELECT datakey FROM " + table + " WHERE datakey IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			out[kekVersion(b)]++
		}
		rows.Close()
	}
	return out
}

// TestRotationUnderLoad rotates 10,000 data keys while clients keep
// reading, changing and creating users: no request sees an error, and
// afterwards no data key is wrapped by the old version, which is retired.
func TestRotationUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 10,000 users")
	}
	dir := t.TempDir()
	key, root := newSecrets()
	s := start(t, sqliteEnv(dir, key, root, "PIIVAULT_KEYS_REFRESH_INTERVAL=500ms"), "serve")
	users := bulkUsers(t, s, root, 10000, 8)

	stop := make(chan struct{})
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				u := users[rand.IntN(len(users))]
				var r reply
				var err error
				switch i % 3 {
				case 0:
					r, err = s.send(http.MethodGet, "/v1/user/token/"+u, root, "")
				case 1:
					r, err = s.send(http.MethodPut, "/v1/user/token/"+u, root, fmt.Sprintf(`{"seen":%d}`, i))
				default:
					r, err = s.send(http.MethodPost, "/v1/user", root, fmt.Sprintf(`{"login":"load-%d-%d"}`, w, i))
				}
				if err == nil && r.status != http.StatusOK {
					err = fmt.Errorf("%d %s", r.status, r.body)
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ok.Add(1)
			}
		})
	}
	started := time.Now()
	if code, body := s.call(t, http.MethodPost, "/v1/sys/rotate-key", root, ""); code != http.StatusAccepted {
		t.Fatalf("rotate-key = %d %s", code, body)
	}
	// Watch the progress to time the re-wrap itself, without the wait for
	// other instances at the end of the job.
	var rewrapped time.Duration
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		k, _, err := keyStatus(s, root)
		if err != nil {
			t.Fatal(err)
		}
		if k.Rotation.Done >= 10000 && rewrapped == 0 {
			rewrapped = time.Since(started)
		}
		if k.Rotation.Status != "running" {
			break
		}
	}
	k := waitRotation(t, s, root, time.Minute)
	close(stop)
	wg.Wait()

	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed during the rotation; first: %v", n, n+ok.Load(), firstErr.Load())
	}
	if k.Rotation.Status != "done" || k.Rotation.Done < 10000 {
		t.Fatalf("rotation = %+v", *k.Rotation)
	}
	if st, n := k.versionStatus(1); st != "retired" || n != 0 {
		t.Errorf("version 1 is %s with %d data keys", st, n)
	}
	if v := dataKeyVersions(t, dir); v[1] != 0 || v[2] < 10000 {
		t.Errorf("data keys by version in the file: %v", v)
	}
	t.Logf("%d data keys re-wrapped in %s (%.0f/s) under %d concurrent requests (%.0f/s)",
		k.Rotation.Done, rewrapped.Round(time.Millisecond), float64(10000)/rewrapped.Seconds(),
		ok.Load(), float64(ok.Load())/time.Since(started).Seconds())
	if errs := s.logErrors(); len(errs) > 0 {
		t.Errorf("the server logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestKillDuringRewrap kills the server with SIGKILL at random points of
// the re-wrap, several times over two rotations, small batches making the
// job long enough to be hit: after each restart every record decrypts and
// the job finishes.
func TestKillDuringRewrap(t *testing.T) {
	dir := t.TempDir()
	key, root := newSecrets()
	env := sqliteEnv(dir, key, root, "PIIVAULT_KEYS_ROTATION_BATCH_SIZE=5", "PIIVAULT_KEYS_REFRESH_INTERVAL=200ms")
	s := start(t, env, "serve")
	users := bulkUsers(t, s, root, 3000, 8)

	killedMidJob := 0
	for rotation := int64(2); rotation <= 3; rotation++ {
		if code, body := s.call(t, http.MethodPost, "/v1/sys/rotate-key", root, ""); code != http.StatusAccepted {
			t.Fatalf("rotate-key = %d %s", code, body)
		}
		for range 3 {
			// Let the job get going, then kill at a random moment of it.
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if k, _, err := keyStatus(s, root); err == nil && k.Rotation.Done > 0 {
					break
				}
			}
			time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
			k, _, err := keyStatus(s, root)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			s.wait(t)
			if k.Rotation.Status == "running" {
				killedMidJob++
			}
			s = start(t, env, "serve")
			if code, body := s.call(t, http.MethodGet, "/v1/user/token/"+users[rand.IntN(len(users))], root, ""); code != 200 {
				t.Fatalf("after a kill at %d/%d: GET user = %d %s", k.Rotation.Done, k.Rotation.Total, code, body)
			}
		}
		k := waitRotation(t, s, root, 2*time.Minute)
		if k.Rotation.Status != "done" || k.Active != rotation {
			t.Fatalf("rotation to %d: %+v, active %d", rotation, *k.Rotation, k.Active)
		}
		if v := dataKeyVersions(t, dir); len(v) != 1 || v[rotation] != 3000 {
			t.Fatalf("after rotation to %d the data keys are wrapped by %v", rotation, v)
		}
	}
	if killedMidJob < 3 {
		t.Errorf("only %d of 6 kills hit a running job", killedMidJob)
	}
	t.Run("every record decrypts", func(t *testing.T) {
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for w := range errs {
			wg.Go(func() {
				for i := w; i < len(users); i += len(errs) {
					r, err := s.send(http.MethodGet, "/v1/user/token/"+users[i], root, "")
					if err == nil && (r.status != 200 || !strings.Contains(r.body, fmt.Sprintf(`"n":%d`, i))) {
						err = fmt.Errorf("user %d: %d %s", i, r.status, r.body)
					}
					if err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
