package main

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "migrate", "migrate [--data-dir DIR] [--config FILE]",
		"Applies pending database migrations and exits. 'serve' and 'demo' also migrate on start;\n"+
			"run this to upgrade the schema ahead of a deployment. Needs no master key.",
		false, true)
	if status, done := f.parse(args); done {
		return status
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	if err := cfg.ValidateWithoutSecrets(); err != nil {
		return fail(env, "migrate", err)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return fail(env, "migrate", err)
	}
	if err := db.Close(); err != nil {
		return fail(env, "migrate", err)
	}
	fmt.Fprintf(env.stderr, "piivault migrate: %s database is up to date\n", cfg.Storage.Driver)
	return exitOK
}
