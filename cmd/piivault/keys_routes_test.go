package main

import (
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKeyRoutes drives GET /v1/sys/keys and POST /v1/sys/rotate-key over
// HTTP on a real server and SQLite file: the shapes of §14, the 409 while a
// job runs, retirement of the old version, and no key material in any
// answer.
func TestKeyRoutes(t *testing.T) {
	dir := t.TempDir()
	key, root := newSecrets()
	s := start(t, sqliteEnv(dir, key, root, "PIIVAULT_KEYS_REFRESH_INTERVAL=300ms"), "serve")
	users := bulkUsers(t, s, root, 20, 4)
	var bodies []string

	t.Run("only root may look or rotate", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
		}{{http.MethodGet, "/v1/sys/keys"}, {http.MethodPost, "/v1/sys/rotate-key"}} {
			if code, body := s.call(t, c.method, c.path, "", ""); code != 401 {
				t.Errorf("%s %s without a token = %d %s", c.method, c.path, code, body)
			}
			if code, body := s.call(t, c.method, c.path, "not-the-root-token", ""); code != 403 {
				t.Errorf("%s %s with another token = %d %s", c.method, c.path, code, body)
			}
		}
	})
	t.Run("before any rotation: version 1 wraps everything and rotation is null", func(t *testing.T) {
		_, body, err := keyStatus(s, root)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, body)
		want := regexp.MustCompile(`^\{"status":"ok","active":1,"keys":\[\{"id":"kek-1","version":1,"status":"active","created":\d{10},"datakeys":20\}\],"rotation":null\}\n?$`)
		if !want.MatchString(body) {
			t.Fatalf("body = %s", body)
		}
	})
	var job string
	t.Run("rotate-key answers 202 with the job and the new version", func(t *testing.T) {
		code, body := s.call(t, http.MethodPost, "/v1/sys/rotate-key", root, `{"ignored":true}`)
		bodies = append(bodies, body)
		m := regexp.MustCompile(`^\{"status":"ok","job":"([0-9a-f-]{36})","version":2\}\n?$`).FindStringSubmatch(body)
		if code != http.StatusAccepted || m == nil {
			t.Fatalf("= %d %s", code, body)
		}
		job = m[1]
	})
	t.Run("a second rotation while the job runs is 409", func(t *testing.T) {
		code, body := s.call(t, http.MethodPost, "/v1/sys/rotate-key", root, "")
		if code != http.StatusConflict || strings.TrimSpace(body) != `{"status":"error","message":"rotation in progress"}` {
			t.Fatalf("= %d %s", code, body)
		}
	})
	k := waitRotation(t, s, root, 60*time.Second)
	t.Run("the job ends done and the old version is retired", func(t *testing.T) {
		if k.Active != 2 || k.Rotation.Job != job || k.Rotation.Status != "done" || k.Rotation.Done != 20 || k.Rotation.Total != 20 ||
			k.Rotation.Finished < k.Rotation.Started {
			t.Fatalf("keys = %+v, rotation %+v", k, *k.Rotation)
		}
		if st, n := k.versionStatus(1); st != "retired" || n != 0 {
			t.Errorf("version 1: %s with %d data keys", st, n)
		}
		if st, n := k.versionStatus(2); st != "active" || n != 20 {
			t.Errorf("version 2: %s with %d data keys", st, n)
		}
		_, body, _ := keyStatus(s, root)
		bodies = append(bodies, body)
	})
	t.Run("every user reads after the rotation", func(t *testing.T) {
		for _, u := range users {
			if code, body := s.call(t, http.MethodGet, "/v1/user/token/"+u, root, ""); code != 200 {
				t.Fatalf("GET user = %d %s", code, body)
			}
		}
	})
	t.Run("no answer holds key material in any encoding", func(t *testing.T) {
		master, _ := hex.DecodeString(key)
		material := [][]byte{master}
		db, err := sql.Open("sqlite3", "file:"+dbPath(dir)+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{"SELECT wrapped FROM keks", "SELECT datakey FROM users", "SELECT check_value FROM keyring_meta"} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				material = append(material, b)
			}
			rows.Close()
		}
		if len(material) < 24 {
			t.Fatalf("only %d pieces of key material found", len(material))
		}
		for _, m := range material {
			for _, enc := range encodings(m) {
				for _, body := range bodies {
					if strings.Contains(body, enc) {
						t.Fatalf("an answer holds key material (%d bytes) as %q", len(m), enc)
					}
				}
			}
		}
	})
	if errs := s.logErrors(); len(errs) > 0 {
		t.Errorf("the server logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// encodings returns b in every form a careless encoder might write it.
func encodings(b []byte) []string {
	h := hex.EncodeToString(b)
	out := []string{string(b), h, strings.ToUpper(h)}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		out = append(out, e.EncodeToString(b))
	}
	// A JSON array of byte values, as encoding/json writes a [N]byte.
	nums := make([]string, len(b))
	for i, c := range b {
		nums[i] = strconv.Itoa(int(c))
	}
	return append(out, strings.Join(nums, ","))
}

// TestWrongMasterKeyIsRefused: a server given another master key than the
// database's exits non-zero with a clear message and never listens.
func TestWrongMasterKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	key, root := newSecrets()
	if r := run(t, sqliteEnv(dir, key, root), "init"); r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.stderr)
	}
	other, _ := newSecrets()
	r := run(t, sqliteEnv(dir, other, root), "serve", "--addr", freeAddr(t))
	if r.code == 0 || !strings.Contains(r.stderr, "master key does not match this database") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "listening") {
		t.Errorf("the server listened:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, other) || strings.Contains(r.stderr, key) {
		t.Error("the message shows a master key")
	}
}
