package httpapi

import "piivault/internal/vault"

// requestAgreement is the original of an agreement-withdraw request: the
// agreement object of §7.2, or {} when it is gone.
func requestAgreement(a *vault.AgreementView) any {
	if a == nil {
		return struct{}{}
	}
	return newAgreementObject(*a)
}
