package vault_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"piivault/internal/envelope"
	"piivault/internal/phone"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// instance is one piivault process's key machinery over a shared database.
type instance struct {
	path   string
	master []byte
	db     *sqlstore.DB
	keys   *envelope.Keyring
	km     *vault.KeyManager
	svc    *vault.Service
}

// testRefresh makes the job's grace period (two refreshes) short.
const testRefresh = 50 * time.Millisecond

// newInstance opens path (SQLite) with master, as serve does.
func newInstance(t testing.TB, path string, master []byte, opts vault.KeyManagerOptions) *instance {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{Driver: sqlstore.SQLite, DSN: path})
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
	if opts.Refresh == 0 {
		opts.Refresh = testRefresh
	}
	km := vault.NewKeyManager(db, keys, opts)
	svc := vault.NewService(db, keys, vault.Options{
		RootTokenHash: vault.HashToken("root"),
		Normalizer:    vault.Normalizer{Phone: phone.Normalizer("GB")},
		KeyManager:    km,
	})
	return &instance{path: path, master: master, db: db, keys: keys, km: km, svc: svc}
}

func newMasterKey(t testing.TB) []byte {
	t.Helper()
	m, err := envelope.ParseMasterKey(envelope.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// subjects creates n each of the four kinds of subject with a data key of
// its own: users, sessions bound to nobody, vault tokens, and agreements of
// email addresses no user holds. It returns the user and vault tokens.
func subjects(t testing.TB, svc *vault.Service, n int) (users, tokens []string) {
	t.Helper()
	ctx := context.Background()
	if err := svc.SaveLegalBasis(ctx, vault.Root, "newsletter", map[string]any{}); err != nil && vault.ErrorCode(err) != vault.ECONFLICT {
		t.Fatal(err)
	}
	for i := range n {
		id, err := svc.ParseIdentity("email", fmt.Sprintf("nobody%d-%p@example.com", i, svc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AcceptAgreement(ctx, vault.Root, "newsletter", id, map[string]any{}); err != nil {
			t.Fatal(err)
		}
		u, err := svc.CreateUser(ctx, vault.Root, map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "n": i})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
		if err := svc.PutSession(ctx, vault.Root, fmt.Sprintf("session-%016d", i), map[string]any{"n": i}); err != nil {
			t.Fatal(err)
		}
		tok, err := svc.CreateToken(ctx, vault.Root, map[string]any{"value": fmt.Sprintf("value-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok.Token)
	}
	return users, tokens
}

// runUntilDone ticks km until the latest job is no longer running.
func runUntilDone(t *testing.T, km *vault.KeyManager) *vault.KeyJob {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second) // a bound against a hang, not a speed assertion
	for time.Now().Before(deadline) {
		if !km.Tick(ctx) {
			st, err := km.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Rotation != nil && st.Rotation.Status != vault.JobRunning {
				return st.Rotation
			}
			time.Sleep(testRefresh / 2)
		}
	}
	t.Fatal("the key job did not finish")
	return nil
}

// wrappedVersions counts the stored data keys of every table by version.
func wrappedVersions(t *testing.T, db *sqlstore.DB, k *envelope.Keyring, versions ...int64) map[int64]int64 {
	t.Helper()
	out := map[int64]int64{}
	for _, table := range vault.DataKeyTables {
		counts, err := db.CountDataKeys(context.Background(), table, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range versions {
			out[v] += counts[string(k.WrappedKeyPrefix(v))]
		}
	}
	return out
}

// readAll reads every subject back through the service.
func readAll(t *testing.T, svc *vault.Service, users, tokens []string) {
	t.Helper()
	ctx := context.Background()
	for i, u := range users {
		id, _ := svc.ParseIdentity("token", u)
		if _, err := svc.GetUser(ctx, vault.Root, id); err != nil {
			t.Fatalf("user %d: %v", i, err)
		}
		if _, err := svc.GetSession(ctx, vault.Root, fmt.Sprintf("session-%016d", i)); err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if _, err := svc.GetToken(ctx, vault.Root, tokens[i]); err != nil {
			t.Fatalf("vault token %d: %v", i, err)
		}
	}
}

func TestRotation(t *testing.T) {
	ctx := context.Background()
	in := newInstance(t, filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t), vault.KeyManagerOptions{BatchSize: 7})
	users, tokens := subjects(t, in.svc, 20)

	job, err := in.svc.RotateKey(ctx, vault.Root)
	if err != nil {
		t.Fatal(err)
	}
	if job.From != 1 || job.To != 2 || job.Status != vault.JobRunning || job.Total != 80 {
		t.Fatalf("started job %+v, want 1 -> 2 running over 80 data keys", job)
	}
	t.Run("the new version is active for new writes at once", func(t *testing.T) {
		if in.keys.ActiveVersion() != 2 {
			t.Fatalf("ActiveVersion = %d", in.keys.ActiveVersion())
		}
	})
	t.Run("a second rotation while one runs is a conflict", func(t *testing.T) {
		_, err := in.svc.RotateKey(ctx, vault.Root)
		if !errors.Is(err, vault.ErrRotationInProgress) || vault.ErrorMessage(err) != "rotation in progress" {
			t.Fatalf("err = %v, want 409 rotation in progress", err)
		}
	})
	t.Run("only root may rotate or look", func(t *testing.T) {
		login := vault.Actor{Kind: vault.ActorLogin, UserToken: users[0]}
		if _, err := in.svc.RotateKey(ctx, login); vault.ErrorCode(err) != vault.EFORBIDDEN {
			t.Errorf("RotateKey by a login token: %v", err)
		}
		if _, err := in.svc.KeyStatus(ctx, login); vault.ErrorCode(err) != vault.EFORBIDDEN {
			t.Errorf("KeyStatus by a login token: %v", err)
		}
	})
	t.Run("both calls are audit events of root", func(t *testing.T) {
		events, _, err := in.svc.AuditEvents(ctx, vault.Root, vault.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			if e.Title == "rotate key" {
				got = append(got, e.Identity+" "+e.Status+" "+e.Msg)
			}
		}
		want := []string{"root error rotation in progress", "root ok "} // newest first
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("rotate key events = %q, want %q", got, want)
		}
	})
	done := runUntilDone(t, in.km)
	t.Run("the job re-wrapped every data key and finished", func(t *testing.T) {
		if done.Status != vault.JobDone || done.Done != 80 || done.Total != 80 || done.Finished == 0 {
			t.Fatalf("job = %+v", done)
		}
		if got := wrappedVersions(t, in.db, in.keys, 1, 2); got[1] != 0 || got[2] != 80 {
			t.Fatalf("data keys by version = %v, want all 80 under 2", got)
		}
	})
	t.Run("the old version is retired", func(t *testing.T) {
		st, err := in.svc.KeyStatus(ctx, vault.Root)
		if err != nil {
			t.Fatal(err)
		}
		if st.Active != 2 || len(st.Keys) != 2 || st.Keys[0].Status != vault.KEKRetired || st.Keys[1].Status != vault.KEKActive ||
			st.Keys[0].DataKeys != 0 || st.Keys[1].DataKeys != 80 {
			t.Fatalf("status = %+v", st)
		}
		keks, _ := in.db.KEKs(ctx)
		if keks[0].Status != vault.KEKRetired {
			t.Errorf("stored status of version 1 = %s", keks[0].Status)
		}
	})
	t.Run("every subject still reads, through a fresh keyring too", func(t *testing.T) {
		readAll(t, in.svc, users, tokens)
		readAll(t, newInstance(t, in.path, in.master, vault.KeyManagerOptions{}).svc, users, tokens)
	})
	t.Run("another rotation can start", func(t *testing.T) {
		if _, err := in.svc.RotateKey(ctx, vault.Root); err != nil {
			t.Fatal(err)
		}
		if got := runUntilDone(t, in.km); got.Status != vault.JobDone || got.To != 3 {
			t.Fatalf("job = %+v", got)
		}
	})
}

// TestRotationUnderLoad re-wraps while readers and writers keep going: none
// of them sees an error, and afterwards nothing is left under version 1.
func TestRotationUnderLoad(t *testing.T) {
	ctx := context.Background()
	in := newInstance(t, filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t), vault.KeyManagerOptions{BatchSize: 50})
	users, _ := subjects(t, in.svc, 300)

	stop := make(chan struct{})
	var ops atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				u := users[(w*97+i)%len(users)]
				id, _ := in.svc.ParseIdentity("token", u)
				var err error
				switch i % 3 {
				case 0:
					_, err = in.svc.GetUser(ctx, vault.Root, id)
				case 1:
					_, err = in.svc.UpdateUser(ctx, vault.Root, id, map[string]any{"seen": i})
				default:
					_, err = in.svc.CreateUser(ctx, vault.Root, map[string]any{"login": fmt.Sprintf("w%d-%d", w, i)})
				}
				if err != nil {
					errs <- err
					return
				}
				ops.Add(1)
			}
		})
	}
	if _, err := in.svc.RotateKey(ctx, vault.Root); err != nil {
		t.Fatal(err)
	}
	job := runUntilDone(t, in.km)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a request failed during the rotation: %v", err)
	}
	if job.Status != vault.JobDone {
		t.Fatalf("job = %+v", job)
	}
	if got := wrappedVersions(t, in.db, in.keys, 1); got[1] != 0 {
		t.Errorf("%d data keys left under version 1", got[1])
	}
	t.Logf("%d requests during a rotation of %d data keys", ops.Load(), job.Done)
}

// TestTwoInstances: a rotation started on A is used for new writes on B
// after B's next refresh, and a key re-wrapped by A opens on B before
// that, through the reload on an unknown version.
func TestTwoInstances(t *testing.T) {
	ctx := context.Background()
	path, master := filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t)
	a := newInstance(t, path, master, vault.KeyManagerOptions{})
	b := newInstance(t, path, master, vault.KeyManagerOptions{})
	b.keys.SetReloader(func() ([]vault.KEKRecord, error) { return b.db.KEKs(ctx) })
	users, tokens := subjects(t, a.svc, 5)
	readAll(t, b.svc, users, tokens) // B caches the version-1 keys

	if _, err := a.svc.RotateKey(ctx, vault.Root); err != nil {
		t.Fatal(err)
	}
	runUntilDone(t, a.km)
	t.Run("B reads keys re-wrapped under a version it has not loaded", func(t *testing.T) {
		if b.keys.ActiveVersion() != 1 {
			t.Fatalf("B already at %d", b.keys.ActiveVersion())
		}
		readAll(t, b.svc, users, tokens)
	})
	t.Run("after a refresh B wraps new data keys under version 2", func(t *testing.T) {
		if err := b.km.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		u, err := b.svc.CreateUser(ctx, vault.Root, map[string]any{"login": "on-b"})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := b.db.UserByToken(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := envelope.KEKVersionOf(rec.DataKey); v != 2 {
			t.Errorf("B wrapped a new data key under %d", v)
		}
	})
}

// TestLateWritesUnderTheOldVersion plays an instance that keeps writing
// under the old version after the pass went by: the job makes another
// pass instead of retiring a version that still wraps keys.
func TestLateWritesUnderTheOldVersion(t *testing.T) {
	ctx := context.Background()
	path, master := filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t)
	a := newInstance(t, path, master, vault.KeyManagerOptions{Refresh: time.Second})
	stale := newInstance(t, path, master, vault.KeyManagerOptions{})
	subjects(t, a.svc, 5)
	if _, err := a.svc.RotateKey(ctx, vault.Root); err != nil {
		t.Fatal(err)
	}
	a.km.Tick(ctx) // the first pass; the job now waits out the grace period
	late, err := stale.svc.CreateUser(ctx, vault.Root, map[string]any{"login": "late"})
	if err != nil {
		t.Fatal(err)
	}
	job := runUntilDone(t, a.km)
	if got := wrappedVersions(t, a.db, a.keys, 1, 2); got[1] != 0 {
		t.Fatalf("data keys by version = %v after the job", got)
	}
	if job.Done != 21 || job.Total != 21 {
		t.Errorf("job counted %d of %d, want 21 of 21", job.Done, job.Total)
	}
	id, _ := a.svc.ParseIdentity("token", late)
	if _, err := a.svc.GetUser(ctx, vault.Root, id); err != nil {
		t.Error(err)
	}
}

// TestAutomaticRotation: once the active version has wrapped
// RotateAfter data keys, counted across instances, a rotation starts.
func TestAutomaticRotation(t *testing.T) {
	ctx := context.Background()
	path, master := filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t)
	a := newInstance(t, path, master, vault.KeyManagerOptions{RotateAfter: 10})
	b := newInstance(t, path, master, vault.KeyManagerOptions{RotateAfter: 10})
	for i := range 6 {
		for _, in := range []*instance{a, b} {
			if _, err := in.svc.CreateUser(ctx, vault.Root, map[string]any{"login": fmt.Sprintf("%p-%d", in, i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	a.km.Tick(ctx) // 6 counted: under the limit
	if st, _ := a.km.Status(ctx); st.Rotation != nil {
		t.Fatalf("rotated at %d encryptions", st.Keys[0].Encryptions)
	}
	b.km.Tick(ctx) // 12 counted
	st, err := b.km.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rotation == nil || st.Active != 2 {
		t.Fatalf("no rotation at %d encryptions: %+v", st.Keys[0].Encryptions, st)
	}
	if st.Keys[0].Encryptions != 12 {
		t.Errorf("version 1 encryptions = %d, want 12", st.Keys[0].Encryptions)
	}
	job := runUntilDone(t, b.km)
	if job.Status != vault.JobDone {
		t.Fatalf("job = %+v", job)
	}
	t.Run("re-wraps count against the new version", func(t *testing.T) {
		b.km.Tick(ctx)
		st, _ := b.km.Status(ctx)
		if st.Keys[1].Encryptions != 12 {
			t.Errorf("version 2 encryptions = %d, want the 12 re-wraps", st.Keys[1].Encryptions)
		}
	})
}

// TestRotationFailsOnADamagedKey: a data key that does not open fails the
// job with a reason that names no subject, and frees the slot.
func TestRotationFailsOnADamagedKey(t *testing.T) {
	ctx := context.Background()
	in := newInstance(t, filepath.Join(t.TempDir(), "vault.db"), newMasterKey(t), vault.KeyManagerOptions{})
	users, _ := subjects(t, in.svc, 3)
	rec, err := in.db.UserByToken(ctx, users[1])
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte(nil), rec.DataKey...)
	damaged[len(damaged)-1] ^= 1
	job, err := in.svc.RotateKey(ctx, vault.Root)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.db.UpdateKeyJob(ctx, job.ID, func(tx vault.KeyJobTx, _ *vault.KeyJob) error {
		_, err := tx.ReplaceDataKey(ctx, "users", rec.Token, rec.DataKey, damaged)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got := runUntilDone(t, in.km)
	if got.Status != vault.JobFailed || got.Finished == 0 || !strings.Contains(got.Reason, "users") {
		t.Fatalf("job = %+v", got)
	}
	for _, u := range users {
		if strings.Contains(got.Reason, u) {
			t.Errorf("the reason names a user: %q", got.Reason)
		}
	}
	if _, err := in.svc.RotateKey(ctx, vault.Root); err != nil {
		t.Errorf("a new rotation after the failed one: %v", err)
	}
}
