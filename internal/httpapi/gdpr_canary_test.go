package httpapi_test

import (
	"context"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// TestGDPRRecordsNeverInPlaintext sends app records, requests (their
// changes and reasons), shared records (fields, partner, record ids) and
// expiration link tokens through their routes, failures included, and
// scans the whole database and the logs for them.
func TestGDPRRecordsNeverInPlaintext(t *testing.T) {
	srv := apitest.New(t)
	ctx := context.Background()
	root := srv.RootHeader()
	const (
		login    = "canary-login-7f3a91"
		appValue = "canary-app-value-7f3a91"
		appPatch = "canary-app-patch-7f3a91"
		reqValue = "canary-request-value-7f3a91"
		reqApp   = "canary-request-app-7f3a91"
		reason   = "canary-reason-7f3a91"
		partner  = "canary-partner-7f3a91"
		field    = "canaryfield7f3a91"
		sid      = "canary-session-7f3a91"
	)
	secrets := []string{login, appValue, appPatch, reqValue, reqApp, reason, partner, field, sid}
	u := createUser(t, srv, `{"login":"`+login+`","`+field+`":{"x":"`+appValue+`"}}`)
	send := func(method, path, body string) {
		srv.Do(method, path, body, root, asJSON)
	}
	send("POST", "/v1/userapp/token/"+u+"/shop", `{"v":"`+appValue+`","list":["`+appValue+`"]}`)
	send("PUT", "/v1/userapp/token/"+u+"/shop", `{"p":"`+appPatch+`"}`)
	send("PUT", "/v1/userapp/token/"+u+"/shop", `[{"op":"test","path":"/p","value":"`+appPatch+`x"}]`)
	send("POST", "/v1/userapp/token/"+u+"/a-"+appValue, `{"v":1}`)
	send("GET", "/v1/userapp/token/"+u+"/shop", "")
	send("POST", "/v1/session/"+sid, `{"login":"`+login+`"}`)

	me := vault.Actor{Kind: vault.ActorLogin, UserToken: u}
	id := vault.Identity{Mode: vault.ModeToken, Value: u}
	res, _ := srv.Service.UpdateUser(ctx, me, id, map[string]any{"v": reqValue})
	srv.Service.CreateAppRecord(ctx, me, id, "other", map[string]any{"v": reqApp})
	send("GET", "/v1/request/"+res.RToken, "")
	send("GET", "/v1/requests", "")
	send("DELETE", "/v1/request/"+res.RToken, `{"reason":"`+reason+`"}`)
	send("DELETE", "/v1/request/"+res.RToken, `{"reason":"`+reason+`"}`) // wrong status
	send("GET", "/v1/requests?status=canceled", "")

	records := []string{
		share(t, srv, "token/"+u, `{"fields":"`+field+`.x","partner":"`+partner+`"}`),
		share(t, srv, "token/"+u, `{"session":"`+sid+`"}`),
		share(t, srv, "token/"+u, `{"app":"shop","fields":"v"}`),
	}
	for _, r := range records {
		srv.Do("GET", "/v1/get/"+r, "")
	}
	send("POST", "/v1/sharedrecord/token/"+u, `{"fields":"`+field+`..x","partner":"`+partner+`"}`)
	send("POST", "/v1/sharedrecord/token/"+u, `{"session":"`+sid+`x"}`)
	exptoken := startExpiration(t, srv, "token/"+u, `{"expiration":"1d"}`)
	send("GET", "/v1/exp/status/token/"+u, "")
	send("GET", "/v1/user/token/"+u+"/export", "")

	all := append(secrets, append(records, exptoken)...)
	findPlaintext(t, "the database", srv.Dump(), all)
	findPlaintext(t, "the logs", []byte(srv.Logs()), all)

	send("DELETE", "/v1/user/token/"+u, "")
	findPlaintext(t, "the database after erasure", srv.Dump(), all)
	findPlaintext(t, "the logs after erasure", []byte(srv.Logs()), all)
}
