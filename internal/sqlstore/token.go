package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"piivault/internal/vault"
)

const (
	tokenColumns = "token_idx, sealed_token, datakey, sealed_value, format, uniq_idx, exptime, created"

	sqlTokenByKey    = "SELECT " + tokenColumns + " FROM tokens WHERE token_idx = ?"
	sqlTokenByUnique = "SELECT " + tokenColumns + " FROM tokens WHERE uniq_idx = ?"
	sqlInsertToken   = "INSERT INTO tokens (" + tokenColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	sqlDeleteToken   = "DELETE FROM tokens WHERE token_idx = ?"

	sqlSweepTokens      = "DELETE FROM tokens WHERE token_idx IN (SELECT token_idx FROM tokens WHERE exptime > 0 AND exptime <= ? LIMIT ?) AND exptime > 0 AND exptime <= ?"
	sqlSweepTokensMySQL = "DELETE FROM tokens WHERE exptime > 0 AND exptime <= ? LIMIT ?"
)

// tokenChunk is how many keys one TokensByKeys statement asks for. Shorter
// chunks are padded with a repeated key, so there is one statement text to
// prepare and cache, and 1000 keys take 4 statements.
const tokenChunk = 250

// sqlTokensByKeys selects up to tokenChunk tokens by key.
var sqlTokensByKeys = "SELECT " + tokenColumns + " FROM tokens WHERE token_idx IN (" +
	strings.TrimSuffix(strings.Repeat("?, ", tokenChunk), ", ") + ")"

// TokenByKey returns the token stored under key, expired ones included.
// Inside Update the row stays locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) TokenByKey(ctx context.Context, key string) (*vault.TokenRecord, error) {
	ctx, cancel := r.boundPoint(ctx)
	defer cancel()
	tok, err := scanToken(r.run.QueryRowContext(ctx, r.sql(sqlTokenByKey, true), key))
	return tok, r.d.wrap("get token", err)
}

// TokenByUnique returns the unique token with that value index, expired
// ones included. Inside Update the row stays locked until the commit.
// Errors: ErrNotFound; EUNAVAILABLE.
func (r *reader) TokenByUnique(ctx context.Context, unique string) (*vault.TokenRecord, error) {
	if unique == "" {
		return nil, vault.ErrNotFound
	}
	ctx, cancel := r.bound(ctx)
	defer cancel()
	tok, err := scanToken(r.run.QueryRowContext(ctx, r.sql(sqlTokenByUnique, true), unique))
	return tok, r.d.wrap("get unique token", err)
}

// TokensByKeys returns the stored tokens among keys, expired ones included,
// in no particular order, each once; keys without a token are absent from
// the result.
// Errors: EUNAVAILABLE.
func (r *reader) TokensByKeys(ctx context.Context, keys []string) ([]*vault.TokenRecord, error) {
	keys = distinct(keys) // a key asked twice is returned once, whatever chunks it falls in
	ctx, cancel := r.bound(ctx)
	defer cancel()
	out := make([]*vault.TokenRecord, 0, len(keys))
	args := make([]any, tokenChunk)
	for start := 0; start < len(keys); start += tokenChunk {
		chunk := keys[start:min(start+tokenChunk, len(keys))]
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		rows, err := r.run.QueryContext(ctx, r.sql(sqlTokensByKeys, false), args...)
		if err != nil {
			return nil, r.d.wrap("get tokens", err)
		}
		for rows.Next() {
			tok, err := scanToken(rows)
			if err != nil {
				rows.Close()
				return nil, r.d.wrap("get tokens", err)
			}
			out = append(out, tok)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, r.d.wrap("get tokens", err)
		}
	}
	return out, nil
}

// InsertToken stores a new token. A key or unique index already stored
// fails with ECONFLICT "duplicate token" (on PostgreSQL the transaction is
// then aborted: the caller runs it again).
// Errors: ECONFLICT; EUNAVAILABLE.
func (t *txn) InsertToken(ctx context.Context, tok *vault.TokenRecord) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	_, err := t.run.ExecContext(ctx, t.sql(sqlInsertToken, false), tok.Key, tok.SealedToken, tok.DataKey, tok.Value,
		tok.Format, nullString(tok.Unique), tok.ExpTime, tok.Created)
	if _, dup := t.d.duplicateKey(err); dup {
		err = vault.Errorf(vault.ECONFLICT, "duplicate token")
	}
	return t.d.wrap("insert token", err)
}

// DeleteToken removes the token under key.
// Errors: ErrNotFound; EUNAVAILABLE.
func (t *txn) DeleteToken(ctx context.Context, key string) error {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	res, err := t.run.ExecContext(ctx, t.sql(sqlDeleteToken, false), key)
	if err != nil {
		return t.d.wrap("delete token", err)
	}
	return t.d.wrap("delete token", affected(res))
}

// DeleteExpiredTokens removes at most limit tokens with 0 < exptime <= now
// and returns how many.
// Errors: EUNAVAILABLE.
func (t *txn) DeleteExpiredTokens(ctx context.Context, now int64, limit int) (int, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := t.sweep(ctx, sqlSweepTokens, sqlSweepTokensMySQL, now, limit)
	return n, t.d.wrap("sweep tokens", err)
}

// scanToken scans one row of tokenColumns. No row is ErrNotFound.
func scanToken(row interface{ Scan(...any) error }) (*vault.TokenRecord, error) {
	var (
		tok vault.TokenRecord
		uq  sql.NullString
	)
	err := row.Scan(&tok.Key, &tok.SealedToken, &tok.DataKey, &tok.Value, &tok.Format, &uq, &tok.ExpTime, &tok.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vault.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	tok.Unique = uq.String
	return &tok, nil
}

// distinct returns keys without repeats, in first-seen order.
func distinct(keys []string) []string {
	seen := make(map[string]struct{}, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}
