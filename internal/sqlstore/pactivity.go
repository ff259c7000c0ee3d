package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"piivault/internal/vault"
)

const (
	activityFields  = "activity, title, script, fulldesc, applicableto, created"
	activityColumns = "id, " + activityFields

	sqlActivityByName   = "SELECT " + activityColumns + " FROM pactivities WHERE activity = ?"
	sqlCountActivities  = "SELECT COUNT(*) FROM pactivities"
	sqlListActivities   = "SELECT " + activityColumns + " FROM pactivities ORDER BY id LIMIT ? OFFSET ?"
	sqlInsertActivity   = "INSERT INTO pactivities (" + activityFields + ") VALUES (?, ?, ?, ?, ?, ?)"
	sqlUpdateActivity   = "UPDATE pactivities SET activity = ?, title = ?, script = ?, fulldesc = ?, applicableto = ? WHERE id = ?"
	sqlDeleteActivity   = "DELETE FROM pactivities WHERE id = ?"
	sqlDeleteActLinks   = "DELETE FROM pactivity_bases WHERE activity_id = ?"
	sqlUnlinkBasis      = "DELETE FROM pactivity_bases WHERE activity_id = ? AND basis_id = ?"
	sqlUnlinkBasisAll   = "DELETE FROM pactivity_bases WHERE basis_id = ?"
	sqlLinkBasis        = "INSERT INTO pactivity_bases (activity_id, basis_id) VALUES (?, ?)"
	sqlLinkBasisNothing = sqlLinkBasis + " ON CONFLICT DO NOTHING"

	// The linked bases of the activities with ids in [?, ?], in link order:
	// one statement for a whole page, whose ids are a range.
	sqlActivityBases = "SELECT l.activity_id, b.id, b.brief, b.status, b.module, b.basistype, b.shortdesc, b.fulldesc," +
		" b.requiredmsg, b.requiredflag, b.usercontrol, b.created" +
		" FROM pactivity_bases l JOIN legal_bases b ON b.id = l.basis_id" +
		" WHERE l.activity_id BETWEEN ? AND ? ORDER BY l.id"
)

// Activities returns activities in creation order from offset, at most
// limit of them (none when limit <= 0), each with its linked bases, and
// the count of all. Errors: EUNAVAILABLE.
func (r *reader) Activities(ctx context.Context, offset, limit int) ([]*vault.Activity, int, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var total int
	if err := r.run.QueryRowContext(ctx, r.sql(sqlCountActivities, false)).Scan(&total); err != nil {
		return nil, 0, r.d.wrap("list activities", err)
	}
	if limit <= 0 || offset >= total {
		return []*vault.Activity{}, total, nil
	}
	rows, err := r.run.QueryContext(ctx, r.sql(sqlListActivities, false), limit, max(offset, 0))
	if err != nil {
		return nil, 0, r.d.wrap("list activities", err)
	}
	var out []*vault.Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			rows.Close()
			return nil, 0, r.d.wrap("list activities", err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, r.d.wrap("list activities", err)
	}
	return out, total, r.d.wrap("list activities: bases", r.activityBases(ctx, out))
}

// ActivityByName returns the activity with its linked bases. Inside Update
// the activity's row stays locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) ActivityByName(ctx context.Context, name string) (*vault.Activity, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	a, err := scanActivity(r.run.QueryRowContext(ctx, r.sql(sqlActivityByName, true), name))
	if err != nil {
		return nil, r.d.wrap("get activity", err)
	}
	return a, r.d.wrap("get activity: bases", r.activityBases(ctx, []*vault.Activity{a}))
}

// activityBases fills in the linked bases of acts, which are in id order.
func (r *reader) activityBases(ctx context.Context, acts []*vault.Activity) error {
	if len(acts) == 0 {
		return nil
	}
	byID := make(map[int64]*vault.Activity, len(acts))
	for _, a := range acts {
		a.Bases = []vault.LegalBasis{}
		byID[a.ID] = a
	}
	rows, err := r.run.QueryContext(ctx, r.sql(sqlActivityBases, false), acts[0].ID, acts[len(acts)-1].ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			actID int64
			b     vault.LegalBasis
		)
		if err := rows.Scan(&actID, &b.ID, &b.Brief, &b.Status, &b.Module, &b.BasisType, &b.ShortDesc, &b.FullDesc,
			&b.RequiredMsg, &b.RequiredFlag, &b.UserControl, &b.Created); err != nil {
			return err
		}
		if a := byID[actID]; a != nil {
			a.Bases = append(a.Bases, b)
		}
	}
	return rows.Err()
}

// InsertActivity stores a new activity and sets a.ID.
// Errors: ECONFLICT "duplicate activity"; EUNAVAILABLE.
func (t *txn) InsertActivity(ctx context.Context, a *vault.Activity) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	id, err := t.insertID(ctx, sqlInsertActivity, a.Name, a.Title, a.Script, a.FullDesc, a.ApplicableTo, a.Created)
	if err != nil {
		return t.d.wrap("insert activity", t.nameConflict(err, vault.ErrDuplicateActivity))
	}
	a.ID = id
	return nil
}

// UpdateActivity replaces the fields of the activity a.ID.
// Errors: ErrNotFound; ECONFLICT "duplicate activity"; EUNAVAILABLE.
func (t *txn) UpdateActivity(ctx context.Context, a *vault.Activity) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlUpdateActivity, false), a.Name, a.Title, a.Script, a.FullDesc, a.ApplicableTo, a.ID)
	if err != nil {
		return t.d.wrap("update activity", t.nameConflict(err, vault.ErrDuplicateActivity))
	}
	return t.d.wrap("update activity", affected(res))
}

// DeleteActivity removes an activity and its links.
// Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) DeleteActivity(ctx context.Context, id int64) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	if _, err := t.run.ExecContext(ctx, t.sql(sqlDeleteActLinks, false), id); err != nil {
		return t.d.wrap("delete activity: links", err)
	}
	res, err := t.run.ExecContext(ctx, t.sql(sqlDeleteActivity, false), id)
	if err != nil {
		return t.d.wrap("delete activity", err)
	}
	return t.d.wrap("delete activity", affected(res))
}

// LinkBasis links the basis to the activity after its other links; an
// existing link stays where it is. Errors: EUNAVAILABLE.
func (t *txn) LinkBasis(ctx context.Context, activityID, basisID int64) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var err error
	if t.d.name == MySQL {
		_, err = t.run.ExecContext(ctx, t.sql(sqlLinkBasis, false), activityID, basisID)
		if _, dup := t.d.duplicateKey(err); dup {
			err = nil
		}
	} else {
		_, err = t.run.ExecContext(ctx, t.sql(sqlLinkBasisNothing, false), activityID, basisID)
	}
	return t.d.wrap("link legal basis", err)
}

// UnlinkBasis removes the link if there is one. Errors: EUNAVAILABLE.
func (t *txn) UnlinkBasis(ctx context.Context, activityID, basisID int64) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlUnlinkBasis, false), activityID, basisID)
	return t.d.wrap("unlink legal basis", err)
}

// UnlinkBasisEverywhere removes every link of the basis. Errors: EUNAVAILABLE.
func (t *txn) UnlinkBasisEverywhere(ctx context.Context, basisID int64) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlUnlinkBasisAll, false), basisID)
	return t.d.wrap("unlink legal basis", err)
}

// scanActivity scans one row of activityColumns. No row is ErrNotFound.
func scanActivity(row interface{ Scan(...any) error }) (*vault.Activity, error) {
	var a vault.Activity
	err := row.Scan(&a.ID, &a.Name, &a.Title, &a.Script, &a.FullDesc, &a.ApplicableTo, &a.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &a, nil
}
