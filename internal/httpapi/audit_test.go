package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

// auditEvent is one row of the audit lists (§1.13).
type auditEvent struct {
	App, AToken, Identity, Mode string
	More                        bool
	Msg, Record, Status, Title  string
	When                        int64
	Who                         string
}

type auditPage struct {
	Status string
	Total  int
	Rows   []json.RawMessage
}

// auditList GETs a paged audit route as root and decodes its rows, failing
// the test unless it answers 200 with rows whose keys are in contract order.
func auditList(t *testing.T, srv *apitest.Server, path string) (int, []auditEvent) {
	t.Helper()
	r := srv.Do("GET", path, "", srv.RootHeader())
	var p auditPage
	if r.Status != 200 || json.Unmarshal(r.Body, &p) != nil || p.Status != "ok" {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	if !bytes.HasPrefix(r.Body, []byte(`{"status":"ok","total":`)) {
		t.Errorf("GET %s: top-level keys out of order: %s", path, r.Body)
	}
	rows := make([]auditEvent, len(p.Rows))
	for i, raw := range p.Rows {
		if err := json.Unmarshal(raw, &rows[i]); err != nil {
			t.Fatalf("row %s: %v", raw, err)
		}
		var want []string
		for _, k := range []string{"app", "atoken", "identity", "mode", "more", "msg", "record", "status", "title", "when", "who"} {
			if k == "app" && rows[i].App == "" || k == "msg" && rows[i].Msg == "" {
				continue
			}
			want = append(want, k)
		}
		if got := objectKeys(t, raw); !reflect.DeepEqual(got, want) {
			t.Errorf("row keys %v, want %v", got, want)
		}
	}
	return p.Total, rows
}

// objectKeys returns the keys of a JSON object in the order written.
func objectKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

type verdict struct {
	Status, Result string
	Checked        int
	AToken, Reason string
}

func verifyAudit(t *testing.T, srv *apitest.Server) verdict {
	t.Helper()
	r := srv.Do("GET", "/v1/audit/verify", "", srv.RootHeader())
	var v verdict
	if r.Status != 200 || json.Unmarshal(r.Body, &v) != nil || v.Status != "ok" {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	return v
}

func digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// TestAuditEventsOfEveryUseCase sends each audited request once and checks
// the one event it wrote (or that it wrote none), field by field.
func TestAuditEventsOfEveryUseCase(t *testing.T) {
	clock := newManualClock()
	srv := tokenServer(t, clock, apitest.WithVault(func(o *vault.Options) { o.ListUsers = true }))
	root := srv.RootHeader()
	alice := userToken(t, srv.Do("POST", "/v1/user", `{"login":"alice","email":"Alice@Example.com","city":"Oslo"}`, root, jsonCT))
	var tok, sessionEvent string
	if r := srv.Do("POST", "/v1/token", `{"value":"4111 1111 1111 1111","format":"creditcard"}`, asCreator, jsonCT); r.Status == 200 {
		var c created
		json.Unmarshal(r.Body, &c)
		tok = c.Token
	}
	if tok == "" {
		t.Fatal("no token created")
	}

	type want struct {
		title, status, msg, record, mode, who, identity string
		more                                            bool
	}
	none := want{} // no event
	newUser := func(w *want, r apitest.Response) { w.record = userToken(t, r) }
	newToken := func(w *want, r apitest.Response) {
		var c created
		json.Unmarshal(r.Body, &c)
		w.who = digest(c.Token)
	}
	cases := []struct {
		name               string
		method, path, body string
		headers            []string
		status             int
		want               want
		fix                func(w *want, r apitest.Response) // fills what only the answer knows
		keepEvent          bool                              // the event is the one "{event}" names
	}{
		{"create user", "POST", "/v1/user", `{"login":"bob"}`, []string{root, jsonCT}, 200,
			want{"create user record", "ok", "", "", "", "", "root", true}, newUser, false},
		{"create user with a taken login", "POST", "/v1/user", `{"login":"alice"}`, []string{root, jsonCT}, 409,
			want{"create user record", "error", "duplicate index: login", "", "", "", "root", false}, nil, false},
		{"create user without index fields", "POST", "/v1/user", `{"city":"Rome"}`, []string{root, jsonCT}, 400,
			want{"create user record", "error", "failed to create user, all user lookup fields are missing", "", "", "", "root", false}, nil, false},
		{"get user by email", "GET", "/v1/user/email/ALICE@example.com", "", []string{root}, 200,
			want{"get user record by email", "ok", "", alice, "email", "alice@example.com", "root", false}, nil, false},
		{"get unknown user", "GET", "/v1/user/login/nobody", "", []string{root}, 404,
			want{"get user record by login", "error", "not found", "", "login", "", "root", false}, nil, false},
		{"change user", "PUT", "/v1/user/login/alice", `{"city":"Paris"}`, []string{root, jsonCT}, 200,
			want{"change user record by login", "ok", "", alice, "login", "alice", "root", true}, nil, true},
		{"change user with a failing patch", "PUT", "/v1/user/token/" + alice, `[{"op":"remove","path":"/nope"}]`, []string{root, jsonCT}, 400,
			want{"change user record by token", "error", "failed to apply patch", alice, "token", alice, "root", false}, nil, false},
		{"list users", "GET", "/v1/users", "", []string{root}, 200,
			want{"list users", "ok", "", "", "", "", "root", false}, nil, false},
		{"create a bound session", "POST", "/v1/session/" + sidExpress, `{"login":"alice","cart":[1]}`, []string{root, jsonCT}, 200,
			want{"create session", "ok", "", alice, "", "", "root", false}, nil, false},
		{"create an unbound session", "POST", "/v1/session/" + sidMin, `{"cart":[1]}`, []string{root, jsonCT}, 200, none, nil, false},
		{"get a bound session", "GET", "/v1/session/" + sidExpress, "", []string{root}, 200,
			want{"get session", "ok", "", alice, "", "", "root", false}, nil, false},
		{"get an unbound session", "GET", "/v1/session/" + sidMin, "", []string{root}, 200, none, nil, false},
		{"list user sessions", "GET", "/v1/sessions/login/alice", "", []string{root}, 200,
			want{"get user sessions by login", "ok", "", alice, "login", "alice", "root", false}, nil, false},
		{"delete a bound session", "DELETE", "/v1/session/" + sidExpress, "", []string{root}, 200,
			want{"delete session", "ok", "", alice, "", "", "root", false}, nil, false},
		{"delete user sessions", "DELETE", "/v1/sessions/email/alice@example.com", "", []string{root}, 200,
			want{"delete user sessions by email", "ok", "", alice, "email", "alice@example.com", "root", false}, nil, false},
		{"create token", "POST", "/v1/token", `{"value":"x"}`, []string{asCreator, jsonCT}, 200,
			want{"create token", "ok", "", "", "", "", "scoped:creator", false}, newToken, false},
		{"get token value", "GET", "/v1/token/" + tok, "", []string{asReader}, 200,
			want{"get token value", "ok", "", "", "", digest(tok), "scoped:reader", false}, nil, false},
		{"get unknown token", "GET", "/v1/token/unknown-token", "", []string{asReader}, 404,
			want{"get token value", "error", "not found", "", "", digest("unknown-token"), "scoped:reader", false}, nil, false},
		{"create tokens", "POST", "/v1/tokens", `{"items":[{"value":"a"},{"value":"b"},{"value":"c"}]}`, []string{asCreator, jsonCT}, 200,
			want{"create tokens", "ok", "3 tokens", "", "", "", "scoped:creator", false}, nil, false},
		{"create tokens with a bad item", "POST", "/v1/tokens", `{"items":[{"value":"a"},{"value":7}]}`, []string{asCreator, jsonCT}, 400,
			want{"create tokens", "error", "items[1]: bad value", "", "", "", "scoped:creator", false}, nil, false},
		{"look tokens up", "POST", "/v1/tokens/lookup", `{"tokens":["` + tok + `","nope"]}`, []string{asReader, jsonCT}, 200,
			want{"get token values", "ok", "2 tokens", "", "", "", "scoped:reader", false}, nil, false},
		{"delete token", "DELETE", "/v1/token/" + tok, "", []string{asDeleter}, 200,
			want{"delete token", "ok", "", "", "", digest(tok), "scoped:deleter", false}, nil, false},
		{"no token is no event", "GET", "/v1/user/login/alice", "", nil, 401, none, nil, false},
		{"a wrong token is no event", "GET", "/v1/user/login/alice", "", []string{"X-Bunker-Token: " + vault.NewUUID()}, 403, none, nil, false},
		{"a scoped token on a user route is no event", "GET", "/v1/user/login/alice", "", []string{asAll}, 403, none, nil, false},
		{"a bad mode is no event", "GET", "/v1/user/nope/alice", "", []string{root}, 400, none, nil, false},
		{"view audit events", "GET", "/v1/audit/admin?limit=1", "", []string{root}, 200,
			want{"view audit events", "ok", "", "", "", "", "root", false}, nil, false},
		{"view user audit events", "GET", "/v1/audit/list/" + alice, "", []string{root}, 200,
			want{"view user audit events", "ok", "", alice, "token", alice, "root", false}, nil, false},
		{"view audit events of an unknown user", "GET", "/v1/audit/list/" + vault.NewUUID(), "", []string{root}, 404,
			want{"view user audit events", "error", "not found", "", "token", "", "root", false}, nil, false},
		{"view audit event", "GET", "/v1/audit/get/{event}", "", []string{root}, 200,
			want{"view audit event", "ok", "", alice, "", "", "root", false}, nil, false},
		{"verify the chain", "GET", "/v1/audit/verify", "", []string{root}, 200,
			want{"verify audit chain", "ok", "", "", "", "", "root", false}, nil, false},
		{"erase user", "DELETE", "/v1/user/login/alice", "", []string{root}, 200,
			want{"delete user record by login", "ok", "", alice, "login", "", "root", false}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := auditList(t, srv, "/v1/audit/admin?limit=1") // writes one event itself
			path := strings.ReplaceAll(c.path, "{event}", sessionEvent)
			r := srv.Do(c.method, path, c.body, c.headers...)
			if r.Status != c.status {
				t.Fatalf("%s %s: %d %s, want %d", c.method, path, r.Status, r.Body, c.status)
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
			w := c.want
			if c.fix != nil {
				c.fix(&w, r)
			}
			got := want{e.Title, e.Status, e.Msg, e.Record, e.Mode, e.Who, e.Identity, e.More}
			if got != w {
				t.Errorf("event\n got %+v\nwant %+v", got, w)
			}
			if !vault.IsUUID(e.AToken) || e.AToken != strings.ToLower(e.AToken) || e.When != clock.unix() {
				t.Errorf("atoken %q or when %d malformed", e.AToken, e.When)
			}
			if c.keepEvent {
				sessionEvent = e.AToken
			}
		})
	}
}
