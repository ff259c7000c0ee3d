// Package ratelimit counts events per key in sliding windows, in memory, for
// the per-process rate limits of api.md §1.12.
//
// Each key keeps the times of its last Count events in a ring, so a limit
// is exact ("at most Count events in any Window"), with no burst at window
// edges, and costs Count×8 bytes per active key. The number of keys is
// bounded: expired keys are dropped, and when the table is full of live
// keys the least recently active of a small random sample is evicted, so
// memory stays bounded whatever the traffic.
package ratelimit

import (
	"sync"
	"sync/atomic"
	"time"
)

// Limit allows Count events per Window for each key; Count 0 turns it off.
type Limit struct {
	Count  int
	Window time.Duration
}

// Limiter enforces one Limit per key. It is safe for concurrent use. A nil
// *Limiter is a limit that is off: it allows everything and records nothing.
type Limiter struct {
	count   int
	window  time.Duration
	now     func() time.Time
	epoch   time.Time
	maxKeys int

	mu        sync.Mutex
	keys      map[string]*ring
	nextSweep time.Duration

	rejected atomic.Int64
}

// memoryBudget bounds the event times one Limiter keeps; maxKeys follows
// from it and the Count of the limit.
const memoryBudget = 8 << 20

// evictSample is how many random keys a full table looks at to evict one.
const evictSample = 8

// New returns a Limiter for l, or nil when l is off (Count <= 0 or no
// Window). now is the clock; nil means time.Now.
func New(l Limit, now func() time.Time) *Limiter {
	if l.Count <= 0 || l.Window <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	perKey := l.Count*8 + 96 // the times plus the map entry and ring header
	return &Limiter{
		count:   l.Count,
		window:  l.Window,
		now:     now,
		epoch:   now(),
		maxKeys: max(1024, memoryBudget/perKey),
		keys:    make(map[string]*ring),
	}
}

// ring holds the times of a key's most recent events, oldest at next once full.
type ring struct {
	at   []time.Duration // since the Limiter's epoch
	next int
	full bool
}

func (r *ring) oldest() time.Duration {
	if r.full {
		return r.at[r.next]
	}
	return r.at[0]
}

func (r *ring) newest() time.Duration {
	return r.at[(r.next+len(r.at)-1)%len(r.at)]
}

func (r *ring) add(t time.Duration) {
	r.at[r.next] = t
	r.next++
	if r.next == len(r.at) {
		r.next, r.full = 0, true
	}
}

// Allow records an event for key and reports true, unless key already had
// Count events within the last Window: then it records nothing and reports
// false with the time until the oldest of them leaves the window.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.since()
	r := l.keys[key]
	if r != nil && r.full {
		if wait := r.oldest() + l.window - now; wait > 0 {
			l.rejected.Add(1)
			return false, wait
		}
	}
	l.record(key, r, now)
	return true, 0
}

// Record records an event for key whatever the count, keeping the last
// Count of them: for counting outcomes (such as failed authentications)
// that Blocked then judges.
func (l *Limiter) Record(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.record(key, l.keys[key], l.since())
}

// Blocked reports whether key has had Count events within the last Window,
// and if so how long until the oldest of them leaves it. It records no
// event; a true answer counts as a rejection (Rejected), so call it only
// for a request that the block would refuse.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	if l == nil {
		return false, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.keys[key]
	if r == nil || !r.full {
		return false, 0
	}
	if wait := r.oldest() + l.window - l.since(); wait > 0 {
		l.rejected.Add(1)
		return true, wait
	}
	return false, 0
}

// Rejected returns how many times Allow refused or Blocked blocked, for metrics.
func (l *Limiter) Rejected() int64 {
	if l == nil {
		return 0
	}
	return l.rejected.Load()
}

// Len returns the number of keys held, for tests of the memory bound.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

func (l *Limiter) since() time.Duration { return l.now().Sub(l.epoch) }

// record adds an event at now to key's ring r (nil: a new key), making room
// in the table first when needed.
func (l *Limiter) record(key string, r *ring, now time.Duration) {
	if r == nil {
		if now >= l.nextSweep {
			l.sweep(now)
		}
		// Sampled eviction prefers expired keys too, since theirs are the
		// oldest events, so a full table needs no extra sweep.
		for len(l.keys) >= l.maxKeys {
			l.evict()
		}
		r = &ring{at: make([]time.Duration, l.count)}
		l.keys[key] = r
	}
	r.add(now)
}

// sweep drops the keys with no event inside the window. Sweeping at most
// once per window keeps its cost per event constant.
func (l *Limiter) sweep(now time.Duration) {
	for k, r := range l.keys {
		if r.newest()+l.window <= now {
			delete(l.keys, k)
		}
	}
	l.nextSweep = now + l.window
}

// evict drops the least recently active of a few keys that map iteration
// picks at random. Only a table full of live keys gets here: one key then
// loses its history, rather than every new client being refused.
func (l *Limiter) evict() {
	var (
		victim string
		last   time.Duration
		seen   int
	)
	for k, r := range l.keys {
		if t := r.newest(); seen == 0 || t < last {
			victim, last = k, t
		}
		if seen++; seen == evictSample {
			break
		}
	}
	delete(l.keys, victim)
}
