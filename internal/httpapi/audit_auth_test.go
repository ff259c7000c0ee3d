package httpapi_test

import "piivault/internal/vault"

// auditAuthRows are the auth-matrix rows of the audit routes (§11).
func auditAuthRows(f *authFixture) []authRow {
	var event string // an event of user A with before/after copies
	change := func() {
		f.Do("PUT", "/v1/user/token/"+f.A.Token, `{"nick":"x"}`, asJSON)
		rows, _ := f.Do("GET", "/v1/audit/list/"+f.A.Token, "")["rows"].([]any)
		for _, r := range rows {
			if e := r.(map[string]any); e["title"] == "change user record by token" {
				event = e["atoken"].(string)
				break
			}
		}
	}
	badUUID := authWant{401, 403, 400, 400, 400}
	return []authRow{
		{name: "GET /v1/audit/admin", method: "GET", path: "/v1/audit/admin", want: wantR(200)},
		{name: "GET /v1/audit/list of the user", method: "GET", path: "/v1/audit/list/" + f.A.Token, want: wantUR(200)},
		{name: "GET /v1/audit/list of an unknown token", method: "GET", path: "/v1/audit/list/" + vault.NewUUID(), want: notFoundForRoot},
		{name: "GET /v1/audit/list with a bad uuid", method: "GET", path: "/v1/audit/list/x", want: badUUID},
		{name: "GET /v1/audit/get of the user's event", method: "GET", setup: change,
			pathFn: func() string { return "/v1/audit/get/" + event }, want: wantUR(200)},
		{name: "GET /v1/audit/get of an unknown event", method: "GET", path: "/v1/audit/get/" + vault.NewUUID(), want: notFoundForRoot},
		{name: "GET /v1/audit/get with a bad uuid", method: "GET", path: "/v1/audit/get/x", want: badUUID},
		{name: "GET /v1/audit/verify", method: "GET", path: "/v1/audit/verify", want: wantR(200)},
	}
}
