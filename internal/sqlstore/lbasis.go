package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"piivault/internal/vault"
)

const (
	basisFields  = "brief, status, module, basistype, shortdesc, fulldesc, requiredmsg, requiredflag, usercontrol, created"
	basisColumns = "id, " + basisFields

	sqlBasisByBrief = "SELECT " + basisColumns + " FROM legal_bases WHERE brief = ?"
	sqlCountBases   = "SELECT COUNT(*) FROM legal_bases"
	sqlListBases    = "SELECT " + basisColumns + " FROM legal_bases ORDER BY id LIMIT ? OFFSET ?"
	sqlInsertBasis  = "INSERT INTO legal_bases (" + basisFields + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	sqlUpdateBasis  = "UPDATE legal_bases SET brief = ?, status = ?, module = ?, basistype = ?, shortdesc = ?," +
		" fulldesc = ?, requiredmsg = ?, requiredflag = ?, usercontrol = ? WHERE id = ?"
	sqlDeleteBasis        = "DELETE FROM legal_bases WHERE id = ?"
	sqlBasisHasAgreements = "SELECT COUNT(*) FROM agreements WHERE basis_id = ?"
)

// LegalBases returns legal bases in creation order from offset, at most
// limit of them (none when limit <= 0), and the count of all.
// Errors: EUNAVAILABLE.
func (r *reader) LegalBases(ctx context.Context, offset, limit int) ([]*vault.LegalBasis, int, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	var total int
	if err := r.run.QueryRowContext(ctx, r.sql(sqlCountBases, false)).Scan(&total); err != nil {
		return nil, 0, r.d.wrap("list legal bases", err)
	}
	if limit <= 0 || offset >= total {
		return []*vault.LegalBasis{}, total, nil
	}
	out, err := r.queryBases(ctx, sqlListBases, limit, max(offset, 0))
	return out, total, r.d.wrap("list legal bases", err)
}

func (r *reader) queryBases(ctx context.Context, query string, args ...any) ([]*vault.LegalBasis, error) {
	rows, err := r.run.QueryContext(ctx, r.sql(query, false), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*vault.LegalBasis
	for rows.Next() {
		b, err := scanBasis(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// LegalBasisByBrief returns the basis with that brief. Inside Update the
// row stays locked until the commit, so a change of the basis and the
// agreements written under it are ordered.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) LegalBasisByBrief(ctx context.Context, brief string) (*vault.LegalBasis, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	b, err := scanBasis(r.run.QueryRowContext(ctx, r.sql(sqlBasisByBrief, true), brief))
	return b, r.d.wrap("get legal basis", err)
}

// InsertLegalBasis stores a new basis and sets b.ID.
// Errors: ECONFLICT "duplicate brief"; EUNAVAILABLE.
func (t *txn) InsertLegalBasis(ctx context.Context, b *vault.LegalBasis) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	id, err := t.insertID(ctx, sqlInsertBasis, b.Brief, b.Status, b.Module, b.BasisType, b.ShortDesc, b.FullDesc,
		b.RequiredMsg, boolInt(b.RequiredFlag), boolInt(b.UserControl), b.Created)
	if err != nil {
		return t.d.wrap("insert legal basis", t.nameConflict(err, vault.ErrDuplicateBrief))
	}
	b.ID = id
	return nil
}

// UpdateLegalBasis replaces the fields of the basis b.ID.
// Errors: ErrNotFound; ECONFLICT "duplicate brief"; EUNAVAILABLE.
func (t *txn) UpdateLegalBasis(ctx context.Context, b *vault.LegalBasis) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlUpdateBasis, false), b.Brief, b.Status, b.Module, b.BasisType,
		b.ShortDesc, b.FullDesc, b.RequiredMsg, boolInt(b.RequiredFlag), boolInt(b.UserControl), b.ID)
	if err != nil {
		return t.d.wrap("update legal basis", t.nameConflict(err, vault.ErrDuplicateBrief))
	}
	return t.d.wrap("update legal basis", affected(res))
}

// DeleteLegalBasis removes a basis and its activity links.
// Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) DeleteLegalBasis(ctx context.Context, id int64) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	if _, err := t.run.ExecContext(ctx, t.sql(sqlUnlinkBasisAll, false), id); err != nil {
		return t.d.wrap("delete legal basis: links", err)
	}
	res, err := t.run.ExecContext(ctx, t.sql(sqlDeleteBasis, false), id)
	if err != nil {
		return t.d.wrap("delete legal basis", err)
	}
	return t.d.wrap("delete legal basis", affected(res))
}

// BasisHasAgreements reports whether any agreement refers to the basis.
// Errors: EUNAVAILABLE.
func (t *txn) BasisHasAgreements(ctx context.Context, id int64) (bool, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var n int
	err := t.run.QueryRowContext(ctx, t.sql(sqlBasisHasAgreements, false), id).Scan(&n)
	return n > 0, t.d.wrap("count agreements", err)
}

// insertID runs an INSERT and returns the id the database gave the row:
// RETURNING on PostgreSQL, whose driver has no LastInsertId.
func (t *txn) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	if t.d.name == Postgres {
		err := t.run.QueryRowContext(ctx, t.sql(query+" RETURNING id", false), args...).Scan(&id)
		return id, err
	}
	res, err := t.run.ExecContext(ctx, t.sql(query, false), args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// nameConflict turns the violated unique name constraint of a legal basis
// or activity into the contract's conflict.
func (t *txn) nameConflict(err error, conflict *vault.Error) error {
	if _, ok := t.d.duplicateKey(err); ok {
		return conflict
	}
	return err
}

// scanBasis scans one row of basisColumns. No row is ErrNotFound.
func scanBasis(row interface{ Scan(...any) error }) (*vault.LegalBasis, error) {
	var b vault.LegalBasis
	err := row.Scan(&b.ID, &b.Brief, &b.Status, &b.Module, &b.BasisType, &b.ShortDesc, &b.FullDesc,
		&b.RequiredMsg, &b.RequiredFlag, &b.UserControl, &b.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &b, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
