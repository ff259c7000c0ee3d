package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"piivault/internal/envelope"
)

// demoRootToken is the fixed root token of demo mode (api.md §1.6).
const demoRootToken = "DEMO"

// demoKeyFile is the demo master key's file inside the data directory.
const demoKeyFile = "demo-master.key"

const demoWarning = "DEMO MODE: for trying piivault out only, NOT for production. " +
	"The root token is the public value DEMO and the master key is stored next to the data it protects."

func runDemo(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "demo", "demo [--addr host:port] [--data-dir DIR] [--config FILE]",
		"Runs a throw-away vault for trying piivault out: SQLite in the data directory, root token DEMO,\n"+
			"and a master key generated on first start and kept in <data-dir>/"+demoKeyFile+".\n"+
			"Listens on 127.0.0.1:3000 unless --addr or server.host/server.port say otherwise.\n"+
			"Never use demo mode for real personal data.",
		true, true)
	if status, done := f.parse(args); done {
		return status
	}
	cfg, status, done := f.load(map[string]any{"server.host": "127.0.0.1"})
	if done {
		return status
	}
	if err := cfg.ValidateWithoutSecrets(); err != nil {
		return fail(env, "demo", err)
	}
	logs := newLogs(env.stderr, cfg.Log)
	defer logs.close()
	logger := logs.main
	if cfg.Keys.MasterKey != "" || cfg.Auth.RootToken != "" {
		logger.Warn("demo mode ignores the configured keys.master_key and auth.root_token")
	}
	master, created, err := demoMasterKey(cfg.Server.DataDir)
	if err != nil {
		return fail(env, "demo", err)
	}
	warnDemo(env, logger, cfg.Server.DataDir, created)
	s := &server{cfg: cfg, masterKey: master, rootToken: demoRootToken, demo: true, logger: logger, accessLog: logs.access}
	if err := s.run(ctx); err != nil {
		return fail(env, "demo", err)
	}
	return exitOK
}

// demoMasterKey returns the demo master key of dataDir, creating the
// directory (0700) and the key file (0600) on first use. created says
// whether the key is new.
func demoMasterKey(dataDir string) (key []byte, created bool, err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dataDir, demoKeyFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		_, werr := f.WriteString(envelope.GenerateMasterKey() + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return nil, false, fmt.Errorf("write demo master key: %w", werr)
		}
		created = true
	case !errors.Is(err, fs.ErrExist):
		return nil, false, fmt.Errorf("create demo master key: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("read demo master key: %w", err)
	}
	key, err = envelope.ParseMasterKey(string(b))
	clear(b)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return key, created, nil
}

// warnDemo makes demo mode impossible to miss: a warning in the log and, on
// a terminal, a banner that does not disturb machine-read logs elsewhere.
func warnDemo(env *environ, logger *slog.Logger, dataDir string, created bool) {
	logger.Warn(demoWarning, "root_token", demoRootToken, "data_dir", dataDir, "new_master_key", created)
	if f, ok := env.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(env.stderr, "\n"+
			"  ************************************************************\n"+
			"  *  WARNING: DEMO MODE - NOT FOR PRODUCTION OR REAL DATA    *\n"+
			"  *  root token: DEMO   (anyone who knows this has full access)\n"+
			"  *  master key: %s\n"+
			"  *  use 'piivault init' and 'piivault serve' for real use   *\n"+
			"  ************************************************************\n\n",
			filepath.Join(dataDir, demoKeyFile))
	}
}
