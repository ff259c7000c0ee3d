package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"piivault/internal/vault"
)

// TestKeyJobConformance runs the key-rotation storage cases on every
// dialect.
func TestKeyJobConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			tests := []struct {
				name string
				run  func(t *testing.T, db *DB)
			}{
				// SQLite has no job lock to refuse with: its single writer
				// serialises the batches of every process.
				{"a started job is running, the new KEK active and the old one retiring", testStartKeyJob},
				{"a second start while one runs is refused and changes nothing", testStartKeyJobConflict},
				{"of concurrent starts exactly one wins", testStartKeyJobRace},
				{"a finished job frees the slot for the next", testFinishKeyJob},
				{"data keys are listed after the cursor, skipping the target version", testDataKeysAfter},
				{"a data key is replaced only while unchanged", testReplaceDataKey},
				{"data keys are counted by prefix in every table", testCountDataKeys},
				{lockedCase, testKeyJobLocked},
				{"encryption counts add up", testEncryptions},
				{"every listed table can be walked, counted and changed", testEveryDataKeyTable},
				{"the keyring meta is stored once and replaced by a rekey", testKeyringMeta},
			}
			for _, tc := range tests {
				if b.name == SQLite && tc.name == lockedCase {
					continue
				}
				t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t, b.fresh(t))) })
			}
		})
	}
}

const lockedCase = "a job locked by one caller is refused to another without waiting"

// kek returns a stored-form KEK record; the store never opens it.
func kek(version int64, status string) vault.KEKRecord {
	return vault.KEKRecord{Version: version, Wrapped: []byte(fmt.Sprintf("wrapped-kek-%d", version)), Status: status, Created: 1700000000}
}

func runningJob(from, to int64) *vault.KeyJob {
	return &vault.KeyJob{ID: vault.NewUUID(), From: from, To: to, Status: vault.JobRunning, Total: 3, Started: 1700000000}
}

// withV1 stores KEK version 1, active.
func withV1(t *testing.T, db *DB) {
	t.Helper()
	if err := db.InsertKEK(context.Background(), kek(1, vault.KEKActive)); err != nil {
		t.Fatal(err)
	}
}

func statuses(t *testing.T, db *DB) map[int64]string {
	t.Helper()
	keks, err := db.KEKs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64]string{}
	for _, k := range keks {
		m[k.Version] = k.Status
	}
	return m
}

func testStartKeyJob(t *testing.T, db *DB) {
	ctx := context.Background()
	if _, err := db.LatestKeyJob(ctx); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("LatestKeyJob before any job: %v, want ErrNotFound", err)
	}
	withV1(t, db)
	job := runningJob(1, 2)
	if err := db.StartKeyJob(ctx, kek(2, vault.KEKActive), job); err != nil {
		t.Fatal(err)
	}
	got, err := db.LatestKeyJob(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *job {
		t.Errorf("LatestKeyJob = %+v, want %+v", got, job)
	}
	if s := statuses(t, db); s[1] != vault.KEKRetiring || s[2] != vault.KEKActive {
		t.Errorf("statuses = %v", s)
	}
}

func testStartKeyJobConflict(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	if err := db.StartKeyJob(ctx, kek(2, vault.KEKActive), runningJob(1, 2)); err != nil {
		t.Fatal(err)
	}
	err := db.StartKeyJob(ctx, kek(3, vault.KEKActive), runningJob(2, 3))
	if !errors.Is(err, vault.ErrRotationInProgress) {
		t.Fatalf("err = %v, want ErrRotationInProgress", err)
	}
	if s := statuses(t, db); len(s) != 2 || s[2] != vault.KEKActive {
		t.Errorf("statuses after the refused start = %v", s)
	}
	t.Run("an existing version is refused too", func(t *testing.T) {
		db2 := db
		job, _ := db2.LatestKeyJob(ctx)
		finish(t, db2, job)
		if err := db2.StartKeyJob(ctx, kek(2, vault.KEKActive), runningJob(2, 2)); !errors.Is(err, vault.ErrRotationInProgress) {
			t.Fatalf("err = %v, want ErrRotationInProgress", err)
		}
		if j, _ := db2.LatestKeyJob(ctx); j.ID != job.ID {
			t.Error("the refused job was stored")
		}
	})
}

func testStartKeyJobRace(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = db.StartKeyJob(ctx, kek(int64(2+i), vault.KEKActive), runningJob(1, int64(2+i))) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, vault.ErrRotationInProgress):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d starts won, want 1", won)
	}
	if s := statuses(t, db); len(s) != 2 {
		t.Errorf("statuses = %v, want two versions", s)
	}
}

// finish marks job done through UpdateKeyJob.
func finish(t *testing.T, db *DB, job *vault.KeyJob) {
	t.Helper()
	err := db.UpdateKeyJob(context.Background(), job.ID, func(tx vault.KeyJobTx, j *vault.KeyJob) error {
		j.Status, j.Finished = vault.JobDone, 1700000100
		return tx.SaveKeyJob(context.Background(), j)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testFinishKeyJob(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	job := runningJob(1, 2)
	if err := db.StartKeyJob(ctx, kek(2, vault.KEKActive), job); err != nil {
		t.Fatal(err)
	}
	err := db.UpdateKeyJob(ctx, job.ID, func(tx vault.KeyJobTx, j *vault.KeyJob) error {
		if j.ID != job.ID || j.Status != vault.JobRunning {
			return fmt.Errorf("fn got %+v", j)
		}
		if err := tx.SetKEKStatus(ctx, 1, vault.KEKRetired); err != nil {
			return err
		}
		if err := tx.SetKEKStatus(ctx, 99, vault.KEKRetired); vault.ErrorCode(err) != vault.ENOTFOUND {
			return fmt.Errorf("SetKEKStatus of a missing version: %v", err)
		}
		j.Status, j.Done, j.Total, j.Table, j.Cursor, j.Finished = vault.JobDone, 3, 3, "tokens", "zz", 1700000100
		return tx.SaveKeyJob(ctx, j)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := db.LatestKeyJob(ctx)
	if got.Status != vault.JobDone || got.Done != 3 || got.Cursor != "zz" || got.Finished != 1700000100 {
		t.Errorf("saved job = %+v", got)
	}
	if s := statuses(t, db); s[1] != vault.KEKRetired {
		t.Errorf("statuses = %v", s)
	}
	next := runningJob(2, 3)
	if err := db.StartKeyJob(ctx, kek(3, vault.KEKActive), next); err != nil {
		t.Fatalf("a new job after the finished one: %v", err)
	}
	if got, _ := db.LatestKeyJob(ctx); got.ID != next.ID {
		t.Errorf("LatestKeyJob = %s, want the newer job", got.ID)
	}
	if err := db.UpdateKeyJob(ctx, vault.NewUUID(), func(vault.KeyJobTx, *vault.KeyJob) error { return nil }); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Errorf("UpdateKeyJob of a missing job: %v, want ErrNotFound", err)
	}
}

// keyedUsers stores users whose data keys begin with the given prefixes
// and returns their tokens in sorted order.
func keyedUsers(t *testing.T, db *DB, prefixes ...string) []*vault.UserRecord {
	t.Helper()
	var users []*vault.UserRecord
	for i, p := range prefixes {
		u := newUser(t, fmt.Sprintf("%s-%d", p, i))
		u.DataKey = []byte(p + fmt.Sprintf("-key-%d", i))
		users = append(users, u)
	}
	insert(t, db, users...)
	return users
}

func testDataKeysAfter(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	job := runningJob(1, 2)
	if err := db.StartKeyJob(ctx, kek(2, vault.KEKActive), job); err != nil {
		t.Fatal(err)
	}
	users := keyedUsers(t, db, "old", "new", "old", "old", "new")
	erased := newUser(t, "erased")
	insert(t, db, erased)
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, erased.Token, 1700000001) }); err != nil {
		t.Fatal(err)
	}
	var olds []string
	for _, u := range users {
		if string(u.DataKey[:3]) == "old" {
			olds = append(olds, u.Token)
		}
	}
	var first, rest []vault.WrappedKey
	err := db.UpdateKeyJob(ctx, job.ID, func(tx vault.KeyJobTx, j *vault.KeyJob) error {
		var err error
		if first, err = tx.DataKeysAfter(ctx, "users", "", []byte("new"), 2); err != nil {
			return err
		}
		if len(first) == 0 {
			return errors.New("no rows")
		}
		rest, err = tx.DataKeysAfter(ctx, "users", first[len(first)-1].Cursor, []byte("new"), 10)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range append(first, rest...) {
		if string(w.Wrapped[:3]) != "old" {
			t.Errorf("row with key %q listed", w.Wrapped)
		}
		got = append(got, w.Row)
	}
	if len(first) != 2 || fmt.Sprint(got) != fmt.Sprint(olds) {
		t.Errorf("listed %v (first batch %d), want %v in insertion order", got, len(first), olds)
	}
	t.Run("every table is walked from its start to its end", func(t *testing.T) {
		putSessions(t, db, newSession("s1", "", 1<<40, 1700000000), newSession("s2", "", 1<<40, 1700000000))
		insertTokens(t, db, newTokenRecord("t1", "", 0), newTokenRecord("t2", "", 0), newTokenRecord("t3", "", 0))
		for table, want := range map[string]int{"users": 3, "sessions": 2, "tokens": 3} {
			seen := map[string]bool{}
			after := ""
			for range 10 {
				var batch []vault.WrappedKey
				err := db.UpdateKeyJob(ctx, job.ID, func(tx vault.KeyJobTx, _ *vault.KeyJob) error {
					var err error
					batch, err = tx.DataKeysAfter(ctx, table, after, []byte("new"), 1)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(batch) == 0 {
					break
				}
				seen[batch[0].Row] = true
				after = batch[0].Cursor
			}
			if len(seen) != want {
				t.Errorf("%s: walked %d rows one at a time, want %d", table, len(seen), want)
			}
		}
	})
}

func testReplaceDataKey(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	job := runningJob(1, 2)
	if err := db.StartKeyJob(ctx, kek(2, vault.KEKActive), job); err != nil {
		t.Fatal(err)
	}
	users := keyedUsers(t, db, "old")
	s := newSession("s1", "", 1<<40, 1700000000)
	putSessions(t, db, s)
	tok := newTokenRecord("t1", "", 0)
	insertTokens(t, db, tok)
	cases := []struct {
		table, row string
		old        []byte
	}{
		{"users", users[0].Token, users[0].DataKey},
		{"sessions", s.Key, s.DataKey},
		{"tokens", tok.Key, tok.DataKey},
	}
	for _, c := range cases {
		var stale, fresh bool
		err := db.UpdateKeyJob(ctx, job.ID, func(tx vault.KeyJobTx, _ *vault.KeyJob) error {
			var err error
			if stale, err = tx.ReplaceDataKey(ctx, c.table, c.row, []byte("not-what-is-stored"), []byte("x")); err != nil {
				return err
			}
			fresh, err = tx.ReplaceDataKey(ctx, c.table, c.row, c.old, []byte("new-"+c.table))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if stale || !fresh {
			t.Errorf("%s: replaced a changed key: %v; replaced an unchanged one: %v", c.table, stale, fresh)
		}
	}
	if u, _ := db.UserByToken(ctx, users[0].Token); string(u.DataKey) != "new-users" || string(u.Profile) != string(users[0].Profile) {
		t.Errorf("user after replace: key %q", u.DataKey)
	}
	if got := getSession(t, db, s.Key); string(got.DataKey) != "new-sessions" || string(got.Data) != string(s.Data) {
		t.Errorf("session after replace: key %q", got.DataKey)
	}
	if got, _ := db.TokenByKey(ctx, tok.Key); string(got.DataKey) != "new-tokens" {
		t.Errorf("token after replace: key %q", got.DataKey)
	}
}

func testCountDataKeys(t *testing.T, db *DB) {
	ctx := context.Background()
	keyedUsers(t, db, "aaa", "aaa", "bbb")
	erased := newUser(t, "erased")
	insert(t, db, erased)
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, erased.Token, 1700000001) }); err != nil {
		t.Fatal(err)
	}
	putSessions(t, db, newSession("s1", "", 1<<40, 1700000000))
	insertTokens(t, db, newTokenRecord("t1", "", 0), newTokenRecord("t2", "", 0))
	want := map[string]map[string]int64{
		"users":    {"aaa": 2, "bbb": 1},
		"sessions": {"wra": 1},
		"tokens":   {"wra": 2},
	}
	for table, w := range want {
		got, err := db.CountDataKeys(ctx, table, 3)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: %v, want %v", table, got, w)
		}
	}
	if _, err := db.CountDataKeys(ctx, "keks", 3); err == nil {
		t.Error("an unlisted table was counted")
	}
}

func testKeyJobLocked(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	job := runningJob(1, 2)
	if err := db.StartKeyJob(ctx, kek(2, vault.KEKActive), job); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.UpdateKeyJob(ctx, job.ID, func(vault.KeyJobTx, *vault.KeyJob) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	start := time.Now()
	err := db.UpdateKeyJob(ctx, job.ID, func(vault.KeyJobTx, *vault.KeyJob) error { return errors.New("ran while locked") })
	waited := time.Since(start)
	close(release)
	if !errors.Is(err, vault.ErrJobLocked) {
		t.Fatalf("err = %v, want ErrJobLocked", err)
	}
	// Not a speed assertion: the lock wait timeout is 5s, so this only
	// tells "did not wait for the lock" from "waited and timed out".
	if waited > 4*time.Second {
		t.Errorf("the refused caller waited %s", waited)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func testEncryptions(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	if err := db.InsertKEK(ctx, kek(2, vault.KEKActive)); err != nil {
		t.Fatal(err)
	}
	for _, add := range []map[int64]int64{{1: 5}, {1: 2, 2: 7}, {2: 0}} {
		if err := db.AddEncryptions(ctx, add); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Encryptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got[1] != 7 || got[2] != 7 {
		t.Errorf("Encryptions = %v, want map[1:7 2:7]", got)
	}
}

func testKeyringMeta(t *testing.T, db *DB) {
	ctx := context.Background()
	if m, err := db.KeyringMeta(ctx); err != nil || m.Check != nil || m.Root != nil {
		t.Fatalf("KeyringMeta before init = %+v, %v", m, err)
	}
	if err := db.InitKeyringMeta(ctx, vault.KeyringMeta{Check: []byte("check-1")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.InitKeyringMeta(ctx, vault.KeyringMeta{Check: []byte("check-2")}), vault.ECONFLICT, "")
	if m, _ := db.KeyringMeta(ctx); string(m.Check) != "check-1" || m.Root != nil {
		t.Fatalf("KeyringMeta = %+v", m)
	}
	withV1(t, db)
	old, _ := db.KEKs(ctx)
	next := []vault.KEKRecord{old[0]}
	next[0].Wrapped = []byte("rewrapped")
	if err := db.Rekey(ctx, old, next, vault.KeyringMeta{Check: []byte("check-3"), Root: []byte("root")}); err != nil {
		t.Fatal(err)
	}
	if m, _ := db.KeyringMeta(ctx); string(m.Check) != "check-3" || string(m.Root) != "root" {
		t.Errorf("KeyringMeta after rekey = %+v", m)
	}
	if k, _ := db.KEKs(ctx); string(k[0].Wrapped) != "rewrapped" {
		t.Errorf("KEK after rekey = %q", k[0].Wrapped)
	}
	wantCode(t, db.Rekey(ctx, old, next, vault.KeyringMeta{Check: []byte("check-4")}), vault.ECONFLICT, "")
	if m, _ := db.KeyringMeta(ctx); string(m.Check) != "check-3" {
		t.Errorf("a refused rekey changed the meta: %+v", m)
	}
}

// testEveryDataKeyTable runs each re-wrap query on every table the
// rotation lists, so that a list entry that does not match its table's
// schema in some dialect fails here rather than in a rotation.
func testEveryDataKeyTable(t *testing.T, db *DB) {
	ctx := context.Background()
	withV1(t, db)
	job := runningJob(1, 2)
	if err := db.StartKeyJob(ctx, kek(2, vault.KEKActive), job); err != nil {
		t.Fatal(err)
	}
	for _, table := range vault.DataKeyTables {
		if _, ok := dataKeyTables[table]; !ok {
			t.Errorf("vault rotates %s, which sqlstore does not list", table)
		}
	}
	for table := range dataKeyTables {
		if _, err := db.CountDataKeys(ctx, table, 5); err != nil {
			t.Errorf("%s: count: %v", table, err)
		}
		err := db.UpdateKeyJob(ctx, job.ID, func(tx vault.KeyJobTx, _ *vault.KeyJob) error {
			if _, err := tx.DataKeysAfter(ctx, table, "", []byte("new"), 10); err != nil {
				return err
			}
			_, err := tx.ReplaceDataKey(ctx, table, "no-such-row", []byte("a"), []byte("b"))
			return err
		})
		if err != nil {
			t.Errorf("%s: %v", table, err)
		}
	}
}
