package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

var okToken = `{"status":"ok","token":"<uuid>"}`

// nested returns n objects nested in one another: {"a":{"a":...1}}.
func nested(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }

func TestCreateUser(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	run(t, srv, []scenario{
		{name: "a JSON profile creates a user", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body:   `{"login":"john","email":"John@Example.com","phone":"07700900123","custom":"c-1","name":"John"}`,
			status: 200, want: okToken},
		{name: "the trailing-slash path creates a user without a redirect", method: "POST", path: "/v1/user/",
			headers: []string{root, asJSON}, body: `{"login":"slash"}`, status: 200, want: okToken},
		{name: "a JSON media type in another case with parameters is JSON", method: "POST", path: "/v1/user",
			headers: []string{root, "Content-Type: Application/JSON;charset=UTF-8"}, body: `{"login":"params"}`, status: 200, want: okToken},
		{name: "a form creates a user", method: "POST", path: "/v1/user", headers: []string{root, asForm},
			body: "login=formuser&first=John+Smith&first=ignored&email=form%40x.com", status: 200, want: okToken},
		{name: "form values are strings and the first of a repeated key wins", method: "GET", path: "/v1/user/login/formuser",
			headers: []string{root}, status: 200,
			want: `{"status":"ok","token":"<uuid>","data":{"email":"form@x.com","first":"John Smith","login":"formuser"}}`},
		{name: "numbers keep their digits and HTML is not escaped", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body:   `{"login":12345,"n":1.10,"big":123456789012345678901234567890,"e":1E+400,"neg":-0,"html":"<b>&</b>","uni":"Zoë 🙂\u2028"}`,
			status: 200, want: okToken},
		{name: "a numeric login is found by its text", method: "GET", path: "/v1/user/login/12345", headers: []string{root},
			status: 200, golden: "user_numbers.json"},

		{name: "a login already held is a conflict", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"john"}`, status: 409, want: errBody("duplicate index: login")},
		{name: "an email differing in case and space is a conflict", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"email":"  john@EXAMPLE.com "}`, status: 409, want: errBody("duplicate index: email")},
		{name: "a phone in another notation is a conflict", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"phone":"+44 7700 900123"}`, status: 409, want: errBody("duplicate index: phone")},
		{name: "the first conflict in field order is reported", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"custom":"c-1","email":"john@example.com"}`, status: 409, want: errBody("duplicate index: email")},
		{name: "a profile without index fields is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"name":"x","email":null}`, status: 400, want: errBody("failed to create user, all user lookup fields are missing")},
		{name: "an index field of the wrong type is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":true}`, status: 400, want: errBody("bad login")},
		{name: "an email object is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"email":{"a":1}}`, status: 400, want: errBody("bad email")},

		{name: "a 0-byte body is empty", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			status: 400, want: errBody("empty request body")},
		{name: "a white-space body is empty", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: " \n\t\r ", status: 400, want: errBody("empty request body")},
		{name: "an empty object is empty", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: " {} ", status: 400, want: errBody("empty request body")},
		{name: "an empty body without a content type is empty, not 415", method: "POST", path: "/v1/user", headers: []string{root},
			status: 400, want: errBody("empty request body")},
		{name: "a white-space body of another media type is empty, not 415", method: "POST", path: "/v1/user",
			headers: []string{root, "Content-Type: text/plain"}, body: "  ", status: 400, want: errBody("empty request body")},
		{name: "an empty form is empty", method: "POST", path: "/v1/user", headers: []string{root, asForm},
			body: "&", status: 400, want: errBody("empty request body")},

		{name: "a form body starting with a brace is refused", method: "POST", path: "/v1/user", headers: []string{root, asForm},
			body: `{"login":"x"}`, status: 400, want: errBody("failed to decode request body")},
		{name: "a form body starting with a bracket after spaces is refused", method: "POST", path: "/v1/user",
			headers: []string{root, asForm}, body: "  [1]", status: 400, want: errBody("failed to decode request body")},
		{name: "a form with a bad escape is refused", method: "POST", path: "/v1/user", headers: []string{root, asForm},
			body: "login=%zz", status: 400, want: errBody("failed to decode request body")},
		{name: "a body without a content type is refused", method: "POST", path: "/v1/user", headers: []string{root},
			body: `{"login":"x"}`, status: 415, want: errBody("unsupported media type")},
		{name: "text/plain is refused", method: "POST", path: "/v1/user", headers: []string{root, "Content-Type: text/plain"},
			body: `{"login":"x"}`, status: 415, want: errBody("unsupported media type")},
		{name: "XML is not parsed as JSON", method: "POST", path: "/v1/user", headers: []string{root, "Content-Type: application/xml"},
			body: `{"login":"x"}`, status: 415, want: errBody("unsupported media type")},
		{name: "merge-patch JSON is only for PUT", method: "POST", path: "/v1/user", headers: []string{root, asMerge},
			body: `{"login":"x"}`, status: 415, want: errBody("unsupported media type")},

		{name: "malformed JSON is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":`, status: 400, want: errBody("failed to decode request body")},
		{name: "a repeated key is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"a","login":"b"}`, status: 400, want: errBody("failed to decode request body")},
		{name: "a repeated key deep down is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"a","x":[{"k":1,"k":2}]}`, status: 400, want: errBody("failed to decode request body")},
		{name: "trailing garbage is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"a"} x`, status: 400, want: errBody("failed to decode request body")},
		{name: "a second value is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"a"}{"login":"b"}`, status: 400, want: errBody("failed to decode request body")},
		{name: "a top-level array is refused on POST", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `[{"login":"a"}]`, status: 400, want: errBody("failed to decode request body")},
		{name: "a top-level string is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `"login"`, status: 400, want: errBody("failed to decode request body")},
		{name: "invalid UTF-8 is refused", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: "{\"login\":\"\xff\"}", status: 400, want: errBody("failed to decode request body")},
		{name: "33 levels of nesting are too deep", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"deep","d":` + nested(32) + `}`, status: 400, want: errBody("json nesting too deep")},
		{name: "32 levels of nesting are fine", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"deep","d":` + nested(31) + `}`, status: 200, want: okToken},

		{name: "no token is 401 with WWW-Authenticate", method: "POST", path: "/v1/user", headers: []string{asJSON},
			body: `{"login":"anon"}`, status: 401, want: errBody("access denied"),
			header: map[string]string{"WWW-Authenticate": "X-Bunker-Token"}},
		{name: "an empty token is 401", method: "POST", path: "/v1/user", headers: []string{"X-Bunker-Token: ", asJSON},
			body: `{"login":"anon"}`, status: 401, want: errBody("access denied"),
			header: map[string]string{"WWW-Authenticate": "X-Bunker-Token"}},
		{name: "a wrong token is 403", method: "POST", path: "/v1/user", headers: []string{"X-Bunker-Token: " + vault.NewUUID(), asJSON},
			body: `{"login":"anon"}`, status: 403, want: errBody("access denied"), header: map[string]string{"WWW-Authenticate": ""}},
		{name: "the token sent twice is 403", method: "POST", path: "/v1/user", headers: []string{root, root, asJSON},
			body: `{"login":"twice"}`, status: 403, want: errBody("access denied")},
		{name: "a token in the query string does not count", method: "POST", path: "/v1/user?X-Bunker-Token=" + srv.Root,
			headers: []string{asJSON}, body: `{"login":"query"}`, status: 401, want: errBody("access denied")},
		{name: "authentication comes before the body", method: "POST", path: "/v1/user", headers: []string{"Content-Type: text/plain"},
			body: "junk", status: 401, want: errBody("access denied")},
	})
}

func TestAnonymousCreate(t *testing.T) {
	srv := apitest.New(t, apitest.WithVault(func(o *vault.Options) { o.AnonymousCreate = true }))
	run(t, srv, []scenario{
		{name: "no token creates a user", method: "POST", path: "/v1/user", headers: []string{asJSON},
			body: `{"login":"anon"}`, status: 200, want: okToken},
		{name: "a token that is sent must still be valid", method: "POST", path: "/v1/user",
			headers: []string{"X-Bunker-Token: DEMO", asJSON}, body: `{"login":"anon2"}`, status: 403, want: errBody("access denied")},
		{name: "root still creates", method: "POST", path: "/v1/user", headers: []string{srv.RootHeader(), asJSON},
			body: `{"login":"root"}`, status: 200, want: okToken},
		{name: "reading still needs a token", method: "GET", path: "/v1/user/login/anon", status: 401, want: errBody("access denied")},
	})
}

func TestGetUser(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	a := createUser(t, srv, `{"login":"alice","email":" MiXeD@Example.COM ","phone":"07700900123","custom":"Cust-1"}`)
	b := createUser(t, srv, `{"email":"a+b@x.com","phone":"+1 (555) 123-4567"}`)
	c := createUser(t, srv, `{"email":"a/b@x.com","login":"slash/login"}`)
	d := createUser(t, srv, `{"phone":"4444","login":"phone4"}`)
	found := func(name, path, token string) scenario {
		return scenario{name: name, method: "GET", path: path, headers: []string{root}, status: 200,
			contains: []string{`"token":"` + token + `"`}}
	}
	notFound := func(name, path string) scenario {
		return scenario{name: name, method: "GET", path: path, headers: []string{root}, status: 404, want: errBody("not found")}
	}
	run(t, srv, []scenario{
		{name: "by token the profile comes back exactly as sent", method: "GET", path: "/v1/user/token/" + a,
			headers: []string{root}, status: 200, golden: "user_get.json"},
		found("a token in upper case", "/v1/user/token/"+strings.ToUpper(a), a),
		found("the mode in upper case", "/v1/user/TOKEN/"+a, a),
		found("one trailing slash is ignored", "/v1/user/token/"+a+"/", a),
		found("by login", "/v1/user/login/alice", a),
		found("a login with spaces around it", "/v1/user/login/%20alice%09", a),
		notFound("a login in another case", "/v1/user/login/Alice"),
		found("by email, normalised", "/v1/user/email/mixed@example.com", a),
		found("by email with spaces and capitals", "/v1/user/Email/%20MiXeD@Example.COM%20", a),
		found("by phone, national format", "/v1/user/phone/07700900123", a),
		found("by phone, E.164 with a raw plus", "/v1/user/phone/+447700900123", a),
		found("by phone, spaced and encoded", "/v1/user/phone/%2B44%207700%20900123", a),
		found("by custom", "/v1/user/custom/Cust-1", a),
		notFound("custom is case-sensitive", "/v1/user/custom/cust-1"),
		found("a plus in an email is a plus", "/v1/user/email/a+b@x.com", b),
		found("an encoded plus in an email", "/v1/user/email/a%2Bb@x.com", b),
		notFound("a space does not match a plus", "/v1/user/email/a%20b@x.com"),
		found("a US number in any notation", "/v1/user/phone/%2B1%20(555)%20123-4567", b),
		found("a US number in E.164", "/v1/user/phone/+15551234567", b),
		found("an encoded slash stays inside the email", "/v1/user/email/a%2Fb@x.com", c),
		found("an encoded slash stays inside the login", "/v1/user/login/slash%2Flogin", c),
		{name: "a raw slash is another path segment", method: "GET", path: "/v1/user/email/a/b@x.com", headers: []string{root},
			status: 404, want: errBody("endpoint is missing")},
		found("phone 4444 as stored", "/v1/user/phone/4444", d),
		found("phone 4444 in E.164", "/v1/user/phone/+444444", d),
		notFound("a phone that does not parse matches nothing", "/v1/user/phone/abc"),
		notFound("an unknown token", "/v1/user/token/"+vault.NewUUID()),
		notFound("an email that normalises to nothing", "/v1/user/email/%20"),
		{name: "an unknown mode", method: "GET", path: "/v1/user/name/alice", headers: []string{root},
			status: 400, want: errBody("bad mode")},
		{name: "a token that is not a UUID", method: "GET", path: "/v1/user/token/1234", headers: []string{root},
			status: 400, want: errBody("bad uuid")},
		{name: "without a token a bad mode is still 401", method: "GET", path: "/v1/user/name/alice",
			status: 401, want: errBody("access denied")},
		{name: "a wrong token learns nothing about existence", method: "GET", path: "/v1/user/login/alice",
			headers: []string{"X-Bunker-Token: " + vault.NewUUID()}, status: 403, want: errBody("access denied")},
		{name: "two slashes at the end are not one", method: "GET", path: "/v1/user/login/alice//", headers: []string{root},
			status: 404, want: errBody("endpoint is missing")},
		{name: "a query string is ignored", method: "GET", path: "/v1/user/login/alice?x=1&offset=-1", headers: []string{root},
			status: 200, contains: []string{a}},
	})
}

func TestUpdateUser(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	u := createUser(t, srv, `{"login":"upd","email":"old@x.com","address":{"city":"Paris","zip":"75001"},"tags":["a","b"],"age":30}`)
	createUser(t, srv, `{"login":"taken","email":"taken@x.com"}`)
	put := func(name, path, ct, body string, status int, want string) scenario {
		return scenario{name: name, method: "PUT", path: path, headers: []string{root, ct}, body: body, status: status, want: want}
	}
	get := func(name, path, want string) scenario {
		return scenario{name: name, method: "GET", path: path, headers: []string{root}, status: 200,
			want: `{"status":"ok","token":"<uuid>","data":` + want + `}`}
	}
	run(t, srv, []scenario{
		put("a merge patch merges objects, deletes with null and replaces arrays", "/v1/user/login/upd", asJSON,
			`{"address":{"city":"Lyon","zip":null},"tags":["c"],"age":null,"new":1.50}`, 200, okToken),
		get("the merged profile", "/v1/user/token/"+u,
			`{"address":{"city":"Lyon"},"email":"old@x.com","login":"upd","new":1.50,"tags":["c"]}`),
		put("the merge-patch media type is JSON", "/v1/user/login/upd", asMerge, `{"nick":"u"}`, 200, okToken),
		put("a JSON Patch", "/v1/user/login/upd", asPatch,
			`[{"op":"add","path":"/tags/-","value":"d"},{"op":"replace","path":"/address/city","value":"Nice"},{"op":"remove","path":"/nick"}]`,
			200, okToken),
		put("a JSON Patch sent as application/json", "/v1/user/token/"+u, "Content-Type: application/json; charset=UTF-8",
			`[{"op":"copy","from":"/login","path":"/alias"}]`, 200, okToken),
		put("a form is a merge patch of strings", "/v1/user/login/upd", asForm, "city=Rome&n=1", 200, okToken),
		get("the patched profile", "/v1/user/login/upd",
			`{"address":{"city":"Nice"},"alias":"upd","city":"Rome","email":"old@x.com","login":"upd","n":"1","new":1.50,"tags":["c","d"]}`),

		put("a failed test operation", "/v1/user/login/upd", asPatch, `[{"op":"test","path":"/login","value":"nope"}]`,
			400, errBody("failed to apply patch")),
		put("a patch leaving a non-object", "/v1/user/login/upd", asPatch, `[{"op":"replace","path":"","value":[1]}]`,
			400, errBody("failed to apply patch")),
		put("an index field of the wrong type", "/v1/user/login/upd", asJSON, `{"login":[1]}`, 400, errBody("bad login")),
		put("a login held by another user", "/v1/user/login/upd", asJSON, `{"login":"taken"}`, 409, errBody("duplicate index: login")),
		put("an email held by another user, in other case", "/v1/user/login/upd", asJSON, `{"email":"TAKEN@x.com"}`,
			409, errBody("duplicate index: email")),

		put("a new email re-indexes", "/v1/user/login/upd", asJSON, `{"email":"new@x.com"}`, 200, okToken),
		{name: "the old email no longer finds the user", method: "GET", path: "/v1/user/email/old@x.com", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "the new email does", method: "GET", path: "/v1/user/email/new@x.com", headers: []string{root},
			status: 200, contains: []string{u}},
		put("null drops an index", "/v1/user/email/new@x.com", asJSON, `{"email":null}`, 200, okToken),
		{name: "the dropped email finds nobody", method: "GET", path: "/v1/user/email/new@x.com", headers: []string{root},
			status: 404, want: errBody("not found")},
		put("every index field may go", "/v1/user/login/upd", asJSON, `{"login":null}`, 200, okToken),
		{name: "the user stays reachable by token", method: "GET", path: "/v1/user/token/" + u, headers: []string{root},
			status: 200, contains: []string{`"alias":"upd"`}},

		put("an empty body", "/v1/user/token/"+u, asJSON, "", 400, errBody("empty request body")),
		put("an empty object", "/v1/user/token/"+u, asJSON, "{}", 400, errBody("empty request body")),
		put("an empty patch", "/v1/user/token/"+u, asPatch, " [ ] ", 400, errBody("empty request body")),
		put("the body is checked before existence", "/v1/user/login/nobody", asJSON, "", 400, errBody("empty request body")),
		put("an unknown user", "/v1/user/login/nobody", asJSON, `{"a":1}`, 404, errBody("not found")),
		put("a bad mode comes before the body", "/v1/user/nick/upd", asJSON, "junk", 400, errBody("bad mode")),
		put("XML is refused", "/v1/user/token/"+u, "Content-Type: application/xml", `{"a":1}`, 415, errBody("unsupported media type")),
		put("a form starting with a bracket", "/v1/user/token/"+u, asForm, `[{"op":"remove","path":"/a"}]`,
			400, errBody("failed to decode request body")),
		put("a top-level number", "/v1/user/token/"+u, asJSON, `42`, 400, errBody("failed to decode request body")),
		{name: "no token", method: "PUT", path: "/v1/user/token/" + u, headers: []string{asJSON}, body: `{"a":1}`,
			status: 401, want: errBody("access denied")},
	})
}

func TestEraseUser(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	u := createUser(t, srv, `{"login":"erase","email":"erase@x.com","phone":"07700900999","custom":"erase-c"}`)
	gone := func(mode, identity string) scenario {
		return scenario{name: "afterwards " + mode + " finds nothing", method: "GET", path: "/v1/user/" + mode + "/" + identity,
			headers: []string{root}, status: 404, want: errBody("not found")}
	}
	run(t, srv, []scenario{
		{name: "no token", method: "DELETE", path: "/v1/user/token/" + u, status: 401, want: errBody("access denied")},
		{name: "forget me, with a body that is ignored", method: "DELETE", path: "/v1/user/email/erase@x.com",
			headers: []string{root, "Content-Type: text/plain"}, body: "junk", status: 200, want: `{"status":"ok","result":"done"}`},
		gone("token", u), gone("login", "erase"), gone("email", "erase@x.com"), gone("phone", "07700900999"), gone("custom", "erase-c"),
		{name: "a second erasure", method: "DELETE", path: "/v1/user/token/" + u, headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a change to the erased user", method: "PUT", path: "/v1/user/token/" + u, headers: []string{root, asJSON},
			body: `{"a":1}`, status: 404, want: errBody("not found")},
		{name: "an unknown email", method: "DELETE", path: "/v1/user/email/nobody@x.com", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "the erased user's index values are free again", method: "POST", path: "/v1/user", headers: []string{root, asJSON},
			body: `{"login":"erase","email":"erase@x.com"}`, status: 200, want: okToken},
		{name: "the old token stays gone", method: "GET", path: "/v1/user/token/" + u, headers: []string{root},
			status: 404, want: errBody("not found")},
	})
}

func TestListUsersDisabled(t *testing.T) {
	srv := apitest.New(t)
	run(t, srv, []scenario{
		{name: "root is refused while listing is off", method: "GET", path: "/v1/users", headers: []string{srv.RootHeader()},
			status: 403, want: errBody("access denied")},
		{name: "POST too", method: "POST", path: "/v1/users", headers: []string{srv.RootHeader()},
			status: 403, want: errBody("access denied")},
		{name: "no token is 401", method: "GET", path: "/v1/users", status: 401, want: errBody("access denied")},
		{name: "a bad offset is still 403, not 400, while listing is off", method: "GET", path: "/v1/users?offset=-1",
			headers: []string{srv.RootHeader()}, status: 403, want: errBody("access denied")},
	})
}

func TestListUsers(t *testing.T) {
	srv := apitest.New(t, apitest.WithVault(func(o *vault.Options) { o.ListUsers = true }))
	root := srv.RootHeader()
	run(t, srv, []scenario{
		{name: "an empty vault lists nothing", method: "GET", path: "/v1/users", headers: []string{root},
			status: 200, want: `{"status":"ok","total":0,"rows":[]}`},
	})
	createUser(t, srv, `{"login":"u1","n":1.10}`)
	u2 := createUser(t, srv, `{"login":"u2"}`)
	createUser(t, srv, `{"login":"u3","email":"u3@x.com"}`)
	srv.Do("DELETE", "/v1/user/token/"+u2, "", root)
	list := func(name, query string, want string) scenario {
		return scenario{name: name, method: "GET", path: "/v1/users" + query, headers: []string{root}, status: 200, want: want}
	}
	bad := func(name, query, msg string) scenario {
		return scenario{name: name, method: "GET", path: "/v1/users" + query, headers: []string{root}, status: 400, want: errBody(msg)}
	}
	run(t, srv, []scenario{
		{name: "live users in creation order", method: "GET", path: "/v1/users", headers: []string{root},
			status: 200, golden: "users_list.json"},
		list("a limit", "?limit=1",
			`{"status":"ok","total":2,"rows":[{"private":{"login":"u1","n":1.10},"token":"<uuid>","endtime":0,"expstatus":""}]}`),
		list("an offset", "?offset=1&limit=1",
			`{"status":"ok","total":2,"rows":[{"private":{"email":"u3@x.com","login":"u3"},"token":"<uuid>","endtime":0,"expstatus":""}]}`),
		list("past the end", "?offset=5", `{"status":"ok","total":2,"rows":[]}`),
		bad("a negative offset", "?offset=-1", "bad offset"),
		bad("a signed offset", "?offset=%2B1", "bad offset"),
		bad("letters in the offset", "?offset=abc", "bad offset"),
		bad("an overflowing offset", "?offset=99999999999999999999999", "bad offset"),
		bad("letters in the limit", "?limit=ten", "bad limit"),
		bad("a fractional limit", "?limit=1.5", "bad limit"),
		{name: "POST lists as well and ignores its body", method: "POST", path: "/v1/users?limit=1",
			headers: []string{root, "Content-Type: text/plain"}, body: "junk", status: 200, contains: []string{`"total":2`, `"u1"`}},
		{name: "no token comes before paging", method: "GET", path: "/v1/users?offset=-1", status: 401, want: errBody("access denied")},
	})
}

func TestListUsersPageSizes(t *testing.T) {
	srv := apitest.New(t, apitest.WithVault(func(o *vault.Options) { o.ListUsers = true }))
	for i := range 105 {
		createUser(t, srv, fmt.Sprintf(`{"login":"user%03d"}`, i))
	}
	tests := []struct {
		query string
		rows  int
		first string
	}{
		{"", 10, "user000"},
		{"?limit=0", 10, "user000"},
		{"?limit=&offset=", 10, "user000"},
		{"?limit=7&offset=100", 5, "user100"},
		{"?limit=100", 100, "user000"},
		{"?limit=101", 100, "user000"},
		{"?limit=1000000&offset=3", 100, "user003"},
	}
	for _, tt := range tests {
		t.Run("query "+tt.query, func(t *testing.T) {
			res := srv.Do("GET", "/v1/users"+tt.query, "", srv.RootHeader())
			var page struct {
				Status string
				Total  int
				Rows   []struct{ Private struct{ Login string } }
			}
			if err := json.Unmarshal(res.Body, &page); err != nil || res.Status != 200 {
				t.Fatalf("%d %s: %v", res.Status, res.Body, err)
			}
			if page.Total != 105 || len(page.Rows) != tt.rows {
				t.Fatalf("total %d with %d rows, want 105 with %d", page.Total, len(page.Rows), tt.rows)
			}
			if got := page.Rows[0].Private.Login; got != tt.first {
				t.Fatalf("first row %q, want %q", got, tt.first)
			}
		})
	}
}
