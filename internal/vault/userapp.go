package vault

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// AppView is a decrypted app record.
type AppView struct {
	Token string          // user token
	App   string          // app name, lower case
	Data  json.RawMessage // the stored object, keys sorted
}

var (
	errBadAppName   = &Error{Code: EINVALID, Message: "bad appname"}
	errEmptyAppBody = &Error{Code: EINVALID, Message: "empty body"}
)

// ParseAppName lower-cases an app name and checks it against
// ^[a-z][a-z0-9_]{1,30}$ (§1.8). Errors: EINVALID "bad appname".
func ParseAppName(name string) (string, error) {
	name = strings.ToLower(name)
	if len(name) < 2 || len(name) > 31 || name[0] < 'a' || name[0] > 'z' {
		return "", errBadAppName
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return "", errBadAppName
		}
	}
	return name, nil
}

// CreateAppRecord (POST) creates or replaces the whole app record of the
// user id names. A login token whose app name matches no
// selfservice.app_record_change pattern files a change-app-data request
// instead (result request-created or request-exists).
// Errors: EINVALID "bad appname", "empty body"; ENOTFOUND; EFORBIDDEN.
func (s *Service) CreateAppRecord(ctx context.Context, actor Actor, id Identity, app string, body map[string]any) (ChangeResult, error) {
	return s.changeApp(ctx, actor, id, app, body, "POST")
}

// UpdateAppRecord (PUT) applies a merge patch (map) or JSON Patch (slice)
// to an existing app record atomically, like UpdateUser. A login token
// without self-service rights for the app files a change-app-data request
// instead, once the record exists and the patch applies to it.
// Errors: EINVALID "bad appname", "empty body", "failed to apply patch";
// ENOTFOUND (no user, or no record); EFORBIDDEN.
func (s *Service) UpdateAppRecord(ctx context.Context, actor Actor, id Identity, app string, patch any) (ChangeResult, error) {
	return s.changeApp(ctx, actor, id, app, patch, "PUT")
}

func (s *Service) changeApp(ctx context.Context, actor Actor, id Identity, app string, body any, method string) (ChangeResult, error) {
	app, err := ParseAppName(app)
	if err != nil {
		return ChangeResult{}, err
	}
	if isEmptyBody(body) {
		return ChangeResult{}, errEmptyAppBody
	}
	verb := "create"
	if method == "PUT" {
		verb = "change"
	}
	ev := Event{Title: verb + " user app record by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value, App: app}
	rec, err := s.subject(ctx, actor, id)
	if err != nil {
		return ChangeResult{}, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = rec.Token
	change, err := EncodeDocument(body)
	if err != nil {
		return ChangeResult{}, Wrap(EINVALID, "failed to decode request body", err)
	}
	if actor.Kind == ActorLogin && !s.opts.SelfService.AppChangeAllowed(app) {
		ev.Title = "user change-app-data request"
		var res ChangeResult
		err = s.withAudit(ctx, &ev, func(tx Tx) error {
			if method == "PUT" {
				// A request that could never be applied is refused now.
				if _, _, _, _, err := s.patchedApp(ctx, tx, rec.Token, app, body); err != nil {
					return err
				}
			}
			req := &RequestRecord{Action: ActionChangeAppData, App: app, Method: method}
			var err error
			res, err = s.fileRequest(ctx, tx, rec, req, change)
			return err
		})
		if err != nil {
			return ChangeResult{}, err
		}
		s.requestFiled(res, ActionChangeAppData)
		return res, nil
	}
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		return s.applyApp(ctx, tx, &ev, rec.Token, app, method, body)
	})
	if err != nil {
		return ChangeResult{}, err
	}
	return ChangeResult{Token: rec.Token}, nil
}

// applyApp stores an app change as root would: POST replaces the record,
// PUT patches the existing one. It fills ev's before and after copies.
func (s *Service) applyApp(ctx context.Context, tx Tx, ev *Event, token, app, method string, body any) error {
	var (
		before, after []byte
		dk            DataKey
		err           error
	)
	if method == "PUT" {
		before, after, dk, err = s.patchApp(ctx, tx, token, app, body)
	} else {
		before, after, dk, err = s.replaceApp(ctx, tx, token, app, body)
	}
	// The user is locked: the event is sealed with its key, no second lookup.
	ev.Before, ev.After, ev.key = before, after, dk
	return err
}

// replaceApp writes body as the whole record and returns the old and new
// plaintext (old nil when there was none) and the user's data key.
func (s *Service) replaceApp(ctx context.Context, tx Tx, token, app string, body any) (before, after []byte, dk DataKey, err error) {
	user, err := s.lockUser(ctx, tx, token)
	if err != nil {
		return nil, nil, nil, err
	}
	dk, err = s.userKey(user)
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.now()
	rec := &AppRecord{UserToken: token, App: app, Created: now, Updated: now}
	old, err := tx.AppRecord(ctx, token, app)
	switch {
	case err == nil:
		if before, err = s.openApp(dk, old); err != nil {
			return nil, nil, nil, err
		}
		rec.Created = old.Created
	case ErrorCode(err) != ENOTFOUND:
		return nil, nil, nil, err
	}
	if after, err = EncodeDocument(body); err != nil {
		return nil, nil, nil, Wrap(EINVALID, "failed to decode request body", err)
	}
	rec.Data = dk.Seal(after, appDataAAD(token, app))
	return before, after, dk, tx.PutAppRecord(ctx, rec)
}

// patchApp applies patch to the stored record and returns the old and new
// plaintext and the user's data key. Errors: ENOTFOUND (no user or
// record); EINVALID "failed to apply patch".
func (s *Service) patchApp(ctx context.Context, tx Tx, token, app string, patch any) (before, after []byte, dk DataKey, err error) {
	rec, before, after, dk, err := s.patchedApp(ctx, tx, token, app, patch)
	if err != nil {
		return nil, nil, nil, err
	}
	return before, after, dk, tx.PutAppRecord(ctx, rec)
}

// patchedApp computes what patchApp would store, without storing it: the
// record with its new sealed data, the old and new plaintext, and the
// user's data key.
func (s *Service) patchedApp(ctx context.Context, tx Tx, token, app string, patch any) (rec *AppRecord, before, after []byte, dk DataKey, err error) {
	user, err := s.lockUser(ctx, tx, token)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	dk, err = s.userKey(user)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if rec, err = tx.AppRecord(ctx, token, app); err != nil {
		return nil, nil, nil, nil, err
	}
	if before, err = s.openApp(dk, rec); err != nil {
		return nil, nil, nil, nil, err
	}
	doc, err := decodeObject(before)
	if err != nil {
		return nil, nil, nil, nil, Wrap(EINTERNAL, "internal error", err)
	}
	if doc, err = ApplyPatch(doc, patch); err != nil {
		return nil, nil, nil, nil, err
	}
	if after, err = EncodeDocument(doc); err != nil {
		return nil, nil, nil, nil, errPatch
	}
	rec.Data = dk.Seal(after, appDataAAD(token, app))
	rec.Updated = s.now()
	return rec, before, after, dk, nil
}

// GetAppRecord returns an app record of the user id names.
// Errors: EINVALID "bad appname"; ENOTFOUND (no user, or no record); EFORBIDDEN.
func (s *Service) GetAppRecord(ctx context.Context, actor Actor, id Identity, app string) (AppView, error) {
	app, err := ParseAppName(app)
	if err != nil {
		return AppView{}, err
	}
	ev := Event{Title: "get user app record by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value, App: app}
	v, err := s.getApp(ctx, actor, id, app, &ev)
	if err != nil {
		return AppView{}, s.auditFailure(ctx, &ev, err)
	}
	if err := s.auditRead(ctx, &ev, nil); err != nil {
		return AppView{}, err
	}
	return v, nil
}

func (s *Service) getApp(ctx context.Context, actor Actor, id Identity, app string, ev *Event) (AppView, error) {
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return AppView{}, err
	}
	ev.Record = user.Token
	rec, err := s.store.AppRecord(ctx, user.Token, app)
	if err != nil {
		return AppView{}, err
	}
	dk, err := s.userKey(user)
	if err != nil {
		return AppView{}, err
	}
	plain, err := s.openApp(dk, rec)
	if err != nil {
		return AppView{}, err
	}
	return AppView{Token: user.Token, App: app, Data: plain}, nil
}

// DeleteAppRecord removes an app record. A login token may delete only
// records of apps that selfservice.app_record_change allows; otherwise
// EFORBIDDEN (there is no delete request).
// Errors: EINVALID "bad appname"; ENOTFOUND (no user, or no record); EFORBIDDEN.
func (s *Service) DeleteAppRecord(ctx context.Context, actor Actor, id Identity, app string) (ChangeResult, error) {
	app, err := ParseAppName(app)
	if err != nil {
		return ChangeResult{}, err
	}
	ev := Event{Title: "delete user app record by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value, App: app}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return ChangeResult{}, s.auditFailure(ctx, &ev, err)
	}
	if actor.Kind == ActorLogin && !s.opts.SelfService.AppChangeAllowed(app) {
		return ChangeResult{}, ErrAccessDenied
	}
	ev.Record = user.Token
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		cur, err := s.lockUser(ctx, tx, user.Token)
		if err != nil {
			return err
		}
		rec, err := tx.AppRecord(ctx, user.Token, app)
		if err != nil {
			return err
		}
		dk, err := s.userKey(cur)
		if err != nil {
			return err
		}
		if ev.Before, err = s.openApp(dk, rec); err != nil {
			return err
		}
		ev.key = dk // the user is locked: the event needs no second lookup
		return tx.DeleteAppRecord(ctx, user.Token, app)
	})
	if err != nil {
		return ChangeResult{}, err
	}
	return ChangeResult{Token: user.Token}, nil
}

// UserApps returns the user token and the sorted names of the user's app
// records ([] when none). Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) UserApps(ctx context.Context, actor Actor, id Identity) (string, []string, error) {
	ev := Event{Title: "get user app list by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return "", nil, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	recs, err := s.store.AppRecords(ctx, user.Token)
	names := make([]string, 0, len(recs))
	for _, r := range recs {
		names = append(names, r.App)
	}
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return "", nil, err
	}
	return user.Token, names, nil
}

// AppNames returns the distinct app names over live users, sorted
// (GET /v1/userapps, no audit event). Errors: EFORBIDDEN (not root).
func (s *Service) AppNames(ctx context.Context, actor Actor) ([]string, error) {
	if actor.Kind != ActorRoot {
		return nil, ErrAccessDenied
	}
	return s.store.AppNames(ctx)
}

// lockUser reads the live user token through tx, locking its row until the
// commit, so that changes of one user's records are serialised and an
// erasure running at the same time either sees them or is seen by them.
// Errors: ErrNotFound.
func (s *Service) lockUser(ctx context.Context, tx Tx, token string) (*UserRecord, error) {
	u, err := tx.UserByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !u.Live() {
		return nil, ErrNotFound
	}
	return u, nil
}

// openApp decrypts a stored app record with the user's data key.
func (s *Service) openApp(dk DataKey, rec *AppRecord) ([]byte, error) {
	plain, err := dk.Open(rec.Data, appDataAAD(rec.UserToken, rec.App))
	if err != nil {
		return nil, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open app record: %w", err))
	}
	return plain, nil
}

// appDataAAD binds an app record to its user and app name.
func appDataAAD(token, app string) []byte { return AAD("userapps", "data", token+"/"+app) }
