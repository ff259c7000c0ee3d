package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as the bare server the bench starts (see startBare).
func TestMain(m *testing.M) {
	if os.Getenv(bareServerEnv) == "1" {
		os.Exit(serveBare(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

func TestBareServerRunsInItsOwnProcessAndStops(t *testing.T) {
	base, stop, err := startBare()
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(base + "/")
	if err != nil {
		stop()
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != `{"status":"ok"}` {
		t.Errorf("bare answered %d %q", res.StatusCode, body)
	}
	// Another process listens there: this one has no listener of its own.
	if pids := listeners(t, base); len(pids) == 0 || slices.Contains(pids, os.Getpid()) {
		t.Errorf("the bare server's listener belongs to processes %v; the bench is %d", pids, os.Getpid())
	}
	stop()
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("the bare server still answers after stop")
	}
}

// listeners returns the pids whose open sockets include the listening one of base, from /proc.
func listeners(t *testing.T, base string) []int {
	t.Helper()
	u, _ := url.Parse(base)
	_, port, _ := net.SplitHostPort(u.Host)
	p, _ := strconv.Atoi(port)
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skip("no /proc/net/tcp")
	}
	var inode string
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && strings.HasSuffix(f[1], fmt.Sprintf(":%04X", p)) && f[3] == "0A" { // LISTEN
			inode = f[9]
		}
	}
	if inode == "" {
		t.Fatalf("no listener on port %d", p)
	}
	var pids []int
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			if link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); link == "socket:["+inode+"]" {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

func TestHistogramQuantiles(t *testing.T) {
	type want struct{ q50, q95, q99, max time.Duration }
	tests := []struct {
		name   string
		values []time.Duration
		want   want
		exact  bool // values below 2*subBuckets ns have a bucket each
	}{
		{"is empty with nothing recorded", nil, want{}, true},
		{"reports a single value as every quantile", []time.Duration{3 * time.Millisecond},
			want{3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond}, true},
		{"is exact for small values", series(1, 100, 1), want{50, 95, 99, 100}, true},
		{"is within 1/64 above the true value for 1µs..10ms", series(1, 10_000, time.Microsecond),
			want{5 * time.Millisecond, 9500 * time.Microsecond, 9900 * time.Microsecond, 10 * time.Millisecond}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h histogram
			for _, i := range rand.Perm(len(tt.values)) {
				h.record(tt.values[i])
			}
			got := want{h.quantile(0.50), h.quantile(0.95), h.quantile(0.99), h.max}
			if tt.exact {
				if got != tt.want {
					t.Fatalf("quantiles = %v, want %v", got, tt.want)
				}
				return
			}
			pairs := [][2]time.Duration{{got.q50, tt.want.q50}, {got.q95, tt.want.q95}, {got.q99, tt.want.q99}, {got.max, tt.want.max}}
			for _, p := range pairs {
				if p[0] < p[1] || float64(p[0]-p[1]) > float64(p[1])/subBuckets {
					t.Errorf("quantiles = %v, want each at most 1/%d above %v", got, subBuckets, tt.want)
				}
			}
		})
	}
}

// series returns from*unit, (from+1)*unit, ..., to*unit.
func series(from, to int, unit time.Duration) []time.Duration {
	var s []time.Duration
	for i := from; i <= to; i++ {
		s = append(s, time.Duration(i)*unit)
	}
	return s
}

func TestHistogramMergeEqualsRecordingInOne(t *testing.T) {
	var one, a, b histogram
	for i := range 5000 {
		d := time.Duration(rand.Int64N(int64(time.Second)))
		one.record(d)
		if i%3 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	var merged histogram
	merged.merge(&a)
	merged.merge(&b)
	merged.merge(&histogram{})
	if merged != one {
		t.Fatalf("merged histogram differs: n %d/%d min %v/%v max %v/%v", merged.n, one.n, merged.min, one.min, merged.max, one.max)
	}
}

func TestEveryValueFallsInsideItsBucket(t *testing.T) {
	values := []uint64{0, 1, 127, 128, 129, 255, 256, 1<<40 - 1, 1 << 40, 1<<63 - 1, 1 << 63, 1<<64 - 1}
	for range 10_000 {
		values = append(values, rand.Uint64()>>rand.UintN(64))
	}
	for _, v := range values {
		i := bucketOf(v)
		if i < 0 || i >= bucketCount || lowest(i) > v || highest(i) < v {
			t.Fatalf("value %d: bucket %d holds [%d, %d]", v, i, lowest(i), highest(i))
		}
		if v >= 2*subBuckets && float64(highest(i)-lowest(i)) > float64(lowest(i))/subBuckets {
			t.Fatalf("value %d: bucket %d [%d, %d] is wider than 1/%d", v, i, lowest(i), highest(i), subBuckets)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	tests := []struct {
		url  string
		want string // "" when refused
	}{
		{"http://127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"http://127.0.0.1:3000/", "http://127.0.0.1:3000"},
		{"http://127.1.2.3:8080", "http://127.1.2.3:8080"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"https://LOCALHOST", "https://LOCALHOST"},
		{"http://[::1]:3000", "http://[::1]:3000"},
		{"http://10.0.0.1:3000", ""},
		{"http://192.168.1.10", ""},
		{"http://0.0.0.0:3000", ""},
		{"http://[::]:3000", ""},
		{"http://example.com", ""},
		{"http://localhost.example.com", ""},
		{"http://127.0.0.1.nip.io", ""},
		{"ftp://127.0.0.1", ""},
		{"127.0.0.1:3000", ""},
		{"http://user:pw@127.0.0.1", ""},
		{"http://127.0.0.1/?x=1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := checkTarget(tt.url)
			if tt.want == "" && err == nil {
				t.Fatalf("checkTarget(%q) = %q, want refused", tt.url, got)
			}
			if tt.want != "" && (err != nil || got != tt.want) {
				t.Fatalf("checkTarget(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
			}
		})
	}
}

func TestClientRefusesToDialNonLoopback(t *testing.T) {
	// 192.0.2.0/24 is reserved for documentation; the dialer refuses before any packet is sent.
	_, err := newClient(1).Get("http://192.0.2.1:3000/v1/status")
	if err == nil || !strings.Contains(err.Error(), "only loopback") {
		t.Fatalf("dial to 192.0.2.1: err = %v, want a refusal", err)
	}
	for _, addr := range []string{"127.0.0.1:3000", "127.9.9.9:1", "[::1]:3000"} {
		if err := loopbackOnly("tcp", addr, nil); err != nil {
			t.Errorf("loopbackOnly(%s) = %v, want nil", addr, err)
		}
	}
}

func TestFlagsOutsideTheirLimitsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{"-d", "11m"},
		{"-d", "0s"},
		{"-c", "0"},
		{"--warmup", "2m"},
		{"--requests", "-1"},
		{"--scenarios", "bare,nope"},
		{"--url", "http://192.0.2.1:3000"},
		{"--pid", "-1"},
		{"--rounds", "0"},
		{"--rounds", "21"},
		{"stray"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), args, &out, &errOut); code != 2 || out.Len() > 0 {
			t.Errorf("run %v = %d with stdout %q, want 2 and nothing", args, code, out.String())
		}
	}
}

func TestEveryScenarioCompletesAgainstAWorkingServer(t *testing.T) {
	srv := newFakeVault(t, false)
	s, code, out := runBench(t, "--url", srv.URL, "-c", "4", "-d", "150ms", "--warmup", "50ms", "--prefill", "20",
		"--scenarios", strings.Join(scenarioNames, ","))
	if code != 0 {
		t.Errorf("exit code %d, want 0\n%s", code, out)
	}
	if len(s.Scenarios) != len(scenarioNames) {
		t.Fatalf("%d scenarios reported, want %d\n%s", len(s.Scenarios), len(scenarioNames), out)
	}
	for i, r := range s.Scenarios {
		if r.Name != scenarioNames[i] || r.SetupError != "" || r.Requests == 0 || r.Errors != 0 || r.PctOfBare <= 0 {
			t.Errorf("scenario %+v, want %s run without errors and compared to bare", r, scenarioNames[i])
		}
	}
	if header, _, _ := strings.Cut(out, "\n"); strings.Join(strings.Fields(header), " ") != "scenario requests req/s % of bare p50 p95 p99 max errors 5xx" {
		t.Errorf("table does not start with its header:\n%s", out)
	}
}

func TestServerErrorsAreCountedNotHidden(t *testing.T) {
	srv := failingServer(t)
	s, code, out := runBench(t, "--url", srv.URL, "-c", "2", "-d", "100ms", "--warmup", "0", "--prefill", "5",
		"--scenarios", "user-create,user-read-email")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	create, read := s.Scenarios[0], s.Scenarios[1]
	if create.Requests == 0 || create.Errors != create.Requests || create.Status5xx != create.Requests ||
		create.Locked != create.Requests || create.Statuses["500"] != create.Requests {
		t.Errorf("user-create = %+v, want every request a locked 500", create)
	}
	if !strings.Contains(read.SetupError, "HTTP 500") || !strings.Contains(out, "user-read-email: setup failed") {
		t.Errorf("user-read-email setup error %q, want the 500 reported\n%s", read.SetupError, out)
	}
}

func TestMixedScenarioCatchesLostUpdates(t *testing.T) {
	srv := newFakeVault(t, true)
	s, code, _ := runBench(t, "--url", srv.URL, "-c", "2", "-d", "1m", "--requests", "2000", "--warmup", "0",
		"--prefill", "5", "--scenarios", "mixed")
	if r := s.Scenarios[0]; code != 1 || r.LostUpdate == 0 || r.Errors != r.LostUpdate {
		t.Fatalf("exit %d, mixed = %+v; want lost updates counted as the only errors", code, r)
	}
}

func TestRoundsInterleaveScenariosAndMergeThem(t *testing.T) {
	srv := newFakeVault(t, false)
	s, code, out := runBench(t, "--url", srv.URL, "-c", "2", "-d", "120ms", "--warmup", "0", "--prefill", "5",
		"--rounds", "3", "--scenarios", "bare,session-read")
	if code != 0 || len(s.Scenarios) != 2 || s.Rounds != 3 {
		t.Fatalf("exit %d, %d scenarios, %d rounds\n%s", code, len(s.Scenarios), s.Rounds, out)
	}
	for _, r := range s.Scenarios {
		// Three measured windows of 120 ms each, merged into one row.
		if r.Seconds < 0.36 || r.Requests == 0 || r.Errors != 0 || r.PctOfBare <= 0 {
			t.Errorf("%s: %+v, want three rounds merged without errors", r.Name, r)
		}
	}
}

func TestRequestCapStopsAScenario(t *testing.T) {
	srv := newFakeVault(t, false)
	s, _, _ := runBench(t, "--url", srv.URL, "-c", "3", "-d", "1m", "--requests", "50", "--warmup", "0",
		"--scenarios", "token-create")
	if got := s.Scenarios[0].Requests; got != 50 {
		t.Fatalf("token-create sent %d requests, want 50", got)
	}
}

func TestSessionBodyLooksLikeExpressSession(t *testing.T) {
	b := newBench(t.Context(), config{}, nil)
	body := b.sessionBody(7)
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	cookie, ok := doc["cookie"].(map[string]any)
	if len(body) < 250 || len(body) > 400 || !ok || cookie["expires"] == nil || doc["views"] != 7.0 {
		t.Fatalf("session body of %d bytes: %s", len(body), body)
	}
	for _, key := range []string{"login", "email", "phone", "custom", "token"} {
		if _, ok := doc[key]; ok {
			t.Errorf("session body has %q, which would bind the session to a user", key)
		}
	}
	if id := newSessionID(); len(id) != 32 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		t.Errorf("session id %q, want 32 base64url characters", id)
	}
}

// runBench runs the command with --json and returns the parsed summary, the exit code and the
// table printed before the JSON line.
func runBench(t *testing.T, args ...string) (summary, int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append(args, "--json"), &out, &errOut)
	text := strings.TrimSpace(out.String())
	cut := strings.LastIndexByte(text, '\n')
	var s summary
	if err := json.Unmarshal([]byte(text[cut+1:]), &s); err != nil {
		t.Fatalf("exit %d, stdout not ending in JSON: %v\n%s\nstderr: %s", code, err, text, errOut.String())
	}
	return s, code, text[:max(cut, 0)]
}
