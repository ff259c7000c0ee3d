package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"piivault/internal/apitest"
)

// expressSession is a typical express-session document (cookie plus a
// little app state), about 300 bytes.
const expressSession = `{"cookie":{"originalMaxAge":3600000,"expires":"2027-01-01T00:00:00.000Z","secure":true,"httpOnly":true,"path":"/","sameSite":"lax"},` +
	`"views":12,"cart":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}],"flash":{},"csrfSecret":"r4nd0m-s3cr3t-v4lu3-0123456789"}`

func BenchmarkSessionPut(b *testing.B) {
	srv := apitest.New(b)
	serve(b, srv.Handler, "POST", "/v1/session/"+sidExpress, expressSession,
		http.Header{"X-Bunker-Token": {srv.Root}, "Content-Type": {"application/json"}})
}

func BenchmarkSessionGet(b *testing.B) {
	srv := apitest.New(b)
	srv.Do("POST", "/v1/session/"+sidExpress, expressSession, srv.RootHeader(), asJSON)
	serve(b, srv.Handler, "GET", "/v1/session/"+sidExpress, "", http.Header{"X-Bunker-Token": {srv.Root}})
}

func BenchmarkTokenCreateCard(b *testing.B) {
	srv := tokenServer(b, newManualClock())
	serve(b, srv.Handler, "POST", "/v1/token", `{"value":"4111 1111 1111 1111","format":"creditcard"}`,
		http.Header{"X-Bunker-Token": {creatorToken}, "Content-Type": {"application/json"}})
}

func BenchmarkTokenGet(b *testing.B) {
	srv := tokenServer(b, newManualClock())
	r := srv.Do("POST", "/v1/token", `{"value":"4111 1111 1111 1111","format":"creditcard"}`, asCreator, asJSON)
	var c created
	json.Unmarshal(r.Body, &c)
	serve(b, srv.Handler, "GET", "/v1/token/"+c.Token, "", http.Header{"X-Bunker-Token": {readerToken}})
}

// BenchmarkTokenLookup1000 is one bulk detokenization of 1000 tokens.
func BenchmarkTokenLookup1000(b *testing.B) {
	srv := tokenServer(b, newManualClock())
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"value":"v%d"}`, i)
	}
	r := srv.Do("POST", "/v1/tokens", `{"items":[`+strings.Join(items, ",")+`]}`, asCreator, asJSON)
	var out struct{ Rows []struct{ Token string } }
	json.Unmarshal(r.Body, &out)
	tokens := make([]string, len(out.Rows))
	for i, row := range out.Rows {
		tokens[i] = row.Token
	}
	body, _ := json.Marshal(map[string]any{"tokens": tokens})
	serve(b, srv.Handler, "POST", "/v1/tokens/lookup", string(body),
		http.Header{"X-Bunker-Token": {readerToken}, "Content-Type": {"application/json"}})
}
