package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// scenarioNames lists every scenario in the order they run.
var scenarioNames = []string{
	"bare", "session-write", "session-read", "user-create", "user-read-email",
	"token-create", "token-lookup", "mixed",
}

// defaultScenarios is every scenario but mixed, which repeats the others' routes.
var defaultScenarios = scenarioNames[:len(scenarioNames)-1]

// setupConns bounds the connections used to create records before a measured window.
const setupConns = 16

// op sends exactly one request through w. An op's own state lives in its closure, one per
// worker, so workers share nothing on the hot path.
type op func(ctx context.Context, w *worker)

// plan is a prepared scenario: newOp makes each worker's op once the records it reads exist.
type plan struct {
	newOp func() op
}

// prepare creates what scenario name reads (API §3, §5, §12) and returns its plan. An error
// means the scenario cannot run, typically because the server lacks the route.
func (b *bench) prepare(ctx context.Context, name string) (plan, error) {
	switch name {
	case "bare":
		return same(http.MethodGet, []string{b.bareURL + "/"}, nil), nil
	case "session-write":
		return same(http.MethodPost, b.sessionURLs(), b.sessionBody(0)), nil
	case "session-read":
		urls := b.sessionURLs()
		return same(http.MethodGet, urls, nil), b.writeSessions(ctx, urls)
	case "user-create":
		return plan{newOp: func() op {
			return func(ctx context.Context, w *worker) {
				w.send(ctx, http.MethodPost, b.cfg.base+"/v1/user", b.userBody(b.seq.Add(1)).json())
			}
		}}, nil
	case "user-read-email":
		urls, err := b.createUsers(ctx)
		return same(http.MethodGet, urls, nil), err
	case "token-create":
		return same(http.MethodPost, []string{b.cfg.base + "/v1/token"}, tokenBody), nil
	case "token-lookup":
		urls, err := b.createTokens(ctx)
		return same(http.MethodGet, urls, nil), err
	case "mixed":
		users, err := b.createUsers(ctx)
		return b.mixed(users), err
	}
	return plan{}, fmt.Errorf("unknown scenario %q", name)
}

// same is a plan whose requests share one method and body, each to a URL picked at random.
func same(method string, urls []string, body []byte) plan {
	return plan{newOp: func() op {
		return func(ctx context.Context, w *worker) {
			w.send(ctx, method, urls[w.rng.IntN(len(urls))], body)
		}
	}}
}

// tokenBody is the POST /v1/token request of every token scenario: a test card number.
var tokenBody = []byte(`{"value":"4111 1111 1111 1111","format":"creditcard"}`)

// sessionDoc is an express-session document of about 300 bytes. It carries no top-level
// login, email, phone, custom or token key, so sessions stay unbound, as most are.
type sessionDoc struct {
	Cookie struct {
		OriginalMaxAge int64  `json:"originalMaxAge"`
		Expires        string `json:"expires"`
		Secure         bool   `json:"secure"`
		HTTPOnly       bool   `json:"httpOnly"`
		Path           string `json:"path"`
		SameSite       string `json:"sameSite"`
	} `json:"cookie"`
	CSRFSecret string `json:"csrfSecret"`
	Passport   struct {
		User string `json:"user"`
	} `json:"passport"`
	Flash    struct{} `json:"flash"`
	ReturnTo string   `json:"returnTo"`
	Theme    string   `json:"theme"`
	Views    int64    `json:"views"`
}

func newSessionDoc(now time.Time) sessionDoc {
	var d sessionDoc
	d.Cookie.OriginalMaxAge = time.Hour.Milliseconds()
	d.Cookie.Expires = now.Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	d.Cookie.HTTPOnly = true
	d.Cookie.Path = "/"
	d.Cookie.SameSite = "lax"
	d.CSRFSecret = base64.RawURLEncoding.EncodeToString(randomBytes(18))
	d.Passport.User = "7f0c6f5e-3c5b-4d43-9a7e-2b1d3f9e8c41"
	d.ReturnTo = "/account/orders?page=2"
	d.Theme = "dark"
	return d
}

// sessionBody is the session document with views set to n.
func (b *bench) sessionBody(n int64) []byte {
	d := b.session
	d.Views = n
	body, _ := json.Marshal(d) // cannot fail: strings, numbers and booleans only
	return body
}

// newSessionID returns an id like express-session's: 24 random bytes, 32 base64url characters.
func newSessionID() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(24))
}

// sessionURLs returns --prefill fresh session URLs.
func (b *bench) sessionURLs() []string {
	urls := make([]string, b.cfg.prefill)
	for i := range urls {
		urls[i] = b.cfg.base + "/v1/session/" + newSessionID()
	}
	return urls
}

func (b *bench) writeSessions(ctx context.Context, urls []string) error {
	body := b.sessionBody(0)
	return b.fill(ctx, len(urls), func(ctx context.Context, i int, buf *bytes.Buffer) error {
		if _, err := b.expectOK(ctx, http.MethodPost, urls[i], body, buf); err != nil {
			return fmt.Errorf("write session: %w", err)
		}
		return nil
	})
}

// userDoc is a user profile with all three usual index fields, each unique.
type userDoc struct {
	Login string `json:"login"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// userBody returns the n-th user of this run. Phone numbers are +1 with 13 national digits,
// which libphonenumber parses without complaint (the API only parses, never validates).
func (b *bench) userBody(n int64) userDoc {
	return userDoc{
		Login: fmt.Sprintf("bench-%s-%d", b.run, n),
		Email: fmt.Sprintf("bench-%s-%d@example.com", b.run, n),
		Phone: fmt.Sprintf("+15%05d%07d", b.phoneRun, n%10_000_000),
	}
}

func (u userDoc) json() []byte {
	body, _ := json.Marshal(u) // cannot fail: strings only
	return body
}

// createUsers creates --prefill users and returns their read-by-email URLs.
func (b *bench) createUsers(ctx context.Context) ([]string, error) {
	urls := make([]string, b.cfg.prefill)
	err := b.fill(ctx, len(urls), func(ctx context.Context, i int, buf *bytes.Buffer) error {
		u := b.userBody(b.seq.Add(1))
		if _, err := b.expectOK(ctx, http.MethodPost, b.cfg.base+"/v1/user", u.json(), buf); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		urls[i] = b.cfg.base + "/v1/user/email/" + url.PathEscape(u.Email)
		return nil
	})
	return urls, err
}

// createTokens creates --prefill tokens and returns their lookup URLs.
func (b *bench) createTokens(ctx context.Context) ([]string, error) {
	urls := make([]string, b.cfg.prefill)
	err := b.fill(ctx, len(urls), func(ctx context.Context, i int, buf *bytes.Buffer) error {
		resp, err := b.expectOK(ctx, http.MethodPost, b.cfg.base+"/v1/token", tokenBody, buf)
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		var created struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(resp, &created); err != nil || created.Token == "" {
			return fmt.Errorf("create token: answer without a token: %.200s", resp)
		}
		urls[i] = b.cfg.base + "/v1/token/" + url.PathEscape(created.Token)
		return nil
	})
	return urls, err
}

// fill runs one(i) for i in [0, n) over a few connections and gives up at the first failure: a
// missing route should be reported once, not n times.
func (b *bench) fill(ctx context.Context, n int, one func(ctx context.Context, i int, buf *bytes.Buffer) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, b.cfg.conc, setupConns) {
		wg.Go(func() {
			var buf bytes.Buffer
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := one(ctx, i, &buf); err != nil {
					cancel(err)
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
