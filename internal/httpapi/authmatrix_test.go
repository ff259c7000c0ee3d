package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// The auth matrix (issue 5): every route, called with each of the five
// credentials of §1.6 that matter — no token, a wrong token, another user's
// login token, the subject's own login token, root — must answer the status
// its row names. Each engineer adds the rows of their routes as a function
// func <resource>AuthRows(f *authFixture) []authRow in their own file and
// one line in authRowSets below.

// authRowSets lists the row functions of every resource.
var authRowSets = []func(f *authFixture) []authRow{
	appAuthRows,
	requestAuthRows,
	shareAuthRows,
	expirationAuthRows,
	exportAuthRows,
	userAuthRows,
	sessionAuthRows,
	tokenAuthRows,
	loginAuthRows,
	consentAuthRows,
	auditAuthRows,
}

// authRow is one request of the matrix and the status each credential gets.
type authRow struct {
	name    string // the route and, when a route has several rows, the case
	method  string
	path    string
	body    string
	headers []string // besides the credential, e.g. asJSON
	// setup, when set, creates what the request addresses; it runs as root
	// just before the request. pathFn, when set, replaces path and is called
	// after setup, for paths that name something setup created.
	setup  func()
	pathFn func() string
	want   authWant
}

// authWant is the status each credential must get.
type authWant struct {
	none  int // no X-Bunker-Token
	wrong int // a token that is no credential (a random UUID, shaped like a login token)
	other int // user B's login token; the row addresses user A
	own   int // user A's login token
	root  int // the root token
}

// wantR is the answer of an R route that succeeds with ok for root.
func wantR(ok int) authWant { return authWant{401, 403, 403, 403, ok} }

// wantUR is the answer of a U/R route addressing user A that succeeds with
// ok for root and for A's own login token.
func wantUR(ok int) authWant { return authWant{401, 403, 403, ok, ok} }

// wantNone is the answer of a `none` route: a token, if sent, is ignored.
func wantNone(status int) authWant { return authWant{status, status, status, status, status} }

// authFixture is what a row may address: a running server and two live
// users, A and B, each with a login token. Every (row, credential) pair
// gets fresh users, so rows may change or erase what they address.
type authFixture struct {
	t    *testing.T
	srv  *apitest.Server
	Root string // the root X-Bunker-Token header
	A, B authSubject
}

// authSubject is a live user of the fixture.
type authSubject struct {
	Token string // user token
	Email string // unique to this fixture
	Phone string // unique to this fixture, E.164
	Login string // a login token of this user (the xtoken)
}

var fixtureSeq atomic.Int64

// newAuthFixture creates users A and B with profiles holding email and
// phone, and issues each a login token through vault.Service.IssueLoginToken.
func newAuthFixture(t *testing.T, srv *apitest.Server) *authFixture {
	t.Helper()
	f := &authFixture{t: t, srv: srv, Root: srv.RootHeader()}
	for _, s := range []*authSubject{&f.A, &f.B} {
		n := fixtureSeq.Add(1)
		s.Email = fmt.Sprintf("subject-%d@example.com", n)
		s.Phone = fmt.Sprintf("+4477009%05d", n)
		s.Token = createUser(t, srv, fmt.Sprintf(`{"email":%q,"phone":%q,"name":"Subject %d"}`, s.Email, s.Phone, n))
		tok, err := srv.Service.IssueLoginToken(context.Background(), s.Token)
		if err != nil {
			t.Fatalf("issue login token: %v", err)
		}
		s.Login = tok
	}
	return f
}

// Do sends a request as root for a row's setup and fails the test unless
// it succeeds (2xx). It returns the decoded JSON body.
func (f *authFixture) Do(method, path, body string, headers ...string) map[string]any {
	f.t.Helper()
	res := f.srv.Do(method, path, body, append(headers, f.Root)...)
	if res.Status < 200 || res.Status > 299 {
		f.t.Fatalf("setup %s %s: %d %s", method, path, res.Status, res.Body)
	}
	var out map[string]any
	json.Unmarshal(res.Body, &out)
	return out
}

// TestAuthMatrix runs every row with every credential on one server.
func TestAuthMatrix(t *testing.T) {
	srv := apitest.New(t)
	creds := []struct {
		name   string
		header func(f *authFixture) string // "" sends none
		want   func(authWant) int
	}{
		{"no token", func(*authFixture) string { return "" }, func(w authWant) int { return w.none }},
		{"a wrong token", func(*authFixture) string { return "X-Bunker-Token: " + vault.NewUUID() }, func(w authWant) int { return w.wrong }},
		{"another user's login token", func(f *authFixture) string { return "X-Bunker-Token: " + f.B.Login }, func(w authWant) int { return w.other }},
		{"the user's own login token", func(f *authFixture) string { return "X-Bunker-Token: " + f.A.Login }, func(w authWant) int { return w.own }},
		{"root", func(f *authFixture) string { return f.Root }, func(w authWant) int { return w.root }},
	}
	// The rows are built once to count and name them, then again for each
	// run with that run's fresh fixture.
	template := collectAuthRows(newAuthFixture(t, srv))
	for i, tr := range template {
		t.Run(tr.name, func(t *testing.T) {
			for _, c := range creds {
				t.Run(c.name, func(t *testing.T) {
					f := newAuthFixture(t, srv)
					row := collectAuthRows(f)[i]
					if row.setup != nil {
						row.setup()
					}
					path := row.path
					if row.pathFn != nil {
						path = row.pathFn()
					}
					headers := append([]string(nil), row.headers...)
					if h := c.header(f); h != "" {
						headers = append(headers, h)
					}
					res := srv.Do(row.method, path, row.body, headers...)
					if want := c.want(row.want); res.Status != want {
						t.Errorf("%s %s: status %d, want %d; body %s", row.method, path, res.Status, want, res.Body)
					}
				})
			}
		})
	}
}

func collectAuthRows(f *authFixture) []authRow {
	var rows []authRow
	for _, set := range authRowSets {
		rows = append(rows, set(f)...)
	}
	return rows
}
