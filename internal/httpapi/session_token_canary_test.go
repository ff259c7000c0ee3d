package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// findPlaintext fails when any secret appears in b raw, in any letter case,
// hex- or base64-encoded.
func findPlaintext(t *testing.T, where string, b []byte, secrets []string) {
	t.Helper()
	lower := bytes.ToLower(b)
	for i, s := range secrets {
		for _, form := range []string{s, hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s))} {
			if bytes.Contains(lower, []byte(strings.ToLower(form))) {
				t.Errorf("%s contains secret #%d in plaintext (form %q)", where, i, form)
			}
		}
	}
}

// TestSessionAndTokenValuesNeverInPlaintext sends session ids and data,
// token values and the tokens themselves through every session and token
// route (errors included) and scans the whole database (files and WAL on
// SQLite, a full dump elsewhere) and the logs for them.
func TestSessionAndTokenValuesNeverInPlaintext(t *testing.T) {
	srv := tokenServer(t, newManualClock())
	root := srv.RootHeader()
	const (
		sid      = "canary-session-id-5e1d2c"
		sidOther = "canary-session-id-other-5e1d2c"
		secret   = "canary-session-secret-5e1d2c"
		email    = "canary.owner.5e1d2c@example.org"
		card     = "4929 5512 3377 8160"
		cardNorm = "4929551233778160"
		uuidVal  = "canary-token-value-5e1d2c"
		mailVal  = "canary.mail.5e1d2c@example.org"
		digitVal = "83720591846275"
	)
	secrets := []string{sid, sidOther, secret, email, card, cardNorm, uuidVal, mailVal, digitVal}

	createUser(t, srv, `{"login":"canary-owner","email":"`+email+`"}`)
	session := fmt.Sprintf(`{"email":%q,"cookie":{"secret":%q},"list":[%q]}`, email, secret, secret)
	for _, id := range []string{sid, sidOther} {
		if r := srv.Do("POST", "/v1/session/"+id, session, root, asJSON); r.Status != 200 {
			t.Fatalf("write session: %d %s", r.Status, r.Body)
		}
	}
	srv.Do("POST", "/v1/session/"+sid, session, root, asJSON) // a replace
	srv.Do("GET", "/v1/session/"+sid, "", root)
	srv.Do("GET", "/v1/session/"+sid+"-unknown", "", root)
	srv.Do("GET", "/v1/sessions/email/"+email, "", root)
	srv.Do("POST", "/v1/session/"+secret+".bad", session, root, asJSON) // bad id
	srv.Do("POST", "/v1/session/"+sid, `{"broken":"`+secret, root, asJSON)
	srv.Do("GET", "/v1/session/"+sid, "", "X-Bunker-Token: "+secret)

	var tokens []string
	for _, body := range []string{
		`{"value":"` + card + `","format":"creditcard","unique":true}`,
		`{"value":"` + uuidVal + `"}`,
		`{"value":"` + mailVal + `","format":"email"}`,
		`{"value":"` + digitVal + `","format":"digits","expiration":"1h"}`,
	} {
		tokens = append(tokens, tokenize(t, srv, body).Token)
	}
	r := srv.Do("POST", "/v1/tokens", `{"items":[{"value":"`+uuidVal+`"},{"value":"`+card+`","format":"creditcard","unique":true}]}`, asCreator, asJSON)
	var bulk struct{ Rows []struct{ Token string } }
	if err := json.Unmarshal(r.Body, &bulk); err != nil || r.Status != 200 {
		t.Fatalf("bulk: %d %s", r.Status, r.Body)
	}
	for _, row := range bulk.Rows {
		tokens = append(tokens, row.Token)
	}
	list, _ := json.Marshal(map[string]any{"tokens": append(tokens, uuidVal)})
	srv.Do("POST", "/v1/tokens/lookup", string(list), asReader, asJSON)
	for _, tok := range tokens {
		detokenize(t, srv, tok)
	}
	// Failures that carry the values.
	srv.Do("POST", "/v1/token", `{"value":"`+uuidVal+`","format":"Uuid"}`, asCreator, asJSON)
	srv.Do("POST", "/v1/token", `{"value":"`+mailVal+`x","format":"digits"}`, asCreator, asJSON)
	srv.Do("POST", "/v1/tokens", `{"items":[{"value":"`+card+`"},{"value":"`+digitVal+`","format":"creditcard"}]}`, asCreator, asJSON)
	srv.Do("GET", "/v1/token/"+uuidVal, "", asReader)
	srv.Do("GET", "/v1/token/"+tokens[0], "", "X-Bunker-Token: "+uuidVal)

	// The tokens themselves stand in for values: they too are kept only
	// sealed and as blind indexes.
	all := append(secrets, tokens...)
	findPlaintext(t, "the database", srv.Dump(), all)
	findPlaintext(t, "the logs", []byte(srv.Logs()), all)

	srv.Do("DELETE", "/v1/session/"+sid, "", root)
	srv.Do("DELETE", "/v1/sessions/email/"+email, "", root)
	srv.Do("DELETE", "/v1/token/"+tokens[1], "", asDeleter)
	findPlaintext(t, "the database after deletion", srv.Dump(), all)
	findPlaintext(t, "the logs after deletion", []byte(srv.Logs()), all)
}
