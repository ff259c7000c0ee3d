package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// share creates a shared record as root and returns its id.
func share(t *testing.T, srv *apitest.Server, identity, body string) string {
	t.Helper()
	res := srv.Do("POST", "/v1/sharedrecord/"+identity, body, srv.RootHeader(), asJSON)
	var out struct{ Status, Record string }
	if err := json.Unmarshal(res.Body, &out); err != nil || res.Status != 200 || !uuidPattern.MatchString(out.Record) {
		t.Fatalf("share %s: %d %s", body, res.Status, res.Body)
	}
	return out.Record
}

func TestSharedRecords(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock), apitest.WithVault(func(o *vault.Options) { o.MaxShareRetention = 7 * 24 * time.Hour }))
	root := srv.RootHeader()
	u := createUser(t, srv, `{"login":"sam","email":"sam@x.com","token":"own","address":{"city":"London","zip":"N1"},"tags":["a","b","c"],"n":1.50}`)
	createUser(t, srv, `{"login":"other"}`)
	for _, r := range []apitest.Response{
		srv.Do("POST", "/v1/userapp/login/sam/shop", `{"size":"M","list":[{"id":7}]}`, root, asJSON),
		srv.Do("POST", "/v1/session/sam-session-000001", `{"login":"sam","cart":3,"cookie":{"a":1}}`, root, asJSON),
		srv.Do("POST", "/v1/session/other-session-00001", `{"login":"other"}`, root, asJSON),
	} {
		if r.Status != 200 {
			t.Fatalf("setup: %d %s", r.Status, r.Body)
		}
	}
	whole := share(t, srv, "login/sam", ``)
	picked := share(t, srv, "email/SAM@x.com", `{"fields":" address.city , tags.1,,tags.9,tags.01,nope.x,token,n,", "partner":"courier","expiration":"1d"}`)
	app := share(t, srv, "token/"+u, `{"app":"SHOP","fields":"list.0.id,size.x"}`)
	sess := share(t, srv, "login/sam", `{"session":"sam-session-000001"}`)
	sessFields := share(t, srv, "login/sam", `{"session":"sam-session-000001","fields":"cart,token"}`)
	form := srv.Do("POST", "/v1/sharedrecord/login/sam", "fields=login&partner=bank", root, asForm)
	if form.Status != 200 {
		t.Fatalf("a form body: %d %s", form.Status, form.Body)
	}

	get := func(name, record string, status int, want string) scenario {
		return scenario{name: name, method: "GET", path: "/v1/get/" + record, status: status, want: want}
	}
	post := func(name, identity, body string, status int, want string) scenario {
		return scenario{name: name, method: "POST", path: "/v1/sharedrecord/" + identity, headers: []string{root, asJSON},
			body: body, status: status, want: want}
	}
	notFound := errBody("not found")
	run(t, srv, []scenario{
		get("a whole-profile share needs no token", whole, 200,
			`{"status":"ok","data":{"address":{"city":"London","zip":"N1"},"email":"sam@x.com","login":"sam","n":1.50,"tags":["a","b","c"],"token":"own"}}`),
		{name: "a token sent to /v1/get is ignored", method: "GET", path: "/v1/get/" + strings.ToUpper(whole),
			headers: []string{"X-Bunker-Token: junk"}, status: 200, contains: []string{`"login":"sam"`}},
		get("chosen paths: keys, array indexes, and token as the user token", picked, 200,
			`{"status":"ok","data":{"address.city":"London","n":1.50,"tags.1":"b","token":"<uuid>"}}`),
		get("an app share names the app", app, 200, `{"status":"ok","app":"shop","data":{"list.0.id":7}}`),
		get("a session share shows the data but not the session id", sess, 200,
			`{"status":"ok","data":{"cart":3,"cookie":{"a":1},"login":"sam"}}`),
		get("token is an ordinary path outside profile shares", sessFields, 200, `{"status":"ok","data":{"cart":3}}`),
		get("a malformed record", "nope", 404, notFound),
		get("an unknown record", vault.NewUUID(), 404, notFound),

		post("an empty segment", "login/sam", `{"fields":"a..b"}`, 400, errBody("bad fields")),
		post("fields of the wrong type", "login/sam", `{"fields":["a"]}`, 400, errBody("bad fields")),
		post("app and session together", "login/sam", `{"app":"shop","session":"sam-session-000001"}`, 400, errBody("bad session")),
		post("a partner over 256 bytes", "login/sam", `{"partner":"`+strings.Repeat("p", 257)+`"}`, 400, errBody("bad partner")),
		post("a bad expiration", "login/sam", `{"expiration":"5x"}`, 400, errBody("bad expiration")),
		post("the body is checked before existence", "login/nobody", `{"fields":"a..b"}`, 400, errBody("bad fields")),
		post("an unknown user", "login/nobody", `{}`, 404, notFound),
		post("an app record the user lacks", "login/sam", `{"app":"billing"}`, 404, notFound),
		post("a session bound to another user", "login/sam", `{"session":"other-session-00001"}`, 404, notFound),
		post("an unknown session", "login/sam", `{"session":"no-such-session-01"}`, 404, notFound),
		post("a session id outside the syntax", "login/sam", `{"session":"x"}`, 404, notFound),
		{name: "no token", method: "POST", path: "/v1/sharedrecord/login/sam", status: 401, want: errBody("access denied")},

		{name: "revoking needs a token", method: "DELETE", path: "/v1/sharedrecord/" + whole, status: 401, want: errBody("access denied")},
		{name: "revoking a malformed record", method: "DELETE", path: "/v1/sharedrecord/nope", headers: []string{root},
			status: 400, want: errBody("bad uuid")},
		{name: "revoking an unknown record", method: "DELETE", path: "/v1/sharedrecord/" + vault.NewUUID(), headers: []string{root},
			status: 404, want: notFound},
		{name: "the owner revokes", method: "DELETE", path: "/v1/sharedrecord/" + whole, headers: []string{root},
			status: 200, want: `{"status":"ok"}`},
		get("a revoked share is gone", whole, 404, notFound),
	})

	// Shares read current values and end with what they point at.
	run(t, srv, []scenario{
		{name: "the profile changes", method: "PUT", path: "/v1/user/login/sam", headers: []string{root, asJSON},
			body: `{"address":{"city":"Leeds"}}`, status: 200, want: okToken},
		get("the share shows the current value", picked, 200,
			`{"status":"ok","data":{"address.city":"Leeds","n":1.50,"tags.1":"b","token":"<uuid>"}}`),
		{name: "the app record goes", method: "DELETE", path: "/v1/userapp/login/sam/shop", headers: []string{root}, status: 200, want: okToken},
		get("the app share is gone with it", app, 404, notFound),
		{name: "the session is deleted", method: "DELETE", path: "/v1/session/sam-session-000001", headers: []string{root}, status: 200},
		get("the session share is gone with it", sess, 404, notFound),
	})
	clock.advance(24*time.Hour + time.Second)
	run(t, srv, []scenario{get("a share past its expiration", picked, 404, notFound)})
	capped := share(t, srv, "login/sam", `{"expiration":"2m"}`)
	clock.advance(7*24*time.Hour - time.Second)
	run(t, srv, []scenario{get("the policy caps the expiration, before the cap", capped, 200, "")})
	clock.advance(time.Second)
	run(t, srv, []scenario{get("the policy caps the expiration, at the cap", capped, 404, notFound)})

	last := share(t, srv, "login/sam", ``)
	res, err := srv.Service.SweepExpired(context.Background())
	if err != nil || res.Shares < 2 {
		t.Fatalf("the sweep deletes expired shares: %+v %v", res, err)
	}
	run(t, srv, []scenario{
		{name: "erasure", method: "DELETE", path: "/v1/user/login/sam", headers: []string{root}, status: 200},
		get("a share of an erased user is gone", last, 404, notFound),
	})
}

// TestSharedRecordOwnership checks that login tokens create and revoke
// only their own user's shares.
func TestSharedRecordOwnership(t *testing.T) {
	srv := apitest.New(t)
	ctx := context.Background()
	sam := createUser(t, srv, `{"login":"sam"}`)
	eve := createUser(t, srv, `{"login":"eve"}`)
	asSam := vault.Actor{Kind: vault.ActorLogin, UserToken: sam}
	asEve := vault.Actor{Kind: vault.ActorLogin, UserToken: eve}
	rec, err := srv.Service.CreateShare(ctx, asSam, vault.Identity{Mode: vault.ModeLogin, Value: "sam"}, map[string]any{"fields": "login"})
	if err != nil {
		t.Fatalf("sam shares his own profile: %v", err)
	}
	for name, err := range map[string]error{
		"eve shares sam's profile": first(srv.Service.CreateShare(ctx, asEve, vault.Identity{Mode: vault.ModeToken, Value: sam}, nil)),
		"eve revokes sam's share":  srv.Service.DeleteShare(ctx, asEve, rec),
		"eve revokes an unknown":   srv.Service.DeleteShare(ctx, asEve, vault.NewUUID()),
	} {
		if vault.ErrorCode(err) != vault.EFORBIDDEN {
			t.Errorf("%s: got %v, want 403", name, err)
		}
	}
	if v, err := srv.Service.GetShared(ctx, rec); err != nil || string(v.Data) != `{"login":"sam"}` {
		t.Fatalf("the share still works: %s %v", v.Data, err)
	}
	if err := srv.Service.DeleteShare(ctx, asSam, rec); err != nil {
		t.Fatalf("sam revokes his share: %v", err)
	}
}
