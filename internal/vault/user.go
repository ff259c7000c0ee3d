package vault

import (
	"context"
	"encoding/json"
	"fmt"
)

// UserView is a decrypted profile as returned to a caller.
type UserView struct {
	Token   string
	Profile json.RawMessage // the stored JSON document, keys sorted
}

// UserRow is one row of the user list (§3.6).
type UserRow struct {
	Token     string
	Profile   json.RawMessage
	EndTime   int64
	ExpStatus string
}

// ChangeResult tells how a change request was handled. Result is "" when the
// change was applied; "done" for a completed erasure; "request-created" or
// "request-exists" (with RToken) when it became a request for approval.
type ChangeResult struct {
	Token  string
	Result string
	RToken string
}

// Page selects a window of a list (§1.9). Limit 0 means 10; above 100, 100.
type Page struct {
	Offset, Limit int
}

func (p Page) clamp() Page {
	if p.Offset < 0 {
		p.Offset = 0
	}
	switch {
	case p.Limit <= 0:
		p.Limit = 10
	case p.Limit > 100:
		p.Limit = 100
	}
	return p
}

var (
	errEmptyBody   = &Error{Code: EINVALID, Message: "empty request body"}
	errNoIndex     = &Error{Code: EINVALID, Message: "failed to create user, all user lookup fields are missing"}
	errCorruptUser = &Error{Code: EINTERNAL, Message: "internal error"}
)

// CreateUser stores a new profile and returns the new user token.
// Root may always create; anyone may when anonymous creation is on.
// Errors: EINVALID "empty request body", "bad <field>", "failed to create
// user, all user lookup fields are missing"; ECONFLICT "duplicate index: <field>".
func (s *Service) CreateUser(ctx context.Context, actor Actor, profile map[string]any) (string, error) {
	if actor.Kind != ActorRoot && !(actor.Kind == ActorAnonymous && s.opts.AnonymousCreate) {
		return "", ErrAccessDenied
	}
	ev := Event{Title: "create user record", Actor: actor}
	if len(profile) == 0 {
		return "", s.auditFailure(ctx, &ev, errEmptyBody)
	}
	ix, err := s.indexes(profile)
	if err != nil {
		return "", s.auditFailure(ctx, &ev, err)
	}
	if ix == (Index{}) {
		return "", s.auditFailure(ctx, &ev, errNoIndex)
	}
	plain, err := EncodeDocument(profile)
	if err != nil {
		return "", s.auditFailure(ctx, &ev, Wrap(EINVALID, "failed to decode request body", err))
	}
	token := NewUUID()
	dk, wrapped, err := s.keys.NewDataKey(userKeyAAD(token))
	if err != nil {
		return "", fmt.Errorf("vault: create user: %w", err)
	}
	now := s.now()
	rec := &UserRecord{
		Token:   token,
		DataKey: wrapped,
		Profile: dk.Seal(plain, userProfileAAD(token)),
		Index:   ix,
		Created: now,
		Updated: now,
	}
	if err := s.withAudit(ctx, &ev, creating(&ev, token, plain, dk, func(tx Tx) error {
		if err := tx.InsertUser(ctx, rec); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, NotifyProfileNew, token, "", ""); err != nil {
			return err
		}
		return s.linkAgreements(ctx, tx, token, dk, Index{}, ix)
	})); err != nil {
		return "", err
	}
	return token, nil
}

// GetUser returns the profile of the live user id names.
// Errors: ENOTFOUND; EFORBIDDEN for a login token of another subject.
func (s *Service) GetUser(ctx context.Context, actor Actor, id Identity) (UserView, error) {
	ev := Event{Title: "get user record by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	rec, err := s.subject(ctx, actor, id)
	if err != nil {
		return UserView{}, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = rec.Token
	plain, dk, err := s.openProfileKey(rec)
	ev.key = dk // the event is sealed without looking the subject up again
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return UserView{}, err
	}
	return UserView{Token: rec.Token, Profile: plain}, nil
}

// UpdateUser applies a merge patch (map) or JSON Patch (slice) to a profile
// atomically and re-indexes it. Concurrent updates are serialised by the
// store, so none is lost.
// Errors: EINVALID "empty request body", "failed to apply patch", "bad <field>";
// ENOTFOUND; EFORBIDDEN; ECONFLICT "duplicate index: <field>".
func (s *Service) UpdateUser(ctx context.Context, actor Actor, id Identity, patch any) (ChangeResult, error) {
	ev := Event{Title: "change user record by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	rec, err := s.subject(ctx, actor, id)
	if err != nil {
		return ChangeResult{}, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = rec.Token
	if isEmptyBody(patch) {
		return ChangeResult{}, s.auditFailure(ctx, &ev, errEmptyBody)
	}
	if actor.Kind == ActorLogin && !s.opts.SelfService.UserRecordChange {
		return s.requestProfileChange(ctx, actor, id, rec, patch)
	}
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		cur, err := tx.UserByToken(ctx, rec.Token)
		if err != nil {
			return err
		}
		if !cur.Live() {
			return ErrNotFound
		}
		dk, err := s.userKey(cur)
		if err != nil {
			return err
		}
		plain, err := dk.Open(cur.Profile, userProfileAAD(cur.Token))
		if err != nil {
			return Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open profile: %w", err))
		}
		ev.Before, ev.key = plain, dk
		doc, err := decodeObject(plain)
		if err != nil {
			return Wrap(EINTERNAL, "internal error", err)
		}
		if doc, err = ApplyPatch(doc, patch); err != nil {
			return err
		}
		old := cur.Index
		if cur.Index, err = s.indexes(doc); err != nil {
			return err
		}
		if plain, err = EncodeDocument(doc); err != nil {
			return errPatch
		}
		ev.After = plain
		cur.Profile = dk.Seal(plain, userProfileAAD(cur.Token))
		cur.Updated = s.now()
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, NotifyProfileChange, cur.Token, "", ""); err != nil {
			return err
		}
		return s.linkAgreements(ctx, tx, cur.Token, dk, old, cur.Index)
	})
	if err != nil {
		return ChangeResult{}, err
	}
	return ChangeResult{Token: rec.Token}, nil
}

// EraseUser forgets a user (§3.5): profile, indexes and data key are destroyed
// in one transaction, so every ciphertext of the user becomes unreadable;
// the token stays reserved and answers 404 from then on.
// Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) EraseUser(ctx context.Context, actor Actor, id Identity) (ChangeResult, error) {
	ev := Event{Title: "delete user record by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	rec, err := s.subject(ctx, actor, id)
	if err != nil {
		return ChangeResult{}, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = rec.Token
	if actor.Kind == ActorLogin && !s.opts.SelfService.ForgetMe {
		return s.requestForgetMe(ctx, actor, id, rec)
	}
	now := s.now()
	if err := s.logErasure(ctx, rec.Token, now); err != nil {
		return ChangeResult{}, err
	}
	// The event keeps no who: the data key it would be sealed under dies
	// in the same transaction.
	if err := s.withAudit(ctx, &ev, func(tx Tx) error {
		if err := tx.EraseUser(ctx, rec.Token, now); err != nil {
			return err
		}
		return s.notify(ctx, tx, NotifyForgetMe, rec.Token, "", "")
	}); err != nil {
		return ChangeResult{}, err
	}
	s.keys.ForgetDataKey(rec.DataKey)
	return ChangeResult{Token: rec.Token, Result: "done"}, nil
}

// ListUsers returns live users in creation order, when listing is enabled.
// Errors: EFORBIDDEN when generic.list_users is off or the caller is not root.
func (s *Service) ListUsers(ctx context.Context, actor Actor, page Page) ([]UserRow, int, error) {
	if actor.Kind != ActorRoot || !s.opts.ListUsers {
		return nil, 0, ErrAccessDenied
	}
	ev := Event{Title: "list users", Actor: actor}
	page = page.clamp()
	recs, total, err := s.store.ListUsers(ctx, page.Offset, page.Limit)
	if err != nil {
		return nil, 0, s.auditFailure(ctx, &ev, err)
	}
	rows := make([]UserRow, 0, len(recs))
	for _, rec := range recs {
		plain, err := s.openProfile(rec)
		if err != nil {
			return nil, 0, err
		}
		rows = append(rows, UserRow{Token: rec.Token, Profile: plain})
	}
	if err := s.fillExpirations(ctx, rows); err != nil {
		return nil, 0, err
	}
	if err := s.auditRead(ctx, &ev, nil); err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// creating wraps the insert of a new user so that its event names the
// record and carries the new profile (sealed under dk, the new user's key)
// only once the insert has succeeded: a failed create names no record.
func creating(ev *Event, token string, profile []byte, dk DataKey, insert func(Tx) error) func(Tx) error {
	return func(tx Tx) error {
		ev.Record, ev.After, ev.key = "", nil, nil
		if err := insert(tx); err != nil {
			return err
		}
		ev.Record, ev.After, ev.key = token, profile, dk
		return nil
	}
}

// subject resolves id to a live user and applies the U/R guard (§1.5 steps
// 6 and 7): a login token learns nothing about other subjects (403, never 404).
func (s *Service) subject(ctx context.Context, actor Actor, id Identity) (*UserRecord, error) {
	rec, err := s.lookup(ctx, s.store, id)
	switch actor.Kind {
	case ActorRoot:
		return rec, err
	case ActorLogin:
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		if err != nil || rec.Token != actor.UserToken {
			return nil, ErrAccessDenied
		}
		return rec, nil
	}
	return nil, ErrAccessDenied
}

// lookup finds the live user an identity names. Errors: ErrNotFound.
func (s *Service) lookup(ctx context.Context, r Reader, id Identity) (*UserRecord, error) {
	if id.Empty || id.Value == "" {
		return nil, ErrNotFound
	}
	var rec *UserRecord
	var err error
	if id.Mode == ModeToken {
		rec, err = r.UserByToken(ctx, id.Value)
	} else {
		rec, err = r.UserByIndex(ctx, id.Mode, s.keys.BlindIndex(string(id.Mode), id.Value))
	}
	if err != nil {
		return nil, err
	}
	if !rec.Live() || s.erasureDue(rec) {
		return nil, ErrNotFound
	}
	return rec, nil
}

// erasureDue reports whether the user's scheduled erasure has come: such a
// user is served as erased even before the background job erases them
// (§1.14: nothing expired is ever served).
func (s *Service) erasureDue(rec *UserRecord) bool {
	return rec.ErasureDue != 0 && rec.ErasureDue <= s.now()
}

// indexes computes the blind indexes of a profile's index fields (§3.1).
// Errors: EINVALID "bad <field>" for a value that is not a string, number or null.
func (s *Service) indexes(doc map[string]any) (Index, error) {
	var ix Index
	for _, f := range IndexFields {
		var raw string
		switch v := doc[string(f)].(type) {
		case nil:
			continue
		case string:
			raw = v
		case json.Number:
			raw = string(v)
		default:
			return Index{}, Errorf(EINVALID, "bad %s", f)
		}
		if norm, ok := s.opts.Normalizer.Normalize(f, raw); ok {
			ix.Set(f, s.keys.BlindIndex(string(f), norm))
		}
	}
	return ix, nil
}

func (s *Service) userKey(rec *UserRecord) (DataKey, error) {
	dk, err := s.keys.OpenDataKey(rec.DataKey, userKeyAAD(rec.Token))
	if err != nil {
		return nil, &Error{Code: EINTERNAL, Message: "internal error", Err: fmt.Errorf("vault: open data key of user: %w", err)}
	}
	return dk, nil
}

// openProfile decrypts a stored profile. A tampered or moved ciphertext fails
// with an internal error, never wrong data.
func (s *Service) openProfile(rec *UserRecord) ([]byte, error) {
	plain, _, err := s.openProfileKey(rec)
	return plain, err
}

// openProfileKey is openProfile that also returns the user's data key.
func (s *Service) openProfileKey(rec *UserRecord) ([]byte, DataKey, error) {
	dk, err := s.userKey(rec)
	if err != nil {
		return nil, nil, err
	}
	plain, err := dk.Open(rec.Profile, userProfileAAD(rec.Token))
	if err != nil {
		return nil, nil, &Error{Code: EINTERNAL, Message: errCorruptUser.Message, Err: fmt.Errorf("vault: open profile: %w", err)}
	}
	return plain, dk, nil
}

func userKeyAAD(token string) []byte     { return AAD("users", "datakey", token) }
func userProfileAAD(token string) []byte { return AAD("users", "profile", token) }
