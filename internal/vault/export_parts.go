package vault

import (
	"context"
	"math"
)

// ExportParts are the parts of an export that other resources own:
// consents (§7) and the audit trail (§11).
type ExportParts struct {
	Agreements []AgreementView  // every agreement of the user, creation order
	LegalBases []LegalBasis     // the bases those agreements refer to, in the same order
	Audit      []AuditEventView // every event whose record is the user, newest first
}

// exportParts collects the consent and audit parts of a user's export.
func (s *Service) exportParts(ctx context.Context, user *UserRecord) (ExportParts, error) {
	var p ExportParts
	recs, _, err := s.store.AgreementsBySubject(ctx, AgreementSubject{UserToken: user.Token}, 0, math.MaxInt32)
	if err != nil {
		return p, err
	}
	seen := map[string]bool{}
	for _, a := range recs {
		v, err := s.agreementView(a, user)
		if err != nil {
			return p, err
		}
		p.Agreements = append(p.Agreements, v)
		if seen[v.Brief] {
			continue
		}
		seen[v.Brief] = true
		b, err := s.store.LegalBasisByBrief(ctx, v.Brief)
		switch {
		case ErrorCode(err) == ENOTFOUND: // removed since; the agreement stays as evidence
		case err != nil:
			return p, err
		default:
			p.LegalBases = append(p.LegalBases, *b)
		}
	}
	if p.Audit, err = s.subjectAuditEvents(ctx, user.Token); err != nil {
		return p, err
	}
	return p, nil
}
