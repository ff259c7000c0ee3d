package vault

import (
	"context"
	"encoding/json"
	"math"
)

// ExportView is everything held about one user (GET
// /v1/user/{mode}/{identity}/export, §13), nothing paged.
type ExportView struct {
	Token      string
	Exported   int64 // Unix seconds
	Profile    json.RawMessage
	Apps       []AppView     // by app name
	Sessions   []SessionView // live bound sessions; Data is always nil (metadata only)
	Requests   []RequestRow  // oldest first
	Shares     []ShareRow    // live shares, oldest first
	Expiration ExpirationView
	ExportParts
}

// ExportUser collects everything held about the live user id names, for
// the subject's right of access and portability (GDPR Art. 15, 20).
// Errors: ENOTFOUND; EFORBIDDEN.
func (s *Service) ExportUser(ctx context.Context, actor Actor, id Identity) (ExportView, error) {
	ev := Event{Title: "export user data by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	user, err := s.subject(ctx, actor, id)
	if err != nil {
		return ExportView{}, s.auditFailure(ctx, &ev, err)
	}
	ev.Record = user.Token
	v, err := s.export(ctx, user)
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return ExportView{}, err
	}
	return v, nil
}

func (s *Service) export(ctx context.Context, user *UserRecord) (ExportView, error) {
	v := ExportView{Token: user.Token, Exported: s.now()}
	var err error
	if v.Profile, err = s.openProfile(user); err != nil {
		return ExportView{}, err
	}
	dk, err := s.userKey(user)
	if err != nil {
		return ExportView{}, err
	}
	apps, err := s.store.AppRecords(ctx, user.Token)
	if err != nil {
		return ExportView{}, err
	}
	for _, a := range apps {
		data, err := s.openApp(dk, a)
		if err != nil {
			return ExportView{}, err
		}
		v.Apps = append(v.Apps, AppView{Token: user.Token, App: a.App, Data: data})
	}
	sessions, _, err := s.store.SessionsByUser(ctx, user.Token, v.Exported, 0, math.MaxInt32)
	if err != nil {
		return ExportView{}, err
	}
	for _, r := range sessions {
		sv, err := s.openSession(r, "")
		if err != nil {
			return ExportView{}, err
		}
		sv.Data = nil // metadata only: session content is the application's, not part of the export
		v.Sessions = append(v.Sessions, sv)
	}
	reqs, _, err := s.store.RequestsByUser(ctx, user.Token, 0, math.MaxInt32)
	if err != nil {
		return ExportView{}, err
	}
	if v.Requests, err = s.requestRows(ctx, reqs); err != nil {
		return ExportView{}, err
	}
	if v.Shares, err = s.userShares(ctx, user, dk); err != nil {
		return ExportView{}, err
	}
	if v.Expiration, err = s.expiration(ctx, user); err != nil {
		return ExportView{}, err
	}
	if v.ExportParts, err = s.exportParts(ctx, user); err != nil {
		return ExportView{}, err
	}
	return v, nil
}
