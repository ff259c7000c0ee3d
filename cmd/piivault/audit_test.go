package main

import (
	"database/sql"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAuditChainJobAndVerifyCommand: a running server links its events
// into the chain by itself within seconds; `piivault audit verify` confirms
// the chain beside the running server, and after an edit made directly in
// the database names the edited event and exits 1.
func TestAuditChainJobAndVerifyCommand(t *testing.T) {
	t.Run("help", func(t *testing.T) {
		r := run(t, environment(), "audit", "verify", "--help")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: piivault audit verify") ||
			!strings.Contains(r.stdout, "  -data-dir ") || !strings.Contains(r.stdout, "  -config ") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, args := range [][]string{{"audit"}, {"audit", "repair"}} {
			if r := run(t, environment(), args...); r.code != 2 {
				t.Errorf("piivault %v: exit %d", args, r.code)
			}
		}
	})

	dir := t.TempDir()
	key, root := newSecrets()
	env := sqliteEnv(dir, key, root)
	s := start(t, env, "serve")
	tok := s.createUser(t, root, `{"login":"olga"}`)
	for i := 0; i < 3; i++ {
		if code, body := s.call(t, "GET", "/v1/user/token/"+tok, root, ""); code != 200 {
			t.Fatalf("get: %d %s", code, body)
		}
	}
	db, err := sql.Open("sqlite3", "file:"+dbPath(dir)+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	unlinked := func() (n int) {
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE seq IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); unlinked() > 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d events still unlinked after 10s: the chain job does not run", unlinked())
		}
	}

	r := run(t, env, "audit", "verify")
	if r.code != 0 || !regexp.MustCompile(`^audit chain intact: 4 events checked\n$`).MatchString(r.stdout) {
		t.Fatalf("verify beside the server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s.stop(t)

	var atoken string
	if err := db.QueryRow(`SELECT atoken FROM audit_events WHERE seq = 3`).Scan(&atoken); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_events SET status = 'error' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "audit", "verify")
	if r.code != 1 || !strings.Contains(r.stdout, `BROKEN after 2 good events: hash mismatch at event "`+atoken+`"`) {
		t.Fatalf("verify after tampering: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
