package httpapi

import "piivault/internal/vault"

// exportParts encodes the consent and audit parts of an export (§13) with
// the objects of §7.1, §7.2 and §1.13, each [] when empty.
func exportParts(p vault.ExportParts) (agreements, legalBases, audit []any) {
	agreements = make([]any, len(p.Agreements))
	for i, a := range p.Agreements {
		agreements[i] = newAgreementObject(a)
	}
	legalBases = make([]any, len(p.LegalBases))
	for i, b := range p.LegalBases {
		legalBases[i] = newLbasisObject(b)
	}
	rows := auditRows(p.Audit)
	audit = make([]any, len(rows))
	for i, r := range rows {
		audit[i] = r
	}
	return agreements, legalBases, audit
}
