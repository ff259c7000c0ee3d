package httpapi_test

import (
	"encoding/json"

	"piivault/internal/vault"
)

// The auth-matrix rows of app records (§4), requests (§8), shared records
// (§9), expiration (§10) and the export (§13), in the default
// configuration: no self-service, so a login token's changes become
// requests (200) and its app-record deletes are refused.

func appAuthRows(f *authFixture) []authRow {
	a := "/v1/userapp/token/" + f.A.Token
	create := func() { f.Do("POST", a+"/shop", `{"size":"M"}`, asJSON) }
	return []authRow{
		{name: "POST /v1/userapp", method: "POST", path: a + "/shop", body: `{"size":"L"}`, headers: []string{asJSON}, want: wantUR(200)},
		{name: "GET /v1/userapp", method: "GET", path: a + "/shop", setup: create, want: wantUR(200)},
		{name: "GET /v1/userapp never set", method: "GET", path: a + "/shop", want: authWant{401, 403, 403, 404, 404}},
		{name: "GET /v1/userapp of an unknown user", method: "GET", path: "/v1/userapp/token/" + vault.NewUUID() + "/shop", want: notFoundForRoot},
		{name: "PUT /v1/userapp", method: "PUT", path: a + "/shop", body: `{"size":"S"}`, headers: []string{asJSON}, setup: create, want: wantUR(200)},
		{name: "DELETE /v1/userapp without self-service", method: "DELETE", path: a + "/shop", setup: create, want: wantR(200)},
		{name: "GET /v1/userapp list", method: "GET", path: a, setup: create, want: wantUR(200)},
		{name: "GET /v1/userapps", method: "GET", path: "/v1/userapps", want: wantR(200)},
	}
}

func requestAuthRows(f *authFixture) []authRow {
	var rtoken string
	// The request is the user's own: filed with A's login token.
	file := func() {
		res := f.srv.Do("PUT", "/v1/user/token/"+f.A.Token, `{"nick":"a"}`, asJSON, "X-Bunker-Token: "+f.A.Login)
		var out struct{ RToken string }
		if err := json.Unmarshal(res.Body, &out); err != nil || out.RToken == "" {
			f.t.Fatalf("file a request: %d %s", res.Status, res.Body)
		}
		rtoken = out.RToken
	}
	path := func() string { return "/v1/request/" + rtoken }
	return []authRow{
		{name: "GET /v1/requests", method: "GET", path: "/v1/requests", setup: file, want: wantR(200)},
		{name: "GET /v1/requests of the user", method: "GET", path: "/v1/requests/email/" + f.A.Email, setup: file, want: wantUR(200)},
		{name: "GET /v1/request", method: "GET", setup: file, pathFn: path, want: wantUR(200)},
		{name: "GET /v1/request unknown", method: "GET", path: "/v1/request/" + vault.NewUUID(), want: notFoundForRoot},
		{name: "GET /v1/request malformed", method: "GET", path: "/v1/request/nope", want: authWant{401, 403, 400, 400, 400}},
		{name: "POST /v1/request (approve)", method: "POST", setup: file, pathFn: path, want: wantR(200)},
		{name: "DELETE /v1/request (cancel)", method: "DELETE", setup: file, pathFn: path, want: wantUR(200)},
	}
}

func shareAuthRows(f *authFixture) []authRow {
	var record string
	create := func() {
		record = f.Do("POST", "/v1/sharedrecord/token/"+f.A.Token, `{"fields":"email"}`, asJSON)["record"].(string)
	}
	return []authRow{
		{name: "POST /v1/sharedrecord", method: "POST", path: "/v1/sharedrecord/phone/" + f.A.Phone, body: `{"fields":"name"}`,
			headers: []string{asJSON}, want: wantUR(200)},
		{name: "DELETE /v1/sharedrecord", method: "DELETE", setup: create, pathFn: func() string { return "/v1/sharedrecord/" + record },
			want: wantUR(200)},
		{name: "DELETE /v1/sharedrecord unknown", method: "DELETE", path: "/v1/sharedrecord/" + vault.NewUUID(), want: notFoundForRoot},
		{name: "GET /v1/get", method: "GET", setup: create, pathFn: func() string { return "/v1/get/" + record }, want: wantNone(200)},
		{name: "GET /v1/get unknown", method: "GET", path: "/v1/get/" + vault.NewUUID(), want: wantNone(404)},
	}
}

func expirationAuthRows(f *authFixture) []authRow {
	var exptoken string
	start := func() {
		exptoken = f.Do("POST", "/v1/exp/start/token/"+f.A.Token, `{"expiration":"1d"}`, asJSON)["exptoken"].(string)
	}
	link := func(kind string) func() string { return func() string { return "/v1/exp/" + kind + "/" + exptoken } }
	return []authRow{
		{name: "POST /v1/exp/start", method: "POST", path: "/v1/exp/start/token/" + f.A.Token, body: `{"expiration":"1d"}`,
			headers: []string{asJSON}, want: wantR(200)},
		{name: "GET /v1/exp/status", method: "GET", path: "/v1/exp/status/email/" + f.A.Email, setup: start, want: wantUR(200)},
		{name: "DELETE /v1/exp/cancel", method: "DELETE", path: "/v1/exp/cancel/token/" + f.A.Token, setup: start, want: wantUR(200)},
		{name: "GET /v1/exp/retain", method: "GET", setup: start, pathFn: link("retain"), want: wantNone(200)},
		{name: "POST /v1/exp/delete", method: "POST", setup: start, pathFn: link("delete"), want: wantNone(200)},
		{name: "GET /v1/exp/delete unknown", method: "GET", path: "/v1/exp/delete/" + vault.NewUUID(), want: wantNone(404)},
	}
}

func exportAuthRows(f *authFixture) []authRow {
	return []authRow{
		{name: "GET /v1/user/…/export", method: "GET", path: "/v1/user/token/" + f.A.Token + "/export", want: wantUR(200)},
		{name: "GET /v1/user/…/export unknown", method: "GET", path: "/v1/user/login/nobody/export", want: notFoundForRoot},
	}
}
