package sqlstore

import (
	"context"

	"piivault/internal/vault"
)

const (
	notificationColumns = "id, action, user_token, brief, status, created, attempts, next_attempt"

	sqlDueNotifications   = "SELECT " + notificationColumns + " FROM notifications WHERE next_attempt <= ? ORDER BY next_attempt LIMIT ?"
	sqlInsertNotification = "INSERT INTO notifications (" + notificationColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	// The claim is a compare-and-set on next_attempt: of two instances that
	// read the same due row, only the first to commit moves it.
	sqlLeaseNotification  = "UPDATE notifications SET next_attempt = ? WHERE id = ? AND next_attempt = ?"
	sqlRetryNotification  = "UPDATE notifications SET attempts = ?, next_attempt = ? WHERE id = ?"
	sqlDeleteNotification = "DELETE FROM notifications WHERE id = ?"

	sqlRevocableAgreementUsers = "SELECT user_token FROM agreements WHERE basis_id = ? AND status = 'yes'" +
		" AND (endtime = 0 OR endtime > ?) AND user_token IS NOT NULL ORDER BY id"
	sqlDueAgreements = "SELECT a.id, a.user_token, b.brief" + agreementJoin +
		" WHERE a.status = 'yes' AND a.endtime > 0 AND a.endtime <= ? ORDER BY a.id LIMIT ?"
	sqlExpireAgreement = "UPDATE agreements SET status = 'expired', changed = endtime" +
		" WHERE id = ? AND status = 'yes' AND endtime > 0 AND endtime <= ?"
)

// DueNotifications returns at most limit notifications due at now (Unix
// ms), earliest first; inside Update the rows stay locked until the commit.
// Errors: EUNAVAILABLE.
func (r *reader) DueNotifications(ctx context.Context, now int64, limit int) ([]*vault.Notification, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlDueNotifications, true), now, limit)
	if err != nil {
		return nil, r.d.wrap("due notifications", err)
	}
	defer rows.Close()
	var out []*vault.Notification
	for rows.Next() {
		var n vault.Notification
		if err := rows.Scan(&n.ID, &n.Action, &n.UserToken, &n.Brief, &n.Status, &n.Time, &n.Attempts, &n.NextAttempt); err != nil {
			return nil, r.d.wrap("due notifications", err)
		}
		out = append(out, &n)
	}
	return out, r.d.wrap("due notifications", rows.Err())
}

// InsertNotification queues n.
// Errors: EUNAVAILABLE.
func (t *txn) InsertNotification(ctx context.Context, n *vault.Notification) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertNotification, false),
		n.ID, n.Action, n.UserToken, n.Brief, n.Status, n.Time, n.Attempts, n.NextAttempt)
	return t.d.wrap("insert notification", err)
}

// LeaseNotification moves the notification's next attempt from from to
// until, and reports false when it was no longer at from (or is gone).
// Errors: EUNAVAILABLE.
func (t *txn) LeaseNotification(ctx context.Context, id string, from, until int64) (bool, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlLeaseNotification, false), until, id, from)
	if err != nil {
		return false, t.d.wrap("lease notification", err)
	}
	n, err := res.RowsAffected()
	return n == 1, t.d.wrap("lease notification", err)
}

// RetryNotification records the attempt count and next due time; a
// deleted notification is no error.
// Errors: EUNAVAILABLE.
func (t *txn) RetryNotification(ctx context.Context, id string, attempts int, next int64) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlRetryNotification, false), attempts, next, id)
	return t.d.wrap("retry notification", err)
}

// DeleteNotification removes the notification; none is no error.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteNotification(ctx context.Context, id string) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlDeleteNotification, false), id)
	return t.d.wrap("delete notification", err)
}

// RevocableAgreementUsers returns the users whose yes agreement on the
// basis has not expired by when; inside Update those rows stay locked.
// Errors: EUNAVAILABLE.
func (r *reader) RevocableAgreementUsers(ctx context.Context, basisID, when int64) ([]string, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlRevocableAgreementUsers, true), basisID, when)
	if err != nil {
		return nil, r.d.wrap("revocable agreements", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var tok string
		if err := rows.Scan(&tok); err != nil {
			return nil, r.d.wrap("revocable agreements", err)
		}
		out = append(out, tok)
	}
	return out, r.d.wrap("revocable agreements", rows.Err())
}

// DueAgreements returns at most limit yes agreements past their end time,
// lowest id first, with ID, UserToken ("" when held against an identity)
// and Brief filled. The rows are not locked: ExpireAgreement re-checks.
// Errors: EUNAVAILABLE.
func (r *reader) DueAgreements(ctx context.Context, now int64, limit int) ([]*vault.AgreementRecord, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rows, err := r.run.QueryContext(ctx, r.sql(sqlDueAgreements, false), now, limit)
	if err != nil {
		return nil, r.d.wrap("due agreements", err)
	}
	defer rows.Close()
	var out []*vault.AgreementRecord
	for rows.Next() {
		var (
			a    vault.AgreementRecord
			user *string
		)
		if err := rows.Scan(&a.ID, &user, &a.Brief); err != nil {
			return nil, r.d.wrap("due agreements", err)
		}
		if user != nil {
			a.UserToken = *user
		}
		out = append(out, &a)
	}
	return out, r.d.wrap("due agreements", rows.Err())
}

// ExpireAgreement sets the agreement expired, changed at its end time, if
// it is still yes and past its end time at now, and reports whether it did.
// Errors: EUNAVAILABLE.
func (t *txn) ExpireAgreement(ctx context.Context, id, now int64) (bool, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlExpireAgreement, false), id, now)
	if err != nil {
		return false, t.d.wrap("expire agreement", err)
	}
	n, err := res.RowsAffected()
	return n == 1, t.d.wrap("expire agreement", err)
}
