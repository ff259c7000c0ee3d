package vault

import "context"

// The agreement-withdraw requests of §7.2 are filed by the consent use
// cases (agreement.go) through openRequest; these two hooks let the request
// use cases show and apply them.

// requestAgreement returns the agreement an agreement-withdraw request is
// about. Errors: ENOTFOUND (basis or agreement gone).
func (s *Service) requestAgreement(ctx context.Context, user *UserRecord, brief string) (*AgreementView, error) {
	a, err := s.agreementOf(ctx, s.store, user, brief)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// withdrawRequested withdraws the agreement as root would, inside tx.
// Errors: ENOTFOUND (basis or agreement gone).
func (s *Service) withdrawRequested(ctx context.Context, tx Tx, user *UserRecord, brief string) error {
	return s.withdrawApproved(ctx, tx, user, brief)
}
