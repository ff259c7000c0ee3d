package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestKeyCommandsHelp(t *testing.T) {
	tests := []struct {
		args  []string
		flags []string
	}{
		{[]string{"keys"}, []string{"-watch", "-data-dir", "-config"}},
		{[]string{"rotate-key"}, []string{"-detach", "-data-dir", "-config"}},
		{[]string{"rekey"}, []string{"-new-master-key-file", "-data-dir", "-config"}},
		{[]string{"erasures", "replay"}, []string{"-data-dir", "-config"}},
		{[]string{"backup"}, []string{"-data-dir", "-config"}},
		{[]string{"restore"}, []string{"-data-dir", "-config"}},
	}
	for _, tt := range tests {
		name := strings.Join(tt.args, " ")
		t.Run(name+" --help exits 0 and lists its flags", func(t *testing.T) {
			r := run(t, environment(), append(tt.args, "--help")...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: piivault "+name) {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			for _, f := range tt.flags {
				if !regexp.MustCompile(`(?m)^  ` + f + `\b`).MatchString(r.stdout) {
					t.Errorf("help lacks flag %s:\n%s", f, r.stdout)
				}
			}
		})
	}
	t.Run("wrong arguments exit 2", func(t *testing.T) {
		for _, args := range [][]string{{"backup"}, {"restore", "a", "b"}, {"erasures"}, {"erasures", "forget"}, {"rekey"}} {
			if r := run(t, environment(), args...); r.code != 2 {
				t.Errorf("piivault %v: exit %d, stderr:\n%s", args, r.code, r.stderr)
			}
		}
	})
}

// TestRotateKeyAndKeysCommands runs a rotation from the command line with
// no server running, then with --detach while one runs, and reads the
// result with `piivault keys`.
func TestRotateKeyAndKeysCommands(t *testing.T) {
	dir := t.TempDir()
	key, root := newSecrets()
	env := sqliteEnv(dir, key, root, "PIIVAULT_KEYS_REFRESH_INTERVAL=200ms")
	s := start(t, env, "serve")
	bulkUsers(t, s, root, 30, 4)
	s.stop(t)

	r := run(t, env, "rotate-key")
	if r.code != 0 || !strings.Contains(r.stdout, "started rotation") ||
		!strings.Contains(r.stdout, "done: 30 data keys re-wrapped under version 2") {
		t.Fatalf("rotate-key: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "[##############################] 30/30 (100%) done") {
		t.Errorf("rotate-key showed no finished progress bar:\n%s", r.stderr)
	}
	r = run(t, env, "keys")
	for _, want := range []string{
		"active version: 2",
		`kek-1\s+1\s+retired\s+\S+\s+0\s+30`,
		`kek-2\s+2\s+active\s+\S+\s+30\s+30`,
		`rotation [0-9a-f-]{36}: done, version 1 to 2`,
		`\[#+\] 30/30 \(100%\)`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("keys output lacks %q:\n%s", want, r.stdout)
		}
	}

	// A longer refresh keeps the next job running (it waits two refresh
	// intervals for other instances) while the commands below look at it.
	env = sqliteEnv(dir, key, root, "PIIVAULT_KEYS_REFRESH_INTERVAL=2s")
	s = start(t, env, "serve")
	r = run(t, env, "rotate-key", "--detach")
	if r.code != 0 || !strings.Contains(r.stdout, "version 3 wraps new data keys") {
		t.Fatalf("rotate-key --detach: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "rotate-key", "--detach"); r.code != 1 || !strings.Contains(r.stderr, "rotation in progress") {
		t.Errorf("a detached rotation beside a running one: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, env, "keys", "--watch"); r.code != 0 || !strings.Contains(r.stdout, "to version 3: [##############################] 30/30 (100%) done") {
		t.Errorf("keys --watch: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	k := waitRotation(t, s, root, time.Minute)
	if k.Active != 3 || k.Rotation.Status != "done" {
		t.Fatalf("after a detached rotation the server reports %+v", k)
	}
	if errs := s.logErrors(); len(errs) > 0 {
		t.Errorf("the server logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestRekeyCommand replaces the master key offline: the old key is then
// refused at start, the new one reads everything.
func TestRekeyCommand(t *testing.T) {
	dir := t.TempDir()
	oldKey, root := newSecrets()
	newKey, _ := newSecrets()
	env := sqliteEnv(dir, oldKey, root)
	s := start(t, env, "serve")
	users := bulkUsers(t, s, root, 5, 2)
	keyFile := filepath.Join(t.TempDir(), "new.key")
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("refused while the server runs", func(t *testing.T) {
		r := run(t, env, "rekey", "--new-master-key-file", keyFile)
		if r.code != 1 || !strings.Contains(r.stderr, "in use by a running piivault") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})
	s.stop(t)
	t.Run("refused with a wrong current key", func(t *testing.T) {
		wrong, _ := newSecrets()
		r := run(t, sqliteEnv(dir, wrong, root), "rekey", "--new-master-key-file", keyFile)
		if r.code != 1 || !strings.Contains(r.stderr, "master key does not match") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})
	if r := run(t, env, "rekey", "--new-master-key-file", keyFile); r.code != 0 {
		t.Fatalf("rekey: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Run("the old key no longer starts a server", func(t *testing.T) {
		r := run(t, env, "serve", "--addr", freeAddr(t))
		if r.code == 0 || !strings.Contains(r.stderr, "master key does not match") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("the new key reads every user and finds them by email", func(t *testing.T) {
		s := start(t, sqliteEnv(dir, newKey, root), "serve")
		for i, u := range users {
			if code, body := s.call(t, http.MethodGet, "/v1/user/token/"+u, root, ""); code != 200 {
				t.Fatalf("GET user = %d %s", code, body)
			}
			if code, body := s.call(t, http.MethodGet, "/v1/user/email/bulk"+strconv.Itoa(i)+"@example.com", root, ""); code != 200 {
				t.Fatalf("GET user by email = %d %s", code, body)
			}
		}
	})
}
