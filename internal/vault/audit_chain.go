package vault

import (
	"context"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"time"
)

// AuditMACer is the MAC of the audit hash chain. envelope.Keyring
// implements it; the Keys given to NewService must, for the chain to be
// built and verified.
type AuditMACer interface {
	// AuditMAC returns the MAC of msg linked to prev, the previous MAC.
	AuditMAC(prev, msg []byte) []byte
}

// auditBatch bounds one chainer or pruner transaction, so that neither
// holds the chain lock (or SQLite's writer) for long.
const auditBatch = 500

// The chain (§1.13): the request path only inserts events. LinkAudit, run
// by the background job of every instance and by verification, takes the
// chain lock (the anchor rows, locked in the transaction), reads the events
// not linked yet in insertion order and gives each the next seq, the atoken
// of its predecessor and Hash = AuditMAC(predecessor's Hash, canonical
// encoding of the event). The head anchor records the last link, so removing
// the newest events is noticed; the checkpoint anchor records where
// retention cut the chain. Anchors carry a MAC of their own.

var (
	errNoChainKey = errors.New("vault: the keys cannot MAC the audit chain")
	// errHeadBroken stops the chainer at a head that fails its MAC: linking
	// on from it would give the forged head a valid MAC and hide what was
	// done. Events keep being stored, unlinked, and verify reports the head.
	errHeadBroken = errors.New("vault: the audit chain head fails its MAC; events stay unlinked until it is investigated")
)

// LinkAudit links every event not yet in the chain, in batches, and returns
// how many it linked. Several instances may run it at once: the chain lock
// makes them take turns, so the chain never forks. It refuses to extend a
// head that fails its MAC (EINTERNAL), so that a forged head stays visible.
// Errors: EUNAVAILABLE; EINTERNAL.
func (s *Service) LinkAudit(ctx context.Context) (int, error) {
	mac, ok := s.keys.(AuditMACer)
	if !ok {
		return 0, errNoChainKey
	}
	total := 0
	for {
		// Looking outside a transaction first keeps an idle job from taking
		// the lock (and, on SQLite, a writer slot) every second.
		pending, err := s.store.UnlinkedAuditEvents(ctx, 1)
		if err != nil || len(pending) == 0 {
			return total, err
		}
		var n int
		err = s.store.Update(ctx, func(tx Tx) error {
			n = 0
			head, _, err := tx.AuditAnchors(ctx)
			if err != nil {
				return err
			}
			if !anchorValid(mac, AuditHead, head) {
				return errHeadBroken
			}
			events, err := tx.UnlinkedAuditEvents(ctx, auditBatch)
			if err != nil || len(events) == 0 {
				return err
			}
			for _, e := range events {
				e.Seq, e.PrevAToken = head.Seq+1, head.AToken
				e.Hash = mac.AuditMAC(head.Hash, canonicalEvent(e))
				head = AuditAnchor{Seq: e.Seq, Hash: e.Hash, AToken: e.AToken}
			}
			if err := tx.LinkAuditEvents(ctx, events); err != nil {
				return err
			}
			n = len(events)
			head.MAC = anchorMAC(mac, AuditHead, head)
			return tx.SetAuditAnchor(ctx, AuditHead, head)
		})
		total += n
		if err != nil || n < auditBatch {
			return total, err
		}
	}
}

// canonicalEvent is the byte string an event's Hash covers: every stored
// field (ciphertexts as stored) and its place in the chain, each
// length-prefixed so that no two events encode alike.
func canonicalEvent(e *AuditRecord) []byte {
	b := make([]byte, 0, 256+len(e.Who)+len(e.Before)+len(e.After))
	b = append(b, "piivault audit event v1"...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.ID))
	b = binary.BigEndian.AppendUint64(b, uint64(e.When))
	for _, f := range [...][]byte{
		[]byte(e.AToken), []byte(e.PrevAToken), []byte(e.Identity), []byte(e.Mode), e.Who, []byte(e.WhoDigest),
		[]byte(e.Record), []byte(e.App), []byte(e.Msg), []byte(e.Status), []byte(e.Title), e.Before, e.After,
	} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// anchorMAC binds an anchor's fields to its name under the chain key.
func anchorMAC(mac AuditMACer, name string, a AuditAnchor) []byte {
	b := make([]byte, 0, 64)
	b = append(b, "piivault audit anchor v1 "...)
	b = append(b, name...)
	b = binary.BigEndian.AppendUint64(b, uint64(a.Seq))
	b = binary.BigEndian.AppendUint32(b, uint32(len(a.AToken)))
	b = append(b, a.AToken...)
	return mac.AuditMAC(a.Hash, b)
}

// anchorValid reports whether a is the empty anchor of a new chain or
// carries a valid MAC.
func anchorValid(mac AuditMACer, name string, a AuditAnchor) bool {
	if a.Seq == 0 && len(a.Hash) == 0 && a.AToken == "" && len(a.MAC) == 0 {
		return true
	}
	return subtle.ConstantTimeCompare(a.MAC, anchorMAC(mac, name, a)) == 1
}

// PruneAudit deletes the events older than maxAge
// (policy.max_audit_retention_period; 0 keeps every event) from the start
// of the chain, in batches, and moves the checkpoint to the last one deleted, so
// that verification starts after them. It checks the links of what it
// deletes first and stops, keeping the evidence, at a broken one. It
// returns how many events it deleted.
// Errors: EUNAVAILABLE; EINTERNAL (a broken chain among the old events).
func (s *Service) PruneAudit(ctx context.Context, maxAge time.Duration) (int, error) {
	if maxAge <= 0 {
		return 0, nil
	}
	mac, ok := s.keys.(AuditMACer)
	if !ok {
		return 0, errNoChainKey
	}
	if _, err := s.LinkAudit(ctx); err != nil {
		return 0, err
	}
	cutoff := s.clock.Now().Add(-maxAge).Unix()
	total := 0
	for {
		var n int
		err := s.store.Update(ctx, func(tx Tx) error {
			n = 0
			_, cp, err := tx.AuditAnchors(ctx)
			if err != nil {
				return err
			}
			if !anchorValid(mac, AuditCheckpoint, cp) {
				return errors.New("vault: prune audit: the checkpoint fails its MAC")
			}
			events, err := tx.AuditChain(ctx, cp.Seq, auditBatch)
			if err != nil {
				return err
			}
			for _, e := range events {
				if e.When >= cutoff {
					break
				}
				if e.Seq != cp.Seq+1 || e.PrevAToken != cp.AToken ||
					subtle.ConstantTimeCompare(e.Hash, mac.AuditMAC(cp.Hash, canonicalEvent(e))) != 1 {
					return errors.New("vault: prune audit: the chain is broken among the events past retention; kept them")
				}
				cp = AuditAnchor{Seq: e.Seq, Hash: e.Hash, AToken: e.AToken}
				n++
			}
			if n == 0 {
				return nil
			}
			if _, err := tx.DeleteAuditEvents(ctx, cp.Seq); err != nil {
				return err
			}
			cp.MAC = anchorMAC(mac, AuditCheckpoint, cp)
			return tx.SetAuditAnchor(ctx, AuditCheckpoint, cp)
		})
		total += n
		if err != nil || n < auditBatch {
			return total, err
		}
	}
}
