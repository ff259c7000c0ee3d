package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// manualClock is a vault.Clock that a test moves by hand, so that expiry is
// tested without sleeping.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock { return &manualClock{now: time.Unix(1_800_000_000, 0)} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *manualClock) set(unix int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = time.Unix(unix, 0)
}

func (c *manualClock) unix() int64 { return c.Now().Unix() }

// withClock builds the service over clock.
func withClock(clock vault.Clock) apitest.Option {
	return apitest.WithVault(func(o *vault.Options) { o.Clock = clock })
}

// Session ids of the shapes clients use: express-session's default
// (24 random bytes, base64url: 32 characters) and hand-made ones.
const (
	sidExpress = "kV3qAe9S_nJx-2b0yTq7Zl1mWc4dRf8u"
	sidMin     = "abcdefghijklmnop" // 16 characters, the minimum
)

func sessionOK(id string) string { return `{"status":"ok","session":"` + id + `"}` }

func sessionData(id string, when int64, data string) string {
	return fmt.Sprintf(`{"status":"ok","session":%q,"when":%d,"data":%s}`, id, when, data)
}

func TestSessionRoutes(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock))
	root := srv.RootHeader()
	now := clock.unix()
	post := func(name, id, ct, body string, status int, want string) scenario {
		return scenario{name: name, method: "POST", path: "/v1/session/" + id, headers: []string{root, ct}, body: body, status: status, want: want}
	}
	get := func(name, id string, status int, want string) scenario {
		return scenario{name: name, method: "GET", path: "/v1/session/" + id, headers: []string{root}, status: status, want: want}
	}
	del := func(name, id string) scenario {
		return scenario{name: name, method: "DELETE", path: "/v1/session/" + id, headers: []string{root}, status: 200, want: `{"status":"ok"}`}
	}
	notFound := errBody("not found")
	rich := `{"cookie":{"expires":"2027-01-01T00:00:00.000Z","httpOnly":true,"originalMaxAge":3600000,"path":"/"},` +
		`"n":1.10,"big":123456789012345678901234567890,"z":null,"list":[3,1,{"b":false}],"uni":"Zoë 🙂 <b>&</b>","email":"nobody@x.com"}`
	richSorted := `{"big":123456789012345678901234567890,"cookie":{"expires":"2027-01-01T00:00:00.000Z","httpOnly":true,"originalMaxAge":3600000,"path":"/"},` +
		`"email":"nobody@x.com","list":[3,1,{"b":false}],"n":1.10,"uni":"Zoë 🙂 <b>&</b>","z":null}`
	long := strings.Repeat("L", 128)
	run(t, srv, []scenario{
		post("an express-session id stores any JSON object", sidExpress, asJSON, rich, 200, sessionOK(sidExpress)),
		get("it reads back value-equal, keys sorted, with the write time", sidExpress, 200, sessionData(sidExpress, now, richSorted)),
		post("a write replaces the whole session, never merges", sidExpress, asJSON, `{"only":"this"}`, 200, sessionOK(sidExpress)),
		get("the replaced session", sidExpress, 200, sessionData(sidExpress, now, `{"only":"this"}`)),
		post("{} is a valid session", sidMin, asJSON, `{}`, 200, sessionOK(sidMin)),
		get("and is stored as {}", sidMin, 200, sessionData(sidMin, now, `{}`)),
		post("a 128-character id", long, asJSON, `{"a":1}`, 200, sessionOK(long)),
		post("a form is a session of strings", "form-session-0001", asForm, "a=1&b=x+y&a=2", 200, sessionOK("form-session-0001")),
		get("the form session", "form-session-0001", 200, sessionData("form-session-0001", now, `{"a":"1","b":"x y"}`)),
		{name: "a UUID id, with a trailing slash", method: "POST", path: "/v1/session/" + vault.NewUUID() + "/",
			headers: []string{root, asJSON}, body: `{"a":1}`, status: 200, want: sessionOK("<uuid>")},

		post("a 0-byte body", "empty-body-session", asJSON, "", 400, errBody("empty request body")),
		post("a white-space body is empty too", "empty-body-session", asJSON, " \n ", 400, errBody("empty request body")),
		get("a refused write stores nothing", "empty-body-session", 404, notFound),
		post("a body that is not JSON", sidMin, asJSON, `{"a":`, 400, errBody("failed to decode request body")),
		post("a top-level array", sidMin, asJSON, `[1]`, 400, errBody("failed to decode request body")),
		post("a repeated key", sidMin, asJSON, `{"a":1,"a":2}`, 400, errBody("failed to decode request body")),
		post("nesting too deep", sidMin, asJSON, nested(33), 400, errBody("json nesting too deep")),
		post("text/plain", sidMin, "Content-Type: text/plain", `{"a":1}`, 415, errBody("unsupported media type")),
		post("a body over 1 MiB", sidMin, asJSON, `{"a":"`+strings.Repeat("x", 1<<20)+`"}`, 413, errBody("request body too large")),
		get("failed writes left the session alone", sidMin, 200, sessionData(sidMin, now, `{}`)),

		post("an id of 15 characters", "abcdefghijklmno", asJSON, `{"a":1}`, 400, errBody("bad session id")),
		post("an id of 129 characters", long+"L", asJSON, `{"a":1}`, 400, errBody("bad session id")),
		post("an id with a dot", "abcdefghijklmnop.q", asJSON, `{"a":1}`, 400, errBody("bad session id")),
		post("an id with an encoded slash", "abcdefgh%2Fijklmnopq", asJSON, `{"a":1}`, 400, errBody("bad session id")),
		post("an id with an encoded space", "abcdefgh%20ijklmnopq", asJSON, `{"a":1}`, 400, errBody("bad session id")),
		post("the id is checked before an oversized body", "bad.id", asJSON, strings.Repeat("x", 1<<20+1), 400, errBody("bad session id")),
		post("the id is checked before an empty body", "bad.id", asJSON, "", 400, errBody("bad session id")),
		post("the id is checked before the media type", "bad.id", "Content-Type: text/plain", "x", 400, errBody("bad session id")),

		get("an unknown id", "unknown-session-00000", 404, notFound),
		get("an id outside the syntax is not found, not 400", "short", 404, notFound),
		get("an over-long id is not found", long+"L", 404, notFound),
		get("a session id is case-sensitive", strings.ToUpper(sidExpress), 404, notFound),
		del("deleting a session", sidExpress),
		get("a deleted session is not found", sidExpress, 404, notFound),
		del("deleting it again", sidExpress),
		del("deleting an unknown id", "unknown-session-00000"),
		del("deleting an id outside the syntax", "x"),

		{name: "POST without a token", method: "POST", path: "/v1/session/" + sidMin, headers: []string{asJSON}, body: `{}`,
			status: 401, want: errBody("access denied"), header: map[string]string{"WWW-Authenticate": "X-Bunker-Token"}},
		{name: "authentication comes before the id syntax", method: "POST", path: "/v1/session/bad.id",
			headers: []string{"X-Bunker-Token: " + vault.NewUUID(), asJSON}, body: `{}`, status: 403, want: errBody("access denied")},
		{name: "a wrong token reads nothing", method: "GET", path: "/v1/session/" + sidMin,
			headers: []string{"X-Bunker-Token: wrong"}, status: 403, want: errBody("access denied")},
		{name: "a wrong token deletes nothing", method: "DELETE", path: "/v1/session/" + sidMin,
			headers: []string{"X-Bunker-Token: wrong"}, status: 403, want: errBody("access denied")},
		{name: "GET without a token", method: "GET", path: "/v1/session/" + sidMin, status: 401, want: errBody("access denied")},
		get("the session survived the refused calls", sidMin, 200, sessionData(sidMin, now, `{}`)),
		{name: "PUT is not a session method", method: "PUT", path: "/v1/session/" + sidMin, headers: []string{root}, status: 405,
			want: errBody("method not allowed"), header: map[string]string{"Allow": "GET, POST, DELETE, OPTIONS"}},
		{name: "the sessions list has GET and DELETE", method: "POST", path: "/v1/sessions/login/x", headers: []string{root}, status: 405,
			want: errBody("method not allowed"), header: map[string]string{"Allow": "GET, DELETE, OPTIONS"}},
		{name: "a session path without an id", method: "GET", path: "/v1/session", headers: []string{root}, status: 404,
			want: errBody("endpoint is missing")},
	})
}

// TestSessionBindingAndLists: binding keys in order, normalised; lists in
// write order (same second: commit order), paged; re-binding on replace;
// log-out-everywhere; erasure.
func TestSessionBindingAndLists(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock))
	root := srv.RootHeader()
	john := createUser(t, srv, `{"login":"john","email":"john@example.com","phone":"07700900123"}`)
	mary := createUser(t, srv, `{"login":"mary","email":"mary@example.com"}`)
	t0 := clock.unix()
	write := func(id, body string) {
		t.Helper()
		if r := srv.Do("POST", "/v1/session/"+id, body, root, asJSON); r.Status != 200 {
			t.Fatalf("write %s: %d %s", id, r.Status, r.Body)
		}
	}
	// All in one second: the list order is the commit order.
	write("john-by-login-0001", `{"login":"john"}`)
	write("john-by-email-0002", `{"email":"  JOHN@Example.com "}`)
	write("john-by-phone-0003", `{"phone":"+44 7700 900123"}`)
	write("john-by-token-0004", `{"token":"`+strings.ToUpper(john)+`"}`)
	write("mary-second-key-05", `{"login":"nobody","email":"mary@example.com"}`)
	write("login-wins-order-6", `{"email":"mary@example.com","login":"john"}`)
	write("unbound-session-07", `{"login":{"x":1},"email":true,"phone":"abc","custom":"nobody","token":"not-a-uuid"}`)
	write("unbound-number-008", `{"login":12345}`)

	row := func(id string, when int64, data string) string {
		return fmt.Sprintf(`{"when":%d,"session":%q,"data":%s}`, when, id, data)
	}
	page := func(total int, rows ...string) string {
		return fmt.Sprintf(`{"status":"ok","total":%d,"rows":[%s]}`, total, strings.Join(rows, ","))
	}
	johnRows := []string{
		row("john-by-login-0001", t0, `{"login":"john"}`),
		row("john-by-email-0002", t0, `{"email":"  JOHN@Example.com "}`),
		row("john-by-phone-0003", t0, `{"phone":"+44 7700 900123"}`),
		row("john-by-token-0004", t0, `{"token":"`+strings.ToUpper(john)+`"}`),
		row("login-wins-order-6", t0, `{"email":"mary@example.com","login":"john"}`),
	}
	list := func(name, path string, want string) scenario {
		return scenario{name: name, method: "GET", path: path, headers: []string{root}, status: 200, want: want}
	}
	run(t, srv, []scenario{
		list("john's sessions in commit order", "/v1/sessions/login/john", page(5, johnRows...)),
		list("the same list by token", "/v1/sessions/token/"+john, page(5, johnRows...)),
		list("by email in another case", "/v1/sessions/email/JOHN@example.com", page(5, johnRows...)),
		list("the first page", "/v1/sessions/login/john?limit=2", page(5, johnRows[:2]...)),
		list("a middle page", "/v1/sessions/login/john?offset=2&limit=2", page(5, johnRows[2:4]...)),
		list("the last page", "/v1/sessions/login/john?offset=4&limit=2", page(5, johnRows[4])),
		list("past the end", "/v1/sessions/login/john?offset=9", page(5)),
		list("mary's session, bound by the second key", "/v1/sessions/login/mary",
			page(1, row("mary-second-key-05", t0, `{"email":"mary@example.com","login":"nobody"}`))),
		{name: "a bad offset", method: "GET", path: "/v1/sessions/login/john?offset=-1", headers: []string{root}, status: 400, want: errBody("bad offset")},
		{name: "a bad limit", method: "GET", path: "/v1/sessions/login/john?limit=x", headers: []string{root}, status: 400, want: errBody("bad limit")},
		{name: "an unknown user", method: "GET", path: "/v1/sessions/login/nobody", headers: []string{root}, status: 404, want: errBody("not found")},
		{name: "a bad mode", method: "GET", path: "/v1/sessions/nick/john", headers: []string{root}, status: 400, want: errBody("bad mode")},
		{name: "a bad uuid", method: "GET", path: "/v1/sessions/token/1234", headers: []string{root}, status: 400, want: errBody("bad uuid")},
		{name: "no token", method: "GET", path: "/v1/sessions/login/john", status: 401, want: errBody("access denied")},
		{name: "log out everywhere needs a token", method: "DELETE", path: "/v1/sessions/login/john",
			headers: []string{"X-Bunker-Token: wrong"}, status: 403, want: errBody("access denied")},
		{name: "log out everywhere for an unknown user", method: "DELETE", path: "/v1/sessions/login/nobody",
			headers: []string{root}, status: 404, want: errBody("not found")},
	})

	// A replace re-binds, and a later write goes to the end of the list.
	write("login-wins-order-6", `{"email":"mary@example.com"}`)
	clock.advance(10 * time.Second)
	write("john-by-login-0001", `{"login":"john","n":2}`)
	t1 := clock.unix()
	run(t, srv, []scenario{
		list("a replaced session moves to its new user", "/v1/sessions/login/john", page(4,
			johnRows[1], johnRows[2], johnRows[3], row("john-by-login-0001", t1, `{"login":"john","n":2}`))),
		list("and joins mary's list", "/v1/sessions/login/mary", page(2,
			row("mary-second-key-05", t0, `{"email":"mary@example.com","login":"nobody"}`),
			row("login-wins-order-6", t0, `{"email":"mary@example.com"}`))),
		{name: "log out everywhere", method: "DELETE", path: "/v1/sessions/email/john@example.com", headers: []string{root},
			status: 200, want: `{"status":"ok","deleted":4}`},
		list("john has no sessions left", "/v1/sessions/login/john", page(0)),
		{name: "his sessions are gone by id too", method: "GET", path: "/v1/session/john-by-phone-0003", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a second log-out deletes nothing", method: "DELETE", path: "/v1/sessions/login/john", headers: []string{root},
			status: 200, want: `{"status":"ok","deleted":0}`},
		{name: "unbound sessions are untouched", method: "GET", path: "/v1/session/unbound-session-07", headers: []string{root},
			status: 200, contains: []string{`"token":"not-a-uuid"`}},
		list("mary's are untouched", "/v1/sessions/login/mary", page(2,
			row("mary-second-key-05", t0, `{"email":"mary@example.com","login":"nobody"}`),
			row("login-wins-order-6", t0, `{"email":"mary@example.com"}`))),
		{name: "erasing mary", method: "DELETE", path: "/v1/user/login/mary", headers: []string{root},
			status: 200, want: `{"status":"ok","result":"done"}`},
		{name: "erasure removed her sessions", method: "GET", path: "/v1/session/mary-second-key-05", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "an erased user has no session list", method: "GET", path: "/v1/sessions/token/" + mary, headers: []string{root},
			status: 404, want: errBody("not found")},
	})
	// A session naming the erased user afterwards is stored, unbound.
	write("after-erasure-00009", `{"email":"mary@example.com"}`)
	if r := srv.Do("GET", "/v1/session/after-erasure-00009", "", root); r.Status != 200 {
		t.Fatalf("session naming an erased user: %d %s", r.Status, r.Body)
	}
}

// TestSessionLoginTokens checks the U/R guard of the session reads at the
// service, since login tokens are issued by routes not built yet (§6): a
// login token reads only sessions bound to its own user, and anything else,
// unknown ids included, is 403.
func TestSessionLoginTokens(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	john := createUser(t, srv, `{"login":"john"}`)
	mary := createUser(t, srv, `{"login":"mary"}`)
	for id, body := range map[string]string{"john-session-00001": `{"login":"john"}`, "mary-session-00001": `{"login":"mary"}`, "unbound-session-001": `{"x":1}`} {
		if r := srv.Do("POST", "/v1/session/"+id, body, root, asJSON); r.Status != 200 {
			t.Fatalf("write: %d %s", r.Status, r.Body)
		}
	}
	ctx := context.Background()
	asJohn := vault.Actor{Kind: vault.ActorLogin, UserToken: john}
	tests := []struct {
		name, id string
		code     string
	}{
		{"its own user's session", "john-session-00001", ""},
		{"another user's session", "mary-session-00001", vault.EFORBIDDEN},
		{"an unbound session", "unbound-session-001", vault.EFORBIDDEN},
		{"an unknown id", "unknown-session-0001", vault.EFORBIDDEN},
		{"an id outside the syntax", "x", vault.EFORBIDDEN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := srv.Service.GetSession(ctx, asJohn, tc.id)
			if vault.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want code %q", err, tc.code)
			}
		})
	}
	if _, _, err := srv.Service.UserSessions(ctx, asJohn, vault.Identity{Mode: vault.ModeToken, Value: mary}, vault.Page{}); vault.ErrorCode(err) != vault.EFORBIDDEN {
		t.Fatalf("john lists mary's sessions: %v", err)
	}
	if rows, total, err := srv.Service.UserSessions(ctx, asJohn, vault.Identity{Mode: vault.ModeLogin, Value: "john"}, vault.Page{}); err != nil || total != 1 || len(rows) != 1 {
		t.Fatalf("john lists his sessions: %d rows, total %d, %v", len(rows), total, err)
	}
	if _, err := srv.Service.DeleteUserSessions(ctx, asJohn, vault.Identity{Mode: vault.ModeLogin, Value: "mary"}); vault.ErrorCode(err) != vault.EFORBIDDEN {
		t.Fatalf("john logs mary out: %v", err)
	}
	for name, err := range map[string]error{
		"write":  srv.Service.PutSession(ctx, asJohn, "john-session-00001", map[string]any{}),
		"delete": srv.Service.DeleteSession(ctx, asJohn, "john-session-00001"),
	} {
		if vault.ErrorCode(err) != vault.EFORBIDDEN {
			t.Fatalf("a login token may not %s a session (R only): %v", name, err)
		}
	}
}

// TestSessionExpiry drives the clock by hand: the policy maximum caps every
// session, an invalid expiration is ignored, and an expired session answers
// exactly like an unknown one everywhere until a new write revives the id.
func TestSessionExpiry(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock), apitest.WithVault(func(o *vault.Options) { o.MaxSessionRetention = time.Hour }))
	root := srv.RootHeader()
	createUser(t, srv, `{"login":"john"}`)
	t0 := clock.unix()
	lifetimes := []struct {
		id, expiration string
		lives          int64 // seconds from t0
	}{
		{"expires-in-10-secs", `"10s"`, 10},
		{"expires-number-secs", `30`, 30},
		{"expires-digit-string", `" 45 "`, 45},
		{"expires-absolute-time", fmt.Sprint(t0 + 120), 120},
		{"expires-in-2-hours-capped", `"2h"`, 3600},
		{"m-means-months-capped", `"5m"`, 3600},
		{"absent-takes-the-policy", ``, 3600},
		{"invalid-is-ignored-001", `"soon"`, 3600},
		{"zero-is-ignored-00001", `0`, 3600},
		{"negative-is-ignored-01", `-5`, 3600},
		{"fraction-is-ignored-01", `1.5`, 3600},
		{"huge-is-ignored-000001", `10000000000000`, 3600},
		{"object-is-ignored-0001", `{"s":1}`, 3600},
	}
	for _, l := range lifetimes {
		body := `{"login":"john"}`
		if l.expiration != "" {
			body = `{"login":"john","expiration":` + l.expiration + `}`
		}
		if r := srv.Do("POST", "/v1/session/"+l.id, body, root, asJSON); r.Status != 200 {
			t.Fatalf("%s: %d %s", l.id, r.Status, r.Body)
		}
	}
	live := func() map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for _, l := range lifetimes {
			switch r := srv.Do("GET", "/v1/session/"+l.id, "", root); r.Status {
			case 200:
				out[l.id] = true
			case 404:
				if string(r.Body) != errBody("not found")+"\n" {
					t.Fatalf("expired %s: body %q", l.id, r.Body)
				}
			default:
				t.Fatalf("%s: %d %s", l.id, r.Status, r.Body)
			}
		}
		return out
	}
	listed := func() int {
		t.Helper()
		var page struct{ Total int }
		r := srv.Do("GET", "/v1/sessions/login/john?limit=100", "", root)
		if err := json.Unmarshal(r.Body, &page); err != nil || r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		return page.Total
	}
	for _, at := range []int64{0, 9, 10, 29, 30, 44, 45, 119, 120, 3599, 3600} {
		clock.set(t0 + at)
		got, n := live(), 0
		for _, l := range lifetimes {
			if want := at < l.lives; got[l.id] != want {
				t.Errorf("at +%ds: %s live = %v, want %v", at, l.id, got[l.id], want)
			}
			if at < l.lives {
				n++
			}
		}
		if total := listed(); total != n {
			t.Errorf("at +%ds: the list counts %d sessions, want %d", at, total, n)
		}
	}
	// An expired session is deleted without complaint, and its id is free.
	if r := srv.Do("DELETE", "/v1/session/expires-in-10-secs", "", root); r.Status != 200 {
		t.Fatalf("delete expired: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("POST", "/v1/session/expires-number-secs", `{"again":true}`, root, asJSON); r.Status != 200 {
		t.Fatalf("rewrite expired: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("GET", "/v1/session/expires-number-secs", "", root); r.Status != 200 || !strings.Contains(string(r.Body), `"data":{"again":true}`) {
		t.Fatalf("a rewritten expired id: %d %s", r.Status, r.Body)
	}
}

// TestSessionSweep: the sweeper deletes exactly the expired sessions, over
// more than one batch, and leaves live ones readable.
func TestSessionSweep(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock))
	ctx := context.Background()
	const expiring = 1203 // more than two batches of the sweeper
	errs := make(chan error, expiring)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range expiring {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- srv.Service.PutSession(ctx, vault.Root, fmt.Sprintf("expiring-%012d", i), map[string]any{"expiration": "60s"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"long-lived-0000001", "long-lived-0000002"} {
		if err := srv.Service.PutSession(ctx, vault.Root, id, map[string]any{"expiration": "1h"}); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := srv.Service.SweepExpired(ctx); err != nil || res.Sessions != 0 {
		t.Fatalf("sweep before expiry: %+v, %v", res, err)
	}
	clock.advance(60 * time.Second)
	if res, err := srv.Service.SweepExpired(ctx); err != nil || res.Sessions != expiring {
		t.Fatalf("sweep: %+v, %v; want %d sessions", res, err, expiring)
	}
	if res, err := srv.Service.SweepExpired(ctx); err != nil || res.Sessions != 0 {
		t.Fatalf("second sweep: %+v, %v", res, err)
	}
	for _, id := range []string{"long-lived-0000001", "long-lived-0000002"} {
		if r := srv.Do("GET", "/v1/session/"+id, "", srv.RootHeader()); r.Status != 200 {
			t.Fatalf("live session after the sweep: %d %s", r.Status, r.Body)
		}
	}
}

// TestSessionConcurrentWriters: 64 clients write one id at once, as
// express-session does under load. Every write succeeds, and the stored
// session is exactly one of the written documents.
func TestSessionConcurrentWriters(t *testing.T) {
	srv := apitest.New(t)
	createUser(t, srv, `{"login":"john"}`)
	const n = 64
	statuses := make([]int, n)
	var wg sync.WaitGroup
	client := &http.Client{}
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"writer":%d,"login":"john","pad":%q,"cookie":{"maxAge":%d}}`, i, strings.Repeat("p", i*97), i)
			req, _ := http.NewRequest("POST", srv.URL+"/v1/session/"+sidExpress, strings.NewReader(body))
			req.Header.Set("X-Bunker-Token", srv.Root)
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				statuses[i] = -1
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("writer %d got %d", i, s)
		}
	}
	r := srv.Do("GET", "/v1/session/"+sidExpress, "", srv.RootHeader())
	var got struct {
		Data struct {
			Writer int
			Login  string
			Pad    string
			Cookie struct{ MaxAge int }
		}
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 200 {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	d := got.Data
	want := struct {
		Writer int
		Login  string
		Pad    string
		Cookie struct{ MaxAge int }
	}{d.Writer, "john", strings.Repeat("p", d.Writer*97), struct{ MaxAge int }{d.Writer}}
	if d.Writer < 0 || d.Writer >= n || !reflect.DeepEqual(d, want) {
		t.Fatalf("the stored session mixes writes: writer %d, pad %d bytes, maxAge %d", d.Writer, len(d.Pad), d.Cookie.MaxAge)
	}
	var page struct{ Total int }
	r = srv.Do("GET", "/v1/sessions/login/john", "", srv.RootHeader())
	if json.Unmarshal(r.Body, &page); page.Total != 1 {
		t.Fatalf("one id listed %d times: %s", page.Total, r.Body)
	}
}
