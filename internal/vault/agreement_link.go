package vault

import (
	"context"
	"fmt"
)

// linkAgreements moves the agreements held against an email or phone to
// the user who now holds it (§3.2, §3.4: "linked to the user created later
// with that email or phone, or who changes to it"). It runs inside the
// transaction that creates or changes the user, so the user and the link
// commit together. old and ix are the user's blind indexes before and after
// (old is empty for a new user); only an email or phone index that changed
// is looked at. dk is the user's data key.
//
// Who and lastmodifiedby are sealed again under the user's data key and the
// agreement's own key is dropped, so erasing the user later shreds them.
// Where the user already has an agreement on the same basis, the one changed
// last is kept and the other deleted: an agreement records the subject's
// latest decision (ties keep the user's own).
func (s *Service) linkAgreements(ctx context.Context, tx Tx, token string, dk DataKey, old, ix Index) error {
	for _, f := range [...]Mode{ModeEmail, ModePhone} {
		idx := ix.Get(f)
		if idx == "" || idx == old.Get(f) {
			continue
		}
		held, _, err := tx.AgreementsBySubject(ctx, AgreementSubject{Index: idx}, 0, allRows)
		if err != nil {
			return err
		}
		for _, a := range held {
			if err := s.linkAgreement(ctx, tx, token, dk, a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) linkAgreement(ctx context.Context, tx Tx, token string, dk DataKey, a *AgreementRecord) error {
	mine, err := tx.AgreementByBasis(ctx, a.BasisID, AgreementSubject{UserToken: token})
	switch {
	case err == nil && mine.When >= a.When:
		return tx.DeleteAgreement(ctx, a.ID)
	case err == nil:
		if err := tx.DeleteAgreement(ctx, mine.ID); err != nil {
			return err
		}
	case ErrorCode(err) != ENOTFOUND:
		return err
	}
	own, err := s.keys.OpenDataKey(a.DataKey, agreementKeyAAD(a.Key))
	if err != nil {
		return Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: link agreement: open its key: %w", err))
	}
	for _, f := range []struct {
		column string
		sealed *[]byte
	}{{"who", &a.Who}, {"lastmodifiedby", &a.LastModifiedBy}} {
		if *f.sealed == nil {
			continue
		}
		plain, err := own.Open(*f.sealed, agreementAAD(f.column, a.Key))
		if err != nil {
			return Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: link agreement: open %s: %w", f.column, err))
		}
		*f.sealed = dk.Seal(plain, agreementAAD(f.column, a.Key))
	}
	s.keys.ForgetDataKey(a.DataKey)
	a.UserToken, a.SubjectIndex, a.DataKey = token, "", nil
	return tx.UpdateAgreement(ctx, a)
}

// linkUserAgreements is linkAgreements for a caller that holds the changed
// user record and its indexes before the change, but not its data key: the
// approval of a change-profile request, which re-indexes like UpdateUser.
func (s *Service) linkUserAgreements(ctx context.Context, tx Tx, cur *UserRecord, old Index) error {
	if cur.Index.Email == old.Email && cur.Index.Phone == old.Phone {
		return nil
	}
	dk, err := s.userKey(cur)
	if err != nil {
		return err
	}
	return s.linkAgreements(ctx, tx, cur.Token, dk, old, cur.Index)
}
