// Command piivault-bench is a bounded HTTP load generator for a piivault server on this machine.
//
// It runs one scenario after another and reports, for each, requests per second, latency
// percentiles and errors. The scenario "bare" is a chi handler answering {"status":"ok"},
// served in this process and reached through the same HTTP client, so every other figure is
// also given as a share of what this machine can do at all; the host's speed drifts, so compare
// those shares rather than absolute rates from different runs. Only loopback targets are
// accepted, and every scenario stops at its duration.
//
// Usage:
//
//	piivault-bench [--url http://127.0.0.1:3000] [--token DEMO] [-c 64] [-d 10s] [--warmup 1s]
//	               [--requests N] [--scenarios bare,user-create,...] [--prefill 1000]
//	               [--pid PID] [--json]
//
// Scenarios: bare, session-write, session-read, user-create, user-read-email, token-create,
// token-lookup, mixed (default: all but mixed). Records the read scenarios need are created
// before their measured window. A progress line goes to stderr, the summary table to stdout;
// --json adds the results as one JSON line after the table. With --pid the server's resident
// memory (VmRSS) is sampled and reported at the start, end and peak of each scenario.
//
// Exit status: 0 when every scenario ran without errors, 1 when one could not be set up or saw
// errors, 2 for invalid flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
)

// Limits that keep a run bounded and on this machine.
const (
	maxDuration    = 10 * time.Minute
	maxWarmup      = time.Minute
	maxConcurrency = 4096
	maxPrefill     = 100_000
	maxRounds      = 20
)

// config is the validated command line.
type config struct {
	base      string // target URL without a trailing slash
	token     string
	conc      int
	duration  time.Duration
	warmup    time.Duration
	requests  int64
	rounds    int
	scenarios []string
	prefill   int
	pid       int
	json      bool
}

func main() {
	if os.Getenv(bareServerEnv) == "1" {
		os.Exit(serveBare(os.Stdin, os.Stdout))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command, apart from the process it lives in. Cancelling ctx ends the running
// scenario early; the results so far are still reported.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "piivault-bench:", err)
		return 2
	}
	b := newBench(ctx, cfg, stderr)
	if f, ok := stderr.(*os.File); ok {
		b.tty = term.IsTerminal(int(f.Fd()))
	}
	if slices.Contains(cfg.scenarios, "bare") {
		addr, shutdown, err := startBare()
		if err != nil {
			fmt.Fprintln(stderr, "piivault-bench: bare server:", err)
			return 1
		}
		defer shutdown()
		b.bareURL = addr
	}

	stopRSS := watchRSS(cfg.pid)
	runs := make([]*scenarioRun, len(cfg.scenarios))
	for i, name := range cfg.scenarios {
		runs[i] = &scenarioRun{name: name}
	}
	ran := 0 // scenarios that ran at least one round
	for r := 1; r <= cfg.rounds && ctx.Err() == nil; r++ {
		for i, s := range runs {
			if ctx.Err() != nil {
				break
			}
			label := s.name
			if cfg.rounds > 1 {
				label = fmt.Sprintf("%s (round %d/%d)", s.name, r, cfg.rounds)
			}
			b.round(s, label)
			ran = max(ran, i+1)
		}
	}
	var results []result
	for _, s := range runs[:ran] {
		results = append(results, s.result())
	}
	s := summary{URL: cfg.base, Concurrency: cfg.conc, Seconds: cfg.duration.Seconds(), Rounds: cfg.rounds,
		Scenarios: results, PID: cfg.pid, RSS: stopRSS()}
	s.compareToBare()
	s.writeTable(stdout)
	if cfg.json {
		if err := s.writeJSON(stdout); err != nil {
			fmt.Fprintln(stderr, "piivault-bench:", err)
			return 1
		}
	}
	if !s.clean() {
		return 1
	}
	return 0
}

// parseFlags reads and checks the command line; every problem found is reported at once.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("piivault-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	var target, scenarios string
	fs.StringVar(&target, "url", "http://127.0.0.1:3000", "piivault base URL; loopback only")
	fs.StringVar(&cfg.token, "token", "DEMO", "root token sent as X-Bunker-Token")
	fs.IntVar(&cfg.conc, "c", 64, "concurrent connections (workers)")
	fs.DurationVar(&cfg.duration, "d", 10*time.Second, "measured duration per scenario, at most 10m")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured load before each scenario, at most 1m")
	fs.IntVar(&cfg.rounds, "rounds", 1, "run the scenario list this many times, at most 20, and merge each scenario's rounds:\n"+
		"on a machine whose speed drifts, interleaving bare with the others makes the ratios fair")
	fs.Int64Var(&cfg.requests, "requests", 0, "stop a scenario after this many requests (0: no cap)")
	fs.StringVar(&scenarios, "scenarios", strings.Join(defaultScenarios, ","),
		"comma-separated scenarios from: "+strings.Join(scenarioNames, ", "))
	fs.IntVar(&cfg.prefill, "prefill", 1000, "sessions, users or tokens created before a read scenario")
	fs.IntVar(&cfg.pid, "pid", 0, "server process id whose resident memory to sample (0: none)")
	fs.BoolVar(&cfg.json, "json", false, "also print the results as one JSON line after the table")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}

	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	base, err := checkTarget(target)
	if err != nil {
		errs = append(errs, err)
	}
	cfg.base = base
	if cfg.conc < 1 || cfg.conc > maxConcurrency {
		errs = append(errs, fmt.Errorf("-c must be between 1 and %d", maxConcurrency))
	}
	if cfg.duration <= 0 || cfg.duration > maxDuration {
		errs = append(errs, fmt.Errorf("-d must be above 0 and at most %v", maxDuration))
	}
	if cfg.warmup < 0 || cfg.warmup > maxWarmup {
		errs = append(errs, fmt.Errorf("--warmup must be between 0 and %v", maxWarmup))
	}
	if cfg.rounds < 1 || cfg.rounds > maxRounds {
		errs = append(errs, fmt.Errorf("--rounds must be between 1 and %d", maxRounds))
	}
	if cfg.requests < 0 {
		errs = append(errs, errors.New("--requests must not be negative"))
	}
	if cfg.prefill < 1 || cfg.prefill > maxPrefill {
		errs = append(errs, fmt.Errorf("--prefill must be between 1 and %d", maxPrefill))
	}
	cfg.scenarios, err = parseScenarios(scenarios)
	if err != nil {
		errs = append(errs, err)
	}
	if cfg.pid < 0 {
		errs = append(errs, errors.New("--pid must not be negative"))
	} else if cfg.pid > 0 {
		if _, err := readRSS(cfg.pid); err != nil {
			errs = append(errs, fmt.Errorf("--pid: %w", err))
		}
	}
	return cfg, errors.Join(errs...)
}

// checkTarget accepts an http(s) URL whose host is localhost or a loopback address
// (127.0.0.0/8, ::1) and returns it without a trailing slash. This workplace forbids load on
// any other address; the client's dialer enforces the same rule on every connection.
func checkTarget(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("--url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("--url must start with http:// or https://")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("--url must not carry user info, a query or a fragment")
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("--url host %q is not loopback: only localhost, 127.0.0.0/8 and ::1 may be loaded", host)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// parseScenarios splits a comma list and puts it in run order (bare first, so every later
// figure has its ceiling measured minutes, not hours, apart).
func parseScenarios(list string) ([]string, error) {
	var picked []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(scenarioNames, name) {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(scenarioNames, ", "))
		}
		if !slices.Contains(picked, name) {
			picked = append(picked, name)
		}
	}
	slices.SortFunc(picked, func(a, b string) int {
		return slices.Index(scenarioNames, a) - slices.Index(scenarioNames, b)
	})
	return picked, nil
}
