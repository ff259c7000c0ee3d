package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// TestAuditRoutes checks the answers and errors of §11 for root.
func TestAuditRoutes(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	alice := userToken(t, srv.Do("POST", "/v1/user", `{"login":"alice","n":1.10}`, root, jsonCT))
	bob := userToken(t, srv.Do("POST", "/v1/user", `{"login":"bob"}`, root, jsonCT))
	srv.Do("PUT", "/v1/user/login/alice", `{"n":2,"city":"Oslo"}`, root, jsonCT)
	srv.Do("GET", "/v1/user/token/"+bob, "", root)

	t.Run("admin lists every event newest first", func(t *testing.T) {
		total, rows := auditList(t, srv, "/v1/audit/admin")
		titles := make([]string, len(rows))
		for i, e := range rows {
			titles[i] = e.Title
		}
		want := []string{"get user record by token", "change user record by login", "create user record", "create user record"}
		if total != 4 || strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Fatalf("total %d, titles %q, want 4 %q", total, titles, want)
		}
	})
	t.Run("admin pages", func(t *testing.T) {
		total, rows := auditList(t, srv, "/v1/audit/admin?offset=1&limit=2")
		if total != 5 || len(rows) != 2 || rows[0].Title != "get user record by token" {
			t.Fatalf("total %d rows %+v", total, rows)
		}
	})
	t.Run("list holds the events of one user", func(t *testing.T) {
		total, rows := auditList(t, srv, "/v1/audit/list/"+strings.ToUpper(alice))
		if total != 2 || rows[0].Title != "change user record by login" || rows[0].Who != "alice" || rows[1].Title != "create user record" {
			t.Fatalf("total %d rows %+v", total, rows)
		}
	})
	t.Run("get returns the copies before and after a change", func(t *testing.T) {
		_, rows := auditList(t, srv, "/v1/audit/list/"+alice)
		rows = withTitle(rows, "change user record by login", "create user record")
		r := srv.Do("GET", "/v1/audit/get/"+rows[0].AToken, "", root)
		want := `{"status":"ok","event":{"before":{"login":"alice","n":1.10},"after":{"city":"Oslo","login":"alice","n":2}}}`
		if r.Status != 200 || string(bytes.TrimSpace(r.Body)) != want {
			t.Fatalf("got %d %s\nwant %s", r.Status, r.Body, want)
		}
		r = srv.Do("GET", "/v1/audit/get/"+rows[1].AToken, "", root)
		want = `{"status":"ok","event":{"after":{"login":"alice","n":1.10}}}`
		if r.Status != 200 || string(bytes.TrimSpace(r.Body)) != want {
			t.Fatalf("create: got %d %s\nwant %s", r.Status, r.Body, want)
		}
	})
	t.Run("get of a read event is empty", func(t *testing.T) {
		_, rows := auditList(t, srv, "/v1/audit/list/"+bob)
		rows = withTitle(rows, "get user record by token")
		r := srv.Do("GET", "/v1/audit/get/"+rows[0].AToken, "", root)
		if r.Status != 200 || string(bytes.TrimSpace(r.Body)) != `{"status":"ok","event":{}}` {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("verify reports an intact chain", func(t *testing.T) {
		total, _ := auditList(t, srv, "/v1/audit/admin?limit=1")
		r := srv.Do("GET", "/v1/audit/verify", "", root)
		want := `{"status":"ok","result":"ok","checked":` + itoa(total+1) + `}`
		if r.Status != 200 || string(bytes.TrimSpace(r.Body)) != want {
			t.Fatalf("got %d %s, want %s", r.Status, r.Body, want)
		}
	})
	for _, c := range []struct {
		name, path string
		status     int
		message    string
	}{
		{"list with a malformed token", "/v1/audit/list/not-a-uuid", 400, "bad uuid"},
		{"list of a token that never existed", "/v1/audit/list/" + vault.NewUUID(), 404, "not found"},
		{"list with a bad offset", "/v1/audit/list/" + alice + "?offset=-1", 400, "bad offset"},
		{"admin with a bad limit", "/v1/audit/admin?limit=x", 400, "bad limit"},
		{"get with a malformed atoken", "/v1/audit/get/123", 400, "bad uuid"},
		{"get of an unknown event", "/v1/audit/get/" + vault.NewUUID(), 404, "not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := srv.Do("GET", c.path, "", root)
			want := `{"status":"error","message":"` + c.message + `"}`
			if r.Status != c.status || string(bytes.TrimSpace(r.Body)) != want {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, c.status, want)
			}
		})
	}
	t.Run("methods other than GET are not allowed", func(t *testing.T) {
		r := srv.Do("POST", "/v1/audit/verify", "", root)
		if r.Status != 405 || r.Header.Get("Allow") != "GET, OPTIONS" {
			t.Fatalf("got %d Allow %q", r.Status, r.Header.Get("Allow"))
		}
	})
}

// TestErasedUserEventsStayListedButUnreadable: after erasure the events
// remain and the chain verifies, but who and the copies are gone with the
// data key.
func TestErasedUserEventsStayListedButUnreadable(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	carol := userToken(t, srv.Do("POST", "/v1/user", `{"login":"carol","email":"carol@example.org"}`, root, jsonCT))
	srv.Do("PUT", "/v1/user/email/carol@example.org", `{"city":"Rome"}`, root, jsonCT)
	srv.Do("GET", "/v1/user/login/carol", "", root)
	_, before := auditList(t, srv, "/v1/audit/list/"+carol)
	if len(before) != 3 || before[0].Who != "carol" || before[1].Who != "carol@example.org" {
		t.Fatalf("before erasure: %+v", before)
	}
	if r := srv.Do("DELETE", "/v1/user/token/"+carol, "", root); r.Status != 200 {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}

	total, after := auditList(t, srv, "/v1/audit/list/"+carol)
	if total != 5 || after[0].Title != "delete user record by token" {
		t.Fatalf("after erasure: %d %+v", total, after)
	}
	for _, e := range after {
		if e.Who != "" || e.Record != carol {
			t.Errorf("event %q of the erased user: who %q record %q", e.Title, e.Who, e.Record)
		}
	}
	for _, e := range before {
		r := srv.Do("GET", "/v1/audit/get/"+e.AToken, "", root)
		if r.Status != 200 || string(bytes.TrimSpace(r.Body)) != `{"status":"ok","event":{}}` {
			t.Errorf("copies of %q after erasure: %d %s", e.Title, r.Status, r.Body)
		}
	}
	if v := verifyAudit(t, srv); v.Result != "ok" {
		t.Fatalf("chain after erasure: %+v", v)
	}
	if r := srv.Do("GET", "/v1/user/token/"+carol, "", root); r.Status != 404 {
		t.Fatalf("erased user: %d", r.Status)
	}
}

// TestAuditFailsClosed: when the event cannot be stored, no data leaves and
// no change stays.
func TestAuditFailsClosed(t *testing.T) {
	srv := tokenServer(t, newManualClock())
	root := srv.RootHeader()
	srv.Do("POST", "/v1/user", `{"login":"dave","secret":"s3cr3t-dave"}`, root, jsonCT)
	tok := tokenize(t, srv, `{"value":"v4lue-of-dave"}`).Token
	db := sqliteDB(t, srv)
	if _, err := db.Exec(`ALTER TABLE audit_events RENAME TO audit_events_away`); err != nil {
		t.Fatal(err)
	}
	unavailable := `{"status":"error","message":"service unavailable"}`
	for _, c := range []struct {
		name, method, path, body string
		headers                  []string
	}{
		{"read a user", "GET", "/v1/user/login/dave", "", []string{root}},
		{"change a user", "PUT", "/v1/user/login/dave", `{"secret":"changed"}`, []string{root, jsonCT}},
		{"create a user", "POST", "/v1/user", `{"login":"erin"}`, []string{root, jsonCT}},
		{"read a token", "GET", "/v1/token/" + tok, "", []string{asReader}},
		{"fail to find a user", "GET", "/v1/user/login/nobody", "", []string{root}},
		{"verify", "GET", "/v1/audit/verify", "", []string{root}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := srv.Do(c.method, c.path, c.body, c.headers...)
			if r.Status != 503 || string(bytes.TrimSpace(r.Body)) != unavailable || r.Header.Get("Retry-After") != "5" {
				t.Fatalf("got %d %s (Retry-After %q), want 503", r.Status, r.Body, r.Header.Get("Retry-After"))
			}
		})
	}
	if _, err := db.Exec(`ALTER TABLE audit_events_away RENAME TO audit_events`); err != nil {
		t.Fatal(err)
	}
	r := srv.Do("GET", "/v1/user/login/dave", "", root)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte(`"secret":"s3cr3t-dave"`)) {
		t.Fatalf("the refused change was applied: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("GET", "/v1/user/login/erin", "", root); r.Status != 404 {
		t.Fatalf("the refused create was applied: %d %s", r.Status, r.Body)
	}
	if v := verifyAudit(t, srv); v.Result != "ok" {
		t.Fatalf("chain: %+v", v)
	}
}

// withTitle keeps the events with one of titles, in their order.
func withTitle(events []auditEvent, titles ...string) []auditEvent {
	var out []auditEvent
	for _, e := range events {
		for _, title := range titles {
			if e.Title == title {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestAuditOfALoginToken: a data subject's own reads are events with the
// login identity; probing another subject (403) leaves none.
func TestAuditOfALoginToken(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	hana := userToken(t, srv.Do("POST", "/v1/user", `{"login":"hana"}`, root, jsonCT))
	ivan := userToken(t, srv.Do("POST", "/v1/user", `{"login":"ivan"}`, root, jsonCT))
	xtoken, err := srv.Service.IssueLoginToken(context.Background(), hana)
	if err != nil {
		t.Fatal(err)
	}
	asHana := "X-Bunker-Token: " + xtoken
	if r := srv.Do("GET", "/v1/user/login/hana", "", asHana); r.Status != 200 {
		t.Fatalf("own read: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("GET", "/v1/user/token/"+ivan, "", asHana); r.Status != 403 {
		t.Fatalf("another subject: %d %s", r.Status, r.Body)
	}
	r := srv.Do("GET", "/v1/audit/list/"+hana, "", asHana)
	var p auditPage
	if r.Status != 200 || json.Unmarshal(r.Body, &p) != nil || p.Total != 2 {
		t.Fatalf("own list: %d %s", r.Status, r.Body)
	}
	var e auditEvent
	json.Unmarshal(p.Rows[0], &e)
	if e.Title != "get user record by login" || e.Identity != "login:"+hana || e.Who != "hana" || e.Record != hana {
		t.Fatalf("newest event %+v", e)
	}
	if total, _ := auditList(t, srv, "/v1/audit/list/"+ivan); total != 1 {
		t.Fatalf("ivan has %d events, want only his creation", total)
	}
}
