package main

import (
	"context"
	"time"

	"piivault/internal/vault"
	"piivault/internal/webhook"
)

// notifyPoll is how often the dispatcher looks for due notifications. The
// look is one indexed read, so a short interval costs little and keeps the
// delay between a change and its notification to a few seconds.
const notifyPoll = 2 * time.Second

// notifications delivers the queued outgoing notifications (api.md §15)
// to url, signed with secret when set, every notifyPoll until ctx ends; the
// returned channel is closed once it has stopped. An attempt in flight at
// shutdown is cut short and tried again after the restart. Logs name the
// action and the delivery id, never the user token, body or URL.
func (s *server) notifications(ctx context.Context, svc *vault.Service, url, secret string) <-chan struct{} {
	sender := webhook.New(url, secret, nil)
	policy := vault.NotificationPolicy{
		Failed: func(n *vault.Notification, err error) {
			s.mets.NotificationFailed()
			s.logger.Warn("notification delivery failed, will retry", "event", n.Action, "delivery", n.ID,
				"attempt", n.Attempts+1, "err", err)
		},
		Dropped: func(n *vault.Notification, err error) {
			attrs := []any{"event", n.Action, "delivery", n.ID, "attempts", n.Attempts}
			if err != nil {
				attrs = append(attrs, "err", err)
			}
			s.logger.Warn("notification dropped: not delivered within 24 hours", attrs...)
		},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(notifyPoll)
		defer tick.Stop()
		for {
			res, err := svc.DeliverNotifications(ctx, sender, policy)
			s.mets.NotificationsDelivered(res.Delivered)
			if ctx.Err() != nil {
				return
			}
			if err != nil || res != (vault.NotificationResult{}) {
				s.mets.JobRun("notifications", err)
			}
			if err != nil {
				s.logger.Error("notification dispatch failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return done
}
