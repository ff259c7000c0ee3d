package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// startExpiration schedules an erasure as root and returns the link token.
func startExpiration(t *testing.T, srv *apitest.Server, identity, body string) string {
	t.Helper()
	res := srv.Do("POST", "/v1/exp/start/"+identity, body, srv.RootHeader(), asJSON)
	var out struct{ Status, ExpToken string }
	if err := json.Unmarshal(res.Body, &out); err != nil || res.Status != 200 || !uuidPattern.MatchString(out.ExpToken) {
		t.Fatalf("start expiration %s: %d %s", body, res.Status, res.Body)
	}
	return out.ExpToken
}

func TestExpiration(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock), apitest.WithVault(func(o *vault.Options) {
		o.ListUsers = true
		o.MaxUserRetention = 10 * 24 * time.Hour
	}))
	root := srv.RootHeader()
	now := clock.unix()
	createUser(t, srv, `{"login":"ann"}`)
	bob := createUser(t, srv, `{"login":"bob"}`)
	status := func(exptime int64, st, token string) string {
		return uuidPattern.ReplaceAllString(fmt.Sprintf(`{"status":"ok","exptime":%d,"expstatus":"%s","exptoken":"%s"}`, exptime, st, token), "<uuid>")
	}
	get := func(name, path string, status int, want string) scenario {
		return scenario{name: name, method: "GET", path: path, headers: []string{root}, status: status, want: want}
	}
	start := func(name, identity, body string, status int, want string) scenario {
		return scenario{name: name, method: "POST", path: "/v1/exp/start/" + identity, headers: []string{root, asJSON},
			body: body, status: status, want: want}
	}
	link := func(name, method, path string, status int, want string) scenario {
		return scenario{name: name, method: method, path: path, status: status, want: want}
	}
	notFound := errBody("not found")
	run(t, srv, []scenario{
		get("no schedule", "/v1/exp/status/login/ann", 200, status(0, "", "")),
		start("expiration is required", "login/ann", `{"status":"wait"}`, 400, errBody("bad expiration")),
		start("an empty body lacks the expiration", "login/ann", ``, 400, errBody("bad expiration")),
		start("a bad expiration", "login/ann", `{"expiration":"0"}`, 400, errBody("bad expiration")),
		start("status may only be wait", "login/ann", `{"expiration":"1d","status":"retain"}`, 400, errBody("bad status")),
		start("status of the wrong type", "login/ann", `{"expiration":"1d","status":1}`, 400, errBody("bad status")),
		start("an unknown user", "login/nobody", `{"expiration":"1d"}`, 404, notFound),
	})
	replaced := startExpiration(t, srv, "login/ann", `{"expiration":"1d","status":"wait"}`)
	annTok := startExpiration(t, srv, "login/ann", `{"expiration":"2d"}`)
	bobTok := startExpiration(t, srv, "token/"+bob, `{"expiration":"1m"}`)
	run(t, srv, []scenario{
		{name: "a new start replaces schedule and token", method: "GET", path: "/v1/exp/status/login/ann", headers: []string{root},
			status: 200, want: status(now+2*86400, "wait", annTok), contains: []string{annTok}},
		{name: "the policy caps the time", method: "GET", path: "/v1/exp/status/login/bob", headers: []string{root},
			status: 200, want: status(now+10*86400, "wait", bobTok), contains: []string{bobTok}},
		link("the replaced token is dead", "GET", "/v1/exp/retain/"+replaced, 404, notFound),
		{name: "users list endtime and expstatus", method: "GET", path: "/v1/users", headers: []string{root}, status: 200,
			want: fmt.Sprintf(`{"status":"ok","total":2,"rows":[{"private":{"login":"ann"},"token":"<uuid>","endtime":%d,"expstatus":"wait"},`+
				`{"private":{"login":"bob"},"token":"<uuid>","endtime":%d,"expstatus":"wait"}]}`, now+2*86400, now+10*86400)},
		link("a malformed link token", "GET", "/v1/exp/retain/nope", 404, notFound),
		link("an unknown link token", "POST", "/v1/exp/delete/"+vault.NewUUID(), 404, notFound),
	})
	plainOK(t, srv, "GET", "/v1/exp/retain/"+annTok)
	run(t, srv, []scenario{
		get("retained: status retain, time 0, token used up", "/v1/exp/status/login/ann", 200, status(0, "retain", "")),
		link("a used token", "POST", "/v1/exp/retain/"+annTok, 404, notFound),
		link("a used token cannot delete", "GET", "/v1/exp/delete/"+annTok, 404, notFound),
		{name: "cancel", method: "DELETE", path: "/v1/exp/cancel/login/bob", headers: []string{root}, status: 200, want: `{"status":"ok"}`},
		get("canceled: nothing left", "/v1/exp/status/login/bob", 200, status(0, "", "")),
		link("a canceled token", "POST", "/v1/exp/delete/"+bobTok, 404, notFound),
	})
	del := startExpiration(t, srv, "login/bob", `{"expiration":"1h"}`)
	plainOK(t, srv, "POST", "/v1/exp/delete/"+del)
	run(t, srv, []scenario{
		get("bob is gone", "/v1/user/token/"+bob, 404, notFound),
		get("and so is his schedule", "/v1/exp/status/token/"+bob, 404, notFound),
		link("the link is used up", "GET", "/v1/exp/delete/"+del, 404, notFound),
	})
}

// plainOK asserts the success of an expiration link: 200 text/plain "OK".
func plainOK(t *testing.T, srv *apitest.Server, method, path string) {
	t.Helper()
	res := srv.Do(method, path, "")
	checkCommonHeaders(t, res)
	if res.Status != 200 || string(res.Body) != "OK" || res.Header.Get("Content-Type") != textType {
		t.Fatalf("%s %s: %d %q %q, want 200 text/plain OK", method, path, res.Status, res.Header.Get("Content-Type"), res.Body)
	}
}

// TestExpirationJob erases users whose time has passed, with an injected
// clock, and leaves retained, canceled and future schedules alone.
func TestExpirationJob(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock))
	ctx := context.Background()
	root := srv.RootHeader()
	due := createUser(t, srv, `{"login":"due"}`)
	later := createUser(t, srv, `{"login":"later"}`)
	kept := createUser(t, srv, `{"login":"kept"}`)
	startExpiration(t, srv, "login/due", `{"expiration":"3600"}`)
	startExpiration(t, srv, "login/later", `{"expiration":"2h"}`)
	keptTok := startExpiration(t, srv, "login/kept", `{"expiration":"60"}`)
	plainOK(t, srv, "POST", "/v1/exp/retain/"+keptTok)
	if r := srv.Do("POST", "/v1/userapp/login/due/shop", `{"a":1}`, root, asJSON); r.Status != 200 {
		t.Fatalf("app record: %d %s", r.Status, r.Body)
	}

	clock.advance(time.Hour - time.Second)
	if res, err := srv.Service.SweepExpired(ctx); err != nil || res.Users != 0 {
		t.Fatalf("nothing is due a second early: %+v %v", res, err)
	}
	if r := srv.Do("GET", "/v1/user/login/due", "", root); r.Status != 200 {
		t.Fatalf("a second early the user is still served: %d", r.Status)
	}
	clock.advance(time.Second)
	// Due but not yet swept: never served (§1.14), in any mode or route.
	for _, path := range []string{"/v1/user/login/due", "/v1/user/token/" + due, "/v1/userapp/login/due/shop", "/v1/user/login/due/export"} {
		if r := srv.Do("GET", path, "", root); r.Status != 404 {
			t.Fatalf("GET %s of a due user before the sweep: %d %s", path, r.Status, r.Body)
		}
	}
	if res, err := srv.Service.SweepExpired(ctx); err != nil || res.Users != 1 {
		t.Fatalf("the due user is erased: %+v %v", res, err)
	}
	if res, err := srv.Service.SweepExpired(ctx); err != nil || res.Users != 0 {
		t.Fatalf("a second sweep finds nothing: %+v %v", res, err)
	}
	live := func(token string) bool {
		return srv.Do("GET", "/v1/user/token/"+token, "", root).Status == 200
	}
	if live(due) || !live(later) || !live(kept) {
		t.Fatalf("after one hour: due %v, later %v, kept %v", live(due), live(later), live(kept))
	}
	if r := srv.Do("GET", "/v1/userapp/token/"+due+"/shop", "", root); r.Status != 404 {
		t.Fatalf("the erased user's app record: %d", r.Status)
	}
	events, _, err := srv.Service.UserAuditEvents(ctx, vault.Root, due, vault.Page{})
	if err != nil || len(events) == 0 || events[0].Title != "expire user record" || events[0].Identity != "system" ||
		events[0].Status != "ok" || events[0].Who != "" {
		t.Fatalf("the job's audit event: %+v, %v", events, err)
	}
	clock.advance(24 * time.Hour)
	if n, err := srv.Service.EraseDueUsers(ctx); err != nil || n != 1 || live(later) || !live(kept) {
		t.Fatalf("a day later: erased %d (%v), later %v, kept %v", n, err, live(later), live(kept))
	}
}
