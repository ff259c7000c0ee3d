package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
)

// agr is an agreement object of §7.2 for expected bodies.
type agr struct {
	method, brief      string
	created, end       int64
	lastmod, mode, ref string
	start              int64
	status, token      string
	when               int64
	who                string
}

func (a agr) json() string {
	return fmt.Sprintf(`{"agreementmethod":%q,"brief":%q,"creationtime":%d,"endtime":%d,"lastmodifiedby":%q,"mode":%q,`+
		`"referencecode":%q,"starttime":%d,"status":%q,"token":%q,"when":%d,"who":%q}`,
		a.method, a.brief, a.created, a.end, a.lastmod, a.mode, a.ref, a.start, a.status, a.token, a.when, a.who)
}

// data is the body of GET /v1/agreement/…, with UUIDs written as <uuid>.
func (a agr) data() string {
	return uuidPattern.ReplaceAllString(`{"status":"ok","data":`+a.json()+`}`, "<uuid>")
}

// list is the body of GET /v1/agreements/…, with UUIDs written as <uuid>.
func agreementList(total int, rows ...agr) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = r.json()
	}
	return uuidPattern.ReplaceAllString(listOf(total, parts...), "<uuid>")
}

// mustDo sends a request and fails the test unless it answers want.
func mustDo(t *testing.T, srv *apitest.Server, want int, method, path, body string, headers ...string) apitest.Response {
	t.Helper()
	res := srv.Do(method, path, body, headers...)
	if res.Status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.Status, res.Body, want)
	}
	return res
}

// newBasisVia creates a legal basis as root.
func newBasisVia(t *testing.T, srv *apitest.Server, brief, body string) {
	t.Helper()
	mustDo(t, srv, 200, "POST", "/v1/lbasis/"+brief, body, srv.RootHeader(), asJSON)
}

func loginToken(t *testing.T, srv *apitest.Server, userToken string) string {
	t.Helper()
	tok, err := srv.Service.IssueLoginToken(context.Background(), userToken)
	if err != nil {
		t.Fatal(err)
	}
	return "X-Bunker-Token: " + tok
}

func TestAgreementAcceptAndRead(t *testing.T) {
	srv, clock := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{"usercontrol":true}`)
	newBasisVia(t, srv, "other", `{}`)
	token := createUser(t, srv, `{"login":"ann","email":"Ann@Example.com","phone":"07700900123","custom":"c-ann"}`)
	t0 := clock.unix()
	first := agr{method: "api", brief: "news", created: t0, mode: "email", status: "yes", token: token, when: t0, who: "ann@example.com"}
	run(t, srv, []scenario{
		{name: "an empty body accepts", method: "POST", path: "/v1/agreement/News/email/%20ANN@example.com", headers: []string{root, asJSON},
			status: 200, want: okStatus},
		{name: "the agreement reads by token with who and mode of the last change", method: "GET",
			path: "/v1/agreement/news/token/" + token, headers: []string{root}, status: 200, want: first.data()},
		{name: "the agreement reads by login", method: "GET", path: "/v1/agreement/NEWS/login/ann", headers: []string{root},
			status: 200, want: first.data()},
		{name: "the agreement reads by phone in another notation", method: "GET", path: "/v1/agreement/news/phone/+447700900123",
			headers: []string{root}, status: 200, want: first.data()},
		{name: "the agreement reads by custom", method: "GET", path: "/v1/agreement/news/custom/c-ann", headers: []string{root},
			status: 200, want: first.data()},
		{name: "the list holds it, all rows when not paged", method: "GET", path: "/v1/agreements/email/ann@example.com",
			headers: []string{root}, status: 200, want: agreementList(1, first)},
		{name: "a basis without an agreement of the subject is not found", method: "GET", path: "/v1/agreement/other/login/ann",
			headers: []string{root}, status: 404, want: errBody("not found")},
		{name: "an unknown brief is not found on read", method: "GET", path: "/v1/agreement/nothing/login/ann",
			headers: []string{root}, status: 404, want: errBody("not found")},
	})

	clock.advance(time.Hour)
	t1 := clock.unix()
	full := agr{method: "web-form", brief: "news", created: t0, end: t1 + 86400, lastmod: "app", mode: "login", ref: "ref-1",
		start: 1_700_000_000, status: "yes", token: token, when: t1, who: "ann"}
	kept := full
	kept.mode, kept.who = "phone", "+447700900123"
	run(t, srv, []scenario{
		{name: "an update sets the fields it names", method: "POST", path: "/v1/agreement/news/login/%20ann%20", headers: []string{root, asJSON},
			body:   `{"agreementmethod":"web-form","referencecode":"ref-1","lastmodifiedby":"app","starttime":1700000000,"expiration":"1d"}`,
			status: 200, want: okStatus},
		{name: "creationtime stays, when and endtime follow the change", method: "GET", path: "/v1/agreement/news/token/" + token,
			headers: []string{root}, status: 200, want: full.data()},
		{name: "an update without fields keeps them and records who changed it", method: "POST", path: "/v1/agreement/news/phone/07700900123",
			headers: []string{root, asJSON}, body: `{"status":"Agree"}`, status: 200, want: okStatus},
		{name: "the kept fields show", method: "GET", path: "/v1/agreement/news/token/" + token, headers: []string{root},
			status: 200, want: kept.data()},
	})
	absolute := kept
	absolute.end, absolute.mode, absolute.who = 1_900_000_000, "token", token
	form := absolute
	form.end, form.mode, form.who, form.start = t1+300, "custom", "c-ann", 12
	run(t, srv, []scenario{
		{name: "an expiration above the current time is absolute", method: "POST", path: "/v1/agreement/news/token/" + strings.ToUpper(token),
			headers: []string{root, asJSON}, body: `{"expiration":1900000000}`, status: 200, want: okStatus},
		{name: "the absolute end time shows", method: "GET", path: "/v1/agreement/news/token/" + token, headers: []string{root},
			status: 200, want: absolute.data()},
		{name: "a form body works, with digits as seconds from now", method: "POST", path: "/v1/agreement/news/custom/c-ann",
			headers: []string{root, asForm}, body: "status=y&expiration=300&starttime=12", status: 200, want: okStatus},
		{name: "the form's values show", method: "GET", path: "/v1/agreement/news/token/" + token, headers: []string{root},
			status: 200, want: form.data()},
		{name: "the list can be paged", method: "GET", path: "/v1/agreements/token/" + token + "?limit=1&offset=0",
			headers: []string{root}, status: 200, want: agreementList(1, form)},
		{name: "an offset past the end is an empty page", method: "GET", path: "/v1/agreements/token/" + token + "?offset=1",
			headers: []string{root}, status: 200, want: agreementList(1)},
		{name: "junk paging is refused", method: "GET", path: "/v1/agreements/token/" + token + "?offset=1x",
			headers: []string{root}, status: 400, want: errBody("bad offset")},
	})

	bad := func(name, body, msg string) scenario {
		return scenario{name: name, method: "POST", path: "/v1/agreement/news/login/ann", headers: []string{root, asJSON},
			body: body, status: 400, want: errBody(msg)}
	}
	run(t, srv, []scenario{
		bad("an expiration of 0 is refused", `{"expiration":"0"}`, "bad expiration"),
		bad("an expiration in minutes is refused", `{"expiration":"5min"}`, "bad expiration"),
		bad("a negative expiration is refused", `{"expiration":-5}`, "bad expiration"),
		bad("an agreementmethod of 257 characters is refused", `{"agreementmethod":"`+strings.Repeat("a", 257)+`"}`, "bad agreementmethod"),
		bad("a numeric referencecode is refused", `{"referencecode":5}`, "bad referencecode"),
		bad("an object lastmodifiedby is refused", `{"lastmodifiedby":{}}`, "bad lastmodifiedby"),
		bad("a starttime of letters is refused", `{"starttime":"soon"}`, "bad starttime"),
		bad("a negative starttime is refused", `{"starttime":-5}`, "bad starttime"),
		bad("a fractional starttime is refused", `{"starttime":1.5}`, "bad starttime"),
		{name: "the refused changes changed nothing", method: "GET", path: "/v1/agreement/news/token/" + token,
			headers: []string{root}, status: 200, want: form.data()},
		{name: "256 characters are fine", method: "POST", path: "/v1/agreement/other/login/ann", headers: []string{root, asJSON},
			body: `{"agreementmethod":"` + strings.Repeat("ä", 256) + `"}`, status: 200, want: okStatus},

		{name: "an unknown brief is not found", method: "POST", path: "/v1/agreement/nothing/login/ann", headers: []string{root, asJSON},
			status: 404, want: errBody("not found")},
		{name: "a malformed brief is refused", method: "POST", path: "/v1/agreement/9news/login/ann", headers: []string{root, asJSON},
			status: 400, want: errBody("bad brief format")},
		{name: "the brief is checked before the mode", method: "POST", path: "/v1/agreement/9news/nomode/ann", headers: []string{root, asJSON},
			status: 400, want: errBody("bad brief format")},
		{name: "a bad mode is refused", method: "POST", path: "/v1/agreement/news/nomode/ann", headers: []string{root, asJSON},
			status: 400, want: errBody("bad mode")},
		{name: "a malformed user token is refused", method: "POST", path: "/v1/agreement/news/token/not-a-uuid", headers: []string{root, asJSON},
			status: 400, want: errBody("bad uuid")},
		{name: "the body is checked before the subject", method: "POST", path: "/v1/agreement/news/login/nobody", headers: []string{root, asJSON},
			body: `{"starttime":"x"}`, status: 400, want: errBody("bad starttime")},
		{name: "an unknown login is not found", method: "POST", path: "/v1/agreement/news/login/nobody", headers: []string{root, asJSON},
			status: 404, want: errBody("not found")},
		{name: "an unknown user token is not found", method: "POST", path: "/v1/agreement/news/token/" + "00000000-0000-4000-8000-000000000000",
			headers: []string{root, asJSON}, status: 404, want: errBody("not found")},
		{name: "an unknown custom value is not found", method: "GET", path: "/v1/agreements/custom/nobody", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a body of another media type is refused", method: "POST", path: "/v1/agreement/news/login/ann",
			headers: []string{root, "Content-Type: text/plain"}, body: "status=yes", status: 415, want: errBody("unsupported media type")},
	})
}

func TestAgreementStatusWords(t *testing.T) {
	srv, _ := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{}`)
	token := createUser(t, srv, `{"login":"ann"}`)
	for _, c := range []struct {
		body, want string
	}{
		{`{"status":"yes"}`, "yes"}, {`{"status":"nope"}`, "no"}, {`{"status":" ACCEPT "}`, "yes"}, {`{"status":"0"}`, "no"},
		{`{"status":"given"}`, "yes"}, {`{"status":"off"}`, "no"}, {`{"status":"Y"}`, "yes"}, {`{"status":false}`, "no"},
		{`{"status":true}`, "yes"}, {`{"status":null}`, "no"}, {`{"status":1}`, "yes"}, {`{"status":{}}`, "no"},
		{`{"status":"OK"}`, "yes"}, {`{"status":""}`, "no"}, {`{"status":"on"}`, "yes"}, {`{"status":"approve"}`, "yes"},
		{`{"status":"good"}`, "yes"}, {`{"status":"active"}`, "yes"}, {`{"status":"agree"}`, "yes"}, {`{"status":"true"}`, "yes"},
		{`{}`, "yes"},
	} {
		t.Run(c.body+" means "+c.want, func(t *testing.T) {
			mustDo(t, srv, 200, "POST", "/v1/agreement/news/token/"+token, c.body, root, asJSON)
			var out struct{ Data struct{ Status string } }
			json.Unmarshal(mustDo(t, srv, 200, "GET", "/v1/agreement/news/token/"+token, "", root).Body, &out)
			if out.Data.Status != c.want {
				t.Fatalf("status %q, want %q", out.Data.Status, c.want)
			}
		})
	}
}

func TestAgreementWithdrawal(t *testing.T) {
	srv, clock := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{"usercontrol":true}`)
	newBasisVia(t, srv, "terms", `{"usercontrol":false}`)
	newBasisVia(t, srv, "spare", `{}`)
	token := createUser(t, srv, `{"login":"ann","email":"ann@example.com"}`)
	own := loginToken(t, srv, token)
	for _, b := range []string{"news", "terms"} {
		mustDo(t, srv, 200, "POST", "/v1/agreement/"+b+"/token/"+token, `{"expiration":"1d","lastmodifiedby":"app"}`, root, asJSON)
	}
	t0 := clock.unix()
	clock.advance(time.Minute)
	t1 := clock.unix()
	withdrawn := agr{method: "api", brief: "news", created: t0, lastmod: "dpo", mode: "email", status: "no", token: token, when: t1, who: "ann@example.com"}
	again := withdrawn
	again.lastmod, again.mode, again.who = "", "login", "ann"
	byLogin := withdrawn
	byLogin.brief, byLogin.lastmod, byLogin.mode, byLogin.who = "terms", "", "token", token
	run(t, srv, []scenario{
		{name: "root withdraws with lastmodifiedby from the body", method: "DELETE", path: "/v1/agreement/news/email/ann@example.com",
			headers: []string{root, asJSON}, body: `{"lastmodifiedby":"dpo"}`, status: 200, want: okStatus},
		{name: "the agreement is no with endtime 0", method: "GET", path: "/v1/agreement/news/token/" + token, headers: []string{root},
			status: 200, want: withdrawn.data()},
		{name: "withdrawing again succeeds; lastmodifiedby defaults to empty", method: "DELETE", path: "/v1/agreement/news/login/ann",
			headers: []string{root}, status: 200, want: okStatus},
		{name: "the second withdrawal shows", method: "GET", path: "/v1/agreement/news/token/" + token, headers: []string{root},
			status: 200, want: again.data()},
		{name: "a missing agreement is not found", method: "DELETE", path: "/v1/agreement/spare/login/ann", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "an unknown brief is not found", method: "DELETE", path: "/v1/agreement/nothing/login/ann", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a bad lastmodifiedby is refused", method: "DELETE", path: "/v1/agreement/news/login/ann", headers: []string{root, asJSON},
			body: `{"lastmodifiedby":7}`, status: 400, want: errBody("bad lastmodifiedby")},
		{name: "a login token on a basis without usercontrol files a request", method: "DELETE", path: "/v1/agreement/terms/login/ann",
			headers: []string{own}, status: 200, want: `{"status":"ok","result":"request-created","rtoken":"<uuid>"}`},
		{name: "asking again finds the open request", method: "POST", path: "/v1/agreement/terms/token/" + token,
			headers: []string{own, asJSON}, body: `{"status":"no"}`, status: 200, want: `{"status":"ok","result":"request-exists","rtoken":"<uuid>"}`},
		{name: "the agreement stays yes until the request is approved", method: "GET", path: "/v1/agreement/terms/login/ann",
			headers: []string{own}, status: 200, contains: []string{`"status":"yes"`}},
		{name: "root withdraws it directly", method: "POST", path: "/v1/agreement/terms/token/" + token, headers: []string{root, asJSON},
			body: `{"status":"withdrawn","expiration":"bogus"}`, status: 200, want: okStatus},
		{name: "a POST withdrawal ignores expiration and keeps absent fields", method: "GET", path: "/v1/agreement/terms/token/" + token,
			headers: []string{own}, status: 200, want: func() string { a := byLogin; a.lastmod = "app"; return a.data() }()},
		{name: "an agreement that is no already is withdrawn directly by a login token", method: "DELETE", path: "/v1/agreement/terms/token/" + token,
			headers: []string{own}, status: 200, want: okStatus},
		{name: "the login token's withdrawal shows", method: "GET", path: "/v1/agreement/terms/token/" + token,
			headers: []string{own}, status: 200, want: byLogin.data()},
		{name: "a login token withdraws directly on a basis with usercontrol", method: "POST", path: "/v1/agreement/news/login/ann",
			headers: []string{own, asJSON}, body: `{"status":"no"}`, status: 200, want: okStatus},
		{name: "a POST refusal records a no where there was no agreement", method: "POST", path: "/v1/agreement/spare/login/ann",
			headers: []string{root, asJSON}, body: `{"status":"no"}`, status: 200, want: okStatus},
		{name: "the refusal shows", method: "GET", path: "/v1/agreement/spare/login/ann", headers: []string{root},
			status: 200, contains: []string{`"status":"no"`, `"creationtime":` + fmt.Sprint(t1)}},
	})

	// Disabled bases refuse consent but never withdrawal.
	newBasisVia(t, srv, "news", `{"status":"disabled"}`)
	run(t, srv, []scenario{
		{name: "accepting on a disabled basis is a conflict", method: "POST", path: "/v1/agreement/news/login/ann",
			headers: []string{root, asJSON}, status: 409, want: errBody("legal basis not active")},
		{name: "the body is checked before the basis status", method: "POST", path: "/v1/agreement/news/login/ann",
			headers: []string{root, asJSON}, body: `{"referencecode":1}`, status: 400, want: errBody("bad referencecode")},
		{name: "withdrawing on a disabled basis is allowed", method: "DELETE", path: "/v1/agreement/news/login/ann",
			headers: []string{root}, status: 200, want: okStatus},
		{name: "a POST withdrawal on a disabled basis is allowed", method: "POST", path: "/v1/agreement/news/login/ann",
			headers: []string{own, asJSON}, body: `{"status":"no"}`, status: 200, want: okStatus},
	})
}

func TestRevokeAgreements(t *testing.T) {
	srv, clock := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{}`)
	newBasisVia(t, srv, "keep", `{}`)
	yes := createUser(t, srv, `{"login":"yes"}`)
	no := createUser(t, srv, `{"login":"no"}`)
	short := createUser(t, srv, `{"login":"short"}`)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/login/yes", "", root)
	mustDo(t, srv, 200, "POST", "/v1/agreement/keep/login/yes", "", root)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/login/no", `{"status":"no"}`, root, asJSON)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/login/short", `{"expiration":"10s"}`, root, asJSON)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/email/held@example.com", "", root)
	t0 := clock.unix()
	clock.advance(time.Minute)
	run(t, srv, []scenario{
		{name: "revoking a brief answers ok", method: "DELETE", path: "/v1/agreement/NEWS", headers: []string{root}, status: 200, want: okStatus},
		{name: "a yes agreement is revoked now", method: "GET", path: "/v1/agreement/news/token/" + yes, headers: []string{root},
			status: 200, want: agr{method: "api", brief: "news", created: t0, mode: "login", status: "revoked", token: yes, when: t0 + 60, who: "yes"}.data()},
		{name: "an identity's yes agreement is revoked too", method: "GET", path: "/v1/agreement/news/email/held@example.com",
			headers: []string{root}, status: 200, contains: []string{`"status":"revoked"`}},
		{name: "a no agreement stays no", method: "GET", path: "/v1/agreement/news/token/" + no, headers: []string{root},
			status: 200, contains: []string{`"status":"no"`, fmt.Sprintf(`"when":%d`, t0)}},
		{name: "an agreement that had expired stays expired", method: "GET", path: "/v1/agreement/news/token/" + short, headers: []string{root},
			status: 200, contains: []string{`"status":"expired"`, fmt.Sprintf(`"when":%d`, t0+10)}},
		{name: "other briefs are untouched", method: "GET", path: "/v1/agreement/keep/token/" + yes, headers: []string{root},
			status: 200, contains: []string{`"status":"yes"`}},
		{name: "revoking again succeeds", method: "DELETE", path: "/v1/agreement/news", headers: []string{root}, status: 200, want: okStatus},
		{name: "an unknown brief is not found", method: "DELETE", path: "/v1/agreement/nothing", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a malformed brief is refused", method: "DELETE", path: "/v1/agreement/-x", headers: []string{root},
			status: 400, want: errBody("bad brief format")},
		{name: "a revoked agreement can be given again", method: "POST", path: "/v1/agreement/news/login/yes", headers: []string{root},
			status: 200, want: okStatus},
	})
}

func TestAgreementExpiry(t *testing.T) {
	srv, clock := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{}`)
	token := createUser(t, srv, `{"login":"ann"}`)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/login/ann", `{"expiration":"1h"}`, root, asJSON)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/email/held@example.com", `{"expiration":"2h"}`, root, asJSON)
	t0 := clock.unix()
	live := agr{method: "api", brief: "news", created: t0, end: t0 + 3600, mode: "login", status: "yes", token: token, when: t0, who: "ann"}
	expired := live
	expired.status, expired.when = "expired", t0+3600
	sweep := func(want int) {
		t.Helper()
		res, err := srv.Service.SweepExpired(context.Background())
		if err != nil || res.Agreements != want {
			t.Fatalf("sweep: %+v, %v; want %d agreements", res, err, want)
		}
	}
	sweep(0)
	run(t, srv, []scenario{{name: "before its end time the agreement is yes", method: "GET", path: "/v1/agreement/news/login/ann",
		headers: []string{root}, status: 200, want: live.data()}})
	clock.advance(time.Hour)
	run(t, srv, []scenario{
		{name: "at its end time it reads as expired before the job has run", method: "GET", path: "/v1/agreement/news/login/ann",
			headers: []string{root}, status: 200, want: expired.data()},
		{name: "the list shows it expired too", method: "GET", path: "/v1/agreements/login/ann",
			headers: []string{root}, status: 200, want: agreementList(1, expired)},
	})
	sweep(1)
	sweep(0)
	run(t, srv, []scenario{{name: "the job stored what reads showed", method: "GET", path: "/v1/agreement/news/login/ann",
		headers: []string{root}, status: 200, want: expired.data()}})
	clock.advance(time.Hour)
	sweep(1) // the identity's agreement
	clock.advance(time.Minute)
	again := live
	again.end, again.when = 0, clock.unix()
	run(t, srv, []scenario{
		{name: "consent given again without an expiration is open-ended", method: "POST", path: "/v1/agreement/news/login/ann",
			headers: []string{root}, status: 200, want: okStatus},
		{name: "the renewed agreement is yes with endtime 0", method: "GET", path: "/v1/agreement/news/login/ann",
			headers: []string{root}, status: 200, want: again.data()},
	})
	sweep(0)
}

func TestDeleteLegalBasisWithAgreements(t *testing.T) {
	srv, clock := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{"module":"newsletter"}`)
	newBasisVia(t, srv, "kept", `{}`)
	createUser(t, srv, `{"login":"ann"}`)
	createUser(t, srv, `{"login":"bob"}`)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/login/ann", "", root)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/login/bob", `{"status":"no"}`, root, asJSON)
	mustDo(t, srv, 200, "POST", "/v1/pactivity/mailing", "", root)
	mustDo(t, srv, 200, "POST", "/v1/pactivity/mailing/news", "", root)
	mustDo(t, srv, 200, "POST", "/v1/pactivity/mailing/kept", "", root)
	clock.advance(time.Minute)
	deleted := basis{brief: "news", status: "deleted", module: "newsletter", basistype: "consent", created: 1_800_000_000}
	run(t, srv, []scenario{
		{name: "deleting a basis with agreements answers ok", method: "DELETE", path: "/v1/lbasis/news", headers: []string{root},
			status: 200, want: okStatus},
		{name: "the basis stays with status deleted", method: "GET", path: "/v1/lbasis?offset=2&limit=1", headers: []string{root},
			status: 200, want: listOf(4, deleted.json())},
		{name: "its yes agreements are revoked", method: "GET", path: "/v1/agreement/news/login/ann", headers: []string{root},
			status: 200, contains: []string{`"status":"revoked"`, fmt.Sprintf(`"when":%d`, clock.unix())}},
		{name: "its no agreements stay no", method: "GET", path: "/v1/agreement/news/login/bob", headers: []string{root},
			status: 200, contains: []string{`"status":"no"`}},
		{name: "it is unlinked from activities", method: "GET", path: "/v1/pactivity", headers: []string{root},
			status: 200, contains: []string{`"legalbasis":"kept"`}, absent: []string{`"brief":"news"`}},
		{name: "consent to a deleted basis is a conflict", method: "POST", path: "/v1/agreement/news/login/ann",
			headers: []string{root}, status: 409, want: errBody("legal basis not active")},
		{name: "withdrawal on a deleted basis is allowed", method: "DELETE", path: "/v1/agreement/news/login/ann",
			headers: []string{root}, status: 200, want: okStatus},
		{name: "a deleted basis cannot be linked again", method: "POST", path: "/v1/pactivity/mailing/news",
			headers: []string{root}, status: 404, want: errBody("not found")},
		{name: "deleting it again succeeds", method: "DELETE", path: "/v1/lbasis/news", headers: []string{root},
			status: 200, want: okStatus},
		{name: "deleting a basis without agreements removes it and its links", method: "DELETE", path: "/v1/lbasis/kept",
			headers: []string{root}, status: 200, want: okStatus},
		{name: "the activity has no bases left", method: "GET", path: "/v1/pactivity", headers: []string{root},
			status: 200, contains: []string{`"briefs":[]`, `"legalbasis":""`}},
		{name: "agreements to a removed basis are not found", method: "POST", path: "/v1/agreement/kept/login/ann",
			headers: []string{root}, status: 404, want: errBody("not found")},
	})
}
