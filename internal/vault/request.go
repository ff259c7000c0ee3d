package vault

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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
	cur, err := s.lockUser(ctx, tx, user.Token)
	if err != nil {
		return ChangeResult{}, err
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

// RequestRow is one row of the request lists (§8).
type RequestRow struct {
	Action  string
	App     string // "" unless change-app-data
	Brief   string // "" unless agreement-withdraw
	Created int64
	More    bool   // the request carries a change
	Reason  string // "" when none (or no longer readable after erasure)
	RToken  string
	Status  string
	Token   string // user token
	When    int64  // last status change
}

// RequestView is one request with what it would change (GET
// /v1/request/{rtoken}). Original is the current profile (change-profile,
// forget-me), the current app record or {} (change-app-data), or the
// agreement (agreement-withdraw, see Agreement); Change is the submitted
// change, nil for forget-me and agreement-withdraw.
type RequestView struct {
	Action    string
	App       string
	Brief     string
	Original  json.RawMessage
	Agreement *AgreementView
	Change    json.RawMessage
}

var (
	errBadStatus = &Error{Code: EINVALID, Message: "bad status"}
	errBadReason = &Error{Code: EINVALID, Message: "bad reason"}
)

// maxReason bounds a request's reason (§8).
const maxReason = 1024

// ListRequests returns requests of one status ("" means open), oldest
// first, and their count (GET /v1/requests).
// Errors: EFORBIDDEN (not root); EINVALID "bad status".
func (s *Service) ListRequests(ctx context.Context, actor Actor, status string, page Page) ([]RequestRow, int, error) {
	if actor.Kind != ActorRoot {
		return nil, 0, ErrAccessDenied
	}
	switch status {
	case "":
		status = RequestOpen
	case RequestOpen, RequestApproved, RequestCanceled:
	default:
		return nil, 0, errBadStatus
	}
	ev := Event{Title: "list requests", Actor: actor}
	page = page.clamp()
	recs, total, err := s.store.RequestsByStatus(ctx, status, page.Offset, page.Limit)
	var rows []RequestRow
	if err == nil {
		rows, err = s.requestRows(ctx, recs)
	}
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// UserRequests returns the requests of the user id names, every status,
// oldest first, and their count. Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) UserRequests(ctx context.Context, actor Actor, id Identity, page Page) ([]RequestRow, int, error) {
	ev := Event{Title: "get user requests by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return nil, 0, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	page = page.clamp()
	recs, total, err := s.store.RequestsByUser(ctx, user.Token, page.Offset, page.Limit)
	var rows []RequestRow
	if err == nil {
		rows, err = s.requestRows(ctx, recs)
	}
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// requestRows turns stored requests into rows, opening caller-given
// reasons with their users' data keys (each user read once).
func (s *Service) requestRows(ctx context.Context, recs []*RequestRecord) ([]RequestRow, error) {
	keys := map[string]DataKey{}
	rows := make([]RequestRow, 0, len(recs))
	for _, q := range recs {
		row := RequestRow{Action: q.Action, App: q.App, Brief: q.Brief, Created: q.Created, More: q.Change != nil,
			Reason: q.Note, RToken: q.RToken, Status: q.Status, Token: q.UserToken, When: q.When}
		if row.Reason == "" && q.Reason != nil {
			dk, ok := keys[q.UserToken]
			if !ok {
				u, err := s.store.UserByToken(ctx, q.UserToken)
				if err != nil {
					return nil, err
				}
				if u.Live() {
					if dk, err = s.userKey(u); err != nil {
						return nil, err
					}
				}
				keys[q.UserToken] = dk
			}
			if dk != nil {
				r, err := s.openSealed(dk, q.Reason, requestReasonAAD(q.RToken))
				if err != nil {
					return nil, err
				}
				row.Reason = string(r)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// GetRequest returns a request with its original and change. A login token
// sees only its own user's requests (403 for any other rtoken, unknown ones
// included). Errors: EINVALID "bad uuid"; ENOTFOUND (unknown, or the user
// is erased); EFORBIDDEN.
func (s *Service) GetRequest(ctx context.Context, actor Actor, rtoken string) (RequestView, error) {
	ev := Event{Title: "get request", Actor: actor}
	q, user, err := s.ownedRequest(ctx, s.store, actor, rtoken)
	if err != nil {
		return RequestView{}, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	v, err := s.requestView(ctx, q, user)
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return RequestView{}, err
	}
	return v, nil
}

func (s *Service) requestView(ctx context.Context, q *RequestRecord, user *UserRecord) (RequestView, error) {
	v := RequestView{Action: q.Action, App: q.App, Brief: q.Brief}
	dk, err := s.userKey(user)
	if err != nil {
		return RequestView{}, err
	}
	if q.Change != nil {
		if v.Change, err = s.openSealed(dk, q.Change, requestChangeAAD(q.RToken)); err != nil {
			return RequestView{}, err
		}
	}
	switch q.Action {
	case ActionChangeProfile, ActionForgetMe:
		v.Original, err = s.openProfile(user)
	case ActionChangeAppData:
		var rec *AppRecord
		rec, err = s.store.AppRecord(ctx, user.Token, q.App)
		switch {
		case err == nil:
			v.Original, err = s.openApp(dk, rec)
		case ErrorCode(err) == ENOTFOUND:
			v.Original, err = json.RawMessage("{}"), nil
		}
	case ActionAgreementWithdraw:
		v.Agreement, err = s.requestAgreement(ctx, user, q.Brief)
	}
	if err != nil {
		return RequestView{}, err
	}
	return v, nil
}

// ownedRequest reads rtoken and its live user, applying the U/R guard: a
// login token gets 403 for anything that is not its own user's request.
func (s *Service) ownedRequest(ctx context.Context, r Reader, actor Actor, rtoken string) (*RequestRecord, *UserRecord, error) {
	if !IsUUID(rtoken) {
		return nil, nil, ErrBadUUID
	}
	if actor.Kind != ActorRoot && actor.Kind != ActorLogin {
		return nil, nil, ErrAccessDenied
	}
	q, err := r.RequestByToken(ctx, strings.ToLower(rtoken))
	if err == nil && actor.Kind == ActorLogin && q.UserToken != actor.UserToken {
		return nil, nil, ErrAccessDenied
	}
	var user *UserRecord
	if err == nil {
		user, err = r.UserByToken(ctx, q.UserToken)
		if err == nil && !user.Live() {
			err = ErrNotFound
		}
	}
	switch {
	case err == nil:
		return q, user, nil
	case actor.Kind == ActorLogin && ErrorCode(err) == ENOTFOUND:
		return nil, nil, ErrAccessDenied
	}
	return nil, nil, err
}

// parseReason reads the optional reason of an approval or cancellation.
// Errors: EINVALID "bad reason".
func parseReason(body map[string]any) (string, error) {
	v, ok := body["reason"]
	if !ok || v == nil {
		return "", nil
	}
	r, ok := v.(string)
	if !ok || len(r) > maxReason {
		return "", errBadReason
	}
	return r, nil
}

// openSealed decrypts a value sealed under a user's data key.
func (s *Service) openSealed(dk DataKey, sealed, aad []byte) ([]byte, error) {
	plain, err := dk.Open(sealed, aad)
	if err != nil {
		return nil, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open sealed value: %w", err))
	}
	return plain, nil
}
