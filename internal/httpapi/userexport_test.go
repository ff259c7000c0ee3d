package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

func TestExport(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock))
	ctx := context.Background()
	root := srv.RootHeader()
	now := clock.unix()
	u := createUser(t, srv, `{"login":"exp","email":"exp@x.com","n":2.50}`)
	other := createUser(t, srv, `{"login":"other"}`)
	for _, r := range []apitest.Response{
		srv.Do("POST", "/v1/userapp/login/exp/zeta", `{"z":1}`, root, asJSON),
		srv.Do("POST", "/v1/userapp/login/exp/alpha", `{"a":[1,2]}`, root, asJSON),
		srv.Do("POST", "/v1/userapp/login/other/beta", `{"b":1}`, root, asJSON),
		srv.Do("POST", "/v1/session/exp-session-000001", `{"login":"exp","secret":"s"}`, root, asJSON),
		srv.Do("POST", "/v1/session/other-session-0001", `{"login":"other"}`, root, asJSON),
	} {
		if r.Status != 200 {
			t.Fatalf("setup: %d %s", r.Status, r.Body)
		}
	}
	res, err := srv.Service.UpdateUser(ctx, vault.Actor{Kind: vault.ActorLogin, UserToken: u},
		vault.Identity{Mode: vault.ModeLogin, Value: "exp"}, map[string]any{"n": 3})
	rt := filed(t, res, err, vault.ResultRequestCreated)
	profileShare := share(t, srv, "login/exp", `{"fields":"email, n","partner":"auditor","expiration":"1h"}`)
	appShare := share(t, srv, "login/exp", `{"app":"alpha","expiration":"2h"}`)
	share(t, srv, "login/other", ``)
	expTok := startExpiration(t, srv, "login/exp", `{"expiration":"1d"}`)
	if err := srv.Service.SaveLegalBasis(ctx, vault.Root, "newsletter", map[string]any{"shortdesc": "News"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Service.AcceptAgreement(ctx, vault.Root, "newsletter", vault.Identity{Mode: vault.ModeToken, Value: u},
		map[string]any{"referencecode": "ref-1"}); err != nil {
		t.Fatal(err)
	}

	want := fmt.Sprintf(`{"status":"ok","token":"%s","exported":%d,`+
		`"profile":{"email":"exp@x.com","login":"exp","n":2.50},`+
		`"apps":{"alpha":{"a":[1,2]},"zeta":{"z":1}},`+
		`"sessions":[{"session":"exp-session-000001","when":%d,"exptime":%d}],`+
		`"agreements":[{"agreementmethod":"api","brief":"newsletter","creationtime":%d,"endtime":0,"lastmodifiedby":"","mode":"token",`+
		`"referencecode":"ref-1","starttime":0,"status":"yes","token":"%s","when":%d,"who":"%s"}],`+
		`"legalbases":[{"basistype":"consent","brief":"newsletter","creationtime":%d,"fulldesc":"","module":"","requiredflag":false,`+
		`"requiredmsg":"","shortdesc":"News","status":"active","usercontrol":false}],`+
		`"requests":[{"action":"change-profile","creationtime":%d,"more":true,"rtoken":"%s","status":"open","token":"%s","when":%d}],`+
		`"sharedrecords":[{"record":"%s","target":"profile","app":"","partner":"auditor","fields":"email,n","exptime":%d,"when":%d},`+
		`{"record":"%s","target":"app","app":"alpha","partner":"","fields":"","exptime":%d,"when":%d}],`+
		`"expiration":{"exptime":%d,"expstatus":"wait","exptoken":"%s"},`+
		`"audit":[`,
		u, now, now, now+3600, now, u, now, u, now, now, rt, u, now, profileShare, now+3600, now, appShare, now+7200, now, now+86400, expTok)
	exp := srv.Do("GET", "/v1/user/email/EXP@x.com/export", "", root)
	body, audit, _ := strings.Cut(string(exp.Body), `"audit":[`)
	if exp.Status != 200 || body+`"audit":[` != want {
		t.Fatalf("export: %d\n got %s\nwant %s", exp.Status, exp.Body, want)
	}
	var events []struct{ Record, Title, Identity string }
	if err := json.Unmarshal([]byte("["+strings.TrimSuffix(strings.TrimSpace(audit), "}")), &events); err != nil {
		t.Fatalf("audit part %s: %v", audit, err)
	}
	titles := map[string]int{}
	for _, e := range events {
		if e.Record != u {
			t.Errorf("an event of another record in the export: %+v", e)
		}
		titles[e.Title]++
	}
	for title, n := range map[string]int{"create user app record by login": 2, "user change-profile request": 1,
		"create shared record by login": 2, "start expiration by login": 1} {
		if titles[title] != n {
			t.Errorf("%d events %q in the export, want %d (all: %v)", titles[title], title, n, titles)
		}
	}
	if cd := exp.Header.Get("Content-Disposition"); cd != `attachment; filename="piivault-export-`+u+`.json"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	checkCommonHeaders(t, exp)
	run(t, srv, []scenario{
		{name: "an unknown user", method: "GET", path: "/v1/user/login/nobody/export", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a bad mode", method: "GET", path: "/v1/user/nick/exp/export", headers: []string{root},
			status: 400, want: errBody("bad mode")},
		{name: "no token", method: "GET", path: "/v1/user/login/exp/export", status: 401, want: errBody("access denied")},
		{name: "another user's export holds only their own data", method: "GET", path: "/v1/user/token/" + other + "/export", headers: []string{root},
			status: 200, contains: []string{`"apps":{"beta":{"b":1}},`, `"requests":[],`, `"expiration":{"exptime":0,"expstatus":"","exptoken":""}`}},
	})
	if _, err := srv.Service.ExportUser(ctx, vault.Actor{Kind: vault.ActorLogin, UserToken: other},
		vault.Identity{Mode: vault.ModeLogin, Value: "exp"}); vault.ErrorCode(err) != vault.EFORBIDDEN {
		t.Fatalf("another user's login token: %v", err)
	}
	if v, err := srv.Service.ExportUser(ctx, vault.Actor{Kind: vault.ActorLogin, UserToken: u},
		vault.Identity{Mode: vault.ModeToken, Value: u}); err != nil || v.Token != u {
		t.Fatalf("the user's own login token: %v", err)
	}
}
