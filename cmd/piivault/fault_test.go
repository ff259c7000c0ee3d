package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Settings and bounds of the outage test. The client timeout is the
// promise under test: no request hangs much past storage.query_timeout.
// Its margin allows one more I/O timeout, since a driver bounds a COMMIT
// sent just before the deadline only by its connection's I/O timeout.
const (
	faultQueryTimeout = 2 * time.Second
	faultClientBound  = 2*faultQueryTimeout + time.Second
	faultWorkers      = 4
	faultPace         = 10 * time.Millisecond // between one worker's requests
	outageLength      = 3 * faultQueryTimeout
	recoveryBound     = 15 * time.Second
	settleAfter       = time.Second // after the first success, everything succeeds
)

// unavailableBody is api.md §1.4's answer while storage is unreachable.
const unavailableBody = `{"status":"error","message":"service unavailable"}`

// beginStatement is how each driver starts a transaction.
var beginStatement = map[string]string{"postgres": "begin", "mysql": "start transaction"}

// TestDatabaseOutage puts a proxy between `piivault serve` and PostgreSQL
// (and MariaDB) and takes the database away under load: refusing and
// resetting connections, stalling them at a random moment, and stalling
// them inside a transaction and at its COMMIT. It proves that while the
// database is gone every request answers 503 JSON with Retry-After: 5
// within the query timeout plus a margin (no hang, no 2xx for a write),
// that service resumes within seconds of its return without restarting
// piivault, and that every write acknowledged with 200 is readable.
func TestDatabaseOutage(t *testing.T) {
	for _, driver := range serverDBs {
		t.Run("on "+driver, func(t *testing.T) {
			t.Parallel()
			db := freshDB(t, driver)
			p := newProxy(t, db.host)
			proxied := *db
			proxied.dsn = db.via(t, p.addr)
			key, root := newSecrets()
			client := &http.Client{Timeout: faultClientBound}
			s := startWith(t, "http", client, serveEnv(&proxied, key, root,
				"PIIVAULT_STORAGE_QUERY_TIMEOUT="+faultQueryTimeout.String(), "PIIVAULT_SERVER_DATA_DIR="+t.TempDir()), "serve")

			l := startLoad(s, root)
			for _, fault := range []struct {
				name  string
				start func()
			}{
				{"down", func() { p.set(proxyDown) }},
				{"stalled", func() { p.set(proxyStalled) }},
				{"stalled inside a transaction", func() { p.stallOn(beginStatement[driver], true) }},
				{"stalled at COMMIT", func() { p.stallOn("commit", false) }},
			} {
				l.waitOK(t, 20, recoveryBound)
				fault.start()
				time.Sleep(outageLength)
				mode, cut := p.state()
				restored := time.Now()
				p.set(proxyUp)
				if mode != proxyDown && mode != proxyStalled {
					t.Fatalf("database %s: the proxy is %s, the fault never began", fault.name, mode)
				}
				l.waitOK(t, 1, recoveryBound)
				l.checkOutage(t, fault.name, cut, restored)
			}
			l.waitOK(t, 20, recoveryBound)
			l.stop()
			l.checkWritesReadable(t, s, root)
			// A lost database is never an "internal error".
			for _, line := range s.logLines(`"status":500`) {
				t.Errorf("piivault answered 500: %s", line)
			}
			if code := s.stop(t); code != 0 {
				t.Errorf("exit %d after SIGTERM:\n%s", code, s.output)
			}
		})
	}
}

// op is one request of the load and what came back.
type op struct {
	write      bool
	start, end time.Time
	status     int
	body       string
	retryAfter string
	err        error
	token      string // the user a successful write created
	login      string
}

// load writes users and reads them back from faultWorkers goroutines
// until stopped, recording every request.
type load struct {
	mu   sync.Mutex
	ops  []op
	done chan struct{}
	wg   sync.WaitGroup
}

func startLoad(s *child, root string) *load {
	l := &load{done: make(chan struct{})}
	for w := range faultWorkers {
		l.wg.Go(func() {
			tick := time.NewTicker(faultPace)
			defer tick.Stop()
			var mine []string // tokens this worker created
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				case <-tick.C:
				}
				o := op{write: i%2 == 0 || len(mine) == 0, start: time.Now()}
				var r reply
				if o.write {
					o.login = fmt.Sprintf("fault-%d-%d", w, i)
					r, o.err = s.send(http.MethodPost, "/v1/user", root, fmt.Sprintf(`{"login":%q}`, o.login))
				} else {
					r, o.err = s.send(http.MethodGet, "/v1/user/token/"+mine[i%len(mine)], root, "")
				}
				o.end, o.status, o.body = time.Now(), r.status, r.body
				if r.header != nil {
					o.retryAfter = r.header.Get("Retry-After")
				}
				if o.write && o.status == 200 {
					var created struct{ Token string }
					json.Unmarshal([]byte(r.body), &created)
					o.token = created.Token
					mine = append(mine, o.token)
				}
				l.mu.Lock()
				l.ops = append(l.ops, o)
				l.mu.Unlock()
			}
		})
	}
	return l
}

func (l *load) stop() {
	close(l.done)
	l.wg.Wait()
}

// snapshot returns the requests finished so far.
func (l *load) snapshot() []op {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]op(nil), l.ops...)
}

// waitOK waits until n requests that started from now on have succeeded,
// failing the test after bound.
func (l *load) waitOK(t *testing.T, n int, bound time.Duration) {
	t.Helper()
	from := time.Now()
	for {
		ok := 0
		for _, o := range l.snapshot() {
			if !o.start.Before(from) && o.status == 200 {
				ok++
			}
		}
		if ok >= n {
			return
		}
		if time.Since(from) > bound {
			t.Fatalf("%d of %d requests succeeded within %s; the last answers:\n%s", ok, n, bound, l.tail(10))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tail describes the last n requests.
func (l *load) tail(n int) string {
	ops := l.snapshot()
	var b strings.Builder
	for _, o := range ops[max(0, len(ops)-n):] {
		fmt.Fprintf(&b, "  %s\n", o)
	}
	return b.String()
}

func (o op) String() string {
	kind := "read"
	if o.write {
		kind = "write"
	}
	if o.err != nil {
		return fmt.Sprintf("%s after %s: %v", kind, o.end.Sub(o.start).Round(time.Millisecond), o.err)
	}
	return fmt.Sprintf("%s after %s: %d %q (Retry-After %q)", kind, o.end.Sub(o.start).Round(time.Millisecond), o.status, o.body, o.retryAfter)
}

// checkOutage checks every request of one outage, from cut to restored:
// no request may hang past the client bound or fail at the transport; a
// request wholly inside the outage must answer 503 JSON with Retry-After:
// 5; one that overlaps its edges may also answer 200. After the first
// success following restored, everything must succeed.
func (l *load) checkOutage(t *testing.T, fault string, cut, restored time.Time) {
	t.Helper()
	var (
		problems     []string
		inside       int
		firstSuccess time.Time
		slowest      time.Duration
	)
	ops := l.snapshot()
	for _, o := range ops {
		if o.end.Before(cut) {
			continue
		}
		if o.start.After(restored) && o.status == 200 && (firstSuccess.IsZero() || o.end.Before(firstSuccess)) {
			firstSuccess = o.end
		}
	}
	for _, o := range ops {
		if o.end.Before(cut) {
			continue
		}
		slowest = max(slowest, o.end.Sub(o.start))
		wholly := o.start.After(cut) && o.end.Before(restored)
		unavailable := o.status == 503 && strings.TrimSuffix(o.body, "\n") == unavailableBody && o.retryAfter == "5"
		switch {
		case o.err != nil:
			problems = append(problems, o.String())
		case wholly && !unavailable:
			problems = append(problems, "during the outage: "+o.String())
		case !unavailable && o.status != 200:
			problems = append(problems, "around the outage: "+o.String())
		case !firstSuccess.IsZero() && o.start.After(firstSuccess.Add(settleAfter)) && o.status != 200:
			problems = append(problems, "after recovery: "+o.String())
		}
		if wholly {
			inside++
		}
	}
	if inside == 0 {
		problems = append(problems, "no request ran wholly inside the outage")
	}
	if len(problems) > 0 {
		t.Errorf("database %s: %d problems, e.g.:\n  %s", fault, len(problems), strings.Join(problems[:min(len(problems), 10)], "\n  "))
	}
	t.Logf("database %s for %s: %d requests wholly inside answered 503 within %s at most; first success %s after the return",
		fault, restored.Sub(cut).Round(time.Millisecond), inside, slowest.Round(time.Millisecond), firstSuccess.Sub(restored).Round(time.Millisecond))
}

// checkWritesReadable reads back every user whose creation was
// acknowledged: an acknowledged write is never lost.
func (l *load) checkWritesReadable(t *testing.T, s *child, root string) {
	t.Helper()
	var acked []op
	for _, o := range l.snapshot() {
		if o.write && o.status == 200 {
			acked = append(acked, o)
		}
	}
	lost := 0
	for _, o := range acked {
		r, err := s.send(http.MethodGet, "/v1/user/token/"+o.token, root, "")
		if err != nil || r.status != 200 || !strings.Contains(r.body, fmt.Sprintf(`"login":%q`, o.login)) {
			if lost++; lost <= 5 {
				t.Errorf("acknowledged user %s: %d %s %v", o.login, r.status, r.body, err)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes are lost", lost, len(acked))
	}
	t.Logf("%d acknowledged writes, all readable", len(acked))
}
