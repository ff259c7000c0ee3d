package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"piivault/internal/vault"
)

func runRotateKey(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "rotate-key", "rotate-key [--detach] [--data-dir DIR] [--config FILE]",
		"Starts a key rotation, as POST /v1/sys/rotate-key does: a new key-encryption key version becomes\n"+
			"active for new data keys at once (on running servers within keys.refresh_interval), and every\n"+
			"stored data key is re-wrapped under it in batches of keys.rotation_batch_size; the old version is\n"+
			"retired when none is left. This command then works on the job with a progress bar until it is\n"+
			"done; running servers work on it too. Interrupting it is safe: the job resumes from its last\n"+
			"batch on the next run or on any server. If a rotation is already running, it helps that one finish.\n"+
			"Needs the master key (keys.master_key).",
		false, true)
	detach := f.fs.Bool("detach", false, "start the rotation and exit, leaving the re-wrap to the running servers")
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
		return fail(env, "rotate-key", err)
	}
	defer ke.close()

	job, err := ke.km.Rotate(ctx)
	switch {
	case errors.Is(err, vault.ErrRotationInProgress):
		if job, err = ke.db.LatestKeyJob(ctx); err != nil {
			return fail(env, "rotate-key", err)
		}
		if *detach {
			return fail(env, "rotate-key", fmt.Errorf("rotation in progress: job %s to version %d", job.ID, job.To))
		}
		fmt.Fprintf(env.stdout, "a rotation is already running: job %s to version %d; helping it finish\n", job.ID, job.To)
	case err != nil:
		return fail(env, "rotate-key", err)
	default:
		fmt.Fprintf(env.stdout, "started rotation %s: version %d wraps new data keys from now on; %d data keys to re-wrap\n",
			job.ID, job.To, job.Total)
	}
	if *detach {
		fmt.Fprintln(env.stdout, "running servers re-wrap the data keys; follow it with 'piivault keys --watch'")
		return exitOK
	}
	job, err = followJob(ctx, ke, job.ID, newProgress(env.stderr), cfg.Keys.RefreshInterval)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(env.stderr, "piivault rotate-key: interrupted; the rotation resumes from its last batch on the next run or on any server")
		return exitFail
	case err != nil:
		return fail(env, "rotate-key", err)
	case job.Status == vault.JobFailed:
		return fail(env, "rotate-key", fmt.Errorf("rotation %s failed: %s", job.ID, job.Reason))
	}
	fmt.Fprintf(env.stdout, "rotation %s done: %d data keys re-wrapped under version %d; older versions are retired\n",
		job.ID, job.Done, job.To)
	return exitOK
}

// followJob works on job id with ke's key manager, showing progress,
// until it is no longer running or ctx ends.
func followJob(ctx context.Context, ke *keyEnv, id string, p *progress, wait time.Duration) (*vault.KeyJob, error) {
	for {
		more := ke.km.Tick(ctx)
		job, err := ke.db.LatestKeyJob(ctx)
		if err != nil {
			return nil, err
		}
		if job.ID != id {
			return nil, fmt.Errorf("another rotation (%s) started meanwhile", job.ID)
		}
		p.show(job)
		if job.Status != vault.JobRunning {
			return job, nil
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			return job, ctx.Err()
		case <-time.After(wait):
		}
	}
}
