package vault

import (
	"context"
	"encoding/json"
	"fmt"
)

// SessionView is a decrypted session.
type SessionView struct {
	ID      string
	When    int64
	ExpTime int64
	Data    json.RawMessage // exactly the object last written, keys sorted
}

var errBadSessionID = &Error{Code: EINVALID, Message: "bad session id"}

// sessionBindingKeys are tried in this order to bind a session to a user (§5).
var sessionBindingKeys = [...]Mode{ModeLogin, ModeEmail, ModePhone, ModeCustom, ModeToken}

// ValidSessionID reports whether id matches ^[A-Za-z0-9_-]{16,128}$, which
// UUIDs and express-session's default ids do.
func ValidSessionID(id string) bool {
	if len(id) < 16 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// PutSession stores data as the whole session id, replacing any previous one
// (data, binding, expiry, when). data is nil for a 0-byte body; {} is a valid
// session. The expiry is min(body "expiration", now + policy maximum); an
// invalid expiration or an unresolvable binding key is ignored, never an error.
// Errors: EFORBIDDEN (not root); EINVALID "bad session id", "empty request body".
func (s *Service) PutSession(ctx context.Context, actor Actor, id string, data map[string]any) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	if !ValidSessionID(id) {
		return errBadSessionID
	}
	if data == nil {
		return errEmptyBody
	}
	now := s.clock.Now()
	exp := now.Add(s.opts.MaxSessionRetention).Unix()
	if v, ok := data["expiration"]; ok {
		if end, err := ExpirationEnd(v, now, s.opts.MaxSessionRetention); err == nil {
			exp = end
		}
	}
	owner, err := s.sessionOwner(ctx, data)
	if err != nil {
		return err
	}
	plain, err := EncodeDocument(data)
	if err != nil {
		return Wrap(EINVALID, "failed to decode request body", err)
	}
	key := s.keys.BlindIndex("session", id)
	dk, wrapped, err := s.keys.NewDataKey(AAD("sessions", "datakey", key))
	if err != nil {
		return fmt.Errorf("vault: put session: %w", err)
	}
	rec := &SessionRecord{
		Key:      key,
		SealedID: dk.Seal([]byte(id), AAD("sessions", "id", key)),
		DataKey:  wrapped,
		Data:     dk.Seal(plain, AAD("sessions", "data", key)),
		ExpTime:  exp,
		When:     now.Unix(),
	}
	write := func(tx Tx) error {
		// The owner was found outside the transaction; if it has been erased
		// since, the session must not stay bound to it (erasure removes the
		// bound sessions, and this one would outlive it). Reading the user
		// here also holds its row until the commit, so an erasure running
		// now either sees this session or is seen by it.
		rec.UserToken = owner
		if owner != "" {
			u, err := tx.UserByToken(ctx, owner)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			if err != nil || !u.Live() {
				rec.UserToken = ""
			}
		}
		return tx.PutSession(ctx, rec)
	}
	// Only sessions bound to a user are audit events (§5).
	if owner == "" {
		return s.store.Update(ctx, write)
	}
	return s.withAudit(ctx, &Event{Title: "create session", Actor: actor, Record: owner}, write)
}

// sessionOwner returns the token of the first live user a binding key of data
// resolves to, or "".
func (s *Service) sessionOwner(ctx context.Context, data map[string]any) (string, error) {
	for _, m := range sessionBindingKeys {
		var raw string
		switch v := data[string(m)].(type) {
		case string:
			raw = v
		case json.Number:
			raw = string(v)
		default:
			continue
		}
		norm, ok := s.opts.Normalizer.Normalize(m, raw)
		if !ok {
			continue
		}
		rec, err := s.lookup(ctx, s.store, Identity{Mode: m, Value: norm})
		if err == nil {
			return rec.Token, nil
		} else if ErrorCode(err) != ENOTFOUND {
			return "", err
		}
	}
	return "", nil
}

// GetSession returns a live session. Root reads any; a login token reads only
// sessions bound to its own user (anything else, unknown ids included, is 403).
// Errors: ENOTFOUND (unknown, deleted, expired or malformed id); EFORBIDDEN.
func (s *Service) GetSession(ctx context.Context, actor Actor, id string) (SessionView, error) {
	if actor.Kind != ActorRoot && actor.Kind != ActorLogin {
		return SessionView{}, ErrAccessDenied
	}
	rec, err := s.liveSession(ctx, id)
	if actor.Kind == ActorLogin {
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return SessionView{}, err
		}
		if err != nil || rec.UserToken != actor.UserToken {
			return SessionView{}, ErrAccessDenied
		}
	}
	if err != nil {
		return SessionView{}, err
	}
	view, err := s.openSession(rec, id)
	if rec.UserToken == "" {
		return view, err
	}
	return view, s.auditRead(ctx, &Event{Title: "get session", Actor: actor, Record: rec.UserToken}, err)
}

func (s *Service) liveSession(ctx context.Context, id string) (*SessionRecord, error) {
	if !ValidSessionID(id) {
		return nil, ErrNotFound
	}
	rec, err := s.store.SessionByKey(ctx, s.keys.BlindIndex("session", id))
	if err != nil {
		return nil, err
	}
	if rec.ExpTime <= s.now() {
		return nil, ErrNotFound
	}
	return rec, nil
}

// openSession decrypts a session; id is "" when the caller must learn it from
// the sealed copy.
func (s *Service) openSession(rec *SessionRecord, id string) (SessionView, error) {
	dk, err := s.keys.OpenDataKey(rec.DataKey, AAD("sessions", "datakey", rec.Key))
	if err != nil {
		return SessionView{}, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open session key: %w", err))
	}
	data, err := dk.Open(rec.Data, AAD("sessions", "data", rec.Key))
	if err != nil {
		return SessionView{}, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open session: %w", err))
	}
	if id == "" {
		b, err := dk.Open(rec.SealedID, AAD("sessions", "id", rec.Key))
		if err != nil {
			return SessionView{}, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open session id: %w", err))
		}
		id = string(b)
	}
	return SessionView{ID: id, When: rec.When, ExpTime: rec.ExpTime, Data: data}, nil
}

// DeleteSession removes a session. Unknown, expired and malformed ids succeed
// alike, so DELETE stays idempotent. Errors: EFORBIDDEN (not root).
func (s *Service) DeleteSession(ctx context.Context, actor Actor, id string) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	if !ValidSessionID(id) {
		return nil
	}
	key := s.keys.BlindIndex("session", id)
	del := func(tx Tx) error { return tx.DeleteSession(ctx, key) }
	// Only sessions bound to a user are audit events (§5): look first.
	rec, err := s.store.SessionByKey(ctx, key)
	switch {
	case err == nil && rec.UserToken != "":
		return s.withAudit(ctx, &Event{Title: "delete session", Actor: actor, Record: rec.UserToken}, del)
	case err != nil && ErrorCode(err) != ENOTFOUND:
		return err
	}
	return s.store.Update(ctx, del)
}

// UserSessions lists a user's live sessions, oldest write first.
// Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) UserSessions(ctx context.Context, actor Actor, id Identity, page Page) ([]SessionView, int, error) {
	ev := &Event{Title: "get user sessions by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	rec, err := s.subject(ctx, actor, id)
	if err != nil {
		return nil, 0, s.auditRead(ctx, ev, err)
	}
	ev.Record = rec.Token
	page = page.clamp()
	recs, total, err := s.store.SessionsByUser(ctx, rec.Token, s.now(), page.Offset, page.Limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]SessionView, 0, len(recs))
	for _, r := range recs {
		v, err := s.openSession(r, "")
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	if err := s.auditRead(ctx, ev, nil); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeleteUserSessions logs a user out everywhere and returns how many sessions
// were removed. Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) DeleteUserSessions(ctx context.Context, actor Actor, id Identity) (int, error) {
	ev := &Event{Title: "delete user sessions by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	rec, err := s.subject(ctx, actor, id)
	if err != nil {
		return 0, s.auditRead(ctx, ev, err)
	}
	ev.Record = rec.Token
	var n int
	err = s.withAudit(ctx, ev, func(tx Tx) error {
		var err error
		n, err = tx.DeleteUserSessions(ctx, rec.Token)
		return err
	})
	return n, err
}

// LiveSessions returns how many sessions are stored and not expired, for
// monitoring. It reads no session content.
func (s *Service) LiveSessions(ctx context.Context) (int, error) {
	return s.store.CountLiveSessions(ctx, s.now())
}
