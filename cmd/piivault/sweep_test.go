package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"piivault/internal/envelope"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// stepClock is a vault.Clock that tests move by hand.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recordChan is a slog.Handler that hands every record to a channel.
type recordChan chan slog.Record

func (c recordChan) Enabled(context.Context, slog.Level) bool { return true }
func (c recordChan) Handle(_ context.Context, r slog.Record) error {
	c <- r.Clone()
	return nil
}
func (c recordChan) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c recordChan) WithGroup(string) slog.Handler      { return c }

// jobService is a Service over a fresh, migrated SQLite vault with a new
// master key, for the tests of the background jobs.
func jobService(t *testing.T, opts vault.Options) *vault.Service {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{DSN: filepath.Join(t.TempDir(), "vault.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	master, err := envelope.ParseMasterKey(envelope.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := envelope.Ensure(ctx, master, db, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return vault.NewService(db, keys, opts)
}

// TestSweepRunsAtStartAndStopsWithItsContext: the background sweep deletes
// expired sessions as soon as it starts (not only after the first interval),
// logs counts and nothing else, and ends when its context does.
func TestSweepRunsAtStartAndStopsWithItsContext(t *testing.T) {
	ctx := context.Background()
	clock := &stepClock{now: time.Unix(1_800_000_000, 0)}
	svc := jobService(t, vault.Options{Clock: clock})
	const id = "sweep-test-session-0001"
	if err := svc.PutSession(ctx, vault.Root, id, map[string]any{"secret": "sweep-canary", "expiration": "1s"}); err != nil {
		t.Fatal(err)
	}
	clock.add(2 * time.Second)

	records := make(recordChan, 16)
	s := &server{logger: slog.New(records)}
	sweepCtx, cancel := context.WithCancel(ctx)
	done := s.sweep(sweepCtx, svc, time.Hour)
	select {
	case r := <-records:
		got := map[string]any{}
		r.Attrs(func(a slog.Attr) bool { got[a.Key] = a.Value.Any(); return true })
		if r.Message != "expiry sweep" || got["sessions"] != int64(1) || got["tokens"] != int64(0) || got["agreements"] != int64(0) || len(got) != 3 {
			t.Fatalf("log record %q %v, want expiry sweep with sessions=1, tokens=0, agreements=0 only", r.Message, got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sweep did not run at start")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sweep did not stop with its context")
	}
	if _, err := svc.GetSession(ctx, vault.Root, id); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("swept session: %v", err)
	}
}
