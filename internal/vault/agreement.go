package vault

import "context"

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
	if err == nil {
		s.requestFiled(res, ActionAgreementWithdraw)
	}
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
		return s.revokeAgreements(ctx, tx, b)
	})
}

// revokeAgreements revokes every yes agreement on b inside tx and queues
// a consentchange for each user whose agreement it revoked.
func (s *Service) revokeAgreements(ctx context.Context, tx Tx, b *LegalBasis) error {
	now := s.now()
	var users []string
	if s.opts.Notifications {
		var err error
		if users, err = tx.RevocableAgreementUsers(ctx, b.ID, now); err != nil {
			return err
		}
	}
	if _, err := tx.RevokeAgreements(ctx, b.ID, now); err != nil {
		return err
	}
	for _, u := range users {
		if err := s.notify(ctx, tx, NotifyConsentChange, u, b.Brief, AgreementRevoked); err != nil {
			return err
		}
	}
	return nil
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
	prev := "" // the status a receiver last heard of, if any (§15)
	if !fresh {
		prev = s.effectiveStatus(a)
	}
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
		if err := tx.UpdateAgreement(ctx, a); err != nil || prev == status {
			return err
		}
		return s.notify(ctx, tx, NotifyConsentChange, a.UserToken, b.Brief, status)
	}
	inserted, err := tx.InsertAgreement(ctx, a)
	if err != nil {
		return err
	}
	if inserted {
		return s.notify(ctx, tx, NotifyConsentChange, a.UserToken, b.Brief, status)
	}
	cur, err := tx.AgreementByBasis(ctx, b.ID, subj)
	if err != nil {
		return err
	}
	return s.writeAgreement(ctx, tx, cur, b, subj, user, id, in, status)
}
