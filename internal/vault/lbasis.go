package vault

import (
	"context"
	"strings"
)

// Length limits of the legal-basis fields (§7.1), in characters.
const (
	maxBasisShort = 64
	maxBasisText  = 4096
)

var (
	errBadBasisStatus = &Error{Code: EINVALID, Message: "bad status"}
	errBadBriefField  = &Error{Code: EINVALID, Message: "bad brief"}
)

// basisInput holds the fields present in a POST /v1/lbasis body; nil
// fields were absent and keep their value on update.
type basisInput struct {
	brief, status, module, basisType, shortDesc, fullDesc, requiredMsg *string
	requiredFlag, userControl                                          *bool
}

// parseBasisInput checks a POST /v1/lbasis body.
// Errors: EINVALID "bad <field>", "bad brief format" (rename target).
func parseBasisInput(body map[string]any) (basisInput, error) {
	var in basisInput
	var err error
	if v, ok := body["brief"]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			return in, errBadBriefField
		}
		b, err := ParseBrief(s)
		if err != nil {
			return in, err
		}
		in.brief = &b
	}
	if v, ok := body["status"]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			return in, errBadBasisStatus
		}
		st := BasisActive
		if strings.ToLower(strings.TrimSpace(s)) == BasisDisabled {
			st = BasisDisabled
		}
		in.status = &st
	}
	setText(&err, body, "module", maxBasisShort, &in.module)
	setText(&err, body, "basistype", maxBasisShort, &in.basisType)
	setText(&err, body, "shortdesc", maxBasisText, &in.shortDesc)
	setText(&err, body, "fulldesc", maxBasisText, &in.fullDesc)
	setText(&err, body, "requiredmsg", maxBasisText, &in.requiredMsg)
	setBool(&err, body, "requiredflag", &in.requiredFlag)
	setBool(&err, body, "usercontrol", &in.userControl)
	return in, err
}

// apply sets the present fields on b and keeps requiredmsg only while
// requiredflag is true.
func (in basisInput) apply(b *LegalBasis) {
	for _, f := range []struct {
		src *string
		dst *string
	}{
		{in.brief, &b.Brief}, {in.status, &b.Status}, {in.module, &b.Module}, {in.basisType, &b.BasisType},
		{in.shortDesc, &b.ShortDesc}, {in.fullDesc, &b.FullDesc}, {in.requiredMsg, &b.RequiredMsg},
	} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if in.requiredFlag != nil {
		b.RequiredFlag = *in.requiredFlag
	}
	if in.userControl != nil {
		b.UserControl = *in.userControl
	}
	if !b.RequiredFlag {
		b.RequiredMsg = ""
	}
}

// LegalBases lists legal bases of every status in creation order; page nil
// lists all of them. Errors: EFORBIDDEN (not root).
func (s *Service) LegalBases(ctx context.Context, actor Actor, page *Page) ([]LegalBasis, int, error) {
	if actor.Kind != ActorRoot {
		return nil, 0, ErrAccessDenied
	}
	offset, limit := page.window()
	recs, total, err := s.store.LegalBases(ctx, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]LegalBasis, len(recs))
	for i, b := range recs {
		out[i] = *b
	}
	return out, total, nil
}

// SaveLegalBasis creates the basis brief from body, or updates it (absent
// fields keep their value). A "brief" field renames it: on create the new
// basis takes that brief. Agreements and activity links follow a rename.
// Errors: EFORBIDDEN; EINVALID "bad brief format", "bad <field>"; ECONFLICT
// "duplicate brief" (the rename target, or on create the new brief, is taken).
func (s *Service) SaveLegalBasis(ctx context.Context, actor Actor, brief string, body map[string]any) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	name, err := ParseBrief(brief)
	if err != nil {
		return err
	}
	in, inErr := parseBasisInput(body)
	ev := Event{Title: "save legal basis " + name, Actor: actor}
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		if inErr != nil {
			return inErr
		}
		cur, err := tx.LegalBasisByBrief(ctx, name)
		switch {
		case err == nil:
			in.apply(cur)
			return tx.UpdateLegalBasis(ctx, cur)
		case ErrorCode(err) != ENOTFOUND:
			return err
		}
		b := &LegalBasis{Brief: name, Status: BasisActive, BasisType: "consent", Created: s.now()}
		in.apply(b)
		return tx.InsertLegalBasis(ctx, b)
	})
}

// DeleteLegalBasis removes a basis no agreement refers to; a basis with
// agreements stays as evidence with status deleted, and its yes agreements
// become revoked. Either way it is unlinked from every processing activity.
// Errors: EFORBIDDEN; EINVALID "bad brief format"; ENOTFOUND.
func (s *Service) DeleteLegalBasis(ctx context.Context, actor Actor, brief string) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	name, err := ParseBrief(brief)
	if err != nil {
		return err
	}
	ev := Event{Title: "delete legal basis " + name, Actor: actor}
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		b, err := tx.LegalBasisByBrief(ctx, name)
		if err != nil {
			return err
		}
		if err := tx.UnlinkBasisEverywhere(ctx, b.ID); err != nil {
			return err
		}
		has, err := tx.BasisHasAgreements(ctx, b.ID)
		if err != nil {
			return err
		}
		if !has {
			return tx.DeleteLegalBasis(ctx, b.ID)
		}
		b.Status = BasisDeleted
		if err := tx.UpdateLegalBasis(ctx, b); err != nil {
			return err
		}
		return s.revokeAgreements(ctx, tx, b)
	})
}
