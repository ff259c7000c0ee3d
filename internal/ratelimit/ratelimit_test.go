package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Unix(1_800_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// step is one call of a scenario: wait, then Allow, and what it must answer.
type step struct {
	after time.Duration
	key   string
	ok    bool
	wait  time.Duration // for a refusal
}

func TestAllowIsASlidingWindow(t *testing.T) {
	tests := []struct {
		name  string
		limit Limit
		steps []step
	}{
		{"count requests pass, the next waits for the first to leave the window",
			Limit{3, 15 * time.Minute}, []step{
				{0, "a", true, 0}, {0, "a", true, 0}, {0, "a", true, 0},
				{0, "a", false, 15 * time.Minute},
				{5 * time.Minute, "a", false, 10 * time.Minute},
				{10 * time.Minute, "a", true, 0},
			}},
		{"the window slides: events leave one by one, no burst at an edge",
			Limit{3, 15 * time.Second}, []step{
				{0, "a", true, 0}, {5 * time.Second, "a", true, 0}, {5 * time.Second, "a", true, 0},
				{5 * time.Second, "a", true, 0}, // the first left at 15 s
				{time.Second, "a", false, 4 * time.Second},
				{4 * time.Second, "a", true, 0},
				{0, "a", false, 5 * time.Second},
			}},
		{"keys are counted apart", Limit{1, time.Minute}, []step{
			{0, "a", true, 0}, {0, "b", true, 0}, {0, "a", false, time.Minute}, {0, "c", true, 0},
		}},
		{"refused requests do not count", Limit{2, 10 * time.Second}, []step{
			{0, "a", true, 0}, {0, "a", true, 0},
			{time.Second, "a", false, 9 * time.Second}, {time.Second, "a", false, 8 * time.Second},
			{8 * time.Second, "a", true, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			l := New(tc.limit, c.Now)
			refused := 0
			for i, s := range tc.steps {
				c.advance(s.after)
				ok, wait := l.Allow(s.key)
				if ok != s.ok || wait != s.wait {
					t.Fatalf("step %d (%s): Allow = %v, %v; want %v, %v", i, s.key, ok, wait, s.ok, s.wait)
				}
				if !ok {
					refused++
				}
			}
			if got := l.Rejected(); got != int64(refused) {
				t.Errorf("Rejected() = %d, want %d", got, refused)
			}
		})
	}
}

func TestOffLimitsAllowEverything(t *testing.T) {
	for _, lim := range []Limit{{0, time.Minute}, {5, 0}, {-1, time.Minute}} {
		l := New(lim, nil)
		if l != nil {
			t.Fatalf("New(%+v) = %v, want nil (off)", lim, l)
		}
		for range 100 {
			if ok, _ := l.Allow("a"); !ok {
				t.Fatalf("an off limit refused")
			}
		}
		l.Record("a")
		if b, _ := l.Blocked("a"); b || l.Rejected() != 0 || l.Len() != 0 {
			t.Fatalf("an off limit blocks or counts")
		}
	}
}

func TestRecordAndBlocked(t *testing.T) {
	c := newClock()
	l := New(Limit{3, time.Minute}, c.Now)
	for i := range 2 {
		l.Record("ip")
		c.advance(10 * time.Second)
		if b, _ := l.Blocked("ip"); b {
			t.Fatalf("blocked after %d events of 3", i+1)
		}
	}
	l.Record("ip") // at 20 s: three within the minute
	if b, wait := l.Blocked("ip"); !b || wait != 40*time.Second {
		t.Fatalf("Blocked = %v, %v; want true, 40s (until the first leaves)", b, wait)
	}
	l.Record("ip") // recording past the limit keeps the latest three: 10 s, 20 s, 20 s
	c.advance(41 * time.Second)
	if b, wait := l.Blocked("ip"); !b || wait != 9*time.Second {
		t.Fatalf("Blocked = %v, %v; want true, 9s", b, wait)
	}
	c.advance(9 * time.Second)
	if b, _ := l.Blocked("ip"); b {
		t.Fatal("still blocked after the window")
	}
	if b, _ := l.Blocked("other"); b {
		t.Fatal("an unseen key is blocked")
	}
}

func TestMemoryIsBounded(t *testing.T) {
	c := newClock()
	l := New(Limit{1, time.Hour}, c.Now)
	for i := range l.maxKeys + 500 {
		if ok, _ := l.Allow(fmt.Sprint("key-", i)); !ok {
			t.Fatalf("a new key was refused at %d: a full table must evict, not refuse", i)
		}
	}
	if n := l.Len(); n > l.maxKeys {
		t.Fatalf("%d keys held, bound %d", n, l.maxKeys)
	}
	c.advance(time.Hour)
	l.Allow("fresh")
	if n := l.Len(); n != 1 {
		t.Fatalf("%d keys held after every other expired, want 1", n)
	}
}

func TestEvictionSparesRecentKeys(t *testing.T) {
	c := newClock()
	l := New(Limit{1, time.Hour}, c.Now)
	for i := range l.maxKeys - 1 {
		l.Allow(fmt.Sprint("old-", i))
	}
	c.advance(time.Minute)
	l.Allow("recent")
	// Filling up evicts from samples of 8: with one recent key among
	// tens of thousands it survives a few hundred evictions.
	for i := range 300 {
		l.Allow(fmt.Sprint("new-", i))
	}
	if ok, _ := l.Allow("recent"); ok {
		t.Fatal("the recent key lost its history")
	}
}

func TestConcurrentUse(t *testing.T) {
	l := New(Limit{100, time.Hour}, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if ok, _ := l.Allow("shared"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
				l.Record(fmt.Sprint("k", g, i))
				l.Blocked("shared")
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Fatalf("%d of 400 concurrent requests allowed, want exactly 100", allowed)
	}
}

func BenchmarkAllow(b *testing.B) {
	l := New(Limit{10, time.Minute}, nil)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("203.0.113.", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(keys[i%len(keys)])
		i++
	}
}
