package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/delivery"
	"piivault/internal/delivery/mailtest"
	"piivault/internal/vault"
)

// The portal login of §6 end to end: codes travel through a real SMTP
// listener and a fake SMS gateway over HTTP, time through a manual clock.

const deliveryWait = 10 * time.Second

// loginEnv is a server whose codes are delivered for real.
type loginEnv struct {
	srv   *apitest.Server
	mail  *mailtest.Server
	sms   chan smsMessage
	clock *manualClock
	disp  *delivery.Dispatcher
	logs  *lockedBuffer // the dispatcher's log
}

type smsMessage struct{ to, text string }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLoginEnv(t *testing.T, opts ...apitest.Option) *loginEnv {
	t.Helper()
	e := &loginEnv{mail: mailtest.Start(t, mailtest.Options{STARTTLS: true}), sms: make(chan smsMessage, 16),
		clock: newManualClock(), logs: &lockedBuffer{}}
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		e.sms <- smsMessage{to: r.PostForm.Get("to"), text: r.PostForm.Get("message")}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(gw.Close)
	e.disp = delivery.New(delivery.Config{
		Email:  &delivery.SMTP{Host: e.mail.Host, Port: e.mail.Port, From: "vault@example.org", TLSConfig: e.mail.ClientTLS()},
		SMS:    &delivery.SMSGateway{URL: gw.URL},
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	t.Cleanup(func() { e.disp.Close(context.Background()) })
	base := []apitest.Option{withClock(e.clock), apitest.WithVault(func(o *vault.Options) { o.Login.Sender = e.disp })}
	e.srv = apitest.New(t, append(base, opts...)...)
	return e
}

var codePattern = regexp.MustCompile(`login code is ([0-9]+)\.`)

// mailedCode waits for the next mail, checks it went to to, and returns its code.
func (e *loginEnv) mailedCode(t *testing.T, to string) string {
	t.Helper()
	m := e.mail.Next(t, deliveryWait)
	if len(m.To) != 1 || m.To[0] != to || !m.TLS {
		t.Fatalf("mail to %v (TLS %v), want %s over STARTTLS", m.To, m.TLS, to)
	}
	match := codePattern.FindStringSubmatch(m.Data)
	if match == nil {
		t.Fatalf("no code in the mail:\n%s", m.Data)
	}
	return match[1]
}

// textedCode waits for the next text message, checks its number, and returns its code.
func (e *loginEnv) textedCode(t *testing.T, to string) string {
	t.Helper()
	select {
	case m := <-e.sms:
		match := codePattern.FindStringSubmatch(m.text)
		if m.to != to || match == nil {
			t.Fatalf("text %+v, want one to %s with a code", m, to)
		}
		return match[1]
	case <-time.After(deliveryWait):
		t.Fatalf("no text message within %s", deliveryWait)
		return ""
	}
}

// prelogin asks for a code and checks the one answer prelogin ever gives.
func (e *loginEnv) prelogin(t *testing.T, mode, identity string) {
	t.Helper()
	if r := e.srv.Do("GET", "/v1/prelogin/"+mode+"/"+identity, ""); r.Status != 200 || string(r.Body) != `{"status":"ok","result":"done"}`+"\n" {
		t.Fatalf("prelogin %s/%s: %d %s", mode, identity, r.Status, r.Body)
	}
}

type loginAnswer struct {
	Status, XToken, Token string
}

// login tries a code and returns the answer's status and body.
func (e *loginEnv) login(t *testing.T, mode, identity, code string) (int, loginAnswer) {
	t.Helper()
	r := e.srv.Do("GET", "/v1/login/"+mode+"/"+identity+"/"+code, "")
	var a loginAnswer
	if r.Status == 200 {
		if err := json.Unmarshal(r.Body, &a); err != nil || !uuidPattern.MatchString(a.XToken) {
			t.Fatalf("login answer %s", r.Body)
		}
	} else if string(r.Body) != errBody("access denied")+"\n" && r.Status == 403 {
		t.Fatalf("a failed login must answer exactly access denied: %s", r.Body)
	}
	return r.Status, a
}

// wrongCode returns a code of the same length that differs from code.
func wrongCode(code string) string {
	b := []byte(code)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	return string(b)
}

func TestLoginByEmailEndToEnd(t *testing.T) {
	e := newLoginEnv(t)
	user := createUser(t, e.srv, `{"email":"Mary.Major@Example.com","name":"Mary"}`)
	e.prelogin(t, "email", "%20mary.major@EXAMPLE.com%20") // normalised like every email identity
	code := e.mailedCode(t, "mary.major@example.com")
	if len(code) != 6 {
		t.Fatalf("code %q: want 6 digits", code)
	}
	status, a := e.login(t, "email", "mary.major@example.com", code)
	if status != 200 || a.Status != "ok" || a.Token != user {
		t.Fatalf("login: %d %+v", status, a)
	}
	xtoken := "X-Bunker-Token: " + a.XToken
	if r := e.srv.Do("GET", "/v1/user/token/"+user, "", xtoken); r.Status != 200 || !strings.Contains(string(r.Body), `"name":"Mary"`) {
		t.Fatalf("the login token reads its user: %d %s", r.Status, r.Body)
	}
	if status, _ := e.login(t, "email", "mary.major@example.com", code); status != 403 {
		t.Fatalf("a used code logged in again: %d", status)
	}
	if e.disp.Sent() != 1 || e.disp.Failures() != 0 {
		t.Fatalf("sent %d, failures %d", e.disp.Sent(), e.disp.Failures())
	}
}

func TestLoginByPhoneEndToEnd(t *testing.T) {
	e := newLoginEnv(t)
	user := createUser(t, e.srv, `{"phone":"07700 900123"}`)
	e.prelogin(t, "phone", "07700900123")
	code := e.textedCode(t, "+447700900123")
	if status, a := e.login(t, "PHONE", "+447700900123", code); status != 200 || a.Token != user {
		t.Fatalf("login: %d %+v", status, a)
	}
	e.mail.None(t, 0)
}

func TestLoginCodeAttempts(t *testing.T) {
	tests := []struct {
		name   string
		wrong  int
		status int
	}{
		{"four wrong codes leave the right one usable", 4, 200},
		{"the fifth wrong code deletes the code", 5, 403},
		{"six wrong codes: locked, the right code fails", 6, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t)
			createUser(t, e.srv, `{"email":"mary@example.com"}`)
			e.prelogin(t, "email", "mary@example.com")
			code := e.mailedCode(t, "mary@example.com")
			for i := range tc.wrong {
				if status, _ := e.login(t, "email", "mary@example.com", wrongCode(code)); status != 403 {
					t.Fatalf("wrong code %d: %d", i+1, status)
				}
			}
			if status, _ := e.login(t, "email", "mary@example.com", code); status != tc.status {
				t.Fatalf("the right code after %d wrong ones: %d, want %d", tc.wrong, status, tc.status)
			}
		})
	}
}

func TestLoginCodeLifetime(t *testing.T) {
	tests := []struct {
		name   string
		after  time.Duration
		status int
	}{
		{"a code is good until its fifth minute ends", 5*time.Minute - time.Second, 200},
		{"an expired code fails", 5 * time.Minute, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t)
			createUser(t, e.srv, `{"email":"mary@example.com"}`)
			e.prelogin(t, "email", "mary@example.com")
			code := e.mailedCode(t, "mary@example.com")
			e.clock.advance(tc.after)
			if status, _ := e.login(t, "email", "mary@example.com", code); status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
		})
	}
	t.Run("a new code replaces the pending one", func(t *testing.T) {
		e := newLoginEnv(t)
		createUser(t, e.srv, `{"email":"mary@example.com"}`)
		e.prelogin(t, "email", "mary@example.com")
		first := e.mailedCode(t, "mary@example.com")
		e.prelogin(t, "email", "mary@example.com")
		second := e.mailedCode(t, "mary@example.com")
		if first != second { // one in a million they are equal: then the check below proves nothing
			if status, _ := e.login(t, "email", "mary@example.com", first); status != 403 {
				t.Fatalf("the replaced code: %d", status)
			}
		}
		if status, _ := e.login(t, "email", "mary@example.com", second); status != 200 {
			t.Fatalf("the new code: %d", status)
		}
	})
}

func TestLoginUnknownIdentityAnswersAlike(t *testing.T) {
	e := newLoginEnv(t)
	createUser(t, e.srv, `{"email":"mary@example.com","phone":"+447700900123"}`)
	pairs := []struct{ known, unknown string }{
		{"/v1/prelogin/email/mary@example.com", "/v1/prelogin/email/nobody@example.com"},
		{"/v1/prelogin/phone/+447700900123/x/y", "/v1/prelogin/phone/+447700900999/x/y"},
		{"/v1/prelogin/phone/+447700900123", "/v1/prelogin/phone/not-a-number"},
		{"/v1/login/email/mary@example.com/123456", "/v1/login/email/nobody@example.com/123456"},
	}
	for _, p := range pairs {
		known, unknown := e.srv.Do("GET", p.known, ""), e.srv.Do("GET", p.unknown, "")
		if known.Status != unknown.Status || !bytes.Equal(known.Body, unknown.Body) || !sameHeaders(known.Header, unknown.Header) {
			t.Errorf("%s and %s differ:\n%d %v %s\n%d %v %s", p.known, p.unknown,
				known.Status, known.Header, known.Body, unknown.Status, unknown.Header, unknown.Body)
		}
	}
	e.mailedCode(t, "mary@example.com")
	e.textedCode(t, "+447700900123")
	e.textedCode(t, "+447700900123")
	e.mail.None(t, 200*time.Millisecond) // nothing for the unknown identities
	if e.disp.Failures() != 0 {
		t.Fatalf("%d delivery failures", e.disp.Failures())
	}
}

// sameHeaders compares two answers' headers, except those that differ per request.
func sameHeaders(a, b http.Header) bool {
	strip := func(h http.Header) http.Header {
		h = h.Clone()
		h.Del("X-Request-Id")
		h.Del("Date")
		return h
	}
	return fmt.Sprint(strip(a)) == fmt.Sprint(strip(b))
}

func TestLoginModes(t *testing.T) {
	e := newLoginEnv(t)
	badMode := errBody("bad mode")
	run(t, e.srv, []scenario{
		{name: "prelogin by token is no mode of §6", method: "GET", path: "/v1/prelogin/token/" + vault.NewUUID(), status: 400, want: badMode},
		{name: "prelogin by login", method: "GET", path: "/v1/prelogin/login/john", status: 400, want: badMode},
		{name: "prelogin by custom", method: "GET", path: "/v1/prelogin/custom/x/1/2", status: 400, want: badMode},
		{name: "login by an unknown mode", method: "GET", path: "/v1/login/bogus/x/123456", status: 400, want: badMode},
		{name: "modes are case-insensitive", method: "GET", path: "/v1/prelogin/EMAIL/a@example.com", status: 200, want: `{"status":"ok","result":"done"}`},
		{name: "prelogin needs both captcha segments or none", method: "GET", path: "/v1/prelogin/email/a@example.com/1", status: 404, want: errBody("endpoint is missing")},
		{name: "login needs a code", method: "GET", path: "/v1/login/email/a@example.com", status: 404, want: errBody("endpoint is missing")},
		{name: "prelogin is GET only", method: "POST", path: "/v1/prelogin/email/a@example.com", status: 405, want: errBody("method not allowed"),
			header: map[string]string{"Allow": "GET, OPTIONS"}},
	})
}

func TestLoginTokens(t *testing.T) {
	e := newLoginEnv(t)
	mary := createUser(t, e.srv, `{"email":"mary@example.com","login":"mary"}`)
	john := createUser(t, e.srv, `{"email":"john@example.com","login":"john"}`)
	e.prelogin(t, "email", "mary@example.com")
	_, a := e.login(t, "email", "mary@example.com", e.mailedCode(t, "mary@example.com"))
	xtoken := "X-Bunker-Token: " + a.XToken
	upper := "X-Bunker-Token: " + strings.ToUpper(a.XToken)
	denied := errBody("access denied")
	call := func(name, method, path string, status int) scenario {
		return scenario{name: name, method: method, path: path, headers: []string{xtoken, asJSON}, body: `{"x":1}`, status: status}
	}
	run(t, e.srv, []scenario{
		call("it reads its own user by token", "GET", "/v1/user/token/"+mary, 200),
		call("it reads its own user by login", "GET", "/v1/user/login/mary", 200),
		call("it lists its own user's sessions", "GET", "/v1/sessions/email/mary@example.com", 200),
		{name: "another user is 403, not 404", method: "GET", path: "/v1/user/token/" + john, headers: []string{xtoken}, status: 403, want: denied},
		{name: "another user by login", method: "GET", path: "/v1/user/login/john", headers: []string{xtoken}, status: 403, want: denied},
		{name: "no user at all is 403 too", method: "GET", path: "/v1/user/login/nobody", headers: []string{xtoken}, status: 403, want: denied},
		call("an R route", "POST", "/v1/session/abcdefghijklmnop", 403),
		call("another R route", "GET", "/v1/users", 403),
		call("a tokenization route", "POST", "/v1/token", 403),
		{name: "the token is compared exactly", method: "GET", path: "/v1/user/token/" + mary, headers: []string{upper}, status: 403, want: denied},
	})

	t.Run("it lives ten minutes from issue, not extended by use", func(t *testing.T) {
		for range 3 {
			e.clock.advance(3 * time.Minute)
			if r := e.srv.Do("GET", "/v1/user/token/"+mary, "", xtoken); r.Status != 200 {
				t.Fatalf("used within its life: %d", r.Status)
			}
		}
		e.clock.advance(time.Minute - time.Second)
		if r := e.srv.Do("GET", "/v1/user/token/"+mary, "", xtoken); r.Status != 200 {
			t.Fatalf("at 9:59: %d", r.Status)
		}
		e.clock.advance(time.Second)
		if r := e.srv.Do("GET", "/v1/user/token/"+mary, "", xtoken); r.Status != 403 || string(r.Body) != denied+"\n" {
			t.Fatalf("at 10:00: %d %s", r.Status, r.Body)
		}
	})
}

func TestLoginTokensDieWithTheirUser(t *testing.T) {
	e := newLoginEnv(t)
	mary := createUser(t, e.srv, `{"email":"mary@example.com"}`)
	ctx := context.Background()
	tok, err := e.srv.Service.IssueLoginToken(ctx, mary)
	if err != nil {
		t.Fatal(err)
	}
	xtoken := "X-Bunker-Token: " + tok
	e.prelogin(t, "email", "mary@example.com")
	code := e.mailedCode(t, "mary@example.com")
	if r := e.srv.Do("DELETE", "/v1/user/token/"+mary, "", e.srv.RootHeader()); r.Status != 200 {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	if r := e.srv.Do("GET", "/v1/user/token/"+mary, "", xtoken); r.Status != 403 {
		t.Fatalf("a login token of an erased user: %d %s", r.Status, r.Body)
	}
	if r := e.srv.Do("GET", "/v1/status", "", xtoken); r.Status != 200 {
		t.Fatalf("a none route ignores the dead token: %d", r.Status)
	}
	if status, _ := e.login(t, "email", "mary@example.com", code); status != 403 {
		t.Fatalf("the erased user's pending code: %d", status)
	}
	if _, err := e.srv.Service.IssueLoginToken(ctx, mary); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("a token for an erased user: %v", err)
	}
	sum := vault.HashToken(tok)
	if _, err := e.srv.DB.LoginTokenByHash(ctx, hex.EncodeToString(sum[:])); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Errorf("the erased user's login token is still stored: %v", err)
	}
	if _, err := e.srv.DB.LoginCodeByUser(ctx, mary); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Errorf("the erased user's code is still stored: %v", err)
	}
}

func TestLoginSweep(t *testing.T) {
	e := newLoginEnv(t)
	createUser(t, e.srv, `{"email":"mary@example.com"}`)
	mary := createUser(t, e.srv, `{"email":"john@example.com"}`)
	e.prelogin(t, "email", "mary@example.com")
	e.mailedCode(t, "mary@example.com")
	if _, err := e.srv.Service.IssueLoginToken(context.Background(), mary); err != nil {
		t.Fatal(err)
	}
	res, err := e.srv.Service.SweepExpired(context.Background())
	if err != nil || res.LoginCodes != 0 || res.LoginTokens != 0 {
		t.Fatalf("a sweep before expiry: %+v, %v", res, err)
	}
	e.clock.advance(10 * time.Minute)
	res, err = e.srv.Service.SweepExpired(context.Background())
	if err != nil || res.LoginCodes != 1 || res.LoginTokens != 1 {
		t.Fatalf("a sweep after expiry: %+v, %v", res, err)
	}
}

func TestDemoLoginCode(t *testing.T) {
	tests := []struct {
		name     string
		demo     bool
		profile  string
		mode, id string
		status   int // of logging in with 4444
	}{
		{"demo mode: the demo email gets 4444", true, `{"email":"test@securitybunker.io"}`, "email", "test@securitybunker.io", 200},
		{"demo mode: the demo phone gets 4444", true, `{"phone":"4444"}`, "phone", "4444", 200},
		{"demo mode: anyone else gets a random code", true, `{"email":"mary@example.com"}`, "email", "mary@example.com", 403},
		{"outside demo mode 4444 is no code", false, `{"email":"test@securitybunker.io"}`, "email", "test@securitybunker.io", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoginEnv(t, apitest.WithVault(func(o *vault.Options) { o.Demo = tc.demo }))
			createUser(t, e.srv, tc.profile)
			e.prelogin(t, tc.mode, tc.id)
			if tc.status == 200 {
				e.mail.None(t, 200*time.Millisecond) // the demo code is sent nowhere
			} else {
				e.mailedCode(t, strings.ToLower(tc.id))
			}
			if status, _ := e.login(t, tc.mode, tc.id, "4444"); status != tc.status {
				t.Fatalf("login with 4444: %d, want %d", status, tc.status)
			}
		})
	}
}

// loginAuthRows are the §6 routes in the auth matrix: `none`, so every
// credential gets the same answer.
func loginAuthRows(f *authFixture) []authRow {
	return []authRow{
		{name: "GET /v1/prelogin", method: "GET", path: "/v1/prelogin/email/" + f.A.Email, want: wantNone(200)},
		{name: "GET /v1/prelogin with captcha", method: "GET", path: "/v1/prelogin/phone/" + f.A.Phone + "/x/y", want: wantNone(200)},
		{name: "GET /v1/prelogin with a bad mode", method: "GET", path: "/v1/prelogin/token/" + f.A.Token, want: wantNone(400)},
		{name: "GET /v1/login without a pending code", method: "GET", path: "/v1/login/email/" + f.A.Email + "/123456", want: wantNone(403)},
	}
}

func TestLoginAudit(t *testing.T) {
	e := newLoginEnv(t)
	mary := createUser(t, e.srv, `{"email":"mary@example.com"}`)
	e.prelogin(t, "email", "mary@example.com")
	code := e.mailedCode(t, "mary@example.com")
	e.login(t, "email", "mary@example.com", wrongCode(code))
	e.login(t, "email", "mary@example.com", code)
	// Unknown identities leave no event: there is no subject to record.
	e.prelogin(t, "email", "nobody@example.com")
	e.login(t, "email", "nobody@example.com", code)

	r := e.srv.Do("GET", "/v1/audit/admin?limit=100", "", e.srv.RootHeader())
	var page struct {
		Rows []struct{ Title, Status, Msg, Record, Identity, Mode, Who string }
	}
	if err := json.Unmarshal(r.Body, &page); err != nil || r.Status != 200 {
		t.Fatalf("audit list: %d %s", r.Status, r.Body)
	}
	var got []string
	for _, row := range page.Rows {
		if strings.Contains(row.Title, "login") {
			if row.Record != mary || row.Identity != "anonymous" || row.Mode != "email" || row.Who != "mary@example.com" {
				t.Errorf("event %+v", row)
			}
			got = append(got, row.Title+": "+row.Status+" "+row.Msg)
		}
	}
	want := []string{ // newest first
		"login by email: ok ",
		"login by email: error access denied",
		"request login code by email: ok ",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("login events\n got %q\nwant %q", got, want)
	}
}

func TestLoginCodesAndTokensNeverInTheDatabaseOrLogs(t *testing.T) {
	// Twelve digits, so that no hex or base64 text of a dump holds a code by chance.
	e := newLoginEnv(t, apitest.WithVault(func(o *vault.Options) { o.Login.CodeDigits = 12 }))
	const email, phone = "canary.login.5e1f@example.org", "+447700900577"
	createUser(t, e.srv, fmt.Sprintf(`{"email":%q,"phone":%q}`, email, phone))
	var secrets []string
	for range 2 {
		e.prelogin(t, "email", email)
		code := e.mailedCode(t, email)
		e.login(t, "email", email, wrongCode(code))
		_, a := e.login(t, "email", email, code)
		secrets = append(secrets, code, wrongCode(code), a.XToken)
		e.prelogin(t, "phone", phone)
		secrets = append(secrets, e.textedCode(t, phone)) // left pending
	}
	where := map[string][]byte{"the database": e.srv.Dump(), "the server log": []byte(e.srv.Logs()), "the delivery log": []byte(e.logs.String())}
	for name, b := range where {
		for _, s := range append(secrets, email, phone, strings.TrimPrefix(phone, "+")) {
			for _, form := range []string{s, hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s))} {
				if bytes.Contains(b, []byte(form)) {
					t.Errorf("%s holds %q (as %q)", name, s, form)
				}
			}
		}
	}
}
