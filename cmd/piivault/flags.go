package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"piivault/internal/config"
)

// flags are the flags a subcommand may take; each command defines the ones
// it understands on its own FlagSet.
type flags struct {
	fs       *flag.FlagSet
	env      *environ
	synopsis string
	about    string

	config  string
	addr    string
	dataDir string
}

// newFlags returns the flags of command name. withAddr adds --addr (demo,
// serve); withStore adds --config and --data-dir.
func newFlags(env *environ, name, synopsis, about string, withAddr, withStore bool) *flags {
	f := &flags{fs: flag.NewFlagSet(name, flag.ContinueOnError), env: env, synopsis: synopsis, about: about}
	f.fs.SetOutput(env.stderr)
	f.fs.Usage = func() {} // parse prints the usage itself, to the right stream
	if withStore {
		f.fs.StringVar(&f.config, "config", env.getenv("PIIVAULT_CONFIG"), "YAML configuration `file` (default $PIIVAULT_CONFIG)")
		f.fs.StringVar(&f.dataDir, "data-dir", "", "data `directory` for the SQLite database and demo key (overrides server.data_dir, default ./piivault-data)")
	}
	if withAddr {
		f.fs.StringVar(&f.addr, "addr", "", "listen address `host:port` (overrides server.host and server.port)")
	}
	return f
}

// parse parses args. It returns done=true with the exit status when the
// command must stop here: --help (0), a bad flag or a stray argument (2).
func (f *flags) parse(args []string) (status int, done bool) {
	err := f.fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.usage(f.env.stdout)
		return exitOK, true
	case err != nil:
		f.usage(f.env.stderr)
		return exitUsage, true
	case f.fs.NArg() > 0:
		fmt.Fprintf(f.env.stderr, "piivault %s: unexpected argument %q\n", f.fs.Name(), f.fs.Arg(0))
		f.usage(f.env.stderr)
		return exitUsage, true
	}
	return exitOK, false
}

func (f *flags) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: piivault %s\n\n%s\n", f.synopsis, f.about)
	has := false
	f.fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintln(w, "\nFlags:")
		f.fs.SetOutput(w)
		f.fs.PrintDefaults()
		f.fs.SetOutput(f.env.stderr)
	}
}

// load reads the configuration with the flags as overrides and defaults as
// command-specific defaults. On failure it reports to stderr and returns
// done=true with the exit status.
func (f *flags) load(defaults map[string]any) (cfg *config.Config, status int, done bool) {
	src := config.Source{File: f.config, Defaults: defaults, Overrides: map[string]any{}}
	if f.dataDir != "" {
		src.Overrides["server.data_dir"] = f.dataDir
	}
	if f.addr != "" {
		host, port, err := splitAddr(f.addr)
		if err != nil {
			fmt.Fprintf(f.env.stderr, "piivault %s: --addr: %v\n", f.fs.Name(), err)
			return nil, exitUsage, true
		}
		src.Overrides["server.host"], src.Overrides["server.port"] = host, port
	}
	cfg, err := config.Load(src)
	if err != nil {
		fmt.Fprintf(f.env.stderr, "piivault %s: %v\n", f.fs.Name(), err)
		return nil, exitFail, true
	}
	return cfg, exitOK, false
}

// splitAddr splits host:port; an empty host means every interface.
func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("%q is not a port (1-65535)", p)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, port, nil
}

// fail prints err for command name and returns exitFail.
func fail(env *environ, name string, err error) int {
	fmt.Fprintf(env.stderr, "piivault %s: %v\n", name, err)
	return exitFail
}

// logs are the two loggers of a serving process over one buffered sink:
// main writes each record at once, access (one line per request) lets
// lines wait up to logFlushInterval. close writes what is pending.
type logs struct {
	main, access *slog.Logger
	sink         *logSink
}

// newLogs returns the structured loggers log.* asks for, writing to w.
func newLogs(w io.Writer, c config.Log) logs {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level))) // validated already
	opts := &slog.HandlerOptions{Level: level}
	sink := newLogSink(w)
	var h slog.Handler = slog.NewJSONHandler(sink, opts)
	if c.Format == "text" {
		h = slog.NewTextHandler(sink, opts)
	}
	return logs{main: slog.New(flushingHandler{h, sink}), access: slog.New(h), sink: sink}
}

func (l logs) close() { l.sink.close() }
