package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// filed checks that a change became a request with the wanted result and
// returns its rtoken.
func filed(t *testing.T, res vault.ChangeResult, err error, want string) string {
	t.Helper()
	if err != nil || res.Result != want || !uuidPattern.MatchString(res.RToken) {
		t.Fatalf("got %+v, %v; want %s with an rtoken", res, err, want)
	}
	return res.RToken
}

// requestRowJSON is one row of the request lists as the contract writes it.
func requestRowJSON(action, extra string, more bool, reason, rtoken, status, token string, created, when int64) string {
	r := `{"action":"` + action + `",` + extra + `"creationtime":` + fmt.Sprint(created) + `,"more":` + fmt.Sprint(more)
	if reason != "" {
		r += `,"reason":"` + reason + `"`
	}
	return r + `,"rtoken":"` + rtoken + `","status":"` + status + `","token":"` + token + `","when":` + fmt.Sprint(when) + `}`
}

func page(rows ...string) string {
	body := `{"status":"ok","total":` + fmt.Sprint(len(rows)) + `,"rows":[` + strings.Join(rows, ",") + `]}`
	return uuidPattern.ReplaceAllString(body, "<uuid>")
}

// TestRequestLifecycle follows requests from a login token's change to an
// administrator's decision: created, exists, shown, approved (applied),
// failing approval (stays open), canceled, wrong status, and erasure.
func TestRequestLifecycle(t *testing.T) {
	clock := newManualClock()
	srv := apitest.New(t, withClock(clock))
	ctx := context.Background()
	root := srv.RootHeader()
	john := createUser(t, srv, `{"login":"john","email":"john@x.com"}`)
	createUser(t, srv, `{"login":"mary","email":"mary@x.com"}`)
	asJohn := vault.Actor{Kind: vault.ActorLogin, UserToken: john}
	byLogin := vault.Identity{Mode: vault.ModeLogin, Value: "john"}
	t0 := clock.unix()

	res, err := srv.Service.UpdateUser(ctx, asJohn, byLogin, map[string]any{"email": "new@x.com"})
	profileReq := filed(t, res, err, vault.ResultRequestCreated)
	res, err = srv.Service.UpdateUser(ctx, asJohn, byLogin, map[string]any{"nick": "jj"})
	if filed(t, res, err, vault.ResultRequestExists) != profileReq {
		t.Fatal("asking again must return the open request")
	}
	if _, err := srv.Service.UpdateUser(ctx, asJohn, byLogin, []any{map[string]any{"op": "remove", "path": "/nope"}}); vault.ErrorCode(err) != vault.EINVALID {
		t.Fatalf("a patch that cannot apply is refused at once: %v", err)
	}
	clock.advance(10 * time.Second)
	res, err = srv.Service.EraseUser(ctx, asJohn, byLogin)
	forgetReq := filed(t, res, err, vault.ResultRequestCreated)
	clock.advance(10 * time.Second)
	res, err = srv.Service.CreateAppRecord(ctx, asJohn, byLogin, "Shop", map[string]any{"size": "M"})
	appReq := filed(t, res, err, vault.ResultRequestCreated)
	clock.advance(10 * time.Second)
	res, err = srv.Service.UpdateUser(ctx, asJohn, byLogin, map[string]any{"email": "mary@x.com"})
	if filed(t, res, err, vault.ResultRequestExists) != profileReq {
		t.Fatal("one open change-profile request at a time")
	}

	open := func(action, extra, rtoken string, created int64, more bool) string {
		return requestRowJSON(action, extra, more, "", rtoken, "open", john, created, created)
	}
	get := func(name, path string, status int, want string) scenario {
		return scenario{name: name, method: "GET", path: path, headers: []string{root}, status: status, want: want}
	}
	decide := func(name, method, rtoken, body string, status int, want string) scenario {
		return scenario{name: name, method: method, path: "/v1/request/" + rtoken, headers: []string{root, asJSON},
			body: body, status: status, want: want}
	}
	done := `{"status":"ok","result":"done"}`
	run(t, srv, []scenario{
		get("open requests, oldest first", "/v1/requests", 200, page(
			open("change-profile", "", profileReq, t0, true),
			open("forget-me", "", forgetReq, t0+10, false),
			open("change-app-data", `"app":"shop",`, appReq, t0+20, true))),
		get("status open is the default", "/v1/requests?status=open&limit=1&offset=1", 200,
			uuidPattern.ReplaceAllString(`{"status":"ok","total":3,"rows":[`+open("forget-me", "", forgetReq, t0+10, false)+`]}`, "<uuid>")),
		get("no approved requests yet", "/v1/requests?status=approved", 200, page()),
		get("a bad status", "/v1/requests?status=pending", 400, errBody("bad status")),
		get("a bad limit", "/v1/requests?limit=-1", 400, errBody("bad limit")),
		get("the user's requests", "/v1/requests/email/john@x.com", 200, page(
			open("change-profile", "", profileReq, t0, true),
			open("forget-me", "", forgetReq, t0+10, false),
			open("change-app-data", `"app":"shop",`, appReq, t0+20, true))),
		get("another user's requests", "/v1/requests/login/mary", 200, page()),
		get("an unknown user's requests", "/v1/requests/login/nobody", 404, errBody("not found")),
		get("a change-profile request shows the profile and the patch", "/v1/request/"+profileReq, 200,
			`{"status":"ok","original":{"email":"john@x.com","login":"john"},"change":{"email":"new@x.com"}}`),
		get("a forget-me request shows the profile", "/v1/request/"+forgetReq, 200,
			`{"status":"ok","original":{"email":"john@x.com","login":"john"}}`),
		get("a change-app-data request shows an absent record as {}", "/v1/request/"+strings.ToUpper(appReq), 200,
			`{"status":"ok","app":"shop","original":{},"change":{"size":"M"}}`),
		get("a malformed rtoken", "/v1/request/nope", 400, errBody("bad uuid")),
		get("an unknown rtoken", "/v1/request/"+vault.NewUUID(), 404, errBody("not found")),
		decide("approving an unknown request", "POST", vault.NewUUID(), "", 404, errBody("not found")),
		decide("a reason of the wrong type", "POST", profileReq, `{"reason":1}`, 400, errBody("bad reason")),
		decide("a reason over 1024 bytes", "DELETE", profileReq, `{"reason":"`+strings.Repeat("r", 1025)+`"}`, 400, errBody("bad reason")),
		decide("approving applies the stored patch", "POST", profileReq, `{"reason":"checked by the DPO"}`, 200, done),
		get("the profile changed", "/v1/user/login/john", 200, `{"status":"ok","token":"<uuid>","data":{"email":"new@x.com","login":"john"}}`),
		get("the approved request with its reason", "/v1/requests?status=approved", 200, page(
			requestRowJSON("change-profile", "", true, "checked by the DPO", profileReq, "approved", john, t0, t0+30))),
		decide("approving twice", "POST", profileReq, "", 409, errBody("wrong status: approved")),
		decide("canceling an approved request", "DELETE", profileReq, "", 409, errBody("wrong status: approved")),
		decide("approving the app request stores the body with POST", "POST", appReq, "", 200, done),
		get("the app record exists", "/v1/userapp/login/john/shop", 200, `{"status":"ok","token":"<uuid>","data":{"size":"M"}}`),
	})

	// A request whose change no longer applies stays open.
	res, err = srv.Service.UpdateUser(ctx, asJohn, byLogin, map[string]any{"email": "MARY@x.com"})
	clash := filed(t, res, err, vault.ResultRequestCreated)
	res, err = srv.Service.UpdateAppRecord(ctx, asJohn, byLogin, "shop", map[string]any{"color": "red"})
	appPut := filed(t, res, err, vault.ResultRequestCreated)
	run(t, srv, []scenario{
		decide("an approval that hits a duplicate index", "POST", clash, "", 409, errBody("duplicate index: email")),
		get("the failed request is still open", "/v1/request/"+clash, 200,
			`{"status":"ok","original":{"email":"new@x.com","login":"john"},"change":{"email":"MARY@x.com"}}`),
		decide("root cancels with a reason", "DELETE", clash, `{"reason":"taken"}`, 200, done),
		decide("canceling twice", "DELETE", clash, "", 409, errBody("wrong status: canceled")),
		{name: "the app record is deleted meanwhile", method: "DELETE", path: "/v1/userapp/login/john/shop",
			headers: []string{root}, status: 200, want: okToken},
		decide("a PUT request on a record that is gone", "POST", appPut, "", 404, errBody("not found")),
		get("it stays open", "/v1/requests?status=open", 200, page(
			open("forget-me", "", forgetReq, t0+10, false),
			requestRowJSON("change-app-data", `"app":"shop",`, true, "", appPut, "open", john, t0+30, t0+30))),
	})
	if err := srv.Service.CancelRequest(ctx, asJohn, appPut, nil); err != nil {
		t.Fatalf("the owner cancels: %v", err)
	}
	res, err = srv.Service.UpdateUser(ctx, asJohn, byLogin, map[string]any{"nick": "j"})
	lastReq := filed(t, res, err, vault.ResultRequestCreated)
	run(t, srv, []scenario{
		get("the owner's cancel has the reason user operation; root's has its own", "/v1/requests?status=canceled", 200, page(
			requestRowJSON("change-profile", "", true, "taken", clash, "canceled", john, t0+30, t0+30),
			requestRowJSON("change-app-data", `"app":"shop",`, true, "user operation", appPut, "canceled", john, t0+30, t0+30))),
		decide("approving forget-me erases the user", "POST", forgetReq, "", 200, done),
		get("the user is gone", "/v1/user/token/"+john, 404, errBody("not found")),
		get("the erased user's requests are not found", "/v1/request/"+forgetReq, 404, errBody("not found")),
		get("open requests were canceled by the erasure; sealed changes and reasons are shredded, the server's notes stay", "/v1/requests?status=canceled", 200, page(
			requestRowJSON("change-profile", "", false, "", clash, "canceled", john, t0+30, t0+30),
			requestRowJSON("change-app-data", `"app":"shop",`, false, "user operation", appPut, "canceled", john, t0+30, t0+30),
			requestRowJSON("change-profile", "", false, "user erased", lastReq, "canceled", john, t0+30, t0+30))),
		get("the approved forget-me", "/v1/requests?status=approved", 200, page(
			requestRowJSON("change-profile", "", false, "", profileReq, "approved", john, t0, t0+30),
			requestRowJSON("forget-me", "", false, "", forgetReq, "approved", john, t0+10, t0+30),
			requestRowJSON("change-app-data", `"app":"shop",`, false, "", appReq, "approved", john, t0+20, t0+30))),
		get("no open requests remain", "/v1/requests", 200, page()),
	})
}

// TestRequestGuards checks who may see and decide which request, through
// the service with login actors (the auth matrix covers the HTTP side).
func TestRequestGuards(t *testing.T) {
	srv := apitest.New(t)
	ctx := context.Background()
	john := createUser(t, srv, `{"login":"john"}`)
	mary := createUser(t, srv, `{"login":"mary"}`)
	asJohn := vault.Actor{Kind: vault.ActorLogin, UserToken: john}
	asMary := vault.Actor{Kind: vault.ActorLogin, UserToken: mary}
	res, err := srv.Service.UpdateUser(ctx, asJohn, vault.Identity{Mode: vault.ModeToken, Value: john}, map[string]any{"a": "1"})
	rt := filed(t, res, err, vault.ResultRequestCreated)
	for name, err := range map[string]error{
		"mary reads john's request":      first(srv.Service.GetRequest(ctx, asMary, rt)),
		"mary reads an unknown request":  first(srv.Service.GetRequest(ctx, asMary, vault.NewUUID())),
		"mary cancels john's request":    srv.Service.CancelRequest(ctx, asMary, rt, nil),
		"john approves his own request":  srv.Service.ApproveRequest(ctx, asJohn, rt, nil),
		"john lists all requests":        second(srv.Service.ListRequests(ctx, asJohn, "", vault.Page{})),
		"mary lists john's requests":     second(srv.Service.UserRequests(ctx, asMary, vault.Identity{Mode: vault.ModeToken, Value: john}, vault.Page{})),
		"an anonymous caller reads one":  first(srv.Service.GetRequest(ctx, vault.Actor{}, rt)),
		"a scoped token cancels one":     srv.Service.CancelRequest(ctx, vault.Actor{Kind: vault.ActorScoped}, rt, nil),
		"mary lists an unknown identity": second(srv.Service.UserRequests(ctx, asMary, vault.Identity{Mode: vault.ModeLogin, Value: "ghost"}, vault.Page{})),
	} {
		if vault.ErrorCode(err) != vault.EFORBIDDEN {
			t.Errorf("%s: got %v, want 403", name, err)
		}
	}
	if v, err := srv.Service.GetRequest(ctx, asJohn, rt); err != nil || v.Action != vault.ActionChangeProfile {
		t.Fatalf("john reads his own request: %+v %v", v, err)
	}
	if rows, total, err := srv.Service.UserRequests(ctx, asJohn, vault.Identity{Mode: vault.ModeLogin, Value: "john"}, vault.Page{}); err != nil || total != 1 || rows[0].RToken != rt {
		t.Fatalf("john lists his requests: %+v %d %v", rows, total, err)
	}
	if err := srv.Service.CancelRequest(ctx, asJohn, rt, map[string]any{"reason": "changed my mind"}); err != nil {
		t.Fatalf("john cancels his own request: %v", err)
	}
}

// TestSelfServiceApplies checks the other side of the settings: with
// selfservice.user_record_change and forget_me on, a login token's change
// and erasure apply at once and no request is filed.
func TestSelfServiceApplies(t *testing.T) {
	srv := apitest.New(t, apitest.WithVault(func(o *vault.Options) {
		o.SelfService = vault.SelfService{UserRecordChange: true, ForgetMe: true}
	}))
	ctx := context.Background()
	john := createUser(t, srv, `{"login":"john"}`)
	asJohn := vault.Actor{Kind: vault.ActorLogin, UserToken: john}
	id := vault.Identity{Mode: vault.ModeLogin, Value: "john"}
	if res, err := srv.Service.UpdateUser(ctx, asJohn, id, map[string]any{"nick": "jj"}); err != nil || res.Result != "" {
		t.Fatalf("change applies at once: %+v %v", res, err)
	}
	if res, err := srv.Service.CreateAppRecord(ctx, asJohn, id, "shop", map[string]any{"a": "1"}); err != nil || res.Result != vault.ResultRequestCreated {
		t.Fatalf("app changes still need a pattern: %+v %v", res, err)
	}
	run(t, srv, []scenario{{name: "the change is in the profile", method: "GET", path: "/v1/user/token/" + john,
		headers: []string{srv.RootHeader()}, status: 200, want: `{"status":"ok","token":"<uuid>","data":{"login":"john","nick":"jj"}}`}})
	if res, err := srv.Service.EraseUser(ctx, asJohn, id); err != nil || res.Result != "done" {
		t.Fatalf("forget-me applies at once: %+v %v", res, err)
	}
	run(t, srv, []scenario{
		{name: "the user is erased", method: "GET", path: "/v1/user/token/" + john, headers: []string{srv.RootHeader()},
			status: 404, want: errBody("not found")},
		{name: "the app request was canceled by the erasure", method: "GET", path: "/v1/requests?status=canceled",
			headers: []string{srv.RootHeader()}, status: 200, contains: []string{`"reason":"user erased"`}},
	})
}

// TestAgreementWithdrawRequest files, shows and approves the
// agreement-withdraw request of a basis without usercontrol.
func TestAgreementWithdrawRequest(t *testing.T) {
	srv := apitest.New(t)
	ctx := context.Background()
	root := srv.RootHeader()
	john := createUser(t, srv, `{"login":"john","email":"john@x.com"}`)
	asJohn := vault.Actor{Kind: vault.ActorLogin, UserToken: john}
	id := vault.Identity{Mode: vault.ModeEmail, Value: "john@x.com"}
	if err := srv.Service.SaveLegalBasis(ctx, vault.Root, "newsletter", map[string]any{"usercontrol": false}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Service.AcceptAgreement(ctx, vault.Root, "newsletter", id, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	res, err := srv.Service.WithdrawAgreement(ctx, asJohn, "newsletter", id, nil)
	rt := filed(t, res, err, vault.ResultRequestCreated)
	run(t, srv, []scenario{
		{name: "the request shows the brief and the agreement", method: "GET", path: "/v1/request/" + rt, headers: []string{root},
			status: 200, contains: []string{`{"status":"ok","brief":"newsletter","original":{"agreementmethod":"api","brief":"newsletter",`,
				`"status":"yes","token":"` + john + `"`}},
		{name: "approving withdraws", method: "POST", path: "/v1/request/" + rt, headers: []string{root}, status: 200,
			want: `{"status":"ok","result":"done"}`},
	})
	if a, err := srv.Service.GetAgreement(ctx, vault.Root, "newsletter", id); err != nil || a.Status != "no" {
		t.Fatalf("the approval withdrew the agreement: %+v %v", a, err)
	}
}

// TestApprovedEmailChangeLinksAgreements approves a change-profile request
// that gives the user an email with agreements held against it: they
// become the user's, as they do when root changes the email (§7.2).
func TestApprovedEmailChangeLinksAgreements(t *testing.T) {
	srv := apitest.New(t)
	ctx := context.Background()
	john := createUser(t, srv, `{"login":"john"}`)
	if err := srv.Service.SaveLegalBasis(ctx, vault.Root, "offers", nil); err != nil {
		t.Fatal(err)
	}
	held := vault.Identity{Mode: vault.ModeEmail, Value: "held@x.com"}
	if _, err := srv.Service.AcceptAgreement(ctx, vault.Root, "offers", held, nil); err != nil {
		t.Fatal(err)
	}
	res, err := srv.Service.UpdateUser(ctx, vault.Actor{Kind: vault.ActorLogin, UserToken: john},
		vault.Identity{Mode: vault.ModeToken, Value: john}, map[string]any{"email": "Held@x.com"})
	rt := filed(t, res, err, vault.ResultRequestCreated)
	if err := srv.Service.ApproveRequest(ctx, vault.Root, rt, nil); err != nil {
		t.Fatalf("approve: %v", err)
	}
	rows, _, err := srv.Service.UserAgreements(ctx, vault.Root, vault.Identity{Mode: vault.ModeToken, Value: john}, nil)
	if err != nil || len(rows) != 1 || rows[0].Brief != "offers" || rows[0].Token != john {
		t.Fatalf("the held agreement is the user's now: %+v %v", rows, err)
	}
}
