package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds on a scenario beyond its duration.
const (
	// grace is how long requests in flight at the deadline may still take; after it they are
	// cancelled and count as transport errors, so a stalled server cannot stall the run.
	grace = 10 * time.Second
	// setupTimeout bounds the records created before one scenario.
	setupTimeout = 2 * time.Minute
)

// scenarioRun is one scenario over every round: its plan, made before its first round, and the
// workers and measured time of each round, merged into one result at the end.
type scenarioRun struct {
	name     string
	plan     *plan // nil until prepared
	setupErr string
	ws       []*worker
	elapsed  time.Duration
	rss      *rssRange
}

// round prepares the scenario on its first call, then warms up and measures one round of it.
// label names the round in the progress line.
func (b *bench) round(s *scenarioRun, label string) {
	if s.setupErr != "" {
		return
	}
	if s.plan == nil {
		ctx, cancel := context.WithTimeout(b.stop, setupTimeout)
		p, err := b.prepare(ctx, s.name)
		cancel()
		if err != nil {
			s.setupErr = err.Error()
			return
		}
		s.plan = &p
	}
	if b.cfg.warmup > 0 {
		b.load(label+" (warmup)", *s.plan, b.cfg.warmup, 0)
	}
	stopRSS := watchRSS(b.cfg.pid)
	ws, elapsed := b.load(label, *s.plan, b.cfg.duration, b.cfg.requests)
	s.ws, s.elapsed = append(s.ws, ws...), s.elapsed+elapsed
	s.rss = s.rss.extend(stopRSS())
}

// result merges every round of the scenario.
func (s *scenarioRun) result() result {
	if s.setupErr != "" {
		return result{Name: s.name, SetupError: s.setupErr}
	}
	res := summarize(s.name, s.ws, s.elapsed)
	res.RSS = s.rss
	return res
}

// worker sends one request at a time and keeps its own counts; the progress line reads only
// the two atomics. A worker is large (its histogram), which also keeps workers' atomics on
// different cache lines.
type worker struct {
	b          *bench
	rng        *rand.Rand
	buf        bytes.Buffer
	hist       histogram   // latency of every answered request
	status     [1000]int64 // answers by HTTP status
	transport  int64       // requests that got no complete answer
	locked     int64       // non-2xx answers whose body mentions "locked"
	mismatches int64       // reads that missed the last acknowledged write (mixed)
	firstErr   string      // the first transport error, for the report
	sent       atomic.Int64
	failed     atomic.Int64
}

// load runs --c workers of plan p until d has passed or limit requests (0: no cap) have been
// sent, then waits for the requests in flight. It returns the workers and the time taken.
func (b *bench) load(label string, p plan, d time.Duration, limit int64) ([]*worker, time.Duration) {
	ws := make([]*worker, b.cfg.conc)
	for i := range ws {
		ws[i] = &worker{b: b, rng: rand.New(rand.NewPCG(b.seed, uint64(i)))}
	}
	ctx, cancel := context.WithTimeout(b.stop, d+grace)
	defer cancel()
	start := time.Now()
	end := start.Add(d)
	stopProgress := b.progress(label, ws, start)
	var issued atomic.Int64
	var wg sync.WaitGroup
	for _, w := range ws {
		o := p.newOp()
		wg.Go(func() {
			for time.Now().Before(end) && b.stop.Err() == nil {
				if limit > 0 && issued.Add(1) > limit {
					return
				}
				o(ctx, w)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	return ws, elapsed
}

// send makes one request and counts its outcome. It returns the status (0 when no answer came)
// and the body, valid until the worker's next request.
func (w *worker) send(ctx context.Context, method, target string, body []byte) (int, []byte) {
	start := time.Now()
	status, resp, err := w.b.do(ctx, method, target, body, &w.buf)
	if err != nil {
		if w.b.stop.Err() != nil {
			return 0, nil // the operator interrupted the run: not the server's fault
		}
		w.transport++
		if w.firstErr == "" {
			w.firstErr = method + ": " + err.Error()
		}
		w.failed.Add(1)
		w.sent.Add(1)
		return 0, nil
	}
	w.hist.record(time.Since(start))
	w.status[min(status, len(w.status)-1)]++
	if status < 200 || status > 299 {
		w.failed.Add(1)
		if bytes.Contains(resp, []byte("locked")) {
			w.locked++
		}
	}
	w.sent.Add(1)
	return status, resp
}

// mismatch counts a read that did not return the last acknowledged write.
func (w *worker) mismatch() {
	w.mismatches++
	w.failed.Add(1)
}

// progress prints a line to stderr every second until the returned function is called: the
// label, elapsed time, the last second's rate, errors so far and, with --pid, the server's RSS.
// On a terminal the line rewrites itself and is cleared at the end.
func (b *bench) progress(label string, ws []*worker, start time.Time) (stop func()) {
	const width = 79
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last, lastSent := start, int64(0)
		for {
			select {
			case <-done:
				if b.tty {
					fmt.Fprintf(b.stderr, "\r%*s\r", width, "")
				}
				return
			case now := <-tick.C:
				var sent, failed int64
				for _, w := range ws {
					sent += w.sent.Load()
					failed += w.failed.Load()
				}
				rate := float64(sent-lastSent) / now.Sub(last).Seconds()
				last, lastSent = now, sent
				line := fmt.Sprintf("%-24s %6.1fs %9.0f req/s %8d errors",
					label, now.Sub(start).Seconds(), rate, failed)
				if b.cfg.pid > 0 {
					if kib, err := readRSS(b.cfg.pid); err == nil {
						line += "  rss " + mebibytes(kib)
					}
				}
				if b.tty {
					fmt.Fprintf(b.stderr, "\r%-*s", width, line)
				} else {
					fmt.Fprintln(b.stderr, line)
				}
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
