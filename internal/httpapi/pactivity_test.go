package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/httpapi"
	"piivault/internal/vault"
)

// act is a processing-activity object of §7.3 for expected bodies.
type act struct {
	name, applicable string
	bases            []basis
	created          int64
	full, script     string
	title            string
}

func (a act) json() string {
	objs, briefs := make([]string, len(a.bases)), make([]string, len(a.bases))
	for i, b := range a.bases {
		objs[i], briefs[i] = b.json(), b.brief
	}
	return fmt.Sprintf(`{"activity":%q,"applicableto":%q,"briefs":[%s],"creationtime":%d,"fulldesc":%q,"legalbasis":%q,"script":%q,"title":%q}`,
		a.name, a.applicable, strings.Join(objs, ","), a.created, a.full, strings.Join(briefs, ","), a.script, a.title)
}

func TestProcessingActivities(t *testing.T) {
	srv, _ := consentServer(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "first", `{}`)
	newBasisVia(t, srv, "second", `{"module":"m","usercontrol":true}`)
	first, second := plainBasis("first"), plainBasis("second")
	second.module, second.usercontrol = "m", true
	const t0 = 1_800_000_000
	full := act{name: "marketing", applicable: "customers", created: t0, full: "F", script: "<script>s()</script>", title: "Marketing"}
	linked := full
	linked.bases = []basis{second, first}
	plain := act{name: "plain", created: t0, title: "plain"}
	run(t, srv, []scenario{
		{name: "a JSON body creates an activity under the lower-cased name", method: "POST", path: "/v1/pactivity/Marketing",
			headers: []string{root, asJSON}, status: 200, want: okStatus,
			body: `{"title":"Marketing","script":"<script>s()</script>","fulldesc":"F","applicableto":"customers"}`},
		{name: "an empty body creates one titled with its name", method: "POST", path: "/v1/pactivity/plain",
			headers: []string{root}, status: 200, want: okStatus},
		{name: "the list holds both in creation order", method: "GET", path: "/v1/pactivity", headers: []string{root},
			status: 200, want: listOf(2, full.json(), plain.json())},
		{name: "linking records link order", method: "POST", path: "/v1/pactivity/marketing/SECOND", headers: []string{root},
			status: 200, want: okStatus},
		{name: "a second basis follows the first", method: "POST", path: "/v1/pactivity/marketing/first", headers: []string{root},
			status: 200, want: okStatus},
		{name: "linking twice succeeds and keeps the place", method: "POST", path: "/v1/pactivity/marketing/second", headers: []string{root},
			status: 200, want: okStatus},
		{name: "the activity lists its bases in link order, in full", method: "GET", path: "/v1/pactivity?limit=1",
			headers: []string{root}, status: 200, want: listOf(2, linked.json())},
		{name: "the list pages", method: "GET", path: "/v1/pactivity?offset=1", headers: []string{root},
			status: 200, want: listOf(2, plain.json())},
		{name: "an unknown brief cannot be linked", method: "POST", path: "/v1/pactivity/marketing/nothing", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "an unknown activity cannot be linked", method: "POST", path: "/v1/pactivity/nothing/first", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "a malformed activity is refused first", method: "POST", path: "/v1/pactivity/9x/9y", headers: []string{root},
			status: 400, want: errBody("bad activity format")},
		{name: "a malformed brief is refused", method: "POST", path: "/v1/pactivity/marketing/9y", headers: []string{root},
			status: 400, want: errBody("bad brief format")},
		{name: "a basis renamed after linking shows its new brief", method: "POST", path: "/v1/lbasis/first",
			headers: []string{root, asJSON}, body: `{"brief":"primary"}`, status: 200, want: okStatus},
		{name: "the link follows the rename", method: "GET", path: "/v1/pactivity?limit=1", headers: []string{root},
			status: 200, contains: []string{`"legalbasis":"second,primary"`}},
		{name: "unlinking an unlinked brief succeeds", method: "DELETE", path: "/v1/pactivity/plain/second", headers: []string{root},
			status: 200, want: okStatus},
		{name: "unlinking an unknown brief succeeds", method: "DELETE", path: "/v1/pactivity/plain/nothing", headers: []string{root},
			status: 200, want: okStatus},
		{name: "unlinking from an unknown activity is not found", method: "DELETE", path: "/v1/pactivity/nothing/second",
			headers: []string{root}, status: 404, want: errBody("not found")},
		{name: "unlinking removes the link", method: "DELETE", path: "/v1/pactivity/marketing/second", headers: []string{root},
			status: 200, want: okStatus},
		{name: "one link is left", method: "GET", path: "/v1/pactivity?limit=1", headers: []string{root},
			status: 200, contains: []string{`"legalbasis":"primary"`}},
		{name: "linking again appends", method: "POST", path: "/v1/pactivity/marketing/second", headers: []string{root},
			status: 200, want: okStatus},
		{name: "the link is last now", method: "GET", path: "/v1/pactivity?limit=1", headers: []string{root},
			status: 200, contains: []string{`"legalbasis":"primary,second"`}},

		{name: "a form updates only the fields it names", method: "POST", path: "/v1/pactivity/plain", headers: []string{root, asForm},
			body: "fulldesc=Described&applicableto=staff", status: 200, want: okStatus},
		{name: "the update shows; the title stays", method: "GET", path: "/v1/pactivity?offset=1", headers: []string{root},
			status: 200, want: listOf(2, act{name: "plain", applicable: "staff", created: t0, full: "Described", title: "plain"}.json())},
		{name: "a rename onto an existing activity is a conflict", method: "POST", path: "/v1/pactivity/plain", headers: []string{root, asJSON},
			body: `{"activity":"marketing"}`, status: 409, want: errBody("duplicate activity")},
		{name: "a rename to a malformed name is refused", method: "POST", path: "/v1/pactivity/plain", headers: []string{root, asJSON},
			body: `{"activity":"-x"}`, status: 400, want: errBody("bad activity format")},
		{name: "a numeric rename is refused", method: "POST", path: "/v1/pactivity/plain", headers: []string{root, asJSON},
			body: `{"activity":5}`, status: 400, want: errBody("bad activity")},
		{name: "a rename moves the activity", method: "POST", path: "/v1/pactivity/plain", headers: []string{root, asJSON},
			body: `{"activity":"Simple"}`, status: 200, want: okStatus},
		{name: "the renamed activity keeps its fields", method: "GET", path: "/v1/pactivity?offset=1", headers: []string{root},
			status: 200, want: listOf(2, act{name: "simple", applicable: "staff", created: t0, full: "Described", title: "plain"}.json())},

		{name: "a title of 257 characters is too long", method: "POST", path: "/v1/pactivity/simple", headers: []string{root, asJSON},
			body: `{"title":"` + strings.Repeat("t", 257) + `"}`, status: 400, want: errBody("bad title")},
		{name: "a script of 65537 characters is too long", method: "POST", path: "/v1/pactivity/simple", headers: []string{root, asJSON},
			body: `{"script":"` + strings.Repeat("s", 65537) + `"}`, status: 400, want: errBody("bad script")},
		{name: "a fulldesc of 4097 characters is too long", method: "POST", path: "/v1/pactivity/simple", headers: []string{root, asJSON},
			body: `{"fulldesc":"` + strings.Repeat("f", 4097) + `"}`, status: 400, want: errBody("bad fulldesc")},
		{name: "an applicableto of 257 characters is too long", method: "POST", path: "/v1/pactivity/simple", headers: []string{root, asJSON},
			body: `{"applicableto":"` + strings.Repeat("a", 257) + `"}`, status: 400, want: errBody("bad applicableto")},
		{name: "a boolean title is refused", method: "POST", path: "/v1/pactivity/simple", headers: []string{root, asJSON},
			body: `{"title":true}`, status: 400, want: errBody("bad title")},
		{name: "the longest values fit", method: "POST", path: "/v1/pactivity/simple", headers: []string{root, asJSON}, status: 200, want: okStatus,
			body: `{"title":"` + strings.Repeat("т", 256) + `","script":"` + strings.Repeat("ß", 65536) + `","fulldesc":"` +
				strings.Repeat("f", 4096) + `","applicableto":"` + strings.Repeat("a", 256) + `"}`},
		{name: "they come back whole", method: "GET", path: "/v1/pactivity?offset=1", headers: []string{root}, status: 200,
			want: listOf(2, act{name: "simple", applicable: strings.Repeat("a", 256), created: t0, full: strings.Repeat("f", 4096),
				script: strings.Repeat("ß", 65536), title: strings.Repeat("т", 256)}.json())},
		{name: "a malformed activity is refused on create", method: "POST", path: "/v1/pactivity/a", headers: []string{root},
			status: 400, want: errBody("bad activity format")},
		{name: "junk paging is refused", method: "GET", path: "/v1/pactivity?limit=ten", headers: []string{root},
			status: 400, want: errBody("bad limit")},

		{name: "deleting an activity answers ok", method: "DELETE", path: "/v1/pactivity/MARKETING", headers: []string{root},
			status: 200, want: okStatus},
		{name: "the deleted activity is gone", method: "DELETE", path: "/v1/pactivity/marketing", headers: []string{root},
			status: 404, want: errBody("not found")},
		{name: "its bases stay", method: "GET", path: "/v1/lbasis?offset=2", headers: []string{root}, status: 200,
			contains: []string{`"brief":"primary"`, `"brief":"second"`}},
		{name: "the list holds the rest", method: "GET", path: "/v1/pactivity", headers: []string{root},
			status: 200, contains: []string{`"total":1`, `"activity":"simple"`}},
	})
}

func TestUIConfigurationAndCookieSettings(t *testing.T) {
	ui := httpapi.UI{LogoLink: "https://example.com/logo.png", CompanyTitle: "Acme", CompanyVAT: "GB1", CompanyCity: "London",
		CompanyLink: "https://example.com", CompanyCountry: "UK", CompanyAddress: "1 Road", TermOfServiceTitle: "Terms",
		TermOfServiceLink: "https://example.com/tos", PrivacyPolicyTitle: "Privacy", PrivacyPolicyLink: "https://example.com/pp",
		CustomCSSLink: "https://example.com/c.css"}
	srv, _ := consentServer(t, apitest.WithHTTP(func(o *httpapi.Options) { o.UI = ui }))
	root := srv.RootHeader()
	uiJSON := `{"LogoLink":"https://example.com/logo.png","CompanyTitle":"Acme","CompanyVAT":"GB1","CompanyCity":"London",` +
		`"CompanyLink":"https://example.com","CompanyCountry":"UK","CompanyAddress":"1 Road","TermOfServiceTitle":"Terms",` +
		`"TermOfServiceLink":"https://example.com/tos","PrivacyPolicyTitle":"Privacy","PrivacyPolicyLink":"https://example.com/pp",` +
		`"CustomCSSLink":"https://example.com/c.css","MagicLookup":false}`
	cookies := func(rows, scripts string) string {
		return `{"status":"ok","ui":` + uiJSON + `,"rows":[` + rows + `],"scripts":[` + scripts + `]}`
	}
	run(t, srv, []scenario{
		{name: "the ui configuration needs no token", method: "GET", path: "/v1/sys/uiconfiguration", status: 200,
			want: `{"status":"ok","ui":` + uiJSON + `}`},
		{name: "a token sent to it is ignored, even a wrong one", method: "GET", path: "/v1/sys/uiconfiguration",
			headers: []string{"X-Bunker-Token: " + vault.NewUUID()}, status: 200, want: `{"status":"ok","ui":` + uiJSON + `}`},
		{name: "without cookie bases the settings are empty lists", method: "GET", path: "/v1/sys/cookiesettings/", status: 200,
			want: cookies("", "")},
	})
	for _, b := range []struct{ brief, body string }{
		{"analytics", `{"module":"cookie-popup","shortdesc":"Analytics"}`},
		{"ads", `{"module":"cookie-popup","shortdesc":"Ads"}`},
		{"off", `{"module":"cookie-popup","status":"disabled"}`},
		{"news", `{"module":"newsletter"}`},
	} {
		newBasisVia(t, srv, b.brief, b.body)
	}
	for _, a := range []struct {
		name, script string
		briefs       []string
	}{
		{"tracking", "<script>track()</script>", []string{"news", "ads", "analytics"}},
		{"silent", "", []string{"analytics"}},
		{"mailing", "<script>mail()</script>", []string{"news"}},
		{"retired", "<script>old()</script>", []string{"off"}},
		{"unlinked", "<script>x()</script>", nil},
		{"pixel", "<script>px()</script>", []string{"analytics"}},
	} {
		mustDo(t, srv, 200, "POST", "/v1/pactivity/"+a.name, `{"script":`+fmt.Sprintf("%q", a.script)+`}`, root, asJSON)
		for _, b := range a.briefs {
			mustDo(t, srv, 200, "POST", "/v1/pactivity/"+a.name+"/"+b, "", root)
		}
	}
	analytics, ads := plainBasis("analytics"), plainBasis("ads")
	analytics.module, analytics.short, ads.module, ads.short = "cookie-popup", "Analytics", "cookie-popup", "Ads"
	run(t, srv, []scenario{
		{name: "rows are the active cookie-popup bases; scripts those linked to them, with those bases", method: "GET",
			path: "/v1/sys/cookiesettings", status: 200, want: cookies(analytics.json()+","+ads.json(),
				`{"script":"<script>track()</script>","briefs":["ads","analytics"]},{"script":"<script>px()</script>","briefs":["analytics"]}`)},
	})
}
