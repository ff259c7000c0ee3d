package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"piivault/internal/vault"
)

const (
	agreementFields = "akey, basis_id, user_token, subject_idx, datakey, who_mode, who, lastmod, method, refcode," +
		" status, created, starttime, endtime, changed"
	// agreementColumns read the brief of the basis too; a.* only where the
	// rows are locked, so that reading an agreement never locks its basis.
	agreementColumns = "a.id, a.akey, a.basis_id, b.brief, a.user_token, a.subject_idx, a.datakey, a.who_mode, a.who," +
		" a.lastmod, a.method, a.refcode, a.status, a.created, a.starttime, a.endtime, a.changed"
	agreementOwnColumns = "a.id, a.akey, a.basis_id, '', a.user_token, a.subject_idx, a.datakey, a.who_mode, a.who," +
		" a.lastmod, a.method, a.refcode, a.status, a.created, a.starttime, a.endtime, a.changed"
	agreementJoin = " FROM agreements a JOIN legal_bases b ON b.id = a.basis_id"

	sqlAgreementOfUser    = "SELECT " + agreementOwnColumns + " FROM agreements a WHERE a.basis_id = ? AND a.user_token = ?"
	sqlAgreementOfSubject = "SELECT " + agreementOwnColumns + " FROM agreements a WHERE a.basis_id = ? AND a.subject_idx = ?"
	sqlCountUserAgrees    = "SELECT COUNT(*) FROM agreements WHERE user_token = ?"
	sqlCountSubjAgrees    = "SELECT COUNT(*) FROM agreements WHERE subject_idx = ?"
	sqlListUserAgrees     = "SELECT " + agreementColumns + agreementJoin + " WHERE a.user_token = ? ORDER BY a.id LIMIT ? OFFSET ?"
	sqlListSubjAgrees     = "SELECT " + agreementColumns + agreementJoin + " WHERE a.subject_idx = ? ORDER BY a.id LIMIT ? OFFSET ?"

	sqlInsertAgreement = "INSERT INTO agreements (" + agreementFields + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	// On SQLite and PostgreSQL a concurrent insert of the same (basis,
	// subject) makes this one a no-op after waiting for the other's commit;
	// MySQL reports the duplicate key without aborting the transaction.
	sqlInsertAgreementOrNothing = sqlInsertAgreement + " ON CONFLICT DO NOTHING"
	sqlUpdateAgreement          = "UPDATE agreements SET user_token = ?, subject_idx = ?, datakey = ?, who_mode = ?, who = ?," +
		" lastmod = ?, method = ?, refcode = ?, status = ?, starttime = ?, endtime = ?, changed = ? WHERE id = ?"
	sqlDeleteAgreement = "DELETE FROM agreements WHERE id = ?"
	// A yes agreement whose end time has passed is expired already, and
	// stays so rather than becoming revoked.
	sqlRevokeAgreements = "UPDATE agreements SET status = 'revoked', changed = ?" +
		" WHERE basis_id = ? AND status = 'yes' AND (endtime = 0 OR endtime > ?)"
	sqlClearAgreementWho = "UPDATE agreements SET who = NULL, lastmod = NULL WHERE user_token = ?"

	// Bounded expiry, shaped like the sweeps of sessions and tokens (see
	// txn.sweep): the outer test re-checks rows changed since the subquery.
	sqlExpireAgreements = "UPDATE agreements SET status = 'expired', changed = endtime WHERE id IN" +
		" (SELECT id FROM agreements WHERE status = 'yes' AND endtime > 0 AND endtime <= ? LIMIT ?)" +
		" AND status = 'yes' AND endtime > 0 AND endtime <= ?"
	sqlExpireAgreementsMySQL = "UPDATE agreements SET status = 'expired', changed = endtime" +
		" WHERE status = 'yes' AND endtime > 0 AND endtime <= ? LIMIT ?"
)

// AgreementByBasis returns the subject's agreement on the basis, with
// Brief left empty. Inside Update the row stays locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) AgreementByBasis(ctx context.Context, basisID int64, subj vault.AgreementSubject) (*vault.AgreementRecord, error) {
	query, key := sqlAgreementOfUser, subj.UserToken
	if subj.UserToken == "" {
		query, key = sqlAgreementOfSubject, subj.Index
	}
	if key == "" {
		return nil, vault.ErrNotFound
	}
	ctx, cancel := r.bound(ctx)
	defer cancel()
	a, err := scanAgreement(r.run.QueryRowContext(ctx, r.sql(query, true), basisID, key))
	return a, r.d.wrap("get agreement", err)
}

// AgreementsBySubject returns the subject's agreements in creation order
// from offset, at most limit of them (none when limit <= 0), and the count
// of all. Errors: EUNAVAILABLE.
func (r *reader) AgreementsBySubject(ctx context.Context, subj vault.AgreementSubject, offset, limit int) ([]*vault.AgreementRecord, int, error) {
	count, list, key := sqlCountUserAgrees, sqlListUserAgrees, subj.UserToken
	if subj.UserToken == "" {
		count, list, key = sqlCountSubjAgrees, sqlListSubjAgrees, subj.Index
	}
	if key == "" {
		return []*vault.AgreementRecord{}, 0, nil
	}
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var total int
	if err := r.run.QueryRowContext(ctx, r.sql(count, false), key).Scan(&total); err != nil {
		return nil, 0, r.d.wrap("list agreements", err)
	}
	if limit <= 0 || offset >= total {
		return []*vault.AgreementRecord{}, total, nil
	}
	rows, err := r.run.QueryContext(ctx, r.sql(list, false), key, limit, max(offset, 0))
	if err != nil {
		return nil, 0, r.d.wrap("list agreements", err)
	}
	defer rows.Close()
	out := make([]*vault.AgreementRecord, 0, min(limit, total))
	for rows.Next() {
		a, err := scanAgreement(rows)
		if err != nil {
			return nil, 0, r.d.wrap("list agreements", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, r.d.wrap("list agreements", err)
	}
	return out, total, nil
}

// InsertAgreement stores a new agreement and sets a.ID. It reports false,
// changing nothing, when the subject has an agreement on the basis already.
// Errors: EUNAVAILABLE.
func (t *txn) InsertAgreement(ctx context.Context, a *vault.AgreementRecord) (bool, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	args := []any{a.Key, a.BasisID, nullString(a.UserToken), nullString(a.SubjectIndex), nullBytes(a.DataKey), a.Mode,
		nullBytes(a.Who), nullBytes(a.LastModifiedBy), a.AgreementMethod, a.ReferenceCode, a.Status,
		a.Created, a.Start, a.End, a.When}
	var (
		id  int64
		err error
	)
	switch t.d.name {
	case MySQL:
		id, err = t.insertID(ctx, sqlInsertAgreement, args...)
		if _, dup := t.d.duplicateKey(err); dup {
			return false, nil
		}
	case Postgres:
		id, err = t.insertID(ctx, sqlInsertAgreementOrNothing, args...)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
	default:
		var res sql.Result
		if res, err = t.run.ExecContext(ctx, t.sql(sqlInsertAgreementOrNothing, false), args...); err == nil {
			var n int64
			if n, err = res.RowsAffected(); err == nil && n == 0 {
				return false, nil
			}
			id, err = res.LastInsertId()
		}
	}
	if err != nil {
		return false, t.d.wrap("insert agreement", err)
	}
	a.ID = id
	return true, nil
}

// UpdateAgreement replaces the mutable fields of the agreement a.ID.
// Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) UpdateAgreement(ctx context.Context, a *vault.AgreementRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlUpdateAgreement, false), nullString(a.UserToken), nullString(a.SubjectIndex),
		nullBytes(a.DataKey), a.Mode, nullBytes(a.Who), nullBytes(a.LastModifiedBy), a.AgreementMethod, a.ReferenceCode,
		a.Status, a.Start, a.End, a.When, a.ID)
	if err != nil {
		return t.d.wrap("update agreement", err)
	}
	return t.d.wrap("update agreement", affected(res))
}

// DeleteAgreement removes one agreement. Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) DeleteAgreement(ctx context.Context, id int64) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlDeleteAgreement, false), id)
	if err != nil {
		return t.d.wrap("delete agreement", err)
	}
	return t.d.wrap("delete agreement", affected(res))
}

// RevokeAgreements sets the basis's yes agreements that have not expired
// by when to revoked, changed at when, and returns how many.
// Errors: EUNAVAILABLE.
func (t *txn) RevokeAgreements(ctx context.Context, basisID, when int64) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlRevokeAgreements, false), when, basisID, when)
	if err != nil {
		return 0, t.d.wrap("revoke agreements", err)
	}
	n, err := res.RowsAffected()
	return int(n), t.d.wrap("revoke agreements", err)
}

// ExpireAgreements sets at most limit yes agreements with 0 < endtime <=
// now to expired, changed at their end time, and returns how many.
// Errors: EUNAVAILABLE.
func (t *txn) ExpireAgreements(ctx context.Context, now int64, limit int) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := t.sweep(ctx, sqlExpireAgreements, sqlExpireAgreementsMySQL, now, limit)
	return n, t.d.wrap("expire agreements", err)
}

// clearAgreementWho drops who and lastmodifiedby from the agreements of
// an erased user, inside the erasure: the agreements stay as evidence of
// consent (§3.5), the user's data key that sealed them is destroyed anyway.
func (t *txn) clearAgreementWho(ctx context.Context, token string) error {
	_, err := t.run.ExecContext(ctx, t.sql(sqlClearAgreementWho, false), token)
	return err
}

// scanAgreement scans one row of agreementColumns. No row is ErrNotFound.
func scanAgreement(row interface{ Scan(...any) error }) (*vault.AgreementRecord, error) {
	var (
		a           vault.AgreementRecord
		user, index sql.NullString
	)
	err := row.Scan(&a.ID, &a.Key, &a.BasisID, &a.Brief, &user, &index, &a.DataKey, &a.Mode, &a.Who,
		&a.LastModifiedBy, &a.AgreementMethod, &a.ReferenceCode, &a.Status, &a.Created, &a.Start, &a.End, &a.When)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	a.UserToken, a.SubjectIndex = user.String, index.String
	return &a, nil
}
