package httpapi_test

import (
	"strings"

	"piivault/internal/vault"
)

// The auth-matrix rows of the routes that came before issue 5: users (§3),
// sessions (§5) and tokenization (§12).

// notFoundForRoot is a U/R route addressing no one: a login token learns
// nothing (403), root learns that nothing is there (404).
var notFoundForRoot = authWant{401, 403, 403, 403, 404}

func userAuthRows(f *authFixture) []authRow {
	a := "/v1/user/token/" + f.A.Token
	return []authRow{
		{name: "POST /v1/user", method: "POST", path: "/v1/user", body: `{"login":"new-` + f.A.Token + `"}`,
			headers: []string{asJSON}, want: wantR(200)},
		{name: "GET /v1/user by token", method: "GET", path: a, want: wantUR(200)},
		{name: "GET /v1/user by email", method: "GET", path: "/v1/user/email/" + f.A.Email, want: wantUR(200)},
		{name: "GET /v1/user by phone", method: "GET", path: "/v1/user/phone/" + f.A.Phone, want: wantUR(200)},
		{name: "GET /v1/user of an unknown token", method: "GET", path: "/v1/user/token/" + vault.NewUUID(), want: notFoundForRoot},
		{name: "GET /v1/user of an unknown login", method: "GET", path: "/v1/user/login/nobody-" + f.A.Token, want: notFoundForRoot},
		{name: "GET /v1/user with a bad mode", method: "GET", path: "/v1/user/bogus/x", want: authWant{401, 403, 400, 400, 400}},
		{name: "PUT /v1/user", method: "PUT", path: a, body: `{"nick":"x"}`, headers: []string{asJSON}, want: wantUR(200)},
		{name: "DELETE /v1/user", method: "DELETE", path: a, want: wantUR(200)},
		{name: "GET /v1/users while listing is off", method: "GET", path: "/v1/users", want: wantR(403)},
		{name: "POST /v1/users while listing is off", method: "POST", path: "/v1/users", want: wantR(403)},
	}
}

func sessionAuthRows(f *authFixture) []authRow {
	sid := func(kind string) string { return kind + "-" + strings.ReplaceAll(f.A.Token, "-", "") }
	bound, unbound := sid("bound"), sid("unbound")
	put := func(id, body string) func() {
		return func() { f.Do("POST", "/v1/session/"+id, body, asJSON) }
	}
	return []authRow{
		{name: "POST /v1/session", method: "POST", path: "/v1/session/" + bound, body: `{"email":"` + f.A.Email + `"}`,
			headers: []string{asJSON}, want: wantR(200)},
		{name: "GET /v1/session bound to the user", method: "GET", path: "/v1/session/" + bound,
			setup: put(bound, `{"email":"`+f.A.Email+`"}`), want: wantUR(200)},
		{name: "GET /v1/session bound to no one", method: "GET", path: "/v1/session/" + unbound,
			setup: put(unbound, `{"cart":[1]}`), want: wantR(200)},
		{name: "GET /v1/session unknown", method: "GET", path: "/v1/session/" + sid("unknown"), want: notFoundForRoot},
		{name: "DELETE /v1/session", method: "DELETE", path: "/v1/session/" + bound,
			setup: put(bound, `{"email":"`+f.A.Email+`"}`), want: wantR(200)},
		{name: "GET /v1/sessions", method: "GET", path: "/v1/sessions/token/" + f.A.Token,
			setup: put(bound, `{"email":"`+f.A.Email+`"}`), want: wantUR(200)},
		{name: "DELETE /v1/sessions", method: "DELETE", path: "/v1/sessions/email/" + f.A.Email,
			setup: put(bound, `{"email":"`+f.A.Email+`"}`), want: wantUR(200)},
	}
}

func tokenAuthRows(f *authFixture) []authRow {
	var tok string
	tokenize := func() {
		tok = f.Do("POST", "/v1/token", `{"value":"4111 1111 1111 1111","format":"creditcard"}`, asJSON)["token"].(string)
	}
	path := func() string { return "/v1/token/" + tok }
	return []authRow{
		{name: "POST /v1/token", method: "POST", path: "/v1/token", body: `{"value":"x"}`, headers: []string{asJSON}, want: wantR(200)},
		{name: "POST /v1/tokens", method: "POST", path: "/v1/tokens", body: `{"items":[{"value":"x"}]}`, headers: []string{asJSON}, want: wantR(200)},
		{name: "GET /v1/token", method: "GET", setup: tokenize, pathFn: path, want: wantR(200)},
		{name: "GET /v1/token unknown", method: "GET", path: "/v1/token/" + vault.NewUUID(), want: wantR(404)},
		{name: "POST /v1/tokens/lookup", method: "POST", path: "/v1/tokens/lookup", headers: []string{asJSON}, setup: tokenize,
			body: `{"tokens":["` + vault.NewUUID() + `"]}`, want: wantR(200)},
		{name: "DELETE /v1/token", method: "DELETE", setup: tokenize, pathFn: path, want: wantR(200)},
	}
}
