package vault

import (
	"context"
	"encoding/json"
	"strings"
)

// AuditEventView is one event as listed (§1.13). Who is the decrypted
// identity, the token digest of §12, or "" when the subject is not a user
// or has been erased.
type AuditEventView struct {
	App      string
	AToken   string
	Identity string
	Mode     string
	More     bool
	Msg      string
	Record   string
	Status   string
	Title    string
	When     int64
	Who      string
}

// AuditCopies are the before and after copies of an event that still
// decrypt (§11); nil when absent or unreadable.
type AuditCopies struct {
	Before json.RawMessage
	After  json.RawMessage
}

// AuditEvents lists every event, newest first (GET /v1/audit/admin).
// Errors: EFORBIDDEN (not root); EUNAVAILABLE.
func (s *Service) AuditEvents(ctx context.Context, actor Actor, page Page) ([]AuditEventView, int, error) {
	if actor.Kind != ActorRoot {
		return nil, 0, ErrAccessDenied
	}
	page = page.clamp()
	recs, total, err := s.store.AuditEvents(ctx, "", page.Offset, page.Limit)
	var rows []AuditEventView
	if err == nil {
		rows, err = s.auditViews(ctx, recs)
	}
	if err := s.auditRead(ctx, &Event{Title: "view audit events", Actor: actor}, err); err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// UserAuditEvents lists the events whose record is the user token, newest
// first (GET /v1/audit/list/{token}). Root may list an erased user; a login
// token only its own user.
// Errors: EINVALID "bad uuid"; EFORBIDDEN; ENOTFOUND (the token never
// existed); EUNAVAILABLE.
func (s *Service) UserAuditEvents(ctx context.Context, actor Actor, token string, page Page) ([]AuditEventView, int, error) {
	if !IsUUID(token) {
		return nil, 0, ErrBadUUID
	}
	token = strings.ToLower(token)
	if actor.Kind != ActorRoot && !(actor.Kind == ActorLogin && actor.UserToken == token) {
		return nil, 0, ErrAccessDenied
	}
	ev := &Event{Title: "view user audit events", Actor: actor, Mode: ModeToken, Who: token}
	if _, err := s.store.UserByToken(ctx, token); err != nil {
		return nil, 0, s.auditRead(ctx, ev, err)
	}
	ev.Record = token
	page = page.clamp()
	recs, total, err := s.store.AuditEvents(ctx, token, page.Offset, page.Limit)
	var rows []AuditEventView
	if err == nil {
		rows, err = s.auditViews(ctx, recs)
	}
	if err := s.auditRead(ctx, ev, err); err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// AuditEventCopies returns the before and after copies of an event (GET
// /v1/audit/get/{atoken}) that exist and still decrypt: none once the
// subject has been erased. A login token reaches only events of its own
// user; for anything else, unknown events included, it gets EFORBIDDEN.
// Errors: EINVALID "bad uuid"; EFORBIDDEN; ENOTFOUND; EUNAVAILABLE.
func (s *Service) AuditEventCopies(ctx context.Context, actor Actor, atoken string) (AuditCopies, error) {
	if !IsUUID(atoken) {
		return AuditCopies{}, ErrBadUUID
	}
	if actor.Kind != ActorRoot && actor.Kind != ActorLogin {
		return AuditCopies{}, ErrAccessDenied
	}
	ev := &Event{Title: "view audit event", Actor: actor}
	e, err := s.store.AuditEvent(ctx, strings.ToLower(atoken))
	if actor.Kind == ActorLogin {
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return AuditCopies{}, err
		}
		if err != nil || e.Record == "" || e.Record != actor.UserToken {
			return AuditCopies{}, ErrAccessDenied
		}
	}
	if err != nil {
		return AuditCopies{}, s.auditRead(ctx, ev, err)
	}
	ev.Record = e.Record
	var out AuditCopies
	if e.Record != "" && (e.Before != nil || e.After != nil) {
		var dk DataKey
		if dk, err = s.eventKeys(ctx)(e.Record); dk != nil {
			out.Before = openCopy(dk, e.Before, "before", e.AToken)
			out.After = openCopy(dk, e.After, "after", e.AToken)
		}
	}
	if err := s.auditRead(ctx, ev, err); err != nil {
		return AuditCopies{}, err
	}
	return out, nil
}

// subjectAuditEvents returns every event of the user token, newest first,
// unpaged (for the subject export, §13).
// Errors: EUNAVAILABLE.
func (s *Service) subjectAuditEvents(ctx context.Context, token string) ([]AuditEventView, error) {
	var all []AuditEventView
	for offset := 0; ; offset += 100 {
		recs, total, err := s.store.AuditEvents(ctx, token, offset, 100)
		if err != nil {
			return nil, err
		}
		rows, err := s.auditViews(ctx, recs)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
		if len(recs) < 100 || offset+len(recs) >= total {
			return all, nil
		}
	}
}

// auditViews turns stored events into rows, decrypting who with each
// subject's data key while the subject lives.
func (s *Service) auditViews(ctx context.Context, recs []*AuditRecord) ([]AuditEventView, error) {
	key := s.eventKeys(ctx)
	rows := make([]AuditEventView, len(recs))
	for i, e := range recs {
		who := e.WhoDigest
		if e.Who != nil && e.Record != "" {
			dk, err := key(e.Record)
			if err != nil {
				return nil, err
			}
			if dk != nil {
				if b, err := dk.Open(e.Who, auditAAD("who", e.AToken)); err == nil {
					who = string(b)
				}
			}
		}
		rows[i] = AuditEventView{
			App: e.App, AToken: e.AToken, Identity: e.Identity, Mode: e.Mode,
			More: e.Before != nil || e.After != nil, Msg: e.Msg, Record: e.Record,
			Status: e.Status, Title: e.Title, When: e.When, Who: who,
		}
	}
	return rows, nil
}

// eventKeys returns a lookup of subjects' data keys that remembers each
// subject for the call: nil for an erased, unknown or unreadable one, whose
// sealed parts then read as absent. Its errors are the store's.
func (s *Service) eventKeys(ctx context.Context) func(record string) (DataKey, error) {
	keys := map[string]DataKey{}
	return func(record string) (DataKey, error) {
		if dk, seen := keys[record]; seen {
			return dk, nil
		}
		var dk DataKey
		u, err := s.store.UserByToken(ctx, record)
		switch {
		case ErrorCode(err) == ENOTFOUND:
		case err != nil:
			return nil, err
		case u.Live():
			dk, _ = s.userKey(u)
		}
		keys[record] = dk
		return dk, nil
	}
}

// openCopy decrypts one sealed copy, or returns nil.
func openCopy(dk DataKey, sealed []byte, column, atoken string) json.RawMessage {
	if sealed == nil {
		return nil
	}
	b, err := dk.Open(sealed, auditAAD(column, atoken))
	if err != nil || !json.Valid(b) {
		return nil
	}
	return b
}
