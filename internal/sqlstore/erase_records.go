package sqlstore

import "context"

// eraseUserRecords removes, inside an erasure's transaction, what §3.5
// erases with the user besides profile and sessions: app records, shared
// records and a pending expiration; open requests become canceled ("user
// erased") and every sealed change and reason of the user goes.
func (t *txn) eraseUserRecords(ctx context.Context, token string, when int64) error {
	for _, q := range []string{sqlDeleteUserApp, sqlDeleteUserShrs, sqlDeleteExpiration} {
		if _, err := t.run.ExecContext(ctx, t.sql(q, false), token); err != nil {
			return err
		}
	}
	return t.eraseUserRequests(ctx, token, when)
}
