package main

import (
	"context"
	"log/slog"
	"time"

	"piivault/internal/config"
	"piivault/internal/delivery"
)

// adminNotice returns the mailer of request notices (api.md §8) when
// generic.admin_email is set and SMTP is configured, else nil.
func adminNotice(cfg *config.Config, logger *slog.Logger) *delivery.AdminNotice {
	if cfg.Generic.AdminEmail == "" {
		return nil
	}
	m := cfg.SMTP
	if m.Server == "" {
		logger.Warn("generic.admin_email is set but smtp.server is not: request notices cannot be sent")
		return nil
	}
	ch := &delivery.SMTP{Host: m.Server, Port: m.Port, Username: m.User, Password: m.Pass.Value(), From: m.Sender}
	return delivery.NewAdminNotice(ch, cfg.Generic.AdminEmail, logger)
}

// closeAdminNotice gives queued notices a few seconds to go out once
// serving has stopped.
func closeAdminNotice(ctx context.Context, n *delivery.AdminNotice, logger *slog.Logger) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := n.Close(cctx); err != nil {
		logger.Warn("request notices still queued at shutdown were not sent")
	}
}
