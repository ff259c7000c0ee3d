package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"piivault/internal/vault"
)

func runKeys(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "keys", "keys [--watch] [--data-dir DIR] [--config FILE]",
		"Shows the key-encryption key versions (status, creation time, how many data keys each wraps and\n"+
			"has wrapped) and the latest rotation, with a progress bar while one runs: what GET /v1/sys/keys\n"+
			"reports, without any key material. With --watch it follows a running rotation until it ends.\n"+
			"Needs the master key (keys.master_key).",
		false, true)
	watch := f.fs.Bool("watch", false, "follow a running rotation until it ends")
	if status, done := f.parse(args); done {
		return status
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ke, err := openConfiguredKeyEnv(ctx, cfg, env.stderr)
	if err != nil {
		return fail(env, "keys", err)
	}
	defer ke.close()
	st, err := ke.km.Status(ctx)
	if err != nil {
		return fail(env, "keys", err)
	}
	printKeys(env.stdout, st)
	if !*watch || st.Rotation == nil || st.Rotation.Status != vault.JobRunning {
		return exitOK
	}
	p := newProgress(env.stdout)
	for st.Rotation.Status == vault.JobRunning {
		select {
		case <-ctx.Done():
			return exitOK
		case <-time.After(time.Second):
		}
		job, err := ke.db.LatestKeyJob(ctx)
		if err != nil {
			return fail(env, "keys", err)
		}
		st.Rotation = job
		p.show(job)
	}
	return exitOK
}

// printKeys writes st as a table and the latest rotation below it.
func printKeys(w io.Writer, st vault.KeyStatus) {
	fmt.Fprintf(w, "active version: %d\n\n", st.Active)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tSTATUS\tCREATED\tDATA KEYS\tENCRYPTIONS")
	for _, k := range st.Keys {
		fmt.Fprintf(tw, "kek-%d\t%d\t%s\t%s\t%d\t%d\n", k.Version, k.Version, k.Status, unixTime(k.Created), k.DataKeys, k.Encryptions)
	}
	tw.Flush()
	j := st.Rotation
	if j == nil {
		fmt.Fprintln(w, "\nrotation: none has run")
		return
	}
	fmt.Fprintf(w, "\nrotation %s: %s, version %d to %d, started %s", j.ID, j.Status, j.From, j.To, unixTime(j.Started))
	if j.Finished != 0 {
		fmt.Fprintf(w, ", finished %s", unixTime(j.Finished))
	}
	fmt.Fprintf(w, "\n  %s\n", bar(j.Done, j.Total))
	if j.Reason != "" {
		fmt.Fprintf(w, "  reason: %s\n", j.Reason)
	}
}

func unixTime(s int64) string {
	if s == 0 {
		return "-"
	}
	return time.Unix(s, 0).UTC().Format(time.RFC3339)
}
