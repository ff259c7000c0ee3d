package httpapi_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
)

// chainRow is one linked event as an attacker with database access sees it.
type chainRow struct {
	seq    int64
	atoken string
}

// chainRows returns the linked events in chain order.
func chainRows(t *testing.T, db *sql.DB) []chainRow {
	t.Helper()
	rows, err := db.Query(`SELECT seq, atoken FROM audit_events WHERE seq IS NOT NULL ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []chainRow
	for rows.Next() {
		var r chainRow
		if err := rows.Scan(&r.seq, &r.atoken); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// auditedServer returns a server whose chain holds a few linked events of
// every kind (sealed who and copies, token digests, failures) and nothing
// unlinked.
func auditedServer(t *testing.T, clock *manualClock) *apitest.Server {
	t.Helper()
	srv := tokenServer(t, clock)
	root := srv.RootHeader()
	srv.Do("POST", "/v1/user", `{"login":"frank","email":"frank@example.org"}`, root, jsonCT)
	for _, p := range []string{"/v1/user/login/frank", "/v1/user/email/frank@example.org", "/v1/user/login/nobody"} {
		srv.Do("GET", p, "", root)
		clock.advance(time.Second)
	}
	srv.Do("PUT", "/v1/user/login/frank", `{"city":"Lima"}`, root, jsonCT)
	tokenize(t, srv, `{"value":"abc"}`)
	srv.Do("GET", "/v1/user/login/frank", "", root)
	if _, err := srv.Service.LinkAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestVerifyNamesTheFirstTamperedEvent edits, deletes and reorders events
// directly in the database; verify must name the first bad one each time.
func TestVerifyNamesTheFirstTamperedEvent(t *testing.T) {
	exec := func(t *testing.T, db *sql.DB, queries ...string) {
		t.Helper()
		for _, q := range queries {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB)
		// want returns the atoken, reason and checked count expected of
		// the chain as it was before the tampering.
		want func(chain []chainRow) (string, string, int)
	}{
		{"a title edited", func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE audit_events SET title = 'nothing to see' WHERE seq = 3`)
		}, func(c []chainRow) (string, string, int) { return c[2].atoken, "hash mismatch", 2 }},
		{"a status edited", func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE audit_events SET status = 'ok', msg = '' WHERE seq = 4`)
		}, func(c []chainRow) (string, string, int) { return c[3].atoken, "hash mismatch", 3 }},
		{"one byte of a sealed who flipped", func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE audit_events SET who = zeroblob(length(who)) WHERE seq = 2`)
		}, func(c []chainRow) (string, string, int) { return c[1].atoken, "hash mismatch", 1 }},
		{"the time of an event moved", func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE audit_events SET event_time = event_time - 3600 WHERE seq = 5`)
		}, func(c []chainRow) (string, string, int) { return c[4].atoken, "hash mismatch", 4 }},
		{"an event given another subject", func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE audit_events SET record = '' WHERE seq = 2`)
		}, func(c []chainRow) (string, string, int) { return c[1].atoken, "hash mismatch", 1 }},
		{"a middle event deleted", func(t *testing.T, db *sql.DB) {
			exec(t, db, `DELETE FROM audit_events WHERE seq = 4`)
		}, func(c []chainRow) (string, string, int) { return c[3].atoken, "missing event", 3 }},
		{"the first event deleted", func(t *testing.T, db *sql.DB) {
			exec(t, db, `DELETE FROM audit_events WHERE seq = 1`)
		}, func(c []chainRow) (string, string, int) { return c[0].atoken, "missing event", 0 }},
		{"the newest event deleted", func(t *testing.T, db *sql.DB) {
			exec(t, db, `DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)`)
		}, func(c []chainRow) (string, string, int) { return c[len(c)-1].atoken, "missing event", len(c) - 1 }},
		{"the newest events deleted and the head set back", func(t *testing.T, db *sql.DB) {
			exec(t, db, `DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)`,
				`UPDATE audit_chain SET seq = seq - 1, hash = (SELECT hash FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)),
				 atoken = (SELECT atoken FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)) WHERE name = 'head'`)
		}, func(c []chainRow) (string, string, int) { return c[len(c)-2].atoken, "hash mismatch", 0 }},
		{"two events swapped", func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE audit_events SET seq = -1 WHERE seq = 3`,
				`UPDATE audit_events SET seq = 3 WHERE seq = 4`,
				`UPDATE audit_events SET seq = 4 WHERE seq = -1`)
		}, func(c []chainRow) (string, string, int) { return c[3].atoken, "hash mismatch", 2 }},
		{"two events swapped with their links", func(t *testing.T, db *sql.DB) {
			exec(t, db, `CREATE TEMP TABLE l AS SELECT seq, prev_atoken, hash FROM audit_events WHERE seq IN (3, 4)`,
				`UPDATE audit_events SET seq = -seq WHERE seq IN (3, 4)`,
				`UPDATE audit_events SET seq = 7 - (-seq) WHERE seq IN (-3, -4)`,
				`UPDATE audit_events SET prev_atoken = (SELECT prev_atoken FROM l WHERE l.seq = audit_events.seq),
				 hash = (SELECT hash FROM l WHERE l.seq = audit_events.seq) WHERE seq IN (3, 4)`)
		}, func(c []chainRow) (string, string, int) { return c[3].atoken, "hash mismatch", 2 }},
		{"the list order changed", func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE audit_events SET id = id + 1000 WHERE seq = 2`)
		}, func(c []chainRow) (string, string, int) { return c[1].atoken, "hash mismatch", 1 }},
		{"the checkpoint moved forward", func(t *testing.T, db *sql.DB) {
			exec(t, db, `DELETE FROM audit_events WHERE seq <= 2`,
				`UPDATE audit_chain SET seq = 2, hash = x'00', atoken = '' WHERE name = 'checkpoint'`)
		}, func(c []chainRow) (string, string, int) { return "", "hash mismatch", 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := auditedServer(t, newManualClock())
			db := sqliteDB(t, srv)
			chain := chainRows(t, db)
			if len(chain) < 7 {
				t.Fatalf("only %d linked events", len(chain))
			}
			c.tamper(t, db)
			atoken, reason, checked := c.want(chain)
			v := verifyAudit(t, srv)
			if v.Result != "broken" || v.AToken != atoken || v.Reason != reason || v.Checked != checked {
				t.Fatalf("verdict %+v, want broken at %s (%s) after %d", v, atoken, reason, checked)
			}
			raw := srv.Do("GET", "/v1/audit/verify", "", srv.RootHeader()).Body
			if got := objectKeys(t, raw); strings.Join(got, ",") != "status,result,checked,atoken,reason" {
				t.Errorf("broken verdict keys %v", got)
			}
			// The finding persists: later events do not repair it.
			srv.Do("GET", "/v1/user/login/frank", "", srv.RootHeader())
			if v2 := verifyAudit(t, srv); v2.Result != "broken" || v2.Reason != reason {
				t.Fatalf("second verdict %+v", v2)
			}
		})
	}
	t.Run("an untouched chain is intact", func(t *testing.T) {
		srv := auditedServer(t, newManualClock())
		n := len(chainRows(t, sqliteDB(t, srv)))
		if v := verifyAudit(t, srv); v.Result != "ok" || v.Checked != n || v.AToken != "" || v.Reason != "" {
			t.Fatalf("verdict %+v, want ok after %d", v, n)
		}
	})
	t.Run("the newest event deleted before more are linked after it", func(t *testing.T) {
		srv := auditedServer(t, newManualClock())
		db := sqliteDB(t, srv)
		chain := chainRows(t, db)
		exec(t, db, `DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)`)
		srv.Do("GET", "/v1/user/login/frank", "", srv.RootHeader())
		if _, err := srv.Service.LinkAudit(context.Background()); err != nil {
			t.Fatal(err)
		}
		last := chain[len(chain)-1]
		if v := verifyAudit(t, srv); v.Result != "broken" || v.AToken != last.atoken || v.Reason != "missing event" {
			t.Fatalf("verdict %+v, want missing %s", v, last.atoken)
		}
	})
}

// TestAuditRetention: events past the retention period go, the checkpoint
// records where, and the rest still verifies; tampering after the
// checkpoint is still found, and a broken old part is kept, not pruned.
func TestAuditRetention(t *testing.T) {
	ctx := context.Background()
	const year = 365 * 24 * time.Hour
	clock := newManualClock()
	srv := tokenServer(t, clock)
	root := srv.RootHeader()
	srv.Do("POST", "/v1/user", `{"login":"gina"}`, root, jsonCT)
	srv.Do("GET", "/v1/user/login/gina", "", root)
	srv.Do("GET", "/v1/user/login/nobody", "", root)
	clock.advance(200 * 24 * time.Hour)
	srv.Do("PUT", "/v1/user/login/gina", `{"city":"Quito"}`, root, jsonCT)
	clock.advance(200 * 24 * time.Hour)
	srv.Do("GET", "/v1/user/login/gina", "", root)

	if n, err := srv.Service.PruneAudit(ctx, 0); n != 0 || err != nil {
		t.Fatalf("no retention period: pruned %d, %v", n, err)
	}
	n, err := srv.Service.PruneAudit(ctx, year)
	if n != 3 || err != nil {
		t.Fatalf("pruned %d, %v; want the 3 events of the first day", n, err)
	}
	db := sqliteDB(t, srv)
	chain := chainRows(t, db)
	if len(chain) != 2 || chain[0].seq != 4 {
		t.Fatalf("left %+v, want seq 4 and 5", chain)
	}
	if v := verifyAudit(t, srv); v.Result != "ok" || v.Checked != 2 {
		t.Fatalf("after pruning: %+v", v)
	}
	if n, err := srv.Service.PruneAudit(ctx, year); n != 0 || err != nil {
		t.Fatalf("pruned again: %d, %v", n, err)
	}

	t.Run("an event after the checkpoint deleted", func(t *testing.T) {
		if _, err := db.Exec(`DELETE FROM audit_events WHERE seq = 4`); err != nil {
			t.Fatal(err)
		}
		if v := verifyAudit(t, srv); v.Result != "broken" || v.Reason != "missing event" || v.AToken != chain[0].atoken || v.Checked != 0 {
			t.Fatalf("verdict %+v, want missing %s", v, chain[0].atoken)
		}
	})
	t.Run("a broken old part is kept", func(t *testing.T) {
		clock.advance(2 * year)
		if _, err := db.Exec(`UPDATE audit_events SET title = 'x' WHERE seq = 6`); err != nil {
			t.Fatal(err)
		}
		before := len(chainRows(t, db))
		if n, err := srv.Service.PruneAudit(ctx, year); err == nil || n != 0 {
			t.Fatalf("pruned %d, %v; want an error and nothing pruned", n, err)
		}
		if after := len(chainRows(t, db)); after < before {
			t.Fatalf("events went from %d to %d", before, after)
		}
	})
}
