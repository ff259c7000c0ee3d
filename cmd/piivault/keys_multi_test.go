package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRotationAcrossInstances runs two servers on one PostgreSQL (and one
// MariaDB) database: a rotation started on A is used for new writes on B
// within a few refresh intervals, B reads keys A has already re-wrapped,
// and both end up reporting the finished job.
func TestRotationAcrossInstances(t *testing.T) {
	for _, driver := range serverDBs {
		t.Run("on "+driver, func(t *testing.T) { testRotationAcrossInstances(t, driver) })
	}
}

func testRotationAcrossInstances(t *testing.T, driver string) {
	db := freshDB(t, driver)
	// The fifth byte of a wrapped key is the low byte of its KEK version.
	versionByte := map[string]string{"postgres": "get_byte(datakey, 4)", "mysql": "ASCII(SUBSTRING(datakey, 5, 1))"}[driver]
	param := map[string]string{"postgres": "$1", "mysql": "?"}[driver]
	key, root := newSecrets()
	env := serveEnv(db, key, root, "PIIVAULT_KEYS_REFRESH_INTERVAL=500ms", "PIIVAULT_SERVER_DATA_DIR="+t.TempDir())
	a := launch(t, "http", http.DefaultClient, env, "serve")
	b := launch(t, "http", http.DefaultClient, env, "serve")
	a.waitReady(t, "serve")
	b.waitReady(t, "serve")
	users := bulkUsers(t, a, root, 200, 4)
	for _, u := range users[:20] {
		b.expect(t, http.StatusOK, http.MethodGet, "/v1/user/token/"+u, root, "") // B caches version-1 keys
	}

	rotated := time.Now()
	if code, body := a.call(t, http.MethodPost, "/v1/sys/rotate-key", root, ""); code != http.StatusAccepted {
		t.Fatalf("rotate-key on A = %d %s", code, body)
	}
	t.Run("B wraps new data keys under the new version", func(t *testing.T) {
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			var out struct{ Token string }
			code, body := b.call(t, http.MethodPost, "/v1/user", root, `{"custom":"`+time.Now().String()+`"}`)
			if code != 200 || json.Unmarshal([]byte(body), &out) != nil {
				t.Fatalf("POST /v1/user on B = %d %s", code, body)
			}
			var wrapped []byte
			if err := db.sql.QueryRow("SELECT datakey FROM users WHERE token = "+param, out.Token).Scan(&wrapped); err != nil {
				t.Fatal(err)
			}
			if kekVersion(wrapped) == 2 {
				t.Logf("B wrote under version 2 %s after the rotation started on A", time.Since(rotated).Round(time.Millisecond))
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("B still wraps under version %d", kekVersion(wrapped))
			}
		}
	})
	ka := waitRotation(t, a, root, time.Minute)
	t.Run("both report the finished job and every user reads on B", func(t *testing.T) {
		kb, _, err := keyStatus(b, root)
		if err != nil {
			t.Fatal(err)
		}
		if ka.Rotation.Status != "done" || kb.Rotation == nil || kb.Rotation.Job != ka.Rotation.Job || kb.Active != 2 {
			t.Fatalf("A: %+v; B: %+v", ka, kb)
		}
		if st, n := kb.versionStatus(1); st != "retired" || n != 0 {
			t.Errorf("version 1 is %s with %d data keys", st, n)
		}
		for _, u := range users {
			b.expect(t, http.StatusOK, http.MethodGet, "/v1/user/token/"+u, root, "")
		}
		var left int
		if err := db.sql.QueryRow("SELECT COUNT(*) FROM users WHERE datakey IS NOT NULL AND " + versionByte + " <> 2").Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d users keep a data key of another version", left)
		}
	})
	for name, s := range map[string]*child{"A": a, "B": b} {
		if errs := s.logErrors(); len(errs) > 0 {
			t.Errorf("%s logged errors:\n%s", name, strings.Join(errs, "\n"))
		}
	}
}
