package vault

import (
	"context"
	"fmt"
	"time"
)

// NotificationSender delivers one notification. nil means the receiver
// accepted it; its errors must not quote the receiver's URL query or reply.
type NotificationSender interface {
	SendNotification(ctx context.Context, n *Notification) error
}

// NotificationPolicy paces deliveries. Zero values take the defaults noted.
type NotificationPolicy struct {
	// Batch is how many notifications one claim takes; default 16.
	Batch int
	// Timeout bounds one attempt; default 10 s.
	Timeout time.Duration
	// FirstRetry is the wait after the first failure, doubling after each
	// further one; default 5 s.
	FirstRetry time.Duration
	// MaxRetry caps the wait between attempts; default 1 h.
	MaxRetry time.Duration
	// MaxAge is how long after the change delivery is tried; default 24 h.
	MaxAge time.Duration
	// Failed, when set, is told of each failed attempt; Dropped of each
	// notification given up on (err is the last failure, nil when it was
	// already too old to try).
	Failed  func(n *Notification, err error)
	Dropped func(n *Notification, err error)
}

func (p NotificationPolicy) withDefaults() NotificationPolicy {
	if p.Batch <= 0 {
		p.Batch = 16
	}
	if p.Timeout <= 0 {
		p.Timeout = 10 * time.Second
	}
	if p.FirstRetry <= 0 {
		p.FirstRetry = 5 * time.Second
	}
	if p.MaxRetry <= 0 {
		p.MaxRetry = time.Hour
	}
	if p.MaxAge <= 0 {
		p.MaxAge = 24 * time.Hour
	}
	return p
}

// NotificationResult counts what one DeliverNotifications call did.
type NotificationResult struct {
	Delivered int
	Failed    int // attempts that failed and will be retried or were dropped
	Dropped   int
}

// notify queues a notification of action about the user inside tx, when
// notifications are enabled (notification.notification_url).
func (s *Service) notify(ctx context.Context, tx Tx, action, userToken, brief, status string) error {
	if !s.opts.Notifications || userToken == "" {
		return nil
	}
	if action == NotifyConsentChange && status == AgreementYes {
		// §15 reports a consent change as no, expired or revoked only: a
		// receiver written against it need not know "yes".
		return nil
	}
	now := s.clock.Now()
	return tx.InsertNotification(ctx, &Notification{
		ID: NewUUID(), Action: action, UserToken: userToken, Brief: brief, Status: status,
		Time: now.Unix(), NextAttempt: now.UnixMilli(),
	})
}

// DeliverNotifications sends the due notifications through send, a batch
// at a time, until none is due or ctx ends. Each is claimed first (its
// next attempt moved past the batch's end, in a transaction), so several
// instances sharing a database do not send one concurrently; a claim that
// outlives a crashed instance lapses and the notification is sent again.
// Delivered ones are deleted; failed ones are retried with exponential
// back-off until MaxAge after the change, then dropped.
// Errors: EUNAVAILABLE from the store; ctx's error.
func (s *Service) DeliverNotifications(ctx context.Context, send NotificationSender, p NotificationPolicy) (NotificationResult, error) {
	p = p.withDefaults()
	var res NotificationResult
	for ctx.Err() == nil {
		batch, err := s.claimNotifications(ctx, p)
		if err != nil || len(batch) == 0 {
			return res, err
		}
		for i, n := range batch {
			if ctx.Err() != nil {
				// Shutting down: what was not tried is due again at once.
				s.releaseNotifications(ctx, batch[i:])
				return res, ctx.Err()
			}
			if err := s.deliverNotification(ctx, send, p, n, &res); err != nil {
				s.releaseNotifications(ctx, batch[i+1:])
				return res, err
			}
		}
		if len(batch) < p.Batch {
			return res, nil
		}
	}
	return res, ctx.Err()
}

// claimNotifications leases at most p.Batch due notifications to this
// caller for as long as sending all of them may take.
func (s *Service) claimNotifications(ctx context.Context, p NotificationPolicy) ([]*Notification, error) {
	now := s.clock.Now().UnixMilli()
	// A plain read first, so that an empty queue costs no transaction.
	due, err := s.store.DueNotifications(ctx, now, p.Batch)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	until := now + (time.Duration(p.Batch)*p.Timeout + time.Minute).Milliseconds()
	var claimed []*Notification
	err = s.store.Update(ctx, func(tx Tx) error {
		claimed = claimed[:0]
		due, err := tx.DueNotifications(ctx, now, p.Batch)
		if err != nil {
			return err
		}
		for _, n := range due {
			ok, err := tx.LeaseNotification(ctx, n.ID, n.NextAttempt, until)
			if err != nil {
				return err
			}
			if ok {
				n.NextAttempt = until
				claimed = append(claimed, n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("vault: claim notifications: %w", err)
	}
	return claimed, nil
}

// deliverNotification makes one attempt at n and records its outcome.
// Only a store failure is returned.
func (s *Service) deliverNotification(ctx context.Context, send NotificationSender, p NotificationPolicy, n *Notification, res *NotificationResult) error {
	deadline := time.Unix(n.Time, 0).Add(p.MaxAge).UnixMilli()
	if s.clock.Now().UnixMilli() > deadline {
		res.Dropped++
		if p.Dropped != nil {
			p.Dropped(n, nil)
		}
		return s.store.Update(ctx, func(tx Tx) error { return tx.DeleteNotification(ctx, n.ID) })
	}
	sctx, cancel := context.WithTimeout(ctx, p.Timeout)
	sendErr := send.SendNotification(sctx, n)
	cancel()
	if sendErr == nil {
		res.Delivered++
		// Recorded even when shutdown has begun: it was delivered.
		dctx := context.WithoutCancel(ctx)
		return s.store.Update(dctx, func(tx Tx) error { return tx.DeleteNotification(dctx, n.ID) })
	}
	if ctx.Err() != nil {
		// Cut short by shutdown, not refused: try again at once next time.
		s.releaseNotifications(ctx, []*Notification{n})
		return ctx.Err()
	}
	res.Failed++
	if p.Failed != nil {
		p.Failed(n, sendErr)
	}
	n.Attempts++
	wait := p.MaxRetry
	if shift := n.Attempts - 1; shift < 32 {
		wait = min(p.FirstRetry<<shift, p.MaxRetry)
	}
	next := s.clock.Now().Add(wait).UnixMilli()
	if next > deadline {
		res.Dropped++
		if p.Dropped != nil {
			p.Dropped(n, sendErr)
		}
		return s.store.Update(ctx, func(tx Tx) error { return tx.DeleteNotification(ctx, n.ID) })
	}
	return s.store.Update(ctx, func(tx Tx) error { return tx.RetryNotification(ctx, n.ID, n.Attempts, next) })
}

// releaseNotifications makes claimed notifications due again at once, on
// the way out; a failure leaves their lease to lapse instead.
func (s *Service) releaseNotifications(ctx context.Context, ns []*Notification) {
	if len(ns) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := s.clock.Now().UnixMilli()
	_ = s.store.Update(ctx, func(tx Tx) error {
		for _, n := range ns {
			if err := tx.RetryNotification(ctx, n.ID, n.Attempts, now); err != nil {
				return err
			}
		}
		return nil
	})
}
