package main

import (
	"context"
	"errors"

	"piivault/internal/config"
	"piivault/internal/envelope"
)

func runServe(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "serve", "serve [--addr host:port] [--data-dir DIR] [--config FILE]",
		"Runs the production server. The master key and the root token come from the configuration:\n"+
			"keys.master_key and auth.root_token, or their *_file variants, usually through the environment\n"+
			"(PIIVAULT_KEYS_MASTER_KEY, PIIVAULT_AUTH_ROOT_TOKEN_FILE, ...). 'piivault init' creates both.\n"+
			"Without them, or with any other invalid setting, serve lists every problem and exits 1.",
		true, true)
	if status, done := f.parse(args); done {
		return status
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	master, err := checkServe(cfg)
	if err != nil {
		return fail(env, "serve", err)
	}
	logs := newLogs(env.stderr, cfg.Log)
	defer logs.close()
	s := &server{cfg: cfg, masterKey: master, rootToken: cfg.Auth.RootToken.Value(), logger: logs.main, accessLog: logs.access}
	if err := s.run(ctx); err != nil {
		return fail(env, "serve", err)
	}
	return exitOK
}

// checkServe validates cfg for serving and decodes the master key, adding a
// malformed key to the same list of problems.
func checkServe(cfg *config.Config) ([]byte, error) {
	var problems config.Problems
	if err := cfg.Validate(); err != nil && !errors.As(err, &problems) {
		return nil, err
	}
	var master []byte
	if cfg.Keys.MasterKey != "" {
		var err error
		if master, err = envelope.ParseMasterKey(cfg.Keys.MasterKey.Value()); err != nil {
			// ParseMasterKey describes the shape, never the key.
			problems = append(problems, "keys.master_key: "+err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return master, nil
}
