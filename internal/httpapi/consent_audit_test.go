package httpapi_test

import "testing"

// TestAuditEventsOfConsentRoutes proves the §2 titles of the consent
// routes: one event per audited request, failures after authentication
// included, none for the routes without a title or for 401/403. who is the
// normalised identity for a user, and "" for an identity without a user.
func TestAuditEventsOfConsentRoutes(t *testing.T) {
	srv, _ := consentServer(t)
	root := srv.RootHeader()
	ann := createUser(t, srv, `{"login":"ann","email":"Ann@Example.com"}`)
	own := loginToken(t, srv, ann)
	type want struct{ title, status, msg, record, mode, who, identity string }
	none := want{}
	ok := func(title, record, mode, who string) want { return want{title, "ok", "", record, mode, who, "root"} }
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		want                     want
	}{
		{"save legal basis", "POST", "/v1/lbasis/News", `{"usercontrol":false}`, []string{root, asJSON}, 200,
			ok("save legal basis news", "", "", "")},
		{"save legal basis with a bad field", "POST", "/v1/lbasis/news", `{"module":1}`, []string{root, asJSON}, 400,
			want{"save legal basis news", "error", "bad module", "", "", "", "root"}},
		{"list legal bases", "GET", "/v1/lbasis", "", []string{root}, 200, none},
		{"accept by email", "POST", "/v1/agreement/NEWS/email/ANN@example.com", "", []string{root}, 200,
			ok("accept agreement for news", ann, "email", "ann@example.com")},
		{"accept for an identity without a user", "POST", "/v1/agreement/news/email/held@example.com", "", []string{root}, 200,
			ok("accept agreement for news", "", "email", "")},
		{"accept for an unknown login", "POST", "/v1/agreement/news/login/nobody", "", []string{root}, 404,
			want{"accept agreement for news", "error", "not found", "", "login", "", "root"}},
		{"a tokenless accept that is no login consent", "POST", "/v1/agreement/news/email/held@example.com", "", nil, 401, none},
		{"a tokenless login consent", "POST", "/v1/agreement/core-send-email-on-login/email/ann@example.com", "", nil, 200,
			want{"accept agreement for core-send-email-on-login", "ok", "", ann, "email", "ann@example.com", "anonymous"}},
		{"get agreement", "GET", "/v1/agreement/news/login/ann", "", []string{root}, 200,
			ok("get agreement for news", ann, "login", "ann")},
		{"get a missing agreement", "GET", "/v1/agreement/core-send-sms-on-login/login/ann", "", []string{root}, 404,
			want{"get agreement for core-send-sms-on-login", "error", "not found", ann, "login", "ann", "root"}},
		{"another user's login token", "GET", "/v1/agreement/news/email/held@example.com", "", []string{own}, 403, none},
		{"get agreements", "GET", "/v1/agreements/token/" + ann, "", []string{root}, 200,
			ok("get agreements by token", ann, "token", ann)},
		{"withdrawal that becomes a request", "DELETE", "/v1/agreement/news/login/ann", "", []string{own}, 200,
			want{"user agreement-withdraw request", "ok", "", ann, "login", "ann", "login:" + ann}},
		{"withdraw", "DELETE", "/v1/agreement/news/email/ann@example.com", "", []string{root}, 200,
			ok("withdraw agreement for news", ann, "email", "ann@example.com")},
		{"a POST that withdraws", "POST", "/v1/agreement/news/email/held@example.com", `{"status":"no"}`, []string{root, asJSON}, 200,
			ok("withdraw agreement for news", "", "email", "")},
		{"revoke agreements", "DELETE", "/v1/agreement/news", "", []string{root}, 200, ok("revoke agreements for news", "", "", "")},
		{"revoke an unknown brief", "DELETE", "/v1/agreement/nothing", "", []string{root}, 404,
			want{"revoke agreements for nothing", "error", "not found", "", "", "", "root"}},
		{"save processing activity", "POST", "/v1/pactivity/Mail", "", []string{root}, 200, ok("save processing activity mail", "", "", "")},
		{"list processing activities", "GET", "/v1/pactivity", "", []string{root}, 200, none},
		{"link", "POST", "/v1/pactivity/mail/NEWS", "", []string{root}, 200, ok("link legal basis news to mail", "", "", "")},
		{"link an unknown brief", "POST", "/v1/pactivity/mail/nothing", "", []string{root}, 404,
			want{"link legal basis nothing to mail", "error", "not found", "", "", "", "root"}},
		{"unlink", "DELETE", "/v1/pactivity/mail/news", "", []string{root}, 200, ok("unlink legal basis news from mail", "", "", "")},
		{"delete processing activity", "DELETE", "/v1/pactivity/mail", "", []string{root}, 200, ok("delete processing activity mail", "", "", "")},
		{"delete legal basis", "DELETE", "/v1/lbasis/news", "", []string{root}, 200, ok("delete legal basis news", "", "", "")},
		{"cookie settings", "GET", "/v1/sys/cookiesettings", "", nil, 200, none},
		{"ui configuration", "GET", "/v1/sys/uiconfiguration", "", nil, 200, none},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := auditList(t, srv, "/v1/audit/admin?limit=1") // writes one event itself
			r := srv.Do(c.method, c.path, c.body, c.headers...)
			if r.Status != c.status {
				t.Fatalf("%s %s: %d %s, want %d", c.method, c.path, r.Status, r.Body, c.status)
			}
			total, rows := auditList(t, srv, "/v1/audit/admin?limit=1")
			if c.want == none {
				if total != before+1 || rows[0].Title != "view audit events" {
					t.Fatalf("wrote an event: total %d -> %d, newest %+v", before, total, rows[0])
				}
				return
			}
			if total != before+2 {
				t.Fatalf("total %d -> %d, want one event", before, total)
			}
			e := rows[0]
			if got := (want{e.Title, e.Status, e.Msg, e.Record, e.Mode, e.Who, e.Identity}); got != c.want {
				t.Errorf("event\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}
