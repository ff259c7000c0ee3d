// Command piivault is a vault for personal data with a Databunker-compatible
// HTTP API.
//
// Usage:
//
//	piivault demo    [--addr host:port] [--data-dir DIR] [--config FILE]
//	piivault init    [--data-dir DIR] [--config FILE]
//	piivault serve   [--addr host:port] [--data-dir DIR] [--config FILE]
//	piivault migrate [--data-dir DIR] [--config FILE]
//	piivault version
//	piivault keys       [--watch] [--data-dir DIR] [--config FILE]
//	piivault rotate-key [--detach] [--data-dir DIR] [--config FILE]
//	piivault rekey      --new-master-key-file FILE [--data-dir DIR] [--config FILE]
//	piivault erasures replay [--data-dir DIR] [--config FILE]
//	piivault audit verify [--data-dir DIR] [--config FILE]
//	piivault backup     [--data-dir DIR] [--config FILE] FILE
//	piivault restore    [--data-dir DIR] [--config FILE] FILE
//	piivault healthcheck [--url URL] [--timeout DURATION] [--config FILE]
//
// Settings come from the --config file (default: $PIIVAULT_CONFIG), the
// PIIVAULT_* environment and flags; configs/piivault.yaml lists them all.
// Exit status: 0 on success and after a clean shutdown on SIGINT or SIGTERM,
// 1 when the command fails, 2 for invalid flags or arguments.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environ, args []string) int
}

// environ is what a command may touch of the process, so that tests could
// drive commands in process and main stays the only place that uses os.
type environ struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands = []command{
	{"demo", "run a throw-away vault for trying piivault out (root token DEMO)", runDemo},
	{"init", "create the schema and print a new master key and root token", runInit},
	{"serve", "run the production server (master key and root token from the configuration)", runServe},
	{"migrate", "apply database migrations and exit", runMigrate},
	{"version", "print the version", runVersion},
	{"keys", "show the key versions, what they wrap and the latest rotation", runKeys},
	{"rotate-key", "start a key rotation and re-wrap every data key, with progress", runRotateKey},
	{"rekey", "replace the master key (offline)", runRekey},
	{"erasures", "'erasures replay': erase again whoever the erasure ledger lists", runErasures},
	{"audit", "'audit verify': check the audit hash chain and name the first bad event", runAudit},
	{"backup", "write an online backup of the SQLite database to a file", runBackup},
	{"restore", "replace the SQLite database by a backup (offline), then replay erasures", runRestore},
	{"healthcheck", "exit 0 when the local server and its database answer (for container health checks)", runHealthcheck},
}

func main() {
	env := &environ{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(dispatch(context.Background(), env, os.Args[1:]))
}

// dispatch runs the subcommand args[0] with the rest of args.
func dispatch(ctx context.Context, env *environ, args []string) int {
	if len(args) == 0 {
		usage(env.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(env.stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.stderr, "piivault: unknown command %q\n\n", args[0])
	usage(env.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: piivault <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'piivault <command> --help' for the flags of a command.")
	fmt.Fprintln(w, "Settings: --config FILE, PIIVAULT_* environment variables; see configs/piivault.yaml.")
}
