package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxAgreementText limits agreementmethod, referencecode and lastmodifiedby
// (§7.2), in characters.
const maxAgreementText = 256

var (
	errBasisNotActive = &Error{Code: ECONFLICT, Message: "legal basis not active"}
	errBadStartTime   = &Error{Code: EINVALID, Message: "bad starttime"}
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

// yesWords are the status values that mean yes (§7.2), in lower case.
var yesWords = map[string]bool{
	"1": true, "active": true, "accept": true, "agree": true, "approve": true, "given": true,
	"good": true, "ok": true, "on": true, "true": true, "y": true, "yes": true,
}

// statusYes reads the status of an agreement body. Absent means yes; a
// string, boolean or number means yes when its text is one of yesWords.
// Anything else, null included, means no: nothing ambiguous counts as consent.
func statusYes(body map[string]any) bool {
	v, ok := body["status"]
	if !ok {
		return true
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case bool:
		s = strconv.FormatBool(x)
	case json.Number:
		s = string(x)
	}
	return yesWords[strings.ToLower(strings.TrimSpace(s))]
}

// agreementInput holds the fields present in an agreement body; nil
// fields were absent and keep their stored value.
type agreementInput struct {
	method, reference, lastModifiedBy *string
	start, end                        *int64
}

// parseAgreementInput checks the fields of a POST agreement body. A
// withdrawal ignores expiration, since it ends the agreement anyway.
// Errors: EINVALID "bad agreementmethod", "bad referencecode",
// "bad lastmodifiedby", "bad starttime", "bad expiration".
func (s *Service) parseAgreementInput(body map[string]any, withdraw bool) (agreementInput, error) {
	var in agreementInput
	var err error
	setText(&err, body, "agreementmethod", maxAgreementText, &in.method)
	setText(&err, body, "referencecode", maxAgreementText, &in.reference)
	setText(&err, body, "lastmodifiedby", maxAgreementText, &in.lastModifiedBy)
	if err != nil {
		return in, err
	}
	if v := body["starttime"]; v != nil {
		n, ok := unixTime(v)
		if !ok {
			return in, errBadStartTime
		}
		in.start = &n
	}
	if v := body["expiration"]; v != nil && !withdraw {
		end, err := ExpirationEnd(v, s.clock.Now(), 0)
		if err != nil {
			return in, err
		}
		in.end = &end
	}
	return in, nil
}

// unixTime reads a non-negative integer Unix time: a JSON integer or, from
// a form, a string of digits.
func unixTime(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		return digits(string(x))
	case string:
		return digits(strings.TrimSpace(x))
	}
	return 0, false
}

// AcceptAgreement records the subject's decision on the legal basis brief
// (POST /v1/agreement, §7.2): a status of yes accepts (the basis must be
// active), any other status withdraws under WithdrawAgreement's rules.
// The subject is the live user id names or, for root and the tokenless
// accept, an email or phone without a user. actor may be ActorAnonymous
// only for consent (yes) by email or phone to a basis of module login;
// every other tokenless call gets ErrNoToken, an unknown brief included.
// A login token's withdrawal on a basis without usercontrol becomes an
// agreement-withdraw request (ChangeResult.Result set).
// Errors: EUNAUTHORIZED; EFORBIDDEN; EINVALID "bad brief format",
// "bad <field>", "bad expiration"; ENOTFOUND (brief or subject);
// ECONFLICT "legal basis not active".
func (s *Service) AcceptAgreement(ctx context.Context, actor Actor, brief string, id Identity, body map[string]any) (ChangeResult, error) {
	name, nameErr := ParseBrief(brief)
	yes := statusYes(body)
	switch actor.Kind {
	case ActorAnonymous:
		if err := s.tokenlessAccept(ctx, name, nameErr, id, yes); err != nil {
			return ChangeResult{}, err
		}
	case ActorRoot, ActorLogin:
	default:
		return ChangeResult{}, ErrAccessDenied
	}
	if nameErr != nil {
		return ChangeResult{}, nameErr
	}
	in, inErr := s.parseAgreementInput(body, !yes)
	if !yes {
		return s.withdraw(ctx, actor, name, id, in, inErr, false)
	}
	ev := Event{Title: "accept agreement for " + name, Actor: actor, Mode: id.Mode, Who: id.Value}
	err := s.withAudit(ctx, &ev, func(tx Tx) error {
		ev.Record = ""
		if inErr != nil {
			return inErr
		}
		subj, user, err := s.agreementSubject(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		ev.Record = subj.UserToken
		b, err := tx.LegalBasisByBrief(ctx, name)
		if err != nil {
			return err
		}
		if b.Status != BasisActive {
			return errBasisNotActive
		}
		return s.putAgreement(ctx, tx, b, subj, user, id, in, AgreementYes)
	})
	return ChangeResult{}, err
}

// tokenlessAccept decides the §7.2 exception for a request without a
// token: consent (yes) by email or phone to an existing basis of module
// login. It reads only the legal basis and refuses everything else alike
// with ErrNoToken, so an anonymous caller learns nothing about what exists.
func (s *Service) tokenlessAccept(ctx context.Context, name string, nameErr error, id Identity, yes bool) error {
	if nameErr != nil || !yes || (id.Mode != ModeEmail && id.Mode != ModePhone) {
		return ErrNoToken
	}
	b, err := s.store.LegalBasisByBrief(ctx, name)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return ErrNoToken
	case err != nil:
		return err
	case b.Module != "login":
		return ErrNoToken
	}
	return nil
}

// WithdrawAgreement withdraws the subject's agreement on brief (DELETE
// /v1/agreement/{brief}/{mode}/{identity}, §7.2) whatever the status of the
// basis: status no, end time 0, lastmodifiedby from body (default "").
// Withdrawing a withdrawn agreement succeeds. Root may withdraw any
// agreement, those held against an identity without a user included; a
// login token its own user's, directly when the basis has usercontrol and
// otherwise as an agreement-withdraw request (ChangeResult.Result set).
// Errors: EFORBIDDEN; EINVALID "bad brief format", "bad lastmodifiedby";
// ENOTFOUND (brief, subject or agreement).
func (s *Service) WithdrawAgreement(ctx context.Context, actor Actor, brief string, id Identity, body map[string]any) (ChangeResult, error) {
	if actor.Kind != ActorRoot && actor.Kind != ActorLogin {
		return ChangeResult{}, ErrAccessDenied
	}
	name, err := ParseBrief(brief)
	if err != nil {
		return ChangeResult{}, err
	}
	lastMod, _, inErr := textField(body, "lastmodifiedby", maxAgreementText)
	return s.withdraw(ctx, actor, name, id, agreementInput{lastModifiedBy: &lastMod}, inErr, true)
}

// withdraw sets the subject's agreement on name to no, in one audited
// transaction. viaDelete requires an existing agreement; the POST route
// records a refusal even where none existed.
func (s *Service) withdraw(ctx context.Context, actor Actor, name string, id Identity, in agreementInput, inErr error, viaDelete bool) (ChangeResult, error) {
	if actor.Kind == ActorAnonymous {
		return ChangeResult{}, ErrNoToken // there is no tokenless withdrawal
	}
	ev := Event{Title: "withdraw agreement for " + name, Actor: actor, Mode: id.Mode, Who: id.Value}
	var res ChangeResult
	err := s.withAudit(ctx, &ev, func(tx Tx) error {
		res, ev.Title, ev.Record = ChangeResult{}, "withdraw agreement for "+name, ""
		if inErr != nil {
			return inErr
		}
		subj, user, err := s.agreementSubject(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		ev.Record = subj.UserToken
		b, err := tx.LegalBasisByBrief(ctx, name)
		if err != nil {
			return err
		}
		a, err := tx.AgreementByBasis(ctx, b.ID, subj)
		switch {
		case err == nil:
		case ErrorCode(err) != ENOTFOUND || viaDelete:
			return err
		default:
			a = nil
		}
		if actor.Kind == ActorLogin && !b.UserControl && a != nil && s.effectiveStatus(a) == AgreementYes {
			// A basis without usercontrol needs an administrator's approval (§8).
			ev.Title = "user " + ActionAgreementWithdraw + " request"
			res, err = s.openRequest(ctx, tx, user, ActionAgreementWithdraw, "", b.Brief, nil)
			return err
		}
		return s.writeAgreement(ctx, tx, a, b, subj, user, id, in, AgreementNo)
	})
	return res, err
}

// withdrawApproved withdraws the user's agreement on brief inside tx as
// root would, recording the user token as who: the approval of an
// agreement-withdraw request (§8). Errors: ENOTFOUND (basis or agreement).
func (s *Service) withdrawApproved(ctx context.Context, tx Tx, user *UserRecord, brief string) error {
	b, err := tx.LegalBasisByBrief(ctx, brief)
	if err != nil {
		return err
	}
	subj := AgreementSubject{UserToken: user.Token}
	a, err := tx.AgreementByBasis(ctx, b.ID, subj)
	if err != nil {
		return err
	}
	empty := ""
	id := Identity{Mode: ModeToken, Value: user.Token}
	return s.writeAgreement(ctx, tx, a, b, subj, user, id, agreementInput{lastModifiedBy: &empty}, AgreementNo)
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

// RevokeAgreements sets every yes agreement on brief to revoked (DELETE
// /v1/agreement/{brief}, §7.2). Errors: EFORBIDDEN; EINVALID "bad brief
// format"; ENOTFOUND.
func (s *Service) RevokeAgreements(ctx context.Context, actor Actor, brief string) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	name, err := ParseBrief(brief)
	if err != nil {
		return err
	}
	ev := Event{Title: "revoke agreements for " + name, Actor: actor}
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		b, err := tx.LegalBasisByBrief(ctx, name)
		if err != nil {
			return err
		}
		_, err = tx.RevokeAgreements(ctx, b.ID, s.now())
		return err
	})
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

// agreementSubject resolves id, through r, to whom an agreement belongs:
// the live user it names or, for root and the tokenless accept, an email
// or phone that no live user holds. A login token reaches only its own
// user: anything else is 403, never 404 (§1.5).
// Errors: EFORBIDDEN; ENOTFOUND.
func (s *Service) agreementSubject(ctx context.Context, r Reader, actor Actor, id Identity) (AgreementSubject, *UserRecord, error) {
	user, err := s.lookup(ctx, r, id)
	switch {
	case actor.Kind == ActorLogin:
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return AgreementSubject{}, nil, err
		}
		if err != nil || user.Token != actor.UserToken {
			return AgreementSubject{}, nil, ErrAccessDenied
		}
		return AgreementSubject{UserToken: user.Token}, user, nil
	case actor.Kind != ActorRoot && actor.Kind != ActorAnonymous:
		return AgreementSubject{}, nil, ErrAccessDenied
	case err == nil:
		return AgreementSubject{UserToken: user.Token}, user, nil
	case ErrorCode(err) != ENOTFOUND || id.Empty || (id.Mode != ModeEmail && id.Mode != ModePhone):
		return AgreementSubject{}, nil, err
	}
	return AgreementSubject{Index: s.keys.BlindIndex(string(id.Mode), id.Value)}, nil, nil
}

// putAgreement creates or updates the subject's agreement on b inside tx.
// When a concurrent transaction creates it first, this one updates it.
func (s *Service) putAgreement(ctx context.Context, tx Tx, b *LegalBasis, subj AgreementSubject, user *UserRecord, id Identity, in agreementInput, status string) error {
	a, err := tx.AgreementByBasis(ctx, b.ID, subj)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		a = nil
	case err != nil:
		return err
	}
	return s.writeAgreement(ctx, tx, a, b, subj, user, id, in, status)
}

// writeAgreement applies in and status to a (nil: a new agreement) and
// stores it. who becomes id's normalised identity, sealed like
// lastmodifiedby under the subject's key.
func (s *Service) writeAgreement(ctx context.Context, tx Tx, a *AgreementRecord, b *LegalBasis, subj AgreementSubject, user *UserRecord, id Identity, in agreementInput, status string) error {
	now := s.now()
	fresh := a == nil
	if fresh {
		a = &AgreementRecord{
			Key: NewUUID(), BasisID: b.ID, UserToken: subj.UserToken, SubjectIndex: subj.Index,
			AgreementMethod: "api", Created: now,
		}
	}
	dk, err := s.sealKey(a, user)
	if err != nil {
		return err
	}
	if in.method != nil {
		a.AgreementMethod = *in.method
	}
	if in.reference != nil {
		a.ReferenceCode = *in.reference
	}
	if in.lastModifiedBy != nil {
		a.LastModifiedBy = dk.Seal([]byte(*in.lastModifiedBy), agreementAAD("lastmodifiedby", a.Key))
	}
	if in.start != nil {
		a.Start = *in.start
	}
	switch {
	case status != AgreementYes:
		a.End = 0
	case in.end != nil:
		a.End = *in.end
	case a.End > 0 && a.End <= now:
		// Consent given again without an expiration is open-ended; the
		// old, passed end time would expire it at once.
		a.End = 0
	}
	a.Status = status
	a.Mode = string(id.Mode)
	a.Who = dk.Seal([]byte(id.Value), agreementAAD("who", a.Key))
	a.When = now
	if !fresh {
		return tx.UpdateAgreement(ctx, a)
	}
	inserted, err := tx.InsertAgreement(ctx, a)
	if err != nil || inserted {
		return err
	}
	cur, err := tx.AgreementByBasis(ctx, b.ID, subj)
	if err != nil {
		return err
	}
	return s.writeAgreement(ctx, tx, cur, b, subj, user, id, in, status)
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
