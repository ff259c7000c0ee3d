package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"piivault/internal/apitest"
)

// TestRequestsOverHTTPWithALoginToken drives the request cases with a real
// login token: the answers a data subject's client sees.
func TestRequestsOverHTTPWithALoginToken(t *testing.T) {
	srv := apitest.New(t)
	u := createUser(t, srv, `{"login":"self","email":"self@x.com"}`)
	xtoken, err := srv.Service.IssueLoginToken(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	me := "X-Bunker-Token: " + xtoken
	res := srv.Do("PUT", "/v1/user/login/self", `{"nick":"s"}`, me, asJSON)
	var created struct{ Status, Result, RToken string }
	if err := json.Unmarshal(res.Body, &created); err != nil || res.Status != 200 || created.Result != "request-created" {
		t.Fatalf("PUT by the subject: %d %s", res.Status, res.Body)
	}
	rt := created.RToken
	run(t, srv, []scenario{
		{name: "asking again answers request-exists with the open request", method: "PUT", path: "/v1/user/token/" + u,
			headers: []string{me, asJSON}, body: `{"nick":"t"}`, status: 200,
			want: `{"status":"ok","result":"request-exists","rtoken":"<uuid>"}`, contains: []string{rt}},
		{name: "forget me becomes a request", method: "DELETE", path: "/v1/user/email/self@x.com", headers: []string{me},
			status: 200, want: `{"status":"ok","result":"request-created","rtoken":"<uuid>"}`},
		{name: "an app record becomes a request", method: "POST", path: "/v1/userapp/login/self/shop", headers: []string{me, asJSON},
			body: `{"a":1}`, status: 200, want: `{"status":"ok","result":"request-created","rtoken":"<uuid>"}`},
		{name: "an app record delete is refused", method: "DELETE", path: "/v1/userapp/login/self/shop", headers: []string{me},
			status: 403, want: errBody("access denied")},
		{name: "the subject reads its request", method: "GET", path: "/v1/request/" + rt, headers: []string{me}, status: 200,
			want: `{"status":"ok","original":{"email":"self@x.com","login":"self"},"change":{"nick":"s"}}`},
		{name: "the subject may not approve", method: "POST", path: "/v1/request/" + rt, headers: []string{me}, status: 403,
			want: errBody("access denied")},
		{name: "the subject cancels", method: "DELETE", path: "/v1/request/" + rt, headers: []string{me}, status: 200,
			want: `{"status":"ok","result":"done"}`},
		{name: "the subject's list shows the reason user operation", method: "GET", path: "/v1/requests/login/self",
			headers: []string{me}, status: 200, contains: []string{`"reason":"user operation","rtoken":"` + rt + `","status":"canceled"`}},
		{name: "the subject may not list everyone's requests", method: "GET", path: "/v1/requests", headers: []string{me},
			status: 403, want: errBody("access denied")},
	})
}
