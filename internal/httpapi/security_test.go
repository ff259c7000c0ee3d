package httpapi_test

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"piivault/internal/apitest"
)

const jsonCT = "Content-Type: application/json"

// canaries are values no byte of the database or the logs may contain in
// any encoding after they went through the API.
var canaries = []string{
	"canary-login-7f3a9c",
	"canary.mail.7f3a9c@example.org",
	"+447700900461",
	"canary-custom-7f3a9c",
	"Canary Street 7f3a9c",
	"canary-patch-value-7f3a9c",
}

// assertNoCanary fails when any canary appears in b raw, lower-cased,
// hex-encoded or base64-encoded.
func assertNoCanary(t *testing.T, where string, b []byte) {
	t.Helper()
	lower := bytes.ToLower(b)
	for _, c := range canaries {
		for _, form := range []string{c, strings.ToLower(c), hex.EncodeToString([]byte(c)), base64.StdEncoding.EncodeToString([]byte(c))} {
			if bytes.Contains(b, []byte(form)) || bytes.Contains(lower, []byte(strings.ToLower(form))) {
				t.Errorf("%s contains a canary (form %q)", where, form)
			}
		}
	}
}

func TestCanaryPIIIsNeverStoredOrLoggedInPlaintext(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	body := fmt.Sprintf(`{"login":%q,"email":%q,"phone":%q,"custom":%q,"address":{"street":%q}}`,
		canaries[0], canaries[1], canaries[2], canaries[3], canaries[4])
	if r := srv.Do("POST", "/v1/user", body, root, jsonCT); r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	// Every lookup mode, a duplicate (409), a patch and failing calls that
	// carry the canaries in paths and bodies, so error paths are scanned too.
	for _, path := range []string{"/v1/user/login/" + canaries[0], "/v1/user/email/" + canaries[1], "/v1/user/phone/" + canaries[2], "/v1/user/custom/" + canaries[3]} {
		if r := srv.Do("GET", path, "", root); r.Status != 200 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
	}
	srv.Do("POST", "/v1/user", body, root, jsonCT)
	srv.Do("POST", "/v1/user", `{"login":"`+canaries[0], root, jsonCT)
	srv.Do("PUT", "/v1/user/login/"+canaries[0], `{"note":"`+canaries[5]+`"}`, root, jsonCT)
	srv.Do("PUT", "/v1/user/login/"+canaries[0], `[{"op":"test","path":"/note","value":"x`+canaries[5]+`"}]`, root, jsonCT)
	srv.Do("GET", "/v1/user/login/"+canaries[0]+"-unknown", "", root)
	srv.Do("GET", "/v1/user/email/"+canaries[1], "", "X-Bunker-Token: "+canaries[3])

	// The calls above left audit events holding every identity and the
	// patch in sealed copies: the API reads them back, the dump holds none.
	_, events := auditList(t, srv, "/v1/audit/admin?limit=100")
	sealed := map[string]bool{}
	for _, e := range events {
		sealed[e.Who] = true
	}
	for _, c := range canaries[:4] {
		if !sealed[c] {
			t.Errorf("no audit event holds the identity %q", c)
		}
	}
	copied := false
	for _, e := range withTitle(events, "change user record by login") {
		copied = copied || e.More && bytes.Contains(srv.Do("GET", "/v1/audit/get/"+e.AToken, "", root).Body, []byte(canaries[5]))
	}
	if !copied {
		t.Error("no audit copy holds the patched value")
	}

	assertNoCanary(t, "database before erasure", srv.Dump())
	assertNoCanary(t, "logs", []byte(srv.Logs()))

	if r := srv.Do("DELETE", "/v1/user/login/"+canaries[0], "", root); r.Status != 200 {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	assertNoCanary(t, "database after erasure", srv.Dump())
	assertNoCanary(t, "logs", []byte(srv.Logs()))
}

// sqliteRow opens the server's SQLite file beside it (WAL allows that) to
// play an attacker or a broken disk that edits stored bytes.
func sqliteDB(t *testing.T, srv *apitest.Server) *sql.DB {
	t.Helper()
	if srv.DBPath() == "" {
		t.Skip("edits the SQLite file directly; runs on the SQLite driver")
	}
	db, err := sql.Open("sqlite3", "file:"+srv.DBPath()+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func userToken(t *testing.T, r apitest.Response) string {
	t.Helper()
	var out struct{ Token string }
	if r.Status != 200 || json.Unmarshal(r.Body, &out) != nil || out.Token == "" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	return out.Token
}

func TestTamperedCiphertextFailsInsteadOfYieldingWrongData(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	a := userToken(t, srv.Do("POST", "/v1/user", `{"login":"alice","secret":"a"}`, root, jsonCT))
	b := userToken(t, srv.Do("POST", "/v1/user", `{"login":"bob","secret":"b"}`, root, jsonCT))
	db := sqliteDB(t, srv)

	var profile, datakey []byte
	if err := db.QueryRow(`SELECT profile, datakey FROM users WHERE token = ?`, a).Scan(&profile, &datakey); err != nil {
		t.Fatal(err)
	}
	set := func(col string, v []byte, token string) {
		t.Helper()
		if _, err := db.Exec(`UPDATE users SET `+col+` = ? WHERE token = ?`, v, token); err != nil {
			t.Fatal(err)
		}
	}
	mustFail := func(what, token string) {
		t.Helper()
		r := srv.Do("GET", "/v1/user/token/"+token, "", root)
		if r.Status != 500 || string(bytes.TrimSpace(r.Body)) != `{"status":"error","message":"internal error"}` {
			t.Fatalf("%s: got %d %s, want 500 internal error", what, r.Status, r.Body)
		}
	}
	for _, col := range []struct {
		name string
		orig []byte
	}{{"profile", profile}, {"datakey", datakey}} {
		for i := range col.orig {
			flipped := bytes.Clone(col.orig)
			flipped[i] ^= 0x01
			set(col.name, flipped, a)
			mustFail(fmt.Sprintf("%s byte %d flipped", col.name, i), a)
		}
		set(col.name, col.orig, a)
	}
	if r := srv.Do("GET", "/v1/user/token/"+a, "", root); r.Status != 200 || !bytes.Contains(r.Body, []byte(`"secret":"a"`)) {
		t.Fatalf("restored record: %d %s", r.Status, r.Body)
	}

	// Alice's ciphertext moved into Bob's row, alone and with her data key.
	var bobProfile, bobKey []byte
	if err := db.QueryRow(`SELECT profile, datakey FROM users WHERE token = ?`, b).Scan(&bobProfile, &bobKey); err != nil {
		t.Fatal(err)
	}
	set("profile", profile, b)
	mustFail("alice's profile in bob's row", b)
	set("datakey", datakey, b)
	mustFail("alice's profile and data key in bob's row", b)
}

func TestForgetMeDestroysTheDataKey(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	tok := userToken(t, srv.Do("POST", "/v1/user", `{"login":"carol","diagnosis":"private"}`, root, jsonCT))
	db := sqliteDB(t, srv)
	var profile, datakey []byte
	if err := db.QueryRow(`SELECT profile, datakey FROM users WHERE token = ?`, tok).Scan(&profile, &datakey); err != nil {
		t.Fatal(err)
	}
	if r := srv.Do("DELETE", "/v1/user/token/"+tok, "", root); r.Status != 200 || string(bytes.TrimSpace(r.Body)) != `{"status":"ok","result":"done"}` {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	var gotKey, gotProfile []byte
	if err := db.QueryRow(`SELECT profile, datakey FROM users WHERE token = ?`, tok).Scan(&gotProfile, &gotKey); err != nil {
		t.Fatalf("the token row must stay reserved: %v", err)
	}
	if gotKey != nil || gotProfile != nil {
		t.Fatalf("erased row still holds a data key (%d bytes) or profile (%d bytes)", len(gotKey), len(gotProfile))
	}
	if bytes.Contains(srv.Dump(), datakey) {
		t.Fatal("the wrapped data key survives somewhere in the database files")
	}
	// A copy of the profile ciphertext taken before the erasure (a stale
	// backup of that column) put back: the server holds the master key and
	// still cannot open it, because the data key is gone.
	if _, err := db.Exec(`UPDATE users SET profile = ?, erased = 0 WHERE token = ?`, profile, tok); err != nil {
		t.Fatal(err)
	}
	if r := srv.Do("GET", "/v1/user/token/"+tok, "", root); r.Status == 200 || bytes.Contains(r.Body, []byte("private")) {
		t.Fatalf("restored ciphertext opened: %d %s", r.Status, r.Body)
	}
}

func TestConcurrentClientsNeverSeeLockedOr5xx(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	d := 10 * time.Second
	if testing.Short() {
		d = 2 * time.Second
	}
	deadline := time.Now().Add(d)
	var requests, failures atomic.Int64
	var firstFailure sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				email := fmt.Sprintf("w%d-%d@load.test", w, i)
				r := srv.Do("POST", "/v1/user", fmt.Sprintf(`{"email":%q,"n":%d}`, email, i), root, jsonCT)
				g := srv.Do("GET", "/v1/user/email/"+email, "", root)
				requests.Add(2)
				for _, resp := range []apitest.Response{r, g} {
					if resp.Status != 200 || bytes.Contains(bytes.ToLower(resp.Body), []byte("locked")) {
						failures.Add(1)
						firstFailure.Do(func() { t.Errorf("first failure: %d %s", resp.Status, resp.Body) })
					}
				}
			}
		}(w)
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d of %d requests failed", failures.Load(), requests.Load())
	}
	t.Logf("%d requests over %v with 64 clients, no failures", requests.Load(), d)
}
