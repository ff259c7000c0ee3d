package main

import (
	"bytes"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userRow reads a user's wrapped data key and sealed profile straight from
// a SQLite file.
func userRow(t *testing.T, path, token string) (datakey, profile []byte) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow("SELECT datakey, profile FROM users WHERE token = ?", token).Scan(&datakey, &profile); err != nil {
		t.Fatal(err)
	}
	return datakey, profile
}

// TestErasureSurvivesRestoredBackup: back up while the server runs, erase
// a user, restore the old backup and start again: the erased user is 404
// and the database holds none of their ciphertext, while everyone else is
// back as the backup had them.
func TestErasureSurvivesRestoredBackup(t *testing.T) {
	dir := t.TempDir()
	key, root := newSecrets()
	env := sqliteEnv(dir, key, root)
	backup := filepath.Join(t.TempDir(), "backup.db")

	s := start(t, env, "serve")
	users := bulkUsers(t, s, root, 3, 1)
	gone, kept := users[0], users[1]
	if r := run(t, env, "backup", backup); r.code != 0 || !strings.Contains(r.stdout, "written to "+backup) {
		t.Fatalf("backup while serving: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s.expect(t, http.StatusOK, http.MethodDelete, "/v1/user/token/"+gone, root, "")
	t.Run("restore is refused while the server runs", func(t *testing.T) {
		r := run(t, env, "restore", backup)
		if r.code != 1 || !strings.Contains(r.stderr, "in use by a running piivault") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})
	s.stop(t)

	// Without the master key restore only replaces the file: the erased
	// user is back in it until a server starts.
	noKey := environment("PIIVAULT_SERVER_DATA_DIR=" + dir)
	if r := run(t, noKey, "restore", backup); r.code != 0 || !strings.Contains(r.stdout, "replays the erasure ledger") {
		t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	oldKey, oldProfile := userRow(t, dbPath(dir), gone)
	if oldKey == nil || oldProfile == nil {
		t.Fatal("the backup did not hold the user's ciphertext")
	}

	s = start(t, env, "serve")
	t.Run("the erased user is 404 after the start", func(t *testing.T) {
		if code, body := s.call(t, http.MethodGet, "/v1/user/token/"+gone, root, ""); code != http.StatusNotFound {
			t.Fatalf("GET erased user = %d %s", code, body)
		}
		if code, body := s.call(t, http.MethodGet, "/v1/user/email/bulk0@example.com", root, ""); code != http.StatusNotFound {
			t.Fatalf("GET erased user by email = %d %s", code, body)
		}
		if strings.Count(s.output.String(), "erased users again from the erasure ledger") != 1 {
			t.Errorf("the start did not report the replay:\n%s", s.output)
		}
	})
	t.Run("none of the erased user's ciphertext is left to open", func(t *testing.T) {
		datakey, profile := userRow(t, dbPath(dir), gone)
		if datakey != nil || profile != nil {
			t.Fatalf("the row keeps a data key (%d bytes) or profile (%d bytes)", len(datakey), len(profile))
		}
		db, err := sql.Open("sqlite3", "file:"+dbPath(dir)+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query("SELECT datakey FROM users WHERE datakey IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k []byte
			rows.Scan(&k)
			if bytes.Equal(k, oldKey) {
				t.Fatal("the erased user's wrapped data key is still stored")
			}
		}
	})
	t.Run("everyone else is back", func(t *testing.T) {
		s.expect(t, http.StatusOK, http.MethodGet, "/v1/user/token/"+kept, root, "")
	})
	s.stop(t)

	t.Run("restore with the master key replays at once, and replay again finds nothing", func(t *testing.T) {
		r := run(t, env, "restore", backup)
		if r.code != 0 || !strings.Contains(r.stdout, "1 entries, 1 users erased again") {
			t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if k, _ := userRow(t, dbPath(dir), gone); k != nil {
			t.Fatal("restore left the erased user's data key")
		}
		r = run(t, env, "erasures", "replay")
		if r.code != 0 || !strings.Contains(r.stdout, "1 entries, 0 users erased again") {
			t.Fatalf("erasures replay: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("a damaged backup is refused and the database kept", func(t *testing.T) {
		junk := filepath.Join(t.TempDir(), "junk.db")
		if err := os.WriteFile(junk, []byte("SQLite format 3\x00 but nothing more"), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := run(t, env, "restore", junk); r.code != 1 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		s := start(t, env, "serve")
		s.expect(t, http.StatusOK, http.MethodGet, "/v1/user/token/"+kept, root, "")
	})
}

// TestBackupIsSQLiteOnly: PostgreSQL and MySQL are pointed to their tools.
func TestBackupIsSQLiteOnly(t *testing.T) {
	env := environment("PIIVAULT_STORAGE_DRIVER=postgres", "PIIVAULT_STORAGE_DSN=postgres://127.0.0.1:1/x")
	for _, cmd := range []string{"backup", "restore"} {
		r := run(t, env, cmd, filepath.Join(t.TempDir(), "b.db"))
		if r.code != 1 || !strings.Contains(r.stderr, "pg_dump") {
			t.Errorf("%s on postgres: exit %d\n%s", cmd, r.code, r.stderr)
		}
	}
}
