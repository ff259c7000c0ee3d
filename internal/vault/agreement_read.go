package vault

import (
	"context"
	"errors"
	"fmt"
)

// AgreementView is an agreement as shown to a caller (§7.2). An agreement
// whose end time has passed reads as expired, changed at its end time,
// whether or not the background job has marked it yet.
type AgreementView struct {
	AgreementMethod string
	Brief           string
	Created         int64
	End             int64
	LastModifiedBy  string
	Mode            string
	ReferenceCode   string
	Start           int64
	Status          string
	Token           string // user token, "" while held against an identity
	When            int64
	Who             string // normalised identity of the last change; "" after erasure
}

// GetAgreement returns the subject's agreement on brief. Root may read
// agreements held against an email or phone without a user.
// Errors: EFORBIDDEN; EINVALID "bad brief format"; ENOTFOUND (brief,
// subject or agreement).
func (s *Service) GetAgreement(ctx context.Context, actor Actor, brief string, id Identity) (AgreementView, error) {
	if actor.Kind != ActorRoot && actor.Kind != ActorLogin {
		return AgreementView{}, ErrAccessDenied
	}
	name, err := ParseBrief(brief)
	if err != nil {
		return AgreementView{}, err
	}
	ev := Event{Title: "get agreement for " + name, Actor: actor, Mode: id.Mode, Who: id.Value}
	v, err := s.getAgreement(ctx, actor, name, id, &ev)
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return AgreementView{}, err
	}
	return v, nil
}

func (s *Service) getAgreement(ctx context.Context, actor Actor, name string, id Identity, ev *Event) (AgreementView, error) {
	subj, user, err := s.agreementSubject(ctx, s.store, actor, id)
	if err != nil {
		return AgreementView{}, err
	}
	ev.Record = subj.UserToken
	b, err := s.store.LegalBasisByBrief(ctx, name)
	if err != nil {
		return AgreementView{}, err
	}
	a, err := s.store.AgreementByBasis(ctx, b.ID, subj)
	if err != nil {
		return AgreementView{}, err
	}
	a.Brief = b.Brief
	return s.agreementView(a, user)
}

// UserAgreements lists the subject's agreements in creation order; page
// nil lists all of them. For an email or phone without a user, root sees
// the agreements held against that identity (none is an empty list).
// Errors: EFORBIDDEN; ENOTFOUND.
func (s *Service) UserAgreements(ctx context.Context, actor Actor, id Identity, page *Page) ([]AgreementView, int, error) {
	if actor.Kind != ActorRoot && actor.Kind != ActorLogin {
		return nil, 0, ErrAccessDenied
	}
	ev := Event{Title: "get agreements by " + string(id.Mode), Actor: actor, Mode: id.Mode, Who: id.Value}
	views, total, err := s.userAgreements(ctx, actor, id, page, &ev)
	if err := s.auditRead(ctx, &ev, err); err != nil {
		return nil, 0, err
	}
	return views, total, nil
}

func (s *Service) userAgreements(ctx context.Context, actor Actor, id Identity, page *Page, ev *Event) ([]AgreementView, int, error) {
	subj, user, err := s.agreementSubject(ctx, s.store, actor, id)
	if err != nil {
		return nil, 0, err
	}
	ev.Record = subj.UserToken
	offset, limit := page.window()
	recs, total, err := s.store.AgreementsBySubject(ctx, subj, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	views := make([]AgreementView, len(recs))
	for i, a := range recs {
		if views[i], err = s.agreementView(a, user); err != nil {
			return nil, 0, err
		}
	}
	return views, total, nil
}

// agreementOf returns the user's agreement on brief, for showing a
// request's original (§8). Errors: ENOTFOUND (basis or agreement).
func (s *Service) agreementOf(ctx context.Context, r Reader, user *UserRecord, brief string) (AgreementView, error) {
	b, err := r.LegalBasisByBrief(ctx, brief)
	if err != nil {
		return AgreementView{}, err
	}
	a, err := r.AgreementByBasis(ctx, b.ID, AgreementSubject{UserToken: user.Token})
	if err != nil {
		return AgreementView{}, err
	}
	a.Brief = b.Brief
	return s.agreementView(a, user)
}

// effectiveStatus is the status an agreement has now: a yes whose end time
// has passed is expired even before the background job marks it.
func (s *Service) effectiveStatus(a *AgreementRecord) string {
	if a.Status == AgreementYes && a.End > 0 && a.End <= s.now() {
		return AgreementExpired
	}
	return a.Status
}

// agreementView decrypts an agreement for a caller; user is its user, nil
// while it is held against an identity.
func (s *Service) agreementView(a *AgreementRecord, user *UserRecord) (AgreementView, error) {
	v := AgreementView{
		AgreementMethod: a.AgreementMethod, Brief: a.Brief, Created: a.Created, End: a.End,
		Mode: a.Mode, ReferenceCode: a.ReferenceCode, Start: a.Start, Status: s.effectiveStatus(a),
		Token: a.UserToken, When: a.When,
	}
	if v.Status != a.Status {
		v.When = a.End
	}
	if a.Who == nil && a.LastModifiedBy == nil {
		return v, nil
	}
	dk, err := s.sealKey(a, user)
	if err != nil {
		return AgreementView{}, err
	}
	for _, f := range []struct {
		sealed []byte
		column string
		dst    *string
	}{{a.Who, "who", &v.Who}, {a.LastModifiedBy, "lastmodifiedby", &v.LastModifiedBy}} {
		if f.sealed == nil {
			continue
		}
		plain, err := dk.Open(f.sealed, agreementAAD(f.column, a.Key))
		if err != nil {
			return AgreementView{}, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open agreement %s: %w", f.column, err))
		}
		*f.dst = string(plain)
	}
	return v, nil
}

// sealKey returns the key that seals an agreement's who and
// lastmodifiedby: the data key of its user or, while it is held against an
// identity, its own data key, made here for a new agreement. Each
// identity-held agreement has its own key, so no two ciphertexts of one
// identity are linkable and linking to a user drops the key for good.
func (s *Service) sealKey(a *AgreementRecord, user *UserRecord) (DataKey, error) {
	if a.UserToken != "" {
		if user == nil || user.Token != a.UserToken {
			return nil, Wrap(EINTERNAL, "internal error", errors.New("vault: agreement opened without its user"))
		}
		return s.userKey(user)
	}
	if a.DataKey == nil {
		dk, wrapped, err := s.keys.NewDataKey(agreementKeyAAD(a.Key))
		if err != nil {
			return nil, fmt.Errorf("vault: new agreement key: %w", err)
		}
		a.DataKey = wrapped
		return dk, nil
	}
	dk, err := s.keys.OpenDataKey(a.DataKey, agreementKeyAAD(a.Key))
	if err != nil {
		return nil, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open agreement key: %w", err))
	}
	return dk, nil
}

func agreementKeyAAD(key string) []byte      { return AAD("agreements", "datakey", key) }
func agreementAAD(column, key string) []byte { return AAD("agreements", column, key) }
