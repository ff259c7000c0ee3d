package vault

import (
	"context"
	"fmt"
)

// ApproveRequest applies an open request as root would apply the change
// and marks it approved, in one transaction: change-profile patches the
// profile, forget-me erases the user, change-app-data stores the body with
// the method it was sent with, agreement-withdraw withdraws the agreement.
// When the change fails (a duplicate index, a patch that no longer
// applies, a record that is gone), nothing changes and the request stays
// open. body may hold a reason (≤ 1024 bytes).
// Errors: EFORBIDDEN (not root); EINVALID "bad uuid", "bad reason";
// ENOTFOUND; ECONFLICT "wrong status: <status>"; the errors of the change.
func (s *Service) ApproveRequest(ctx context.Context, actor Actor, rtoken string, body map[string]any) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	reason, err := parseReason(body)
	if err != nil {
		return err
	}
	ev := Event{Title: "approve request", Actor: actor}
	q, user, err := s.ownedRequest(ctx, s.store, actor, rtoken)
	if err != nil {
		return s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	if q.Action == ActionForgetMe && q.Status == RequestOpen {
		// The erasure ledger is written before the transaction (see
		// logErasure), so it cannot run inside withAudit's function.
		if err := s.logErasure(ctx, user.Token, s.now()); err != nil {
			return err
		}
	}
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		q, user, err := s.openRequestIn(ctx, tx, q.RToken)
		if err != nil {
			return err
		}
		if err := s.closeRequest(ctx, tx, q, user, RequestApproved, reason, ""); err != nil {
			return err
		}
		return s.applyRequest(ctx, tx, &ev, q, user)
	})
	if err != nil {
		return err
	}
	if q.Action == ActionForgetMe {
		s.keys.ForgetDataKey(user.DataKey)
	}
	return nil
}

// applyRequest makes the change a request asked for, inside tx.
func (s *Service) applyRequest(ctx context.Context, tx Tx, ev *Event, q *RequestRecord, user *UserRecord) error {
	var change any
	if q.Change != nil {
		dk, err := s.userKey(user)
		if err != nil {
			return err
		}
		plain, err := s.openSealed(dk, q.Change, requestChangeAAD(q.RToken))
		if err != nil {
			return err
		}
		if change, err = DecodeDocument(plain); err != nil {
			return Wrap(EINTERNAL, "internal error", err)
		}
	}
	switch q.Action {
	case ActionChangeProfile:
		before, after, err := s.patchProfile(ctx, tx, user.Token, change)
		ev.Before, ev.After = before, after
		return err
	case ActionChangeAppData:
		return s.applyApp(ctx, tx, ev, user.Token, q.App, q.Method, change)
	case ActionForgetMe:
		if err := tx.EraseUser(ctx, user.Token, s.now()); err != nil {
			return err
		}
		return s.notify(ctx, tx, NotifyForgetMe, user.Token, "", "")
	case ActionAgreementWithdraw:
		return s.withdrawRequested(ctx, tx, user, q.Brief)
	}
	return fmt.Errorf("vault: approve request: unknown action %q", q.Action)
}

// CancelRequest cancels an open request. The owner's login token may
// cancel its own requests; its reason defaults to "user operation".
// body may hold a reason (≤ 1024 bytes).
// Errors: EINVALID "bad uuid", "bad reason"; ENOTFOUND; EFORBIDDEN;
// ECONFLICT "wrong status: <status>".
func (s *Service) CancelRequest(ctx context.Context, actor Actor, rtoken string, body map[string]any) error {
	reason, err := parseReason(body)
	if err != nil {
		return err
	}
	note := ""
	if reason == "" && actor.Kind == ActorLogin {
		note = NoteUserOperation
	}
	ev := Event{Title: "cancel request", Actor: actor}
	q, user, err := s.ownedRequest(ctx, s.store, actor, rtoken)
	if err != nil {
		return s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		q, user, err := s.openRequestIn(ctx, tx, q.RToken)
		if err != nil {
			return err
		}
		return s.closeRequest(ctx, tx, q, user, RequestCanceled, reason, note)
	})
}

// openRequestIn reads the request again inside tx, locking it and its
// user, and refuses it unless it is still open.
// Errors: ENOTFOUND; ECONFLICT "wrong status: <status>".
func (s *Service) openRequestIn(ctx context.Context, tx Tx, rtoken string) (*RequestRecord, *UserRecord, error) {
	q, err := tx.RequestByToken(ctx, rtoken)
	if err != nil {
		return nil, nil, err
	}
	user, err := s.lockUser(ctx, tx, q.UserToken)
	if err != nil {
		return nil, nil, err
	}
	if q.Status != RequestOpen {
		return nil, nil, Errorf(ECONFLICT, "wrong status: %s", q.Status)
	}
	return q, user, nil
}

// closeRequest moves q to status with reason (sealed under the user's key)
// or note.
func (s *Service) closeRequest(ctx context.Context, tx Tx, q *RequestRecord, user *UserRecord, status, reason, note string) error {
	q.Status, q.Note, q.Reason, q.When = status, note, nil, s.now()
	if reason != "" {
		dk, err := s.userKey(user)
		if err != nil {
			return err
		}
		q.Reason = dk.Seal([]byte(reason), requestReasonAAD(q.RToken))
	}
	return tx.CloseRequest(ctx, q)
}
