package httpapi_test

import "strings"

// consentAuthRows are the auth-matrix rows of the §7 routes and of the two
// public §14 routes of the consent module. Names are unique per fixture,
// since every fixture shares one server.
func consentAuthRows(f *authFixture) []authRow {
	suffix := strings.ReplaceAll(f.A.Token, "-", "")
	brief, act := "b-"+suffix, "act-"+suffix
	basis := func(userControl bool) func() {
		return func() {
			body := `{"module":"newsletter","usercontrol":false}`
			if userControl {
				body = `{"module":"newsletter","usercontrol":true}`
			}
			f.Do("POST", "/v1/lbasis/"+brief, body, asJSON)
		}
	}
	accepted := func() {
		basis(true)()
		f.Do("POST", "/v1/agreement/"+brief+"/token/"+f.A.Token, "", asJSON)
	}
	activity := func() {
		basis(false)()
		f.Do("POST", "/v1/pactivity/"+act, "", asJSON)
	}
	linked := func() {
		activity()
		f.Do("POST", "/v1/pactivity/"+act+"/"+brief, "")
	}
	return []authRow{
		{name: "GET /v1/lbasis", method: "GET", path: "/v1/lbasis", want: wantR(200)},
		{name: "POST /v1/lbasis/{brief}", method: "POST", path: "/v1/lbasis/" + brief, body: `{"module":"m"}`,
			headers: []string{asJSON}, want: wantR(200)},
		{name: "DELETE /v1/lbasis/{brief}", method: "DELETE", path: "/v1/lbasis/" + brief, setup: basis(false), want: wantR(200)},

		{name: "POST /v1/agreement/{brief}/{mode}/{identity} on a basis of another module", method: "POST",
			path: "/v1/agreement/" + brief + "/email/" + f.A.Email, headers: []string{asJSON}, setup: basis(true), want: wantUR(200)},
		{name: "POST /v1/agreement/{brief}/{mode}/{identity} as login consent", method: "POST",
			path: "/v1/agreement/core-send-email-on-login/email/" + f.A.Email, headers: []string{asJSON},
			want: authWant{none: 200, wrong: 403, other: 403, own: 200, root: 200}},
		{name: "POST /v1/agreement/{brief}/{mode}/{identity} withdrawing login consent", method: "POST",
			path: "/v1/agreement/core-send-sms-on-login/phone/" + f.A.Phone, body: `{"status":"no"}`, headers: []string{asJSON},
			want: wantUR(200)},
		{name: "GET /v1/agreement/{brief}/{mode}/{identity}", method: "GET", path: "/v1/agreement/" + brief + "/token/" + f.A.Token,
			setup: accepted, want: wantUR(200)},
		{name: "DELETE /v1/agreement/{brief}/{mode}/{identity}", method: "DELETE", path: "/v1/agreement/" + brief + "/email/" + f.A.Email,
			setup: accepted, want: wantUR(200)},
		{name: "DELETE /v1/agreement/{brief}", method: "DELETE", path: "/v1/agreement/" + brief, setup: accepted, want: wantR(200)},
		{name: "GET /v1/agreements/{mode}/{identity}", method: "GET", path: "/v1/agreements/phone/" + f.A.Phone,
			setup: accepted, want: wantUR(200)},

		{name: "GET /v1/pactivity", method: "GET", path: "/v1/pactivity", want: wantR(200)},
		{name: "POST /v1/pactivity/{activity}", method: "POST", path: "/v1/pactivity/" + act, body: "title=T",
			headers: []string{asForm}, want: wantR(200)},
		{name: "DELETE /v1/pactivity/{activity}", method: "DELETE", path: "/v1/pactivity/" + act, setup: activity, want: wantR(200)},
		{name: "POST /v1/pactivity/{activity}/{brief}", method: "POST", path: "/v1/pactivity/" + act + "/" + brief,
			setup: activity, want: wantR(200)},
		{name: "DELETE /v1/pactivity/{activity}/{brief}", method: "DELETE", path: "/v1/pactivity/" + act + "/" + brief,
			setup: linked, want: wantR(200)},

		{name: "GET /v1/sys/uiconfiguration", method: "GET", path: "/v1/sys/uiconfiguration", want: wantNone(200)},
		{name: "GET /v1/sys/cookiesettings", method: "GET", path: "/v1/sys/cookiesettings", want: wantNone(200)},
	}
}
