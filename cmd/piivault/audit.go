package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"piivault/internal/vault"
)

// auditLinkInterval is how often a server links new audit events into the
// chain: the window in which an event is stored but not yet tamper-evident.
const auditLinkInterval = time.Second

// runAudit serves "piivault audit verify": what GET /v1/audit/verify
// reports, from the database and the master key alone, so that an auditor
// needs no root token. It links pending events first, like the route, and
// is itself an audit event (identity "system"). Exit status 1 for a broken
// chain, which it names.
func runAudit(ctx context.Context, env *environ, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(env.stderr, "Usage: piivault audit verify [--data-dir DIR] [--config FILE]")
		return exitUsage
	}
	f := newFlags(env, "audit verify", "audit verify [--data-dir DIR] [--config FILE]",
		"Verifies the audit hash chain (api.md §11) from the retention checkpoint to the head and prints\n"+
			"the result. A broken chain names the first bad event and why (hash mismatch: edited or moved;\n"+
			"missing event: deleted) and exits 1. Needs the master key (keys.master_key), not the root token.",
		false, true)
	if status, done := f.parse(args[1:]); done {
		return status
	}
	cfg, status, done := f.load(nil)
	if done {
		return status
	}
	master, err := masterKeyOf(cfg)
	if err != nil {
		return fail(env, "audit verify", err)
	}
	release, err := lockDatabase(cfg, false)
	if err != nil {
		return fail(env, "audit verify", err)
	}
	defer release()
	db, err := openStore(ctx, cfg)
	if err != nil {
		return fail(env, "audit verify", err)
	}
	defer db.Close()
	keys, err := openKeyring(ctx, db, master)
	clear(master)
	if err != nil {
		return fail(env, "audit verify", err)
	}
	v, err := vault.NewService(db, keys, vault.Options{}).VerifyAudit(ctx, vault.Actor{Kind: vault.ActorSystem})
	if err != nil {
		return fail(env, "audit verify", err)
	}
	if v.Result == vault.AuditIntact {
		fmt.Fprintf(env.stdout, "audit chain intact: %d events checked\n", v.Checked)
		return exitOK
	}
	fmt.Fprintf(env.stdout, "audit chain BROKEN after %d good events: %s at event %q\n", v.Checked, v.Reason, v.AToken)
	return exitFail
}

// auditJobs links new audit events into the chain every second and deletes
// events past policy.max_audit_retention_period every interval (§1.13,
// §1.14), until ctx ends; the returned channel is closed once they have
// stopped. Every instance runs them: the chain lock makes instances take
// turns, so the chain stays one. Failures are logged (error chains carry no
// personal data) and retried on the next tick.
func (s *server) auditJobs(ctx context.Context, svc *vault.Service, interval time.Duration) <-chan struct{} {
	if interval <= 0 {
		interval = time.Minute
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		link := time.NewTicker(auditLinkInterval)
		defer link.Stop()
		prune := time.NewTicker(interval)
		defer prune.Stop()
		s.pruneAudit(ctx, svc)
		for {
			select {
			case <-ctx.Done():
				return
			case <-link.C:
				n, err := svc.LinkAudit(ctx)
				if ctx.Err() != nil {
					continue
				}
				// Every event is linked exactly once, so linked events count written ones.
				s.mets.AuditEvents(n)
				s.mets.JobRun("audit_link", err)
				if err != nil {
					s.logger.Error("audit chain: linking events failed", "err", err)
				}
			case <-prune.C:
				s.pruneAudit(ctx, svc)
			}
		}
	}()
	return done
}

func (s *server) pruneAudit(ctx context.Context, svc *vault.Service) {
	n, err := svc.PruneAudit(ctx, s.cfg.Policy.MaxAuditRetention)
	if ctx.Err() == nil {
		s.mets.JobRun("audit_retention", err)
	}
	switch {
	case ctx.Err() != nil:
	case err != nil:
		s.logger.Error("audit retention failed", "err", err, "deleted", n)
	case n > 0:
		s.logger.LogAttrs(ctx, slog.LevelInfo, "audit retention", slog.Int("deleted", n))
	}
}
