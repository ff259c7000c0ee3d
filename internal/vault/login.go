package vault

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// LoginOptions configure passwordless login (§6, §1.6). Zero values take the
// defaults of §16.
type LoginOptions struct {
	// CodeDigits is the length of a login code (login.code_digits); default
	// and minimum 6.
	CodeDigits int
	// CodeTTL is a code's life (login.code_ttl_seconds); default 5 minutes.
	CodeTTL time.Duration
	// MaxAttempts is the number of wrong codes after which the code is
	// deleted (login.max_attempts); default 5.
	MaxAttempts int
	// TokenTTL is a login token's life from issue, never extended
	// (login.token_ttl_seconds); default 10 minutes.
	TokenTTL time.Duration
	// Sender delivers codes; nil stores codes without sending them.
	Sender LoginCodeSender
}

// LoginCodeSender hands a new login code over for delivery. It is called
// after the code is stored and must return at once: delivery happens off the
// request path, so that the time prelogin takes does not tell whether the
// identity exists. A delivery failure is the sender's to log (without
// address or code) and count; it never changes the answer.
type LoginCodeSender interface {
	// SendLoginCode delivers code to the normalised identity to: an e-mail
	// address (mode email) or an E.164 number (mode phone).
	SendLoginCode(mode Mode, to, code string)
}

// LoginResult is a successful login (§6).
type LoginResult struct {
	XToken    string // the new login token
	UserToken string // the user it reaches
}

// The fixed code of demo mode and the identities that get it (§1.6).
const (
	demoLoginCode  = "4444"
	demoLoginEmail = "test@securitybunker.io"
	demoLoginPhone = "4444"
)

func (o LoginOptions) withDefaults() LoginOptions {
	if o.CodeDigits < 6 {
		o.CodeDigits = 6
	}
	if o.CodeTTL <= 0 {
		o.CodeTTL = 5 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 10 * time.Minute
	}
	return o
}

// ParseLoginIdentity checks and normalises the {mode}/{identity} pair of the
// §6 routes, where only email and phone are modes.
// Errors: EINVALID "bad mode".
func (s *Service) ParseLoginIdentity(mode, raw string) (Identity, error) {
	m := Mode(strings.ToLower(mode))
	if m != ModeEmail && m != ModePhone {
		return Identity{}, ErrBadMode
	}
	return s.opts.Normalizer.ParseIdentity(string(m), raw)
}

// RequestLoginCode gives the live user id names a new one-time code,
// replacing any pending one, and hands it to the sender (§6). Whether or
// not id names a live user it returns nil, so the caller answers alike.
// In demo mode the demo identities get the code 4444, which is not sent.
// Errors: EINVALID "bad mode"; EUNAVAILABLE.
func (s *Service) RequestLoginCode(ctx context.Context, id Identity) error {
	if id.Mode != ModeEmail && id.Mode != ModePhone {
		return ErrBadMode
	}
	rec, err := s.lookup(ctx, s.store, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	code, demo := s.newLoginCode(id)
	now := s.clock.Now()
	lc := &LoginCodeRecord{
		UserToken: rec.Token,
		Hash:      s.loginCodeHash(rec.Token, code),
		ExpTime:   now.Add(s.opts.Login.CodeTTL).Unix(),
		Created:   now.Unix(),
	}
	ev := loginEvent("request login code by ", id, rec.Token)
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		// Holding the user's row serialises concurrent requests for one
		// user (one pending code each) and orders them with an erasure.
		if _, err := loginUser(ctx, tx, rec.Token); err != nil {
			return err
		}
		if err := tx.DeleteLoginCode(ctx, rec.Token); err != nil {
			return err
		}
		return tx.InsertLoginCode(ctx, lc)
	})
	switch {
	case ErrorCode(err) == ENOTFOUND: // erased meanwhile: like an unknown identity
		return nil
	case err != nil:
		return err
	}
	if !demo && s.opts.Login.Sender != nil {
		s.opts.Login.Sender.SendLoginCode(id.Mode, id.Value, code)
	}
	return nil
}

// Login exchanges the pending code of the live user id names for a new
// login token (§6). The code is compared in constant time and is single
// use; each wrong code counts one attempt and the MaxAttempts-th deletes
// it. Every failure is the same ErrAccessDenied; for a live user it is
// also an audit event with status error.
// Errors: EINVALID "bad mode"; EFORBIDDEN "access denied"; EUNAVAILABLE.
func (s *Service) Login(ctx context.Context, id Identity, code string) (LoginResult, error) {
	if id.Mode != ModeEmail && id.Mode != ModePhone {
		return LoginResult{}, ErrBadMode
	}
	rec, err := s.lookup(ctx, s.store, id)
	if ErrorCode(err) == ENOTFOUND {
		return LoginResult{}, ErrAccessDenied
	} else if err != nil {
		return LoginResult{}, err
	}
	ev := loginEvent("login by ", id, rec.Token)
	hash := s.loginCodeHash(rec.Token, code)
	ok, err := s.checkLoginCode(ctx, rec.Token, hash)
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		return LoginResult{}, s.auditRead(ctx, &ev, ErrAccessDenied)
	}
	var res LoginResult
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		if _, err := loginUser(ctx, tx, rec.Token); ErrorCode(err) == ENOTFOUND {
			return ErrAccessDenied
		} else if err != nil {
			return err
		}
		// Another request may have used the code since it was checked.
		lc, err := tx.LoginCodeByUser(ctx, rec.Token)
		if ErrorCode(err) == ENOTFOUND {
			return ErrAccessDenied
		} else if err != nil {
			return err
		}
		if !sameCodeHash(lc.Hash, hash) || lc.ExpTime <= s.now() {
			return ErrAccessDenied
		}
		if err := tx.DeleteLoginCode(ctx, rec.Token); err != nil {
			return err
		}
		xtoken, err := s.insertLoginToken(ctx, tx, rec.Token)
		res = LoginResult{XToken: xtoken, UserToken: rec.Token}
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, nil
}

// checkLoginCode compares hash with the user's pending code in one
// transaction that also records a wrong attempt, so concurrent guesses can
// never try more than MaxAttempts codes. An expired or exhausted code is
// deleted. It reports whether the code matched; a match is not consumed
// here but by the audited transaction of Login.
func (s *Service) checkLoginCode(ctx context.Context, userToken, hash string) (bool, error) {
	var ok bool
	now := s.now()
	maxAttempts := s.opts.Login.MaxAttempts
	err := s.store.Update(ctx, func(tx Tx) error {
		ok = false
		lc, err := tx.LoginCodeByUser(ctx, userToken)
		if ErrorCode(err) == ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		switch {
		case lc.ExpTime <= now || lc.Attempts >= maxAttempts:
			return tx.DeleteLoginCode(ctx, userToken)
		case sameCodeHash(lc.Hash, hash):
			ok = true
			return nil
		case lc.Attempts+1 >= maxAttempts:
			return tx.DeleteLoginCode(ctx, userToken)
		}
		return tx.SetLoginCodeAttempts(ctx, userToken, lc.Attempts+1)
	})
	return ok, err
}

// IssueLoginToken creates a login token for the live user userToken and
// returns it; it is stored only as its SHA-256 and is valid for
// LoginOptions.TokenTTL from now. Login uses it after a correct code; tests
// use it to act as a data subject without going through code delivery.
// Errors: ENOTFOUND for an unknown or erased user; EUNAVAILABLE.
func (s *Service) IssueLoginToken(ctx context.Context, userToken string) (string, error) {
	if !IsUUID(userToken) {
		return "", ErrNotFound
	}
	userToken = strings.ToLower(userToken)
	var token string
	err := s.store.Update(ctx, func(tx Tx) error {
		if _, err := loginUser(ctx, tx, userToken); err != nil {
			return err
		}
		var err error
		token, err = s.insertLoginToken(ctx, tx, userToken)
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// insertLoginToken stores a new login token for userToken and returns it.
func (s *Service) insertLoginToken(ctx context.Context, tx Tx, userToken string) (string, error) {
	token := NewUUID()
	sum := HashToken(token)
	now := s.clock.Now()
	err := tx.InsertLoginToken(ctx, &LoginTokenRecord{
		Hash:      hex.EncodeToString(sum[:]),
		UserToken: userToken,
		ExpTime:   now.Add(s.opts.Login.TokenTTL).Unix(),
		Created:   now.Unix(),
	})
	if err != nil {
		return "", fmt.Errorf("vault: issue login token: %w", err)
	}
	return token, nil
}

// loginActor resolves a presented token, by its SHA-256, to the login
// token's user. Errors: ErrAccessDenied for an unknown or expired token;
// EUNAVAILABLE.
func (s *Service) loginActor(ctx context.Context, sum [32]byte) (Actor, error) {
	t, err := s.store.LoginTokenByHash(ctx, hex.EncodeToString(sum[:]))
	if ErrorCode(err) == ENOTFOUND {
		return Actor{}, ErrAccessDenied
	} else if err != nil {
		return Actor{}, err
	}
	if t.ExpTime <= s.now() {
		return Actor{}, ErrAccessDenied
	}
	return Actor{Kind: ActorLogin, UserToken: t.UserToken}, nil
}

// newLoginCode returns a fresh code for id: CodeDigits uniform decimal
// digits from crypto/rand, or in demo mode the fixed code of the demo
// identities (demo reports that it must not be sent).
func (s *Service) newLoginCode(id Identity) (code string, demo bool) {
	if s.opts.Demo && s.isDemoIdentity(id) {
		return demoLoginCode, true
	}
	n := s.opts.Login.CodeDigits
	v, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil))
	if err != nil {
		panic("vault: crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%0*s", n, v.String()), false
}

func (s *Service) isDemoIdentity(id Identity) bool {
	switch id.Mode {
	case ModeEmail:
		return id.Value == demoLoginEmail
	case ModePhone:
		p, ok := s.opts.Normalizer.Normalize(ModePhone, demoLoginPhone)
		return ok && id.Value == p
	}
	return false
}

// loginCodeHash binds a code to its user under the index key, so equal
// codes of two users differ and a stolen database cannot be searched for
// codes without the master key.
func (s *Service) loginCodeHash(userToken, code string) string {
	return s.keys.BlindIndex("login-code", userToken+":"+code)
}

func sameCodeHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// loginUser reads and, inside a transaction, locks the user's row.
// Errors: ErrNotFound for an unknown or erased user.
func loginUser(ctx context.Context, r Reader, token string) (*UserRecord, error) {
	u, err := r.UserByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !u.Live() {
		return nil, ErrNotFound
	}
	return u, nil
}

func loginEvent(title string, id Identity, userToken string) Event {
	return Event{
		Title:  title + string(id.Mode),
		Actor:  Actor{Kind: ActorAnonymous},
		Mode:   id.Mode,
		Who:    id.Value,
		Record: userToken,
	}
}
