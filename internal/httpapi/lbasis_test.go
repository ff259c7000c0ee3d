package httpapi_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"piivault/internal/apitest"
)

// basis is a legal-basis object of §7.1 for expected bodies.
type basis struct {
	brief, status, module, basistype, short, full, reqmsg string
	required, usercontrol                                 bool
	created                                               int64
}

// json writes the object with the keys in contract order.
func (b basis) json() string {
	return fmt.Sprintf(`{"basistype":%q,"brief":%q,"creationtime":%d,"fulldesc":%q,"module":%q,"requiredflag":%t,`+
		`"requiredmsg":%q,"shortdesc":%q,"status":%q,"usercontrol":%t}`,
		b.basistype, b.brief, b.created, b.full, b.module, b.required, b.reqmsg, b.short, b.status, b.usercontrol)
}

// plainBasis is what an empty body creates at the manual clock's start.
func plainBasis(brief string) basis {
	return basis{brief: brief, status: "active", basistype: "consent", created: 1_800_000_000}
}

func listOf(total int, rows ...string) string {
	return fmt.Sprintf(`{"status":"ok","total":%d,"rows":[%s]}`, total, strings.Join(rows, ","))
}

var okStatus = `{"status":"ok"}`

// consentServer is a server whose clock stands still until the test moves it.
func consentServer(t *testing.T, opts ...apitest.Option) (*apitest.Server, *manualClock) {
	clock := newManualClock()
	return apitest.New(t, append([]apitest.Option{withClock(clock)}, opts...)...), clock
}

// creationTimes hides the creation times of the two login bases, which
// are the time of the migration.
var loginBasisTime = regexp.MustCompile(`("brief":"core-send-(email|sms)-on-login","creationtime":)\d+`)

func TestFreshVaultListsTheLoginLegalBases(t *testing.T) {
	srv := apitest.New(t)
	res := srv.Do("GET", "/v1/lbasis", "", srv.RootHeader())
	got := loginBasisTime.ReplaceAllString(strings.TrimSpace(string(res.Body)), "${1}0")
	want := listOf(2,
		basis{brief: "core-send-email-on-login", status: "active", module: "login", basistype: "consent",
			short: "Send email on login", full: "Confirm to allow sending access code using 3rd party email gateway",
			reqmsg: "This consent is required to give you our service.", required: true, usercontrol: true}.json(),
		basis{brief: "core-send-sms-on-login", status: "active", module: "login", basistype: "consent",
			short: "Send SMS on login", full: "Confirm to allow sending access code using 3rd party SMS gateway",
			reqmsg: "This consent is required to give you our service.", required: true, usercontrol: true}.json())
	if res.Status != 200 || got != want {
		t.Fatalf("got %d %s\nwant %s", res.Status, got, want)
	}
	var out struct {
		Rows []struct{ CreationTime int64 }
	}
	if err := json.Unmarshal(res.Body, &out); err != nil || out.Rows[0].CreationTime < 1_700_000_000 {
		t.Fatalf("creation time of the login bases is not a migration time: %s", res.Body)
	}
}

func TestLegalBases(t *testing.T) {
	srv, _ := consentServer(t)
	root := srv.RootHeader()
	news := basis{brief: "news-letter", status: "active", module: "newsletter", basistype: "contract", short: "S",
		full: "F", reqmsg: "R", required: true, usercontrol: true, created: 1_800_000_000}
	run(t, srv, []scenario{
		{name: "a JSON body creates a basis under the lower-cased brief", method: "POST", path: "/v1/lbasis/News-Letter",
			headers: []string{root, asJSON}, status: 200, want: okStatus,
			body: `{"module":"newsletter","basistype":"contract","shortdesc":"S","fulldesc":"F","requiredflag":true,"requiredmsg":"R","usercontrol":true,"status":"whatever"}`},
		{name: "an empty body creates a basis with the defaults", method: "POST", path: "/v1/lbasis/plain",
			headers: []string{root, asJSON}, status: 200, want: okStatus},
		{name: "the list holds every basis in creation order, paged only when asked", method: "GET", path: "/v1/lbasis?offset=2",
			headers: []string{root}, status: 200, want: listOf(4, news.json(), plainBasis("plain").json())},
		{name: "a limit pages the list", method: "GET", path: "/v1/lbasis?offset=3&limit=5", headers: []string{root},
			status: 200, want: listOf(4, plainBasis("plain").json())},
		{name: "an offset past the end is an empty page", method: "GET", path: "/v1/lbasis?offset=9", headers: []string{root},
			status: 200, want: listOf(4)},

		{name: "a form updates only the fields it names; requiredmsg goes with requiredflag", method: "POST", path: "/v1/lbasis/news-letter",
			headers: []string{root, asForm}, body: "requiredflag=0&shortdesc=Short+one", status: 200, want: okStatus},
		{name: "the update shows", method: "GET", path: "/v1/lbasis?offset=2&limit=1", headers: []string{root}, status: 200,
			want: listOf(4, basis{brief: "news-letter", status: "active", module: "newsletter", basistype: "contract",
				short: "Short one", full: "F", usercontrol: true, created: 1_800_000_000}.json())},
		{name: "requiredmsg is refused silently while requiredflag is false", method: "POST", path: "/v1/lbasis/plain",
			headers: []string{root, asForm}, body: "requiredmsg=M&usercontrol=TRUE&status=disabled", status: 200, want: okStatus},
		{name: "form booleans read true and 1; status disabled disables", method: "GET", path: "/v1/lbasis?offset=3", headers: []string{root},
			status: 200, want: listOf(4, basis{brief: "plain", status: "disabled", basistype: "consent", usercontrol: true, created: 1_800_000_000}.json())},
		{name: "requiredflag 1 keeps a requiredmsg sent with it", method: "POST", path: "/v1/lbasis/plain",
			headers: []string{root, asForm}, body: "requiredflag=1&requiredmsg=M&status=on", status: 200, want: okStatus},
		{name: "any status but disabled activates", method: "GET", path: "/v1/lbasis?offset=3", headers: []string{root},
			status: 200, want: listOf(4, basis{brief: "plain", status: "active", basistype: "consent", reqmsg: "M",
				required: true, usercontrol: true, created: 1_800_000_000}.json())},

		{name: "a rename moves the basis to the new brief", method: "POST", path: "/v1/lbasis/plain",
			headers: []string{root, asJSON}, body: `{"brief":"Renamed"}`, status: 200, want: okStatus},
		{name: "the renamed basis keeps its place and fields", method: "GET", path: "/v1/lbasis?offset=3", headers: []string{root},
			status: 200, want: listOf(4, basis{brief: "renamed", status: "active", basistype: "consent", reqmsg: "M",
				required: true, usercontrol: true, created: 1_800_000_000}.json())},
		{name: "a rename onto an existing brief is a conflict", method: "POST", path: "/v1/lbasis/renamed",
			headers: []string{root, asJSON}, body: `{"brief":"news-letter"}`, status: 409, want: errBody("duplicate brief")},
		{name: "a create under a taken brief given in the body is a conflict", method: "POST", path: "/v1/lbasis/fresh",
			headers: []string{root, asJSON}, body: `{"brief":"renamed"}`, status: 409, want: errBody("duplicate brief")},
		{name: "a create with a brief in the body takes that brief", method: "POST", path: "/v1/lbasis/fresh",
			headers: []string{root, asJSON}, body: `{"brief":"other"}`, status: 200, want: okStatus},
		{name: "the created basis carries the body's brief", method: "GET", path: "/v1/lbasis?offset=4", headers: []string{root},
			status: 200, want: listOf(5, plainBasis("other").json())},
		{name: "a rename to a malformed brief is refused", method: "POST", path: "/v1/lbasis/other",
			headers: []string{root, asJSON}, body: `{"brief":"1x"}`, status: 400, want: errBody("bad brief format")},

		{name: "a brief starting with a digit is malformed", method: "POST", path: "/v1/lbasis/1bad", headers: []string{root, asJSON},
			status: 400, want: errBody("bad brief format")},
		{name: "a one-letter brief is malformed", method: "POST", path: "/v1/lbasis/a", headers: []string{root, asJSON},
			status: 400, want: errBody("bad brief format")},
		{name: "an underscore is malformed", method: "DELETE", path: "/v1/lbasis/a_b", headers: []string{root},
			status: 400, want: errBody("bad brief format")},
		{name: "a 66-character brief is malformed", method: "POST", path: "/v1/lbasis/" + strings.Repeat("b", 66),
			headers: []string{root, asJSON}, status: 400, want: errBody("bad brief format")},
		{name: "a 65-character brief is fine", method: "POST", path: "/v1/lbasis/" + strings.Repeat("b", 65),
			headers: []string{root, asJSON}, status: 200, want: okStatus},
		{name: "the brief is checked before the body", method: "POST", path: "/v1/lbasis/1bad",
			headers: []string{root, "Content-Type: text/plain"}, body: "x", status: 400, want: errBody("bad brief format")},

		{name: "a module of 65 characters is too long", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"module":"` + strings.Repeat("m", 65) + `"}`, status: 400, want: errBody("bad module")},
		{name: "a basistype of 65 characters is too long", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"basistype":"` + strings.Repeat("m", 65) + `"}`, status: 400, want: errBody("bad basistype")},
		{name: "limits count characters, not bytes", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"shortdesc":"` + strings.Repeat("é", 4096) + `","module":"` + strings.Repeat("ü", 64) + `"}`, status: 200, want: okStatus},
		{name: "a fulldesc of 4097 characters is too long", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"fulldesc":"` + strings.Repeat("f", 4097) + `"}`, status: 400, want: errBody("bad fulldesc")},
		{name: "a requiredmsg of 4097 characters is too long", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"requiredmsg":"` + strings.Repeat("f", 4097) + `"}`, status: 400, want: errBody("bad requiredmsg")},
		{name: "a number is not a module", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"module":5}`, status: 400, want: errBody("bad module")},
		{name: "a NUL character is refused", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"shortdesc":"a\u0000b"}`, status: 400, want: errBody("bad shortdesc")},
		{name: "a number is not a status", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"status":1}`, status: 400, want: errBody("bad status")},
		{name: "a number is not a brief", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"brief":1}`, status: 400, want: errBody("bad brief")},
		{name: "yes is not a form boolean", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asForm},
			body: "requiredflag=yes", status: 400, want: errBody("bad requiredflag")},
		{name: "a string is not a JSON boolean unless it reads as one", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"usercontrol":"maybe"}`, status: 400, want: errBody("bad usercontrol")},
		{name: "a failed update changed nothing", method: "GET", path: "/v1/lbasis?offset=4&limit=1", headers: []string{root},
			status: 200, want: listOf(6, basis{brief: "other", status: "active", basistype: "consent",
				short: strings.Repeat("é", 4096), module: strings.Repeat("ü", 64), created: 1_800_000_000}.json())},

		{name: "a body of another media type is refused", method: "POST", path: "/v1/lbasis/other",
			headers: []string{root, "Content-Type: text/plain"}, body: "module=x", status: 415, want: errBody("unsupported media type")},
		{name: "malformed JSON is refused", method: "POST", path: "/v1/lbasis/other", headers: []string{root, asJSON},
			body: `{"module":`, status: 400, want: errBody("failed to decode request body")},
		{name: "junk paging is refused", method: "GET", path: "/v1/lbasis?offset=x", headers: []string{root},
			status: 400, want: errBody("bad offset")},
		{name: "a signed limit is refused", method: "GET", path: "/v1/lbasis?limit=-1", headers: []string{root},
			status: 400, want: errBody("bad limit")},

		{name: "deleting a basis without agreements removes it", method: "DELETE", path: "/v1/lbasis/News-Letter",
			headers: []string{root}, status: 200, want: okStatus},
		{name: "the removed basis is gone", method: "DELETE", path: "/v1/lbasis/news-letter", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a basis never created is not found", method: "DELETE", path: "/v1/lbasis/never", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "the list no longer holds it", method: "GET", path: "/v1/lbasis?offset=2&limit=1", headers: []string{root},
			status: 200, want: listOf(5, basis{brief: "renamed", status: "active", basistype: "consent", reqmsg: "M",
				required: true, usercontrol: true, created: 1_800_000_000}.json())},
	})
}
