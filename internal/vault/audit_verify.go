package vault

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
)

// AuditVerdict is the outcome of verifying the audit chain (§11).
type AuditVerdict struct {
	Result  string // "ok" or "broken"
	Checked int    // events whose link verified, from the checkpoint on
	AToken  string // broken: the first bad event ("" when the anchors themselves are bad and name none)
	Reason  string // broken: "hash mismatch" or "missing event"
}

// Verdict results and reasons (§11).
const (
	AuditIntact   = "ok"
	AuditBroken   = "broken"
	ReasonHash    = "hash mismatch"
	ReasonMissing = "missing event"
)

// VerifyAudit links the pending events, then checks the whole chain from
// the retention checkpoint to the head: every event's MAC, predecessor and
// place, and that the head names the last event. A broken chain is a
// finding, not an error: the verdict names the first bad event. An edited
// or moved event is a "hash mismatch"; a removed one a "missing event",
// named by the atoken its successor (or the head) recorded, which for a run
// of removed events is the last of the run. Root and background jobs
// (ActorSystem, the CLI) may verify; the verification is itself audited.
//
// What it cannot see: events removed before the chainer linked them (it
// runs every second), and the newest events removed together with a head
// rolled back to an earlier state copied from the database; an external
// copy of the head (the job logs it) covers the latter.
// Errors: EFORBIDDEN; EUNAVAILABLE.
func (s *Service) VerifyAudit(ctx context.Context, actor Actor) (AuditVerdict, error) {
	if actor.Kind != ActorRoot && actor.Kind != ActorSystem {
		return AuditVerdict{}, ErrAccessDenied
	}
	v, err := s.verifyAudit(ctx)
	if err := s.auditRead(ctx, &Event{Title: "verify audit chain", Actor: actor}, err); err != nil {
		return AuditVerdict{}, err
	}
	return v, nil
}

func (s *Service) verifyAudit(ctx context.Context) (AuditVerdict, error) {
	mac, ok := s.keys.(AuditMACer)
	if !ok {
		return AuditVerdict{}, errNoChainKey
	}
	// A forged head stops the chainer; the walk below reports it.
	if _, err := s.LinkAudit(ctx); err != nil && !errors.Is(err, errHeadBroken) {
		return AuditVerdict{}, err
	}
	// Retention may cut the start of the chain while the walk reads it;
	// the walk then starts again from the new checkpoint.
	for attempt := 0; ; attempt++ {
		v, moved, err := s.walkAudit(ctx, mac)
		if err != nil || !moved || attempt == 2 {
			return v, err
		}
	}
}

// walkAudit verifies the chain once. moved reports that the checkpoint
// moved during the walk, which explains (and voids) a gap at the start.
func (s *Service) walkAudit(ctx context.Context, mac AuditMACer) (v AuditVerdict, moved bool, err error) {
	head, cp, err := s.store.AuditAnchors(ctx)
	if err != nil {
		return v, false, err
	}
	broken := func(atoken, reason string) AuditVerdict {
		return AuditVerdict{Result: AuditBroken, Checked: v.Checked, AToken: atoken, Reason: reason}
	}
	switch {
	case !anchorValid(mac, AuditCheckpoint, cp):
		return broken(cp.AToken, ReasonHash), false, nil
	case !anchorValid(mac, AuditHead, head):
		return broken(head.AToken, ReasonHash), false, nil
	}
	prev := cp
walk:
	for prev.Seq < head.Seq {
		events, err := s.store.AuditChain(ctx, prev.Seq, auditBatch)
		if err != nil {
			return v, false, err
		}
		if len(events) == 0 {
			break
		}
		for _, e := range events {
			switch {
			case e.Seq > head.Seq: // linked after the head was read
				break walk
			case e.Seq != prev.Seq+1:
				if moved, err := s.checkpointMoved(ctx, cp); err != nil || moved {
					return v, moved, err
				}
				return broken(e.PrevAToken, ReasonMissing), false, nil
			case e.PrevAToken != prev.AToken ||
				subtle.ConstantTimeCompare(e.Hash, mac.AuditMAC(prev.Hash, canonicalEvent(e))) != 1:
				return broken(e.AToken, ReasonHash), false, nil
			}
			prev = AuditAnchor{Seq: e.Seq, Hash: e.Hash, AToken: e.AToken}
			v.Checked++
		}
	}
	switch {
	case prev.Seq < head.Seq:
		if moved, err := s.checkpointMoved(ctx, cp); err != nil || moved {
			return v, moved, err
		}
		return broken(head.AToken, ReasonMissing), false, nil
	case prev.Seq > head.Seq || !bytes.Equal(prev.Hash, head.Hash) || prev.AToken != head.AToken:
		return broken(head.AToken, ReasonHash), false, nil
	}
	// A linked event beyond a head that nobody moved means the head was
	// set back.
	beyond, err := s.store.AuditChain(ctx, head.Seq, 1)
	if err != nil || len(beyond) == 0 {
		return AuditVerdict{Result: AuditIntact, Checked: v.Checked}, false, err
	}
	now, _, err := s.store.AuditAnchors(ctx)
	if err != nil {
		return v, false, err
	}
	if now.Seq == head.Seq {
		return broken(beyond[0].AToken, ReasonHash), false, nil
	}
	return AuditVerdict{Result: AuditIntact, Checked: v.Checked}, false, nil
}

// checkpointMoved reports whether retention moved the checkpoint since cp
// was read.
func (s *Service) checkpointMoved(ctx context.Context, cp AuditAnchor) (bool, error) {
	_, now, err := s.store.AuditAnchors(ctx)
	if err != nil {
		return false, err
	}
	return now.Seq != cp.Seq, nil
}
