package vault

import (
	"context"
	"errors"
	"strings"
)

// ExpirationView is a user's erasure schedule (GET /v1/exp/status, §10).
// All fields are zero when there is none.
type ExpirationView struct {
	ExpTime int64
	Status  string // ExpWait, ExpRetain or ""
	Token   string // the retain/delete link token while waiting, else ""
}

// StartExpiration schedules the erasure of the user id names (root only):
// body "expiration" is required (capped by policy.max_user_retention_period),
// "status" may only be "wait". It replaces any earlier schedule and link
// token and returns the new link token.
// Errors: EFORBIDDEN; EINVALID "bad expiration", "bad status"; ENOTFOUND.
func (s *Service) StartExpiration(ctx context.Context, actor Actor, id Identity, body map[string]any) (string, error) {
	if actor.Kind != ActorRoot {
		return "", ErrAccessDenied
	}
	v, ok := body["expiration"]
	if !ok {
		return "", errBadExpiration
	}
	cap := s.opts.MaxUserRetention
	if cap <= 0 {
		cap = Month
	}
	end, err := ExpirationEnd(v, s.clock.Now(), cap)
	if err != nil {
		return "", err
	}
	switch st := body["status"].(type) {
	case nil:
	case string:
		if strings.TrimSpace(st) != ExpWait {
			return "", errBadStatus
		}
	default:
		return "", errBadStatus
	}
	ev := Event{Title: "start expiration by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return "", s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	token := NewUUID()
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		cur, err := s.lockUser(ctx, tx, user.Token)
		if err != nil {
			return err
		}
		dk, err := s.userKey(cur)
		if err != nil {
			return err
		}
		ev.key = dk // the user is locked: the event needs no second lookup
		return tx.PutExpiration(ctx, &ExpirationRecord{UserToken: cur.Token, ExpTime: end, Status: ExpWait,
			TokenKey: s.expTokenKey(token), SealedToken: dk.Seal([]byte(token), expTokenAAD(cur.Token))})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// ExpirationStatus returns the user's schedule. Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) ExpirationStatus(ctx context.Context, actor Actor, id Identity) (ExpirationView, error) {
	ev := Event{Title: "get expiration status by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return ExpirationView{}, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	v, err := s.expiration(ctx, user)
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return ExpirationView{}, err
	}
	return v, nil
}

// expiration reads and opens a live user's schedule.
func (s *Service) expiration(ctx context.Context, user *UserRecord) (ExpirationView, error) {
	e, err := s.store.Expiration(ctx, user.Token)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return ExpirationView{}, nil
	case err != nil:
		return ExpirationView{}, err
	}
	v := ExpirationView{ExpTime: e.ExpTime, Status: e.Status}
	if e.SealedToken != nil {
		dk, err := s.userKey(user)
		if err != nil {
			return ExpirationView{}, err
		}
		t, err := s.openSealed(dk, e.SealedToken, expTokenAAD(user.Token))
		if err != nil {
			return ExpirationView{}, err
		}
		v.Token = string(t)
	}
	return v, nil
}

// CancelExpiration clears the user's schedule and link token.
// Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) CancelExpiration(ctx context.Context, actor Actor, id Identity) error {
	ev := Event{Title: "cancel expiration by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		if _, err := s.lockUser(ctx, tx, user.Token); err != nil {
			return err
		}
		return tx.DeleteExpiration(ctx, user.Token)
	})
}

// RetainByLink keeps the user whose link token exptoken is (the tokenless
// retain link): the status becomes retain, the time 0, the token is used up.
// Errors: ENOTFOUND (malformed, unknown or used token).
func (s *Service) RetainByLink(ctx context.Context, exptoken string) error {
	ev := Event{Title: "retain user record", Actor: Actor{Kind: ActorAnonymous}}
	e, err := s.linkExpiration(ctx, s.store, exptoken)
	if err != nil {
		return s.auditFailure(ctx, &ev, err)
	}
	ev.Record = e.UserToken
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		e, err := s.linkExpiration(ctx, tx, exptoken)
		if err != nil {
			return err
		}
		if _, err := s.lockUser(ctx, tx, e.UserToken); err != nil {
			return err
		}
		return tx.PutExpiration(ctx, &ExpirationRecord{UserToken: e.UserToken, Status: ExpRetain})
	})
}

// DeleteByLink erases the user whose link token exptoken is (the tokenless
// delete link), as §3.5 does. Errors: ENOTFOUND (malformed, unknown or
// used token, or the user is gone).
func (s *Service) DeleteByLink(ctx context.Context, exptoken string) error {
	ev := Event{Title: "expire user record", Actor: Actor{Kind: ActorAnonymous}}
	e, err := s.linkExpiration(ctx, s.store, exptoken)
	var user *UserRecord
	if err == nil {
		ev.Record = e.UserToken
		user, err = s.store.UserByToken(ctx, e.UserToken)
		if err == nil && !user.Live() {
			err = ErrNotFound
		}
	}
	if err != nil {
		return s.auditFailure(ctx, &ev, err)
	}
	return s.eraseWith(ctx, &ev, user, func(tx Tx) error {
		_, err := s.linkExpiration(ctx, tx, exptoken)
		return err
	})
}

// linkExpiration finds the waiting schedule of a link token.
func (s *Service) linkExpiration(ctx context.Context, r Reader, exptoken string) (*ExpirationRecord, error) {
	if !IsUUID(exptoken) {
		return nil, ErrNotFound
	}
	e, err := r.ExpirationByKey(ctx, s.expTokenKey(strings.ToLower(exptoken)))
	if err != nil {
		return nil, err
	}
	if e.Status != ExpWait {
		return nil, ErrNotFound
	}
	return e, nil
}

// EraseDueUsers erases, as the system, every user whose schedule is wait
// and whose time has passed (§1.14, audit title "expire user record"), in
// bounded batches, and returns how many it erased. A schedule canceled or
// retained meanwhile is skipped. Several instances may run it at once: an
// erasure already done elsewhere is skipped too.
func (s *Service) EraseDueUsers(ctx context.Context) (int, error) {
	now := s.now()
	erased := 0
	for ctx.Err() == nil {
		due, err := s.store.DueExpirations(ctx, now, sweepBatch)
		if err != nil {
			return erased, err
		}
		for _, token := range due {
			done, err := s.eraseDue(ctx, token, now)
			if err != nil {
				return erased, err
			}
			if done {
				erased++
			}
		}
		if len(due) < sweepBatch {
			break
		}
	}
	return erased, ctx.Err()
}

// eraseDue erases one user whose schedule was due at now, unless it no
// longer is.
func (s *Service) eraseDue(ctx context.Context, token string, now int64) (bool, error) {
	stillDue := func(r Reader) error {
		e, err := r.Expiration(ctx, token)
		if err != nil {
			return err
		}
		if e.Status != ExpWait || e.ExpTime > now {
			return errNotDue
		}
		return nil
	}
	user, err := s.store.UserByToken(ctx, token)
	if err == nil && !user.Live() {
		err = ErrNotFound
	}
	if err == nil {
		// Checked again right before the ledger entry, so that a schedule
		// canceled since the scan leaves no entry behind.
		err = stillDue(s.store)
	}
	switch {
	case ErrorCode(err) == ENOTFOUND, errors.Is(err, errNotDue):
		return false, nil
	case err != nil:
		return false, err
	}
	ev := Event{Title: "expire user record", Actor: Actor{Kind: ActorSystem}, Record: token}
	err = s.eraseWith(ctx, &ev, user, func(tx Tx) error { return stillDue(tx) })
	switch {
	case ErrorCode(err) == ENOTFOUND, errors.Is(err, errNotDue):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// errNotDue skips a schedule that changed after the scan. It is uncoded
// on purpose: a skipped erasure is no audit event.
var errNotDue = errors.New("vault: expiration no longer due")

// fillExpirations sets EndTime and ExpStatus of user list rows (§3.6).
func (s *Service) fillExpirations(ctx context.Context, rows []UserRow) error {
	tokens := make([]string, len(rows))
	for i, r := range rows {
		tokens[i] = r.Token
	}
	exps, err := s.store.ExpirationsOf(ctx, tokens)
	if err != nil {
		return err
	}
	for i := range rows {
		if e, ok := exps[rows[i].Token]; ok {
			rows[i].EndTime, rows[i].ExpStatus = e.ExpTime, e.Status
		}
	}
	return nil
}

// eraseWith erases a live user as §3.5 does, recording ev: the erasure
// ledger first, then check and the erasure in one transaction, then the
// cached data key is dropped. check may refuse the erasure.
func (s *Service) eraseWith(ctx context.Context, ev *Event, user *UserRecord, check func(tx Tx) error) error {
	now := s.now()
	if err := s.logErasure(ctx, user.Token, now); err != nil {
		return err
	}
	err := s.withAudit(ctx, ev, func(tx Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		if err := tx.EraseUser(ctx, user.Token, now); err != nil {
			return err
		}
		return s.notify(ctx, tx, NotifyForgetMe, user.Token, "", "")
	})
	if err != nil {
		return err
	}
	s.keys.ForgetDataKey(user.DataKey)
	return nil
}

func (s *Service) expTokenKey(token string) string { return s.keys.BlindIndex("exptoken", token) }

func expTokenAAD(userToken string) []byte { return AAD("expirations", "exptoken", userToken) }
