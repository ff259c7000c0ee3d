package vault

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// SharedView is what GET /v1/get/{record} shows: the chosen fields of the
// current document, and the app name for an app-record share.
type SharedView struct {
	App  string          // "" unless the share is of an app record
	Data json.RawMessage // one key per found path, or the whole document
}

// ShareRow describes one live share of a user (the export's sharedrecords).
type ShareRow struct {
	Record  string
	Target  string // ShareProfile, ShareApp or ShareSession
	App     string
	Partner string
	Fields  string
	ExpTime int64
	When    int64
}

// shareSpec is the sealed part of a share.
type shareSpec struct {
	Fields  string `json:"fields"`
	Partner string `json:"partner"`
}

var (
	errBadFields  = &Error{Code: EINVALID, Message: "bad fields"}
	errBadApp     = &Error{Code: EINVALID, Message: "bad app"}
	errBadSession = &Error{Code: EINVALID, Message: "bad session"}
	errBadPartner = &Error{Code: EINVALID, Message: "bad partner"}
)

// maxPartner bounds a share's partner (§9).
const maxPartner = 256

type shareInput struct {
	fields       []string
	app, session string
	partner      string
	exptime      int64
}

// parseShareInput reads the body of POST /v1/sharedrecord (§9).
func (s *Service) parseShareInput(body map[string]any) (shareInput, error) {
	var in shareInput
	str := func(name string, bad *Error) (string, error) {
		switch v := body[name].(type) {
		case nil:
			return "", nil
		case string:
			return v, nil
		}
		return "", bad
	}
	fields, err := str("fields", errBadFields)
	if err != nil {
		return in, err
	}
	if in.fields, err = parseSharePaths(fields); err != nil {
		return in, err
	}
	if in.app, err = str("app", errBadApp); err != nil {
		return in, err
	}
	in.app = strings.ToLower(in.app)
	if in.session, err = str("session", errBadSession); err != nil {
		return in, err
	}
	if in.app != "" && in.session != "" {
		return in, errBadSession
	}
	if in.partner, err = str("partner", errBadPartner); err != nil || len(in.partner) > maxPartner {
		return in, errBadPartner
	}
	now := s.clock.Now()
	cap := s.opts.MaxShareRetention
	if cap <= 0 {
		cap = Month
	}
	in.exptime = now.Add(cap).Unix()
	if v, ok := body["expiration"]; ok {
		if in.exptime, err = ExpirationEnd(v, now, cap); err != nil {
			return in, err
		}
	}
	return in, nil
}

// parseSharePaths splits a fields value into trimmed paths, skipping empty
// ones; a path with an empty segment ("a..b") is an error.
func parseSharePaths(fields string) ([]string, error) {
	var paths []string
	for _, p := range strings.Split(fields, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		for _, seg := range strings.Split(p, ".") {
			if seg == "" {
				return nil, errBadFields
			}
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// CreateShare makes a time-limited, tokenless view of part of a user's
// profile, app record or bound session and returns its record id (§9).
// Errors: EINVALID "bad fields", "bad app", "bad session", "bad partner",
// "bad expiration"; ENOTFOUND (user, app record or session); EFORBIDDEN.
func (s *Service) CreateShare(ctx context.Context, actor Actor, id Identity, body map[string]any) (string, error) {
	in, err := s.parseShareInput(body) // the body before ownership and existence (§1.5)
	if err != nil {
		return "", err
	}
	ev := Event{Title: "create shared record by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value, App: in.app}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return "", s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	record := NewUUID()
	key := s.keys.BlindIndex("sharedrecord", record)
	rec := &ShareRecord{Key: key, UserToken: user.Token, Target: ShareProfile, App: in.app, ExpTime: in.exptime, Created: s.now()}
	switch {
	case in.app != "":
		rec.Target = ShareApp
	case in.session != "":
		rec.Target = ShareSession
		rec.SessionKey = s.keys.BlindIndex("session", in.session)
	}
	spec, err := json.Marshal(shareSpec{Fields: strings.Join(in.fields, ","), Partner: in.partner})
	if err != nil {
		return "", fmt.Errorf("vault: create share: %w", err)
	}
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		cur, err := s.lockUser(ctx, tx, user.Token)
		if err != nil {
			return err
		}
		switch rec.Target {
		case ShareApp:
			if _, err := tx.AppRecord(ctx, cur.Token, in.app); err != nil {
				return err
			}
		case ShareSession:
			if !ValidSessionID(in.session) {
				return ErrNotFound
			}
			sess, err := tx.SessionByKey(ctx, rec.SessionKey)
			if err != nil {
				return err
			}
			if sess.UserToken != cur.Token || sess.ExpTime <= s.now() {
				return ErrNotFound
			}
		}
		dk, err := s.userKey(cur)
		if err != nil {
			return err
		}
		ev.key = dk // the user is locked: the event needs no second lookup
		rec.SealedRecord = dk.Seal([]byte(record), AAD("shares", "sealed_record", key))
		rec.Spec = dk.Seal(spec, AAD("shares", "spec", key))
		return tx.InsertShare(ctx, rec)
	})
	if err != nil {
		return "", err
	}
	return record, nil
}

// GetShared serves a share to anyone holding its record id: the current
// values of the chosen paths. A session share never discloses the session
// id. Errors: ENOTFOUND (malformed, unknown, expired or revoked record, or
// the user, app record or session is gone).
func (s *Service) GetShared(ctx context.Context, record string) (SharedView, error) {
	ev := Event{Title: "get shared record", Actor: Actor{Kind: ActorAnonymous}}
	v, err := s.getShared(ctx, record, &ev)
	if err != nil {
		return SharedView{}, s.auditFailure(ctx, &ev, err)
	}
	if err := s.auditRead(ctx, &ev, nil); err != nil {
		return SharedView{}, err
	}
	return v, nil
}

func (s *Service) getShared(ctx context.Context, record string, ev *Event) (SharedView, error) {
	if !IsUUID(record) {
		return SharedView{}, ErrNotFound
	}
	sh, err := s.store.ShareByKey(ctx, s.keys.BlindIndex("sharedrecord", strings.ToLower(record)))
	if err != nil {
		return SharedView{}, err
	}
	if sh.ExpTime <= s.now() {
		return SharedView{}, ErrNotFound
	}
	user, err := s.store.UserByToken(ctx, sh.UserToken)
	if err != nil {
		return SharedView{}, err
	}
	if !user.Live() {
		return SharedView{}, ErrNotFound
	}
	ev.Record, ev.App = user.Token, sh.App
	dk, err := s.userKey(user)
	if err != nil {
		return SharedView{}, err
	}
	specJSON, err := s.openSealed(dk, sh.Spec, AAD("shares", "spec", sh.Key))
	if err != nil {
		return SharedView{}, err
	}
	var spec shareSpec
	if err := json.Unmarshal(specJSON, &spec); err != nil {
		return SharedView{}, Wrap(EINTERNAL, "internal error", err)
	}
	doc, err := s.sharedDocument(ctx, sh, user, dk)
	if err != nil {
		return SharedView{}, err
	}
	paths, _ := parseSharePaths(spec.Fields)
	if len(paths) == 0 {
		return SharedView{App: sh.App, Data: doc}, nil
	}
	whole, err := DecodeDocument(doc)
	if err != nil {
		return SharedView{}, Wrap(EINTERNAL, "internal error", err)
	}
	picked := make(map[string]any, len(paths))
	for _, p := range paths {
		if p == "token" && sh.Target == ShareProfile {
			picked[p] = user.Token
		} else if v, ok := selectPath(whole, p); ok {
			picked[p] = v
		}
	}
	data, err := EncodeDocument(picked)
	if err != nil {
		return SharedView{}, Wrap(EINTERNAL, "internal error", err)
	}
	return SharedView{App: sh.App, Data: data}, nil
}

// sharedDocument reads the current plaintext a share points at.
func (s *Service) sharedDocument(ctx context.Context, sh *ShareRecord, user *UserRecord, dk DataKey) ([]byte, error) {
	switch sh.Target {
	case ShareApp:
		rec, err := s.store.AppRecord(ctx, user.Token, sh.App)
		if err != nil {
			return nil, err
		}
		return s.openApp(dk, rec)
	case ShareSession:
		sess, err := s.store.SessionByKey(ctx, sh.SessionKey)
		if err != nil {
			return nil, err
		}
		if sess.UserToken != user.Token || sess.ExpTime <= s.now() {
			return nil, ErrNotFound
		}
		// A non-empty id spares opening the sealed one, which is never disclosed.
		v, err := s.openSession(sess, "-")
		if err != nil {
			return nil, err
		}
		return v.Data, nil
	}
	return s.openProfile(user)
}

// selectPath walks a dot path through objects (by key) and arrays (by a
// decimal index without leading zeros).
func selectPath(doc any, path string) (any, bool) {
	cur := doc
	for _, seg := range strings.Split(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, ok := arrayPos(seg)
			if !ok || i >= len(node) {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// arrayPos parses a decimal array index: digits only, no leading zero.
func arrayPos(seg string) (int, bool) {
	if seg == "" || len(seg) > 9 || (len(seg) > 1 && seg[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return 0, false
		}
		n = n*10 + int(seg[i]-'0')
	}
	return n, true
}

// DeleteShare revokes a share. A login token may revoke only its own
// user's shares (403 for any other record, unknown ones included).
// Errors: EINVALID "bad uuid"; ENOTFOUND; EFORBIDDEN.
func (s *Service) DeleteShare(ctx context.Context, actor Actor, record string) error {
	if !IsUUID(record) {
		return ErrBadUUID
	}
	if actor.Kind != ActorRoot && actor.Kind != ActorLogin {
		return ErrAccessDenied
	}
	ev := Event{Title: "delete shared record", Actor: actor}
	key := s.keys.BlindIndex("sharedrecord", strings.ToLower(record))
	sh, err := s.store.ShareByKey(ctx, key)
	switch {
	case err == nil && actor.Kind == ActorLogin && sh.UserToken != actor.UserToken:
		return ErrAccessDenied
	case err != nil && actor.Kind == ActorLogin && ErrorCode(err) == ENOTFOUND:
		return ErrAccessDenied
	case err != nil:
		return s.auditFailure(ctx, &ev, err)
	}
	ev.Record, ev.App = sh.UserToken, sh.App
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		if _, err := s.lockUser(ctx, tx, sh.UserToken); err != nil {
			return err
		}
		return tx.DeleteShare(ctx, key)
	})
}

// userShares lists a user's live shares with their record ids opened.
func (s *Service) userShares(ctx context.Context, user *UserRecord, dk DataKey) ([]ShareRow, error) {
	recs, err := s.store.SharesByUser(ctx, user.Token, s.now())
	if err != nil {
		return nil, err
	}
	rows := make([]ShareRow, 0, len(recs))
	for _, sh := range recs {
		id, err := s.openSealed(dk, sh.SealedRecord, AAD("shares", "sealed_record", sh.Key))
		if err != nil {
			return nil, err
		}
		specJSON, err := s.openSealed(dk, sh.Spec, AAD("shares", "spec", sh.Key))
		if err != nil {
			return nil, err
		}
		var spec shareSpec
		if err := json.Unmarshal(specJSON, &spec); err != nil {
			return nil, Wrap(EINTERNAL, "internal error", err)
		}
		rows = append(rows, ShareRow{Record: string(id), Target: sh.Target, App: sh.App, Partner: spec.Partner,
			Fields: spec.Fields, ExpTime: sh.ExpTime, When: sh.Created})
	}
	return rows, nil
}
