package vault

import (
	"context"
	"errors"
	"fmt"
)

// Event describes the audit event of one use case (§1.13, titles in §2).
// Use cases fill it in and hand it to withAudit (changes) or auditRead
// (reads); the audit implementation seals Who, Before and After under the
// subject's data key, chains the event and stores it in the transaction of
// the change, so that no change commits without its event (fail closed).
type Event struct {
	Title  string // the §2 title, with <mode>/<brief>/<activity> filled in
	Actor  Actor  // who acted
	Mode   Mode   // the mode used in the path, "" when none
	Who    string // the normalised identity used in the path (plaintext here, never stored as such)
	Record string // user token of the subject, "" when none
	App    string // app name for app-record events
	Msg    string // the error message for failures; "250 tokens" for bulk token calls
	Before []byte // plaintext JSON copy of the document before a change, or nil
	After  []byte // plaintext JSON copy after a change, or nil

	// key, set by a change's fn that holds the subject live in its
	// transaction (it just created or locked the user), is the subject's
	// data key: the event is then sealed without looking the subject up
	// again, which on SQLite is work for the single writer.
	key DataKey
}

// Audit statuses (§1.13).
const (
	auditOK    = "ok"
	auditError = "error"
)

// errAuditWrite marks a failure to store an event, which must become a 503
// rather than whatever code the cause carries.
type errAuditWrite struct{ err error }

func (e *errAuditWrite) Error() string { return "vault: store audit event: " + e.err.Error() }
func (e *errAuditWrite) Unwrap() error { return e.err }

// withAudit runs fn and stores ev in the same transaction, so the change and
// its event commit together or not at all. fn may set fields of ev (the
// record it created, before/after copies); it may run more than once, so it
// must set them on every run.
//
// When fn fails with an error worth recording (see recordable), the failure
// is stored as a separate event with status "error" and Msg set to the
// public message, and fn's error is returned. If an event cannot be stored,
// nothing of the change commits and the error is EUNAVAILABLE "service
// unavailable" (fail closed).
func (s *Service) withAudit(ctx context.Context, ev *Event, fn func(tx Tx) error) error {
	return s.auditFailure(ctx, ev, s.updateWithEvent(ctx, ev, fn))
}

// updateWithEvent is withAudit without recording a failure, for callers
// that may run the change again (see updateTokens) and record only the
// final outcome with auditFailure.
func (s *Service) updateWithEvent(ctx context.Context, ev *Event, fn func(tx Tx) error) error {
	var changed bool // fn succeeded on the run that counts: the event is ours to store
	err := s.store.Update(ctx, func(tx Tx) error {
		changed = false
		if err := fn(tx); err != nil {
			return err
		}
		changed = true
		rec, err := s.eventRecord(ctx, tx, ev, auditOK, ev.Msg, true, ev.key)
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, rec)
	})
	if err != nil && (changed || isAuditWrite(err)) {
		// The change and its event were rolled back together, or their
		// commit failed: either way nothing was done.
		return auditUnavailable(err)
	}
	return err
}

// auditRead records the outcome of a read (err nil for success) and returns
// err, or an EUNAVAILABLE error when the event could not be stored: a read's
// event commits before its data is returned (fail closed).
func (s *Service) auditRead(ctx context.Context, ev *Event, err error) error {
	if err != nil {
		return s.auditFailure(ctx, ev, err)
	}
	return s.storeEvent(ctx, ev, auditOK, ev.Msg, true, ev.key)
}

// auditFailure stores the failure err of ev's use case as an event with
// status "error" when it is recordable, and returns err (nil for nil); or
// EUNAVAILABLE when the event cannot be stored.
func (s *Service) auditFailure(ctx context.Context, ev *Event, err error) error {
	if err == nil || !recordable(ev, err) {
		return err
	}
	// ev.key is not used: a failed change may have set it for a subject
	// its rolled-back transaction created.
	if werr := s.storeEvent(ctx, ev, auditError, ErrorMessage(err), false, nil); werr != nil {
		return werr
	}
	return err
}

// storeEvent stores the event of a read or of a failure in a transaction
// of its own. The subject is looked up and the event sealed before the
// transaction, without locking the subject's row: an erasure that commits
// in between leaves the event sealed under a destroyed key, which is as
// unreadable as none. It keeps this work off SQLite's single writer. key,
// when the caller has it, is the subject's data key and saves the lookup.
// Errors: EUNAVAILABLE.
func (s *Service) storeEvent(ctx context.Context, ev *Event, status, msg string, copies bool, key DataKey) error {
	rec, err := s.eventRecord(ctx, s.store, ev, status, msg, copies, key)
	if err == nil {
		err = s.store.AppendAuditEvent(ctx, rec)
	}
	if err != nil {
		return auditUnavailable(err)
	}
	return nil
}

// recordable reports whether a failure is an audit event (§1.13): those
// decided after authentication by the use case itself (400, 404, 409, 500).
// 401 and 429 never are; neither is a 403, except for a known subject
// (Record set): that is a failed login for a live user (§6), since use cases
// set Record only once the ownership guard has passed, so a login token
// probing another subject leaves no trace. A 503 is not recorded either:
// the storage it would go to is what failed.
func recordable(ev *Event, err error) bool {
	switch ErrorCode(err) {
	case EUNAUTHORIZED, ETOOMANY, EUNAVAILABLE:
		return false
	case EFORBIDDEN:
		return ev.Record != ""
	}
	return true
}

// eventRecord builds the stored form of ev, sealed under key or, when key
// is nil, under the key of the subject as r shows it. copies says whether
// Before and After belong to this outcome (not to a failure).
func (s *Service) eventRecord(ctx context.Context, r Reader, ev *Event, status, msg string, copies bool, key DataKey) (*AuditRecord, error) {
	rec := &AuditRecord{
		AToken:   NewUUID(),
		Identity: actorIdentity(ev.Actor),
		Mode:     string(ev.Mode),
		Record:   ev.Record,
		App:      ev.App,
		Msg:      msg,
		Status:   status,
		Title:    ev.Title,
		When:     s.now(),
	}
	if err := s.sealEvent(ctx, r, ev, rec, copies, key); err != nil {
		return nil, &errAuditWrite{err}
	}
	return rec, nil
}

// insertEvent inserts rec in tx, marking a failure as the event's.
func insertEvent(ctx context.Context, tx Tx, rec *AuditRecord) error {
	if err := tx.InsertAuditEvent(ctx, rec); err != nil {
		return &errAuditWrite{err}
	}
	return nil
}

// sealEvent fills Who, Before and After of rec. They are sealed under the
// data key of the subject as r shows it (for a change: inside its
// transaction), so an event of a user erased in the same transaction (or
// before) keeps none of them: nothing personal is ever stored in the
// clear, and nothing outlives the data key. The token digest of §12 (no
// mode, no subject) is the only "who" stored as it is.
func (s *Service) sealEvent(ctx context.Context, r Reader, ev *Event, rec *AuditRecord, copies bool, dk DataKey) error {
	if ev.Record == "" {
		if ev.Mode == "" && isTokenDigest(ev.Who) {
			rec.WhoDigest = ev.Who
		}
		return nil
	}
	if ev.Who == "" && (!copies || ev.Before == nil && ev.After == nil) {
		return nil
	}
	if dk == nil {
		u, err := r.UserByToken(ctx, ev.Record)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			return nil
		case err != nil:
			return err
		case !u.Live():
			return nil
		}
		if dk, err = s.userKey(u); err != nil {
			// A damaged data key: record the event without the sealed
			// parts rather than refuse it or store them in the clear.
			return nil
		}
	}
	if ev.Who != "" {
		rec.Who = dk.Seal([]byte(ev.Who), auditAAD("who", rec.AToken))
	}
	if copies && ev.Before != nil {
		rec.Before = dk.Seal(ev.Before, auditAAD("before", rec.AToken))
	}
	if copies && ev.After != nil {
		rec.After = dk.Seal(ev.After, auditAAD("after", rec.AToken))
	}
	return nil
}

// auditAAD binds a sealed part of an event to its column and event.
func auditAAD(column, atoken string) []byte { return AAD("audit_events", column, atoken) }

// isTokenDigest reports whether who has the form "sha256:" + 16 lower-case
// hex digits, the stand-in for a vault token in events of §12.
func isTokenDigest(who string) bool {
	const prefix = "sha256:"
	if len(who) != len(prefix)+16 || who[:len(prefix)] != prefix {
		return false
	}
	for _, c := range who[len(prefix):] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// actorIdentity is the "identity" of an event (§1.13).
func actorIdentity(a Actor) string {
	switch a.Kind {
	case ActorRoot:
		return "root"
	case ActorLogin:
		return "login:" + a.UserToken
	case ActorScoped:
		return "scoped:" + a.Name
	case ActorSystem:
		return "system"
	}
	return "anonymous"
}

func isAuditWrite(err error) bool {
	var aw *errAuditWrite
	return errors.As(err, &aw)
}

// auditUnavailable is the answer when an event could not be stored: 503,
// whatever the cause, with the cause kept for the log.
func auditUnavailable(err error) error {
	return Wrap(EUNAVAILABLE, ErrUnavailable.Message, fmt.Errorf("vault: audit event not stored: %w", err))
}
