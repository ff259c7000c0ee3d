package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/httpapi"
	"piivault/internal/ratelimit"
	"piivault/internal/vault"
)

func TestAgreementsOfIdentitiesWithoutUser(t *testing.T) {
	srv, clock := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{"usercontrol":true}`)
	other := createUser(t, srv, `{"login":"other"}`)
	otherLogin := loginToken(t, srv, other)
	t0 := clock.unix()
	held := agr{method: "api", brief: "news", created: t0, mode: "email", ref: "held", status: "yes", when: t0, who: "later@example.com"}
	phone := agr{method: "api", brief: "news", created: t0, mode: "phone", status: "yes", when: t0, who: "+447700900999"}
	run(t, srv, []scenario{
		{name: "root accepts for an email without a user", method: "POST", path: "/v1/agreement/news/email/%20Later@Example.COM",
			headers: []string{root, asJSON}, body: `{"referencecode":"held"}`, status: 200, want: okStatus},
		{name: "the agreement is held against the normalised email, without a token", method: "GET",
			path: "/v1/agreement/news/email/later@example.com", headers: []string{root}, status: 200, want: held.data()},
		{name: "root lists the identity's agreements", method: "GET", path: "/v1/agreements/email/LATER@example.com",
			headers: []string{root}, status: 200, want: agreementList(1, held)},
		{name: "an email with nothing held lists nothing", method: "GET", path: "/v1/agreements/email/none@example.com",
			headers: []string{root}, status: 200, want: agreementList(0)},
		{name: "a phone without a user works the same", method: "POST", path: "/v1/agreement/news/phone/07700900999",
			headers: []string{root, asJSON}, status: 200, want: okStatus},
		{name: "the phone agreement is held against E.164", method: "GET", path: "/v1/agreement/news/phone/+44%207700%20900999",
			headers: []string{root}, status: 200, want: phone.data()},
		{name: "a phone that does not parse matches nothing", method: "POST", path: "/v1/agreement/news/phone/abc",
			headers: []string{root, asJSON}, status: 404, want: errBody("not found")},
		{name: "a login without a user is not found", method: "GET", path: "/v1/agreements/login/later@example.com",
			headers: []string{root}, status: 404, want: errBody("not found")},
		{name: "a login token cannot read an identity's agreements", method: "GET", path: "/v1/agreement/news/email/later@example.com",
			headers: []string{otherLogin}, status: 403, want: errBody("access denied")},
		{name: "a login token cannot list them", method: "GET", path: "/v1/agreements/email/later@example.com",
			headers: []string{otherLogin}, status: 403, want: errBody("access denied")},
		{name: "a login token cannot withdraw them", method: "DELETE", path: "/v1/agreement/news/email/later@example.com",
			headers: []string{otherLogin}, status: 403, want: errBody("access denied")},
	})

	// Created later with that email: the agreement becomes the user's.
	clock.advance(time.Minute)
	later := createUser(t, srv, `{"email":"LATER@example.com ","name":"Later"}`)
	linked := held
	linked.token = later
	// Changing to that phone links the phone's agreement.
	bob := createUser(t, srv, `{"login":"bob"}`)
	mustDo(t, srv, 200, "PUT", "/v1/user/login/bob", `{"phone":"+44 7700 900999"}`, root, asJSON)
	linkedPhone := phone
	linkedPhone.token = bob
	run(t, srv, []scenario{
		{name: "the new user's list holds the linked agreement", method: "GET", path: "/v1/agreements/token/" + later,
			headers: []string{root}, status: 200, want: agreementList(1, linked)},
		{name: "the email now reads the user's agreement", method: "GET", path: "/v1/agreement/news/email/later@example.com",
			headers: []string{root}, status: 200, want: linked.data()},
		{name: "the user's own login token reads it", method: "GET", path: "/v1/agreement/news/token/" + later,
			headers: []string{loginToken(t, srv, later)}, status: 200, want: linked.data()},
		{name: "a user who changes to a held phone gets its agreement", method: "GET", path: "/v1/agreements/login/bob",
			headers: []string{root}, status: 200, want: agreementList(1, linkedPhone)},
	})
	// Erasing the user leaves the email free; agreements stay with the erased user.
	mustDo(t, srv, 200, "DELETE", "/v1/user/token/"+later, "", root)
	run(t, srv, []scenario{
		{name: "an erased user's agreements are not found", method: "GET", path: "/v1/agreements/token/" + later,
			headers: []string{root}, status: 404, want: errBody("not found")},
		{name: "the email is a fresh identity again", method: "GET", path: "/v1/agreements/email/later@example.com",
			headers: []string{root}, status: 200, want: agreementList(0)},
	})
	kept, total, err := srv.DB.AgreementsBySubject(context.Background(), vault.AgreementSubject{UserToken: later}, 0, 10)
	if err != nil || total != 1 || kept[0].Who != nil || kept[0].LastModifiedBy != nil || kept[0].Status != "yes" || kept[0].Brief != "news" {
		t.Fatalf("erasure must keep the agreement as evidence without who: %+v of %d, %v", kept, total, err)
	}
}

func TestLinkingKeepsTheLatestDecision(t *testing.T) {
	srv, clock := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{}`)
	newBasisVia(t, srv, "terms", `{}`)
	eve := createUser(t, srv, `{"login":"eve"}`)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/login/eve", `{"referencecode":"own-old"}`, root, asJSON)
	clock.advance(time.Minute)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/email/dora@example.com", `{"status":"no","referencecode":"held-new"}`, root, asJSON)
	mustDo(t, srv, 200, "POST", "/v1/agreement/terms/email/dora@example.com", `{"referencecode":"held-old"}`, root, asJSON)
	clock.advance(time.Minute)
	mustDo(t, srv, 200, "POST", "/v1/agreement/terms/login/eve", `{"referencecode":"own-new"}`, root, asJSON)
	clock.advance(time.Minute)
	mustDo(t, srv, 200, "PUT", "/v1/user/login/eve", `{"email":"dora@example.com"}`, root, asJSON)
	run(t, srv, []scenario{
		{name: "the held agreement changed later replaces the user's", method: "GET", path: "/v1/agreement/news/token/" + eve,
			headers: []string{root}, status: 200, contains: []string{`"referencecode":"held-new"`, `"status":"no"`, `"token":"` + eve}},
		{name: "the user's agreement changed later stays", method: "GET", path: "/v1/agreement/terms/token/" + eve,
			headers: []string{root}, status: 200, contains: []string{`"referencecode":"own-new"`}},
		{name: "one agreement per basis is left", method: "GET", path: "/v1/agreements/token/" + eve,
			headers: []string{root}, status: 200, contains: []string{`"total":2`}},
	})
}

func TestTokenlessLoginConsent(t *testing.T) {
	srv, _ := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{"module":"newsletter"}`)
	ann := createUser(t, srv, `{"login":"ann","email":"ann@example.com"}`)
	email := "/v1/agreement/core-send-email-on-login/email/"
	unauth := func(name, path, body string, headers ...string) scenario {
		return scenario{name: name, method: "POST", path: path, body: body, headers: headers, status: 401,
			want: errBody("access denied"), header: map[string]string{"WWW-Authenticate": "X-Bunker-Token"}}
	}
	run(t, srv, []scenario{
		{name: "consent to a login basis by email needs no token", method: "POST", path: email + "visitor@example.com",
			headers: []string{asJSON}, body: `{"agreementmethod":"portal"}`, status: 200, want: okStatus},
		{name: "the consent is held against the email", method: "GET", path: email + "visitor@example.com",
			headers: []string{root}, status: 200, contains: []string{`"agreementmethod":"portal"`, `"status":"yes"`, `"token":""`}},
		{name: "an empty header counts as none", method: "POST", path: "/v1/agreement/core-send-sms-on-login/phone/07700900555",
			headers: []string{"X-Bunker-Token: "}, status: 200, want: okStatus},
		{name: "a live user's email is the user's consent", method: "POST", path: email + "ANN@example.com", status: 200, want: okStatus},
		{name: "the user holds it", method: "GET", path: "/v1/agreements/token/" + ann, headers: []string{root},
			status: 200, contains: []string{`"brief":"core-send-email-on-login"`, `"token":"` + ann}},
		{name: "a field error is reported once the exception applies", method: "POST", path: email + "visitor@example.com",
			headers: []string{asJSON}, body: `{"agreementmethod":"` + strings.Repeat("x", 300) + `"}`, status: 400, want: errBody("bad agreementmethod")},

		unauth("a basis of another module needs a token", "/v1/agreement/news/email/visitor@example.com", ""),
		unauth("an unknown brief needs a token", "/v1/agreement/nothing/email/visitor@example.com", ""),
		unauth("a malformed brief needs a token", "/v1/agreement/9x/email/visitor@example.com", ""),
		unauth("login mode needs a token", "/v1/agreement/core-send-email-on-login/login/ann", ""),
		unauth("token mode needs a token", "/v1/agreement/core-send-email-on-login/token/"+ann, ""),
		unauth("custom mode needs a token", "/v1/agreement/core-send-email-on-login/custom/x", ""),
		unauth("a bad mode needs a token", "/v1/agreement/core-send-email-on-login/nomode/x", ""),
		unauth("a withdrawal needs a token", email+"visitor@example.com", `{"status":"no"}`, asJSON),
		unauth("a status that is not yes needs a token", email+"visitor@example.com", `{"status":"maybe"}`, asJSON),
		unauth("a body that does not parse needs a token", email+"visitor@example.com", `{"status":`, asJSON),
		unauth("a body of another media type needs a token", email+"visitor@example.com", `status=yes`, "Content-Type: text/plain"),

		{name: "a wrong token is refused", method: "POST", path: email + "visitor@example.com",
			headers: []string{"X-Bunker-Token: " + vault.NewUUID()}, status: 403, want: errBody("access denied")},
		{name: "a token sent twice is refused", method: "POST", path: email + "visitor@example.com",
			headers: []string{root, root}, status: 403, want: errBody("access denied")},
	})
	run(t, srv, []scenario{
		{name: "tokenless withdrawal does not exist", method: "DELETE", path: email + "visitor@example.com", status: 401,
			want: errBody("access denied")},
		{name: "the consents given without a token stand", method: "GET", path: email + "visitor@example.com",
			headers: []string{root}, status: 200, contains: []string{`"status":"yes"`}},
	})
	newBasisVia(t, srv, "core-send-email-on-login", `{"status":"disabled"}`)
	run(t, srv, []scenario{
		{name: "a disabled login basis is a conflict, past authentication", method: "POST", path: email + "visitor@example.com",
			status: 409, want: errBody("legal basis not active")},
	})
}

func TestTokenlessAcceptIsRateLimited(t *testing.T) {
	srv, _ := consentServer(t, apitest.WithHTTP(func(o *httpapi.Options) {
		o.RateLimits.AnonymousPerIP = ratelimit.Limit{Count: 2, Window: time.Minute}
	}))
	root := srv.RootHeader()
	path := "/v1/agreement/core-send-email-on-login/email/visitor@example.com"
	mustDo(t, srv, 200, "POST", path, "")
	mustDo(t, srv, 401, "POST", "/v1/agreement/nothing/email/visitor@example.com", "") // counts, whatever it answers
	res := mustDo(t, srv, 429, "POST", path, "")
	if res.Header.Get("Retry-After") == "" || strings.TrimSpace(string(res.Body)) != errBody("too many requests") {
		t.Fatalf("429 without Retry-After or envelope: %v %s", res.Header, res.Body)
	}
	for range 3 {
		mustDo(t, srv, 200, "POST", path, "", root) // a token is not limited by the anonymous limit
	}
}
