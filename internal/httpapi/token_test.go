package httpapi_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// Scoped tokens of the tokenization tests (auth.scoped_tokens).
const (
	creatorToken = "scoped-creator-secret"
	readerToken  = "scoped-reader-secret"
	deleterToken = "scoped-deleter-secret"
	allToken     = "scoped-all-scopes-secret"
)

var (
	asCreator = "X-Bunker-Token: " + creatorToken
	asReader  = "X-Bunker-Token: " + readerToken
	asDeleter = "X-Bunker-Token: " + deleterToken
	asAll     = "X-Bunker-Token: " + allToken
)

// tokenServer runs the API with the four scoped tokens and a hand-moved clock.
func tokenServer(t testing.TB, clock *manualClock, opts ...apitest.Option) *apitest.Server {
	scoped := apitest.WithVault(func(o *vault.Options) {
		o.ScopedTokens = []vault.ScopedToken{
			{Name: "creator", SHA256: vault.HashToken(creatorToken), Scopes: []string{"token:create"}},
			{Name: "reader", SHA256: vault.HashToken(readerToken), Scopes: []string{"token:read"}},
			{Name: "deleter", SHA256: vault.HashToken(deleterToken), Scopes: []string{"token:delete"}},
			{Name: "all", SHA256: vault.HashToken(allToken), Scopes: []string{"token:create", "token:read", "token:delete"}},
		}
	})
	return apitest.New(t, append([]apitest.Option{scoped, withClock(clock)}, opts...)...)
}

// created is the answer of POST /v1/token.
type created struct {
	Status, Token, Format string
	ExpTime               int64
}

// tokenize creates a token with body and fails the test unless it succeeds.
func tokenize(t *testing.T, srv *apitest.Server, body string) created {
	t.Helper()
	r := srv.Do("POST", "/v1/token", body, asCreator, asJSON)
	var c created
	if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 200 || c.Status != "ok" {
		t.Fatalf("tokenize %s: %d %s", body, r.Status, r.Body)
	}
	return c
}

// detokenize returns the value of a live token and fails the test otherwise.
func detokenize(t *testing.T, srv *apitest.Server, token string) (value string, exptime int64) {
	t.Helper()
	r := srv.Do("GET", "/v1/token/"+token, "", asReader)
	var v struct {
		Status, Token, Value, Format string
		ExpTime                      int64
	}
	if err := json.Unmarshal(r.Body, &v); err != nil || r.Status != 200 || v.Token != token {
		t.Fatalf("detokenize: %d %s", r.Status, r.Body)
	}
	return v.Value, v.ExpTime
}

// luhn is an independent Luhn check (not vault's).
func luhn(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func TestTokenRoutes(t *testing.T) {
	clock := newManualClock()
	srv := tokenServer(t, clock)
	root := srv.RootHeader()
	createUser(t, srv, `{"login":"john"}`)
	tok := tokenize(t, srv, `{"value":"4111 1111 1111 1111","format":"creditcard"}`).Token
	upper := strings.ToUpper(tokenize(t, srv, `{"value":"case"}`).Token)
	denied := errBody("access denied")
	call := func(name, method, path, token, body string, status int, want string) scenario {
		h := []string{asJSON}
		if token != "" {
			h = append(h, token)
		}
		return scenario{name: name, method: method, path: path, headers: h, body: body, status: status, want: want}
	}
	tokenRow := `{"status":"ok","token":"` + tok + `","value":"4111 1111 1111 1111","format":"creditcard","exptime":0}`
	run(t, srv, []scenario{
		call("the creator tokenizes", "POST", "/v1/token", asCreator, `{"value":"x"}`, 200, `{"status":"ok","token":"<uuid>","format":"uuid","exptime":0}`),
		call("root tokenizes", "POST", "/v1/token", root, `{"value":"x"}`, 200, `{"status":"ok","token":"<uuid>","format":"uuid","exptime":0}`),
		call("the reader detokenizes", "GET", "/v1/token/"+tok, asReader, "", 200, tokenRow),
		call("root detokenizes", "GET", "/v1/token/"+tok, root, "", 200, tokenRow),
		call("a token holding every scope detokenizes", "GET", "/v1/token/"+tok, asAll, "", 200, tokenRow),

		call("no token", "POST", "/v1/token", "", `{"value":"x"}`, 401, denied),
		call("an unknown token", "POST", "/v1/token", "X-Bunker-Token: "+vault.NewUUID(), `{"value":"x"}`, 403, denied),
		call("the reader may not create", "POST", "/v1/token", asReader, `{"value":"x"}`, 403, denied),
		call("the deleter may not create in bulk", "POST", "/v1/tokens", asDeleter, `{"items":[{"value":"x"}]}`, 403, denied),
		call("the creator may not read", "GET", "/v1/token/"+tok, asCreator, "", 403, denied),
		call("the creator may not look up in bulk", "POST", "/v1/tokens/lookup", asCreator, `{"tokens":["`+tok+`"]}`, 403, denied),
		call("the reader may not delete", "DELETE", "/v1/token/"+tok, asReader, "", 403, denied),
		call("scopes are checked before the body", "POST", "/v1/token", asReader, `{"value":`, 403, denied),
		call("a scoped token may not read users", "GET", "/v1/user/login/john", asAll, "", 403, denied),
		call("a scoped token may not write sessions", "POST", "/v1/session/"+sidMin, asAll, `{}`, 403, denied),
		call("a scoped token may not read sessions", "GET", "/v1/session/"+sidMin, asAll, "", 403, denied),
		call("the token survived the refused calls", "GET", "/v1/token/"+tok, asReader, "", 200, tokenRow),

		call("an empty body lacks a value", "POST", "/v1/token", asCreator, "", 400, errBody("bad value")),
		call("{} lacks a value", "POST", "/v1/token", asCreator, `{}`, 400, errBody("bad value")),
		call("a value that is no string", "POST", "/v1/token", asCreator, `{"value":4111111111111111}`, 400, errBody("bad value")),
		call("an empty uuid value", "POST", "/v1/token", asCreator, `{"value":""}`, 400, errBody("bad value")),
		call("a uuid value over 4096 bytes", "POST", "/v1/token", asCreator, `{"value":"`+strings.Repeat("v", 4097)+`"}`, 400, errBody("bad value")),
		call("a format in another case", "POST", "/v1/token", asCreator, `{"value":"x","format":"Uuid"}`, 400, errBody("bad format")),
		call("an unknown format", "POST", "/v1/token", asCreator, `{"value":"x","format":"iban"}`, 400, errBody("bad format")),
		call("a format that is no string", "POST", "/v1/token", asCreator, `{"value":"x","format":1}`, 400, errBody("bad format")),
		call("a bad format is reported before a missing value", "POST", "/v1/token", asCreator, `{"format":"iban"}`, 400, errBody("bad format")),
		call("digits with a letter", "POST", "/v1/token", asCreator, `{"value":"12345a","format":"digits"}`, 400, errBody("bad value")),
		call("digits too short", "POST", "/v1/token", asCreator, `{"value":"12345","format":"digits"}`, 400, errBody("bad value")),
		call("digits too long", "POST", "/v1/token", asCreator, `{"value":"`+strings.Repeat("1", 65)+`","format":"digits"}`, 400, errBody("bad value")),
		call("a card of 11 digits", "POST", "/v1/token", asCreator, `{"value":"4111 1111 111","format":"creditcard"}`, 400, errBody("bad value")),
		call("a card of 20 digits", "POST", "/v1/token", asCreator, `{"value":"41111111111111111111","format":"creditcard"}`, 400, errBody("bad value")),
		call("a card with a dot", "POST", "/v1/token", asCreator, `{"value":"4111.1111.1111.1111","format":"creditcard"}`, 400, errBody("bad value")),
		call("an email without a local part", "POST", "/v1/token", asCreator, `{"value":"@x.com","format":"email"}`, 400, errBody("bad value")),
		call("an email without a domain", "POST", "/v1/token", asCreator, `{"value":"a@","format":"email"}`, 400, errBody("bad value")),
		call("an email without @", "POST", "/v1/token", asCreator, `{"value":"ax.com","format":"email"}`, 400, errBody("bad value")),
		call("an email over 254 bytes", "POST", "/v1/token", asCreator, `{"value":"a@`+strings.Repeat("d", 253)+`","format":"email"}`, 400, errBody("bad value")),
		call("unique that is no boolean", "POST", "/v1/token", asCreator, `{"value":"x","unique":"true"}`, 400, errBody("bad unique")),
		call("an invalid expiration", "POST", "/v1/token", asCreator, `{"value":"x","expiration":"soon"}`, 400, errBody("bad expiration")),
		call("a zero expiration", "POST", "/v1/token", asCreator, `{"value":"x","expiration":0}`, 400, errBody("bad expiration")),
		call("minutes are not a unit", "POST", "/v1/token", asCreator, `{"value":"x","expiration":"5M"}`, 400, errBody("bad expiration")),
		call("null optional fields take their defaults", "POST", "/v1/token", asCreator,
			`{"value":"x","format":null,"unique":null,"expiration":null}`, 200, `{"status":"ok","token":"<uuid>","format":"uuid","exptime":0}`),
		call("a body that is not JSON", "POST", "/v1/token", asCreator, `{"value":`, 400, errBody("failed to decode request body")),
		call("a top-level array", "POST", "/v1/token", asCreator, `[{"value":"x"}]`, 400, errBody("failed to decode request body")),
		{name: "text/plain", method: "POST", path: "/v1/token", headers: []string{asCreator, "Content-Type: text/plain"},
			body: `{"value":"x"}`, status: 415, want: errBody("unsupported media type")},
		{name: "a form", method: "POST", path: "/v1/token", headers: []string{asCreator, asForm},
			body: "value=1234567&format=digits", status: 200, contains: []string{`"format":"digits"`}},
		call("a body over 1 MiB", "POST", "/v1/token", asCreator, `{"value":"`+strings.Repeat("x", 1<<20)+`"}`, 413, errBody("request body too large")),
		call("a bulk body over 1 MiB", "POST", "/v1/tokens", asCreator, `{"items":[`+strings.Repeat(`{"value":"xxxxxxxxxxxxxxxx"},`, 40000)+`{"value":"x"}]}`,
			413, errBody("request body too large")),

		call("an unknown token", "GET", "/v1/token/"+vault.NewUUID(), asReader, "", 404, errBody("not found")),
		call("tokens are case-sensitive", "GET", "/v1/token/"+upper, asReader, "", 404, errBody("not found")),
		call("a token over 320 bytes", "GET", "/v1/token/"+strings.Repeat("1", 321), asReader, "", 404, errBody("not found")),
		call("a value is no token", "GET", "/v1/token/4111111111111111", asReader, "", 404, errBody("not found")),
		call("deleting a token", "DELETE", "/v1/token/"+tok, asDeleter, "", 200, `{"status":"ok"}`),
		call("a deleted token is not found", "GET", "/v1/token/"+tok, asReader, "", 404, errBody("not found")),
		call("deleting it again", "DELETE", "/v1/token/"+tok, asDeleter, "", 404, errBody("not found")),
		call("deleting an unknown token", "DELETE", "/v1/token/nope", root, "", 404, errBody("not found")),
		{name: "PUT is no token method", method: "PUT", path: "/v1/token/x", headers: []string{root}, status: 405,
			want: errBody("method not allowed"), header: map[string]string{"Allow": "GET, DELETE, OPTIONS"}},
		{name: "bulk creation is POST only", method: "GET", path: "/v1/tokens", headers: []string{root}, status: 405,
			want: errBody("method not allowed"), header: map[string]string{"Allow": "POST, OPTIONS"}},
		{name: "bulk lookup is POST only", method: "GET", path: "/v1/tokens/lookup", headers: []string{root}, status: 405,
			want: errBody("method not allowed"), header: map[string]string{"Allow": "POST, OPTIONS"}},
	})
}

var (
	uuidV4     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	emailToken = regexp.MustCompile(`^[a-z0-9]{16}@piivault\.invalid$`)
	allDigits  = regexp.MustCompile(`^[0-9]+$`)
)

// TestTokenFormats tokenizes many values of every format, each several
// times, and checks the shape of every token and that the value comes back
// exactly as sent.
func TestTokenFormats(t *testing.T) {
	srv := tokenServer(t, newManualClock())
	digitsOf := func(s string) string { return strings.NewReplacer(" ", "", "-", "").Replace(s) }
	tests := []struct {
		format string
		values []string
		check  func(t *testing.T, value, token string)
	}{
		{"uuid", []string{"x", "Zoë 🙂", "a/b?c=d&e", strings.Repeat("v", 4096), "00000000-0000-4000-8000-000000000000"},
			func(t *testing.T, value, token string) {
				if !uuidV4.MatchString(token) {
					t.Errorf("uuid token %q is no lower-case UUID v4", token)
				}
			}},
		{"digits", []string{"123456", "000000", "0123456789", strings.Repeat("9", 64)},
			func(t *testing.T, value, token string) {
				if len(token) != len(value) || !allDigits.MatchString(token) {
					t.Errorf("digits token of %d digits has the wrong shape (%d chars)", len(value), len(token))
				}
			}},
		{"creditcard", []string{"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005",
			"6011 1111 1111 1117", "123456789012", "4000000000000000002", "0000 0000 0000 0000"},
			func(t *testing.T, value, token string) {
				card := digitsOf(value)
				switch {
				case len(token) != len(card) || !allDigits.MatchString(token):
					t.Errorf("card token has %d chars, want %d digits", len(token), len(card))
				case token[len(token)-4:] != card[len(card)-4:]:
					t.Errorf("card token does not keep the last four digits")
				case token[0] == '0':
					t.Errorf("card token starts with 0")
				case !luhn(token):
					t.Errorf("card token fails the Luhn check")
				case token == card:
					t.Errorf("card token equals the card number")
				}
			}},
		{"email", []string{"john@example.com", "a@b", "a@b@c", "Mixed.Case+tag@Example.COM"},
			func(t *testing.T, value, token string) {
				if !emailToken.MatchString(token) {
					t.Errorf("email token %q has the wrong shape", token)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			for _, value := range tc.values {
				seen := map[string]bool{}
				for range 5 {
					body, _ := json.Marshal(map[string]any{"value": value, "format": tc.format})
					c := tokenize(t, srv, string(body))
					if c.Format != tc.format || c.ExpTime != 0 {
						t.Fatalf("answer format %q exptime %d", c.Format, c.ExpTime)
					}
					if c.Token == value || seen[c.Token] {
						t.Fatalf("%s token equals its value or repeats without unique", tc.format)
					}
					seen[c.Token] = true
					tc.check(t, value, c.Token)
					if got, _ := detokenize(t, srv, c.Token); got != value {
						t.Fatalf("%s value does not come back exactly as sent", tc.format)
					}
				}
			}
		})
	}
}

// TestTokenUnique: unique=true hands out one token per (format, normalised
// value) while it lives; unique=false never reuses.
func TestTokenUnique(t *testing.T) {
	clock := newManualClock()
	srv := tokenServer(t, clock)
	a := tokenize(t, srv, `{"value":"4111-1111-1111-1111","format":"creditcard","unique":true,"expiration":"1h"}`)
	tests := []struct {
		name, body string
		same       bool
	}{
		{"the same value again", `{"value":"4111-1111-1111-1111","format":"creditcard","unique":true}`, true},
		{"the same card written otherwise", `{"value":"4111 1111 1111 1111","format":"creditcard","unique":true,"expiration":"2h"}`, true},
		{"the same card without unique", `{"value":"4111111111111111","format":"creditcard"}`, false},
		{"unique false explicitly", `{"value":"4111111111111111","format":"creditcard","unique":false}`, false},
		{"the same digits in another format", `{"value":"4111111111111111","format":"digits","unique":true}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tokenize(t, srv, tc.body)
			if (c.Token == a.Token) != tc.same {
				t.Fatalf("same token = %v, want %v", c.Token == a.Token, tc.same)
			}
			if tc.same && c.ExpTime != a.ExpTime {
				t.Fatalf("a repeated unique request changed the expiry: %d, want %d", c.ExpTime, a.ExpTime)
			}
		})
	}
	// The value is the one first tokenized; a plain token is never reused
	// by a unique request.
	if v, _ := detokenize(t, srv, a.Token); v != "4111-1111-1111-1111" {
		t.Fatalf("unique token value %q", v)
	}
	plain := tokenize(t, srv, `{"value":"plain-first"}`)
	if u := tokenize(t, srv, `{"value":"plain-first","unique":true}`); u.Token == plain.Token {
		t.Fatal("a unique request reused a token made without unique")
	}
	// Once the unique token expires, the next unique request gets a new one,
	// which is stable in turn.
	clock.advance(time.Hour)
	b := tokenize(t, srv, `{"value":"4111111111111111","format":"creditcard","unique":true}`)
	if b.Token == a.Token {
		t.Fatal("an expired unique token was handed out again")
	}
	if c := tokenize(t, srv, `{"value":"4111111111111111","format":"creditcard","unique":true}`); c.Token != b.Token {
		t.Fatal("the new unique token is not stable")
	}
	// Deleting a unique token frees its value.
	if r := srv.Do("DELETE", "/v1/token/"+b.Token, "", asDeleter); r.Status != 200 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if c := tokenize(t, srv, `{"value":"4111111111111111","format":"creditcard","unique":true}`); c.Token == b.Token {
		t.Fatal("a deleted unique token came back")
	}
}

// TestTokenExpiry drives the clock by hand.
func TestTokenExpiry(t *testing.T) {
	clock := newManualClock()
	srv := tokenServer(t, clock)
	t0 := clock.unix()
	short := tokenize(t, srv, `{"value":"short-lived","expiration":"10s"}`)
	abs := tokenize(t, srv, fmt.Sprintf(`{"value":"absolute","expiration":%d}`, t0+100))
	never := tokenize(t, srv, `{"value":"forever"}`)
	for _, c := range []struct {
		got  created
		want int64
	}{{short, t0 + 10}, {abs, t0 + 100}, {never, 0}} {
		if c.got.ExpTime != c.want {
			t.Fatalf("exptime %d, want %d", c.got.ExpTime, c.want)
		}
	}
	if _, exp := detokenize(t, srv, short.Token); exp != t0+10 {
		t.Fatalf("read exptime %d", exp)
	}
	clock.advance(9 * time.Second)
	detokenize(t, srv, short.Token)
	clock.advance(time.Second)
	run(t, srv, []scenario{
		{name: "an expired token is not found", method: "GET", path: "/v1/token/" + short.Token, headers: []string{asReader},
			status: 404, want: errBody("not found")},
		{name: "nor deleted", method: "DELETE", path: "/v1/token/" + short.Token, headers: []string{asDeleter},
			status: 404, want: errBody("not found")},
		{name: "and reads as missing in bulk", method: "POST", path: "/v1/tokens/lookup", headers: []string{asReader, asJSON},
			body:   fmt.Sprintf(`{"tokens":[%q,%q]}`, short.Token, never.Token),
			status: 200, want: `{"status":"ok","total":2,"rows":[{"token":"<uuid>","error":"not found"},` +
				`{"token":"<uuid>","value":"forever","format":"uuid","exptime":0}]}`},
	})
	detokenize(t, srv, abs.Token)
	clock.advance(90 * time.Second)
	if r := srv.Do("GET", "/v1/token/"+abs.Token, "", asReader); r.Status != 404 {
		t.Fatalf("absolute expiry passed: %d", r.Status)
	}
	detokenize(t, srv, never.Token)

	// The sweeper deletes exactly the expired tokens.
	if res, err := srv.Service.SweepExpired(t.Context()); err != nil || res.Tokens != 2 {
		t.Fatalf("sweep: %+v, %v; want 2 tokens", res, err)
	}
	if res, err := srv.Service.SweepExpired(t.Context()); err != nil || res.Tokens != 0 {
		t.Fatalf("second sweep: %+v, %v", res, err)
	}
	detokenize(t, srv, never.Token)
}

// TestTokenRetentionPolicy: policy.max_token_retention_period caps every
// token, those asking for no expiry included.
func TestTokenRetentionPolicy(t *testing.T) {
	clock := newManualClock()
	srv := tokenServer(t, clock, apitest.WithVault(func(o *vault.Options) { o.MaxTokenRetention = time.Hour }))
	t0 := clock.unix()
	for body, want := range map[string]int64{
		`{"value":"a"}`:                     t0 + 3600,
		`{"value":"a","expiration":"2d"}`:   t0 + 3600,
		`{"value":"a","expiration":"600"}`:  t0 + 600,
		`{"value":"a","expiration":"1m"}`:   t0 + 3600,
		`{"value":"a","expiration":"3599"}`: t0 + 3599,
	} {
		if c := tokenize(t, srv, body); c.ExpTime != want {
			t.Errorf("%s: exptime %d, want %d", body, c.ExpTime, want)
		}
	}
}

// TestTokenBulk: bulk creation is all or nothing with the failing index in
// the message; bulk lookup answers every token in input order.
func TestTokenBulk(t *testing.T) {
	clock := newManualClock()
	srv := tokenServer(t, clock)
	items := func(n int, item func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = item(i)
		}
		return `{"items":[` + strings.Join(parts, ",") + `]}`
	}
	bulk := func(name, body string, status int, want string) scenario {
		return scenario{name: name, method: "POST", path: "/v1/tokens", headers: []string{asCreator, asJSON}, body: body, status: status, want: want}
	}
	lookup := func(name, body string, status int, want string) scenario {
		return scenario{name: name, method: "POST", path: "/v1/tokens/lookup", headers: []string{asReader, asJSON}, body: body, status: status, want: want}
	}
	run(t, srv, []scenario{
		bulk("no items", `{}`, 400, errBody("bad items")),
		bulk("an empty body", ``, 400, errBody("bad items")),
		bulk("items empty", `{"items":[]}`, 400, errBody("bad items")),
		bulk("items not a list", `{"items":{"value":"x"}}`, 400, errBody("bad items")),
		bulk("1001 items", items(1001, func(int) string { return `{"value":"x"}` }), 400, errBody("too many items")),
		bulk("the first bad item is named", `{"items":[{"value":"ok"},{"value":"x","format":"digits"},{"value":""}]}`, 400, errBody("items[1]: bad value")),
		bulk("an item that is no object", `{"items":[{"value":"ok"},{"value":"ok"},"x"]}`, 400, errBody("items[2]: bad value")),
		bulk("a bad format in an item", `{"items":[{"value":"x","format":"Email"}]}`, 400, errBody("items[0]: bad format")),
		bulk("a bad unique in an item", `{"items":[{"value":"x"},{"value":"x","unique":1}]}`, 400, errBody("items[1]: bad unique")),
		bulk("a bad expiration in the last of 1000 items",
			items(1000, func(i int) string {
				if i == 999 {
					return `{"value":"x","expiration":"-1s"}`
				}
				return `{"value":"x","expiration":"5s"}`
			}), 400, errBody("items[999]: bad expiration")),
		lookup("no tokens", `{}`, 400, errBody("bad tokens")),
		lookup("tokens empty", `{"tokens":[]}`, 400, errBody("bad tokens")),
		lookup("a token that is no string", `{"tokens":["a",1]}`, 400, errBody("bad tokens")),
		lookup("1001 tokens", `{"tokens":[`+strings.TrimSuffix(strings.Repeat(`"t",`, 1001), ",")+`]}`, 400, errBody("too many items")),
		lookup("only missing tokens", `{"tokens":["nope","`+strings.Repeat("1", 321)+`"]}`, 200,
			`{"status":"ok","total":2,"rows":[{"token":"nope","error":"not found"},{"token":"`+strings.Repeat("1", 321)+`","error":"not found"}]}`),
	})
	// The refused calls stored nothing: the 999 tokens of the call failing
	// at its last item would now be expired and swept.
	clock.advance(10 * time.Second)
	if res, err := srv.Service.SweepExpired(t.Context()); err != nil || res.Tokens != 0 {
		t.Fatalf("a refused bulk call stored tokens: %+v, %v", res, err)
	}

	var out struct {
		Status string
		Total  int
		Rows   []struct {
			Token, Format string
			ExpTime       int64
		}
	}
	body := `{"items":[{"value":"4111111111111111","format":"creditcard","unique":true},{"value":"a@b.c","format":"email"},` +
		`{"value":"4111 1111 1111 1111","format":"creditcard","unique":true},{"value":"123456","format":"digits","expiration":"1h"},{"value":"plain"}]}`
	r := srv.Do("POST", "/v1/tokens", body, asCreator, asJSON)
	if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != 200 || out.Status != "ok" || out.Total != 5 || len(out.Rows) != 5 {
		t.Fatalf("bulk create: %d %s", r.Status, r.Body)
	}
	if !strings.HasPrefix(string(r.Body), `{"status":"ok","total":5,"rows":[{"token":`) || !strings.Contains(string(r.Body), `","format":"creditcard","exptime":0}`) {
		t.Fatalf("bulk create shape: %s", r.Body)
	}
	wantFormats := []string{"creditcard", "email", "creditcard", "digits", "uuid"}
	for i, row := range out.Rows {
		if row.Format != wantFormats[i] {
			t.Fatalf("row %d: format %s, want %s (input order)", i, row.Format, wantFormats[i])
		}
	}
	if out.Rows[0].Token != out.Rows[2].Token {
		t.Fatal("unique items with the same card did not share a token")
	}
	if out.Rows[3].ExpTime != clock.unix()+3600 {
		t.Fatalf("row 3 exptime %d", out.Rows[3].ExpTime)
	}

	before := srv.Service.Detokenized()
	tokens := []string{out.Rows[4].Token, "missing", out.Rows[0].Token, out.Rows[1].Token, out.Rows[4].Token}
	list, _ := json.Marshal(map[string]any{"tokens": tokens})
	r = srv.Do("POST", "/v1/tokens/lookup", string(list), asReader, asJSON)
	want := fmt.Sprintf(`{"status":"ok","total":5,"rows":[`+
		`{"token":%q,"value":"plain","format":"uuid","exptime":0},`+
		`{"token":"missing","error":"not found"},`+
		`{"token":%q,"value":"4111111111111111","format":"creditcard","exptime":0},`+
		`{"token":%q,"value":"a@b.c","format":"email","exptime":0},`+
		`{"token":%q,"value":"plain","format":"uuid","exptime":0}]}`+"\n",
		tokens[0], tokens[2], tokens[3], tokens[4])
	if r.Status != 200 || string(r.Body) != want {
		t.Fatalf("bulk lookup:\n got %s\nwant %s", r.Body, want)
	}
	if got := srv.Service.Detokenized() - before; got != 4 {
		t.Fatalf("a lookup of 4 found tokens counted %d detokenizations", got)
	}
	before = srv.Service.Detokenized()
	detokenize(t, srv, tokens[0])
	srv.Do("GET", "/v1/token/missing", "", asReader)
	srv.Do("GET", "/v1/token/"+tokens[0], "", asCreator) // refused
	if got := srv.Service.Detokenized() - before; got != 1 {
		t.Fatalf("one detokenization counted %d times", got)
	}

	// 1000 items in one call, and a lookup of all of them.
	r = srv.Do("POST", "/v1/tokens", items(1000, func(i int) string { return fmt.Sprintf(`{"value":"v%d"}`, i) }), asCreator, asJSON)
	if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != 200 || out.Total != 1000 {
		t.Fatalf("1000 items: %d %.200s", r.Status, r.Body)
	}
	all := make([]string, 1000)
	for i, row := range out.Rows {
		all[i] = row.Token
	}
	list, _ = json.Marshal(map[string]any{"tokens": all})
	r = srv.Do("POST", "/v1/tokens/lookup", string(list), asReader, asJSON)
	var found struct {
		Total int
		Rows  []struct{ Token, Value, Error string }
	}
	if err := json.Unmarshal(r.Body, &found); err != nil || r.Status != 200 || found.Total != 1000 {
		t.Fatalf("lookup of 1000: %d %.200s", r.Status, r.Body)
	}
	for i, row := range found.Rows {
		if row.Token != all[i] || row.Value != fmt.Sprintf("v%d", i) || row.Error != "" {
			t.Fatalf("row %d out of order or wrong", i)
		}
	}
}
