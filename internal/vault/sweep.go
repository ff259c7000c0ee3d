package vault

import "context"

// sweepBatch bounds one sweeper transaction, so a sweep never holds the
// writer for long and requests interleave between batches.
const sweepBatch = 500

// SweepResult counts what one sweep removed.
type SweepResult struct {
	Sessions    int
	Tokens      int
	LoginCodes  int
	LoginTokens int
	Agreements  int // yes agreements past their end time, now expired

	Shares int // expired shared records deleted (§9)
	Users  int // users erased because their expiration passed (§10)
}

// SweepExpired deletes expired sessions, vault tokens, login codes and login
// tokens, and marks yes agreements past their end time expired (§1.14), in
// bounded batches.
// Several instances may sweep one database at once: each delete is idempotent.
func (s *Service) SweepExpired(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := s.now()
	for _, job := range []struct {
		count *int
		del   func(Tx) (int, error)
	}{
		{&res.Sessions, func(tx Tx) (int, error) { return tx.DeleteExpiredSessions(ctx, now, sweepBatch) }},
		{&res.Tokens, func(tx Tx) (int, error) { return tx.DeleteExpiredTokens(ctx, now, sweepBatch) }},
		{&res.Shares, func(tx Tx) (int, error) { return tx.DeleteExpiredShares(ctx, now, sweepBatch) }},
		{&res.LoginCodes, func(tx Tx) (int, error) { return tx.DeleteExpiredLoginCodes(ctx, now, sweepBatch) }},
		{&res.LoginTokens, func(tx Tx) (int, error) { return tx.DeleteExpiredLoginTokens(ctx, now, sweepBatch) }},
		{&res.Agreements, func(tx Tx) (int, error) { return s.expireAgreements(ctx, tx, now) }},
	} {
		for {
			var n int
			err := s.store.Update(ctx, func(tx Tx) error {
				var err error
				n, err = job.del(tx)
				return err
			})
			if err != nil {
				return res, err
			}
			*job.count += n
			if n < sweepBatch || ctx.Err() != nil {
				break
			}
		}
	}
	var err error
	res.Users, err = s.EraseDueUsers(ctx)
	return res, err
}

// expireAgreements marks at most sweepBatch yes agreements past their end
// time expired. With notifications on it goes one agreement at a time, so
// that each user whose consent expired is told (§15).
func (s *Service) expireAgreements(ctx context.Context, tx Tx, now int64) (int, error) {
	if !s.opts.Notifications {
		return tx.ExpireAgreements(ctx, now, sweepBatch)
	}
	due, err := tx.DueAgreements(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range due {
		ok, err := tx.ExpireAgreement(ctx, a.ID, now)
		if err != nil {
			return n, err
		}
		if !ok {
			continue
		}
		n++
		if err := s.notify(ctx, tx, NotifyConsentChange, a.UserToken, a.Brief, AgreementExpired); err != nil {
			return n, err
		}
	}
	// Rows another instance expired first make a short count, which ends
	// this sweep early; the next one picks up the rest.
	return n, nil
}
