package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"piivault/internal/ledger"
	"piivault/internal/vault"
)

func runErasures(ctx context.Context, env *environ, args []string) int {
	const about = "Re-applies the erasure ledger: every user it names whom the database still holds (after a\n" +
		"restored backup, say) is erased again, as at every server start. Safe to run while servers run.\n" +
		"Needs the master key (keys.master_key), which also verifies the ledger's chain."
	f := newFlags(env, "erasures replay", "erasures replay [--data-dir DIR] [--config FILE]", about, false, true)
	if len(args) == 0 || args[0] != "replay" {
		switch {
		case len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help"):
			f.usage(env.stdout)
			return exitOK
		case len(args) > 0:
			fmt.Fprintf(env.stderr, "piivault erasures: unknown subcommand %q\n", args[0])
		default:
			fmt.Fprintln(env.stderr, "piivault erasures: a subcommand is required")
		}
		f.usage(env.stderr)
		return exitUsage
	}
	if status, done := f.parse(args[1:]); done {
		return status
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	ke, err := openConfiguredKeyEnv(ctx, cfg, env.stderr)
	if err != nil {
		return fail(env, "erasures replay", err)
	}
	defer ke.close()
	path := ledgerPath(cfg, ke.keys)
	led, err := ledger.OpenReadOnly(path, ke.keys.LedgerMAC)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(env.stdout, "no erasure ledger at %s: nothing has been erased through this data directory\n", path)
		return exitOK
	} else if err != nil {
		return fail(env, "erasures replay", err)
	}
	svc := vault.NewService(ke.db, ke.keys, vault.Options{})
	res, err := svc.ReplayErasures(ctx, led.Entries())
	if err != nil {
		return fail(env, "erasures replay", fmt.Errorf("%s: %w (%d entries read)", path, err, res.Entries))
	}
	fmt.Fprintf(env.stdout, "erasure ledger %s: %d entries, %d users erased again\n", path, res.Entries, res.Erased)
	return exitOK
}
