package vault

import (
	"context"
	"fmt"
)

// Results of a change that became a request (§3.4, §8).
const (
	ResultRequestCreated = "request-created"
	ResultRequestExists  = "request-exists"
)

// openRequest files a change of user for an administrator's approval
// (§8), inside tx. When an open request of the same (action, app, brief)
// exists, it returns ResultRequestExists with that request's rtoken and
// discards change; otherwise it stores a new open request, change (the
// submitted JSON, nil when none) sealed under the user's data key, and
// returns ResultRequestCreated with the new rtoken.
//
// It reads the user through tx first, which locks the user's row until the
// commit, so two requests of one user cannot both pass the existence check.
// The caller records the audit event ("user <action> request") around it.
// Errors: ErrNotFound when the user is gone; EUNAVAILABLE.
func (s *Service) openRequest(ctx context.Context, tx Tx, user *UserRecord, action, app, brief string, change []byte) (ChangeResult, error) {
	return s.fileRequest(ctx, tx, user, &RequestRecord{Action: action, App: app, Brief: brief}, change)
}

// fileRequest is openRequest for a prepared record (Action, App, Brief and
// Method set).
func (s *Service) fileRequest(ctx context.Context, tx Tx, user *UserRecord, req *RequestRecord, change []byte) (ChangeResult, error) {
	cur, err := tx.UserByToken(ctx, user.Token)
	if err != nil {
		return ChangeResult{}, err
	}
	if !cur.Live() {
		return ChangeResult{}, ErrNotFound
	}
	open, err := tx.OpenRequest(ctx, cur.Token, req.Action, req.App, req.Brief)
	switch {
	case err == nil:
		return ChangeResult{Token: cur.Token, Result: ResultRequestExists, RToken: open.RToken}, nil
	case ErrorCode(err) != ENOTFOUND:
		return ChangeResult{}, err
	}
	req.RToken = NewUUID()
	req.UserToken = cur.Token
	req.Status = RequestOpen
	req.Created = s.now()
	req.When = req.Created
	if change != nil {
		dk, err := s.userKey(cur)
		if err != nil {
			return ChangeResult{}, err
		}
		req.Change = dk.Seal(change, requestChangeAAD(req.RToken))
	}
	if err := tx.InsertRequest(ctx, req); err != nil {
		return ChangeResult{}, fmt.Errorf("vault: file request: %w", err)
	}
	return ChangeResult{Token: cur.Token, Result: ResultRequestCreated, RToken: req.RToken}, nil
}

func requestChangeAAD(rtoken string) []byte { return AAD("requests", "change_doc", rtoken) }
func requestReasonAAD(rtoken string) []byte { return AAD("requests", "reason", rtoken) }
