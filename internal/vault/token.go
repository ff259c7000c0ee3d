package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// TokenView is a vault token as returned to a caller. Value is empty on create.
type TokenView struct {
	Token   string
	Value   string
	Format  string
	ExpTime int64
}

// TokenLookup is one row of a bulk lookup: a found token, or Error "not found".
type TokenLookup struct {
	TokenView
	Error string
}

// maxBulkTokens bounds bulk tokenization calls (§12).
const maxBulkTokens = 1000

var (
	errBadFormat = &Error{Code: EINVALID, Message: "bad format"}
	errBadUnique = &Error{Code: EINVALID, Message: "bad unique"}
	errBadItems  = &Error{Code: EINVALID, Message: "bad items"}
	errBadTokens = &Error{Code: EINVALID, Message: "bad tokens"}
	errTooMany   = &Error{Code: EINVALID, Message: "too many items"}
)

// tokenRequest is one validated tokenization request.
type tokenRequest struct {
	value, format, norm string
	unique              bool
	exptime             int64
}

// parseTokenRequest validates the fields of a POST /v1/token body or item.
// The format is checked first, since whether a value fits depends on it. An
// optional field that is null takes its default, like an absent one.
// Errors: EINVALID "bad format", "bad value", "bad unique", "bad expiration".
func (s *Service) parseTokenRequest(body map[string]any, now time.Time) (tokenRequest, error) {
	r := tokenRequest{format: FormatUUID}
	switch f := body["format"].(type) {
	case nil:
	case string:
		r.format = f
	default:
		return r, errBadFormat
	}
	v, ok := body["value"].(string)
	if !ok {
		if !knownFormat(r.format) {
			return r, errBadFormat
		}
		return r, errBadValue
	}
	norm, err := normaliseTokenValue(r.format, v)
	if err != nil {
		return r, err
	}
	r.value, r.norm = v, norm
	switch u := body["unique"].(type) {
	case nil:
	case bool:
		r.unique = u
	default:
		return r, errBadUnique
	}
	if e := body["expiration"]; e != nil {
		if r.exptime, err = ExpirationEnd(e, now, s.opts.MaxTokenRetention); err != nil {
			return r, err
		}
	} else if s.opts.MaxTokenRetention > 0 {
		// A retention maximum bounds every token, including those that ask
		// for no expiry.
		r.exptime = now.Add(s.opts.MaxTokenRetention).Unix()
	}
	return r, nil
}

// CreateToken tokenizes one value (§12).
// Errors: EFORBIDDEN without scope token:create; EINVALID as parseTokenRequest.
func (s *Service) CreateToken(ctx context.Context, actor Actor, body map[string]any) (TokenView, error) {
	if !actor.HasScope("token:create") {
		return TokenView{}, ErrAccessDenied
	}
	ev := &Event{Title: "create token", Actor: actor}
	req, err := s.parseTokenRequest(body, s.clock.Now())
	if err != nil {
		return TokenView{}, s.auditRead(ctx, ev, err)
	}
	var out TokenView
	err = s.updateTokens(ctx, ev, func(tx Tx) error {
		var err error
		if out, err = s.insertToken(ctx, tx, req); err == nil {
			ev.Who = tokenWho(out.Token) // known only once drawn, before the event is stored
		}
		return err
	})
	return out, err
}

// CreateTokens tokenizes 1-1000 items in one transaction, all or nothing.
// Items with the same value and format and unique=true share one token.
// Errors: EINVALID "bad items", "too many items", "items[<i>]: <message>".
func (s *Service) CreateTokens(ctx context.Context, actor Actor, body map[string]any) ([]TokenView, error) {
	if !actor.HasScope("token:create") {
		return nil, ErrAccessDenied
	}
	ev := &Event{Title: "create tokens", Actor: actor}
	items, ok := body["items"].([]any)
	if !ok || len(items) == 0 {
		return nil, s.auditRead(ctx, ev, errBadItems)
	}
	ev.Msg = TokenCountMessage(len(items))
	if len(items) > maxBulkTokens {
		return nil, s.auditRead(ctx, ev, errTooMany)
	}
	reqs := make([]tokenRequest, len(items))
	now := s.clock.Now()
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, s.auditRead(ctx, ev, Errorf(EINVALID, "items[%d]: %s", i, errBadValue.Message))
		}
		r, err := s.parseTokenRequest(m, now)
		if err != nil {
			return nil, s.auditRead(ctx, ev, Errorf(EINVALID, "items[%d]: %s", i, ErrorMessage(err)))
		}
		reqs[i] = r
	}
	var out []TokenView
	err := s.updateTokens(ctx, ev, func(tx Tx) error {
		out = make([]TokenView, len(reqs))
		for i, r := range reqs {
			v, err := s.insertToken(ctx, tx, r)
			if err != nil {
				return err
			}
			out[i] = v
		}
		return nil
	})
	return out, err
}

// updateTokens runs fn in a transaction with its audit event. Two instances
// (or connections) that create the same unique token at once collide on the
// unique index, and a random token may collide with one committed meanwhile;
// the loser runs again and then finds the winner's token, or draws another.
// Only the final outcome is an audit event (one per request, §1.13).
func (s *Service) updateTokens(ctx context.Context, ev *Event, fn func(Tx) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.updateWithEvent(ctx, ev, fn); ErrorCode(err) != ECONFLICT {
			return s.auditFailure(ctx, ev, err)
		}
	}
	return s.auditFailure(ctx, ev, Wrap(EINTERNAL, "internal error", err))
}

// insertToken reuses a live unique token or creates a new one inside tx.
func (s *Service) insertToken(ctx context.Context, tx Tx, r tokenRequest) (TokenView, error) {
	var uq string
	if r.unique {
		uq = s.keys.BlindIndex("token-unique:"+r.format, r.norm)
		rec, err := tx.TokenByUnique(ctx, uq)
		switch {
		case err == nil && s.tokenLive(rec):
			tok, _, err := s.openToken(rec)
			if err != nil {
				return TokenView{}, err
			}
			return TokenView{Token: tok, Format: rec.Format, ExpTime: rec.ExpTime}, nil
		case err == nil:
			if err := tx.DeleteToken(ctx, rec.Key); err != nil {
				return TokenView{}, err
			}
		case ErrorCode(err) != ENOTFOUND:
			return TokenView{}, err
		}
	}
	for attempt := 0; attempt < 16; attempt++ {
		tok := generateToken(r.format, r.norm, s.opts.TokenEmailDomain)
		if tok == r.value || tok == r.norm {
			continue
		}
		key := s.keys.BlindIndex("vtoken", tok)
		if _, err := tx.TokenByKey(ctx, key); err == nil {
			continue // taken by another token, live or not yet swept
		} else if ErrorCode(err) != ENOTFOUND {
			return TokenView{}, err
		}
		dk, wrapped, err := s.keys.NewDataKey(AAD("tokens", "datakey", key))
		if err != nil {
			return TokenView{}, fmt.Errorf("vault: create token: %w", err)
		}
		rec := &TokenRecord{
			Key:         key,
			SealedToken: dk.Seal([]byte(tok), AAD("tokens", "token", key)),
			DataKey:     wrapped,
			Value:       dk.Seal([]byte(r.value), AAD("tokens", "value", key)),
			Format:      r.format,
			Unique:      uq,
			ExpTime:     r.exptime,
			Created:     s.now(),
		}
		if err := tx.InsertToken(ctx, rec); err != nil {
			return TokenView{}, err
		}
		return TokenView{Token: tok, Format: r.format, ExpTime: r.exptime}, nil
	}
	return TokenView{}, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: create token: no free %s token after 16 tries", r.format))
}

// validTokenLength reports whether a token has the 1-320 bytes of §1.8;
// any other is simply not found.
func validTokenLength(token string) bool { return len(token) >= 1 && len(token) <= 320 }

func (s *Service) tokenLive(rec *TokenRecord) bool {
	return rec.ExpTime == 0 || rec.ExpTime > s.now()
}

// openToken decrypts a token row into the token and its value.
func (s *Service) openToken(rec *TokenRecord) (token, value string, err error) {
	dk, err := s.keys.OpenDataKey(rec.DataKey, AAD("tokens", "datakey", rec.Key))
	if err != nil {
		return "", "", Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open token key: %w", err))
	}
	t, err := dk.Open(rec.SealedToken, AAD("tokens", "token", rec.Key))
	if err != nil {
		return "", "", Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open token: %w", err))
	}
	v, err := dk.Open(rec.Value, AAD("tokens", "value", rec.Key))
	if err != nil {
		return "", "", Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open token value: %w", err))
	}
	return string(t), string(v), nil
}

// liveToken finds a live token by its text. Errors: ErrNotFound.
func (s *Service) liveToken(ctx context.Context, r Reader, token string) (*TokenRecord, error) {
	if !validTokenLength(token) {
		return nil, ErrNotFound
	}
	rec, err := r.TokenByKey(ctx, s.keys.BlindIndex("vtoken", token))
	if err != nil {
		return nil, err
	}
	if !s.tokenLive(rec) {
		return nil, ErrNotFound
	}
	return rec, nil
}

// GetToken detokenizes one token; every detokenization is counted.
// Errors: EFORBIDDEN without scope token:read; ENOTFOUND.
func (s *Service) GetToken(ctx context.Context, actor Actor, token string) (TokenView, error) {
	if !actor.HasScope("token:read") {
		return TokenView{}, ErrAccessDenied
	}
	ev := &Event{Title: "get token value", Actor: actor, Who: tokenWho(token)}
	rec, err := s.liveToken(ctx, s.store, token)
	if err != nil {
		return TokenView{}, s.auditRead(ctx, ev, err)
	}
	_, value, err := s.openToken(rec)
	if err != nil {
		return TokenView{}, err
	}
	if err := s.auditRead(ctx, ev, nil); err != nil {
		return TokenView{}, err
	}
	s.detokenized.Add(1)
	return TokenView{Token: token, Value: value, Format: rec.Format, ExpTime: rec.ExpTime}, nil
}

// LookupTokens detokenizes 1-1000 tokens in input order; missing or expired
// ones get Error "not found" in their row. The rows are read in a few
// statements, not one round trip per token.
// Errors: EFORBIDDEN without scope token:read; EINVALID "bad tokens",
// "too many items".
func (s *Service) LookupTokens(ctx context.Context, actor Actor, body map[string]any) ([]TokenLookup, error) {
	if !actor.HasScope("token:read") {
		return nil, ErrAccessDenied
	}
	ev := &Event{Title: "get token values", Actor: actor}
	list, ok := body["tokens"].([]any)
	if !ok || len(list) == 0 {
		return nil, s.auditRead(ctx, ev, errBadTokens)
	}
	ev.Msg = TokenCountMessage(len(list))
	if len(list) > maxBulkTokens {
		return nil, s.auditRead(ctx, ev, errTooMany)
	}
	tokens := make([]string, len(list))
	keys := make([]string, len(list)) // "" for a token that cannot exist
	for i, v := range list {
		if tokens[i], ok = v.(string); !ok {
			return nil, s.auditRead(ctx, ev, errBadTokens)
		}
		if validTokenLength(tokens[i]) {
			keys[i] = s.keys.BlindIndex("vtoken", tokens[i])
		}
	}
	recs, err := s.store.TokensByKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*TokenRecord, len(recs))
	for _, rec := range recs {
		byKey[rec.Key] = rec
	}
	out := make([]TokenLookup, len(tokens))
	found := 0
	for i, tok := range tokens {
		out[i].Token = tok
		rec := byKey[keys[i]]
		if rec == nil || !s.tokenLive(rec) {
			out[i].Error = ErrNotFound.Message
			continue
		}
		if _, out[i].Value, err = s.openToken(rec); err != nil {
			return nil, err
		}
		out[i].Format, out[i].ExpTime = rec.Format, rec.ExpTime
		found++
	}
	if err := s.auditRead(ctx, ev, nil); err != nil {
		return nil, err
	}
	s.detokenized.Add(int64(found))
	return out, nil
}

// DeleteToken removes a live token.
// Errors: EFORBIDDEN without scope token:delete; ENOTFOUND.
func (s *Service) DeleteToken(ctx context.Context, actor Actor, token string) error {
	if !actor.HasScope("token:delete") {
		return ErrAccessDenied
	}
	ev := &Event{Title: "delete token", Actor: actor, Who: tokenWho(token)}
	return s.withAudit(ctx, ev, func(tx Tx) error {
		rec, err := s.liveToken(ctx, tx, token)
		if err != nil {
			return err
		}
		return tx.DeleteToken(ctx, rec.Key)
	})
}

// TokenCountMessage is the audit message of a bulk token call, e.g. "250 tokens".
func TokenCountMessage(n int) string { return strconv.Itoa(n) + " tokens" }

// tokenWho is the audit "who" of a single-token call (§12): the token itself
// is never recorded, only "sha256:" and the first 16 hex digits of its hash.
func tokenWho(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:8])
}
