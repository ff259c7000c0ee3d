package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the piivault executable built once for every test.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "piivault-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "piivault")
	// Built as the Dockerfile builds it (docker_test.go), so that every
	// test here also tests the binary the image ships.
	build, err := dockerBuild(binary)
	if err == nil {
		var out []byte
		if out, err = build.CombinedOutput(); err != nil {
			err = fmt.Errorf("%v: %w\n%s", build.Args, err, out)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "build as the Dockerfile does: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestHelp(t *testing.T) {
	tests := []struct {
		command string
		flags   []string
	}{
		{"demo", []string{"-addr", "-data-dir", "-config"}},
		{"serve", []string{"-addr", "-data-dir", "-config"}},
		{"init", []string{"-data-dir", "-config"}},
		{"migrate", []string{"-data-dir", "-config"}},
		{"version", nil},
		{"healthcheck", []string{"-url", "-timeout", "-config"}},
	}
	for _, tt := range tests {
		t.Run(tt.command+" --help exits 0 and lists its flags", func(t *testing.T) {
			r := run(t, environment(), tt.command, "--help")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: piivault "+tt.command) {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			for _, f := range tt.flags {
				if !strings.Contains(r.stdout, "  "+f+" ") {
					t.Errorf("help lacks flag %s:\n%s", f, r.stdout)
				}
			}
		})
	}
	t.Run("piivault --help lists every command", func(t *testing.T) {
		r := run(t, environment(), "--help")
		for _, c := range commands {
			if r.code != 0 || !strings.Contains(r.stdout, "  "+c.name+" ") {
				t.Errorf("exit %d, help lacks %s:\n%s", r.code, c.name, r.stdout)
			}
		}
	})
	t.Run("an unknown flag exits 2 with the usage", func(t *testing.T) {
		r := run(t, environment(), "serve", "--bogus")
		if r.code != 2 || !strings.Contains(r.stderr, "Usage: piivault serve") {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})
	t.Run("an unknown command exits 2", func(t *testing.T) {
		if r := run(t, environment(), "frobnicate"); r.code != 2 {
			t.Errorf("exit %d", r.code)
		}
	})
}

func TestVersion(t *testing.T) {
	r := run(t, environment(), "version")
	if r.code != 0 || !regexp.MustCompile(`^piivault \S+\n$`).MatchString(r.stdout) {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestServeWithoutSecretsListsEveryProblem(t *testing.T) {
	r := run(t, environment("PIIVAULT_LOG_FORMAT=xml"), "serve", "--data-dir", t.TempDir(), "--addr", freeAddr(t))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"keys.master_key is required", "auth.root_token is required", `log.format: "xml"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "listening") {
		t.Errorf("serve started anyway:\n%s", r.stderr)
	}
}

func TestDemoKeepsDataAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, environment(), "demo", "--data-dir", dir)
	if !strings.Contains(s.output.String(), "DEMO MODE") {
		t.Errorf("no demo warning in the log:\n%s", s.output)
	}
	user := s.createUser(t, "DEMO", `{"login":"john","email":"john@example.com"}`)
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, s.output)
	}

	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, demoKeyFile): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %v; want %v", path, err, fi.Mode().Perm(), want)
		}
	}

	s = start(t, environment(), "demo", "--data-dir", dir)
	code, body := s.call(t, http.MethodGet, "/v1/user/token/"+user, "DEMO", "")
	if code != 200 || !strings.Contains(body, `"login":"john"`) {
		t.Errorf("after a restart GET /v1/user/token/… = %d %s", code, body)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM:\n%s", code, s.output)
	}
}

func TestShutdownFinishesTheRequestInFlight(t *testing.T) {
	s := start(t, environment(), "demo", "--data-dir", t.TempDir())

	// Expect: 100-continue makes the server say when the handler starts
	// reading the body: from then on the request is in flight.
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(stopTimeout))
	body := `{"login":"inflight"}`
	fmt.Fprintf(conn, "POST /v1/user HTTP/1.1\r\nHost: %s\r\nX-Bunker-Token: DEMO\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", s.addr, len(body))
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue, got %q, %v", line, err)
	}
	if line, _ := br.ReadString('\n'); line != "\r\n" {
		t.Fatalf("want the end of the interim response, got %q", line)
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The listener closes first during shutdown: once new connections are
	// refused, the request above is known to be in flight during shutdown.
	for deadline := time.Now().Add(stopTimeout); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server kept accepting connections after SIGTERM")
		}
	}

	io.WriteString(conn, body)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v\n%s", err, s.output)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(answer), `{"status":"ok","token":`) {
		t.Errorf("the request in flight got %d %s", resp.StatusCode, answer)
	}
	if code := s.wait(t); code != 0 {
		t.Errorf("exit %d after SIGTERM:\n%s", code, s.output)
	}
}

func TestInitThenServe(t *testing.T) {
	dir := t.TempDir()
	r := run(t, environment(), "init", "--data-dir", dir)
	if r.code != 0 {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	printed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		k, v, _ := strings.Cut(line, "=")
		printed[k] = v
	}
	key, token := printed["PIIVAULT_KEYS_MASTER_KEY"], printed["PIIVAULT_AUTH_ROOT_TOKEN"]
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(key) ||
		!regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(token) || len(printed) != 2 {
		t.Fatalf("init printed %q", r.stdout)
	}

	t.Run("serve starts with the printed secrets and accepts the root token", func(t *testing.T) {
		tokenFile := filepath.Join(t.TempDir(), "root_token")
		if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s := start(t, environment("PIIVAULT_KEYS_MASTER_KEY="+key, "PIIVAULT_AUTH_ROOT_TOKEN_FILE="+tokenFile), "serve", "--data-dir", dir)
		s.createUser(t, token, `{"login":"alice"}`)
		if code, _ := s.call(t, http.MethodPost, "/v1/user", "DEMO", `{"login":"bob"}`); code != 403 {
			t.Errorf("DEMO outside demo mode got %d, want 403", code)
		}
		if out := s.output.String(); strings.Contains(out, key) || strings.Contains(out, token) {
			t.Errorf("the log discloses a secret:\n%s", out)
		}
		if code := s.stop(t); code != 0 {
			t.Errorf("exit %d after SIGTERM:\n%s", code, s.output)
		}
	})

	t.Run("a wrong master key exits 1 and serves nothing", func(t *testing.T) {
		wrong := strings.Repeat("ab", 32)
		r := run(t, environment("PIIVAULT_KEYS_MASTER_KEY="+wrong, "PIIVAULT_AUTH_ROOT_TOKEN="+token),
			"serve", "--data-dir", dir, "--addr", freeAddr(t))
		if r.code != 1 || !strings.Contains(r.stderr, "master key does not match this database") {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "listening") || strings.Contains(r.stderr, wrong) {
			t.Errorf("stderr:\n%s", r.stderr)
		}
	})

	t.Run("a malformed master key is listed with the other problems", func(t *testing.T) {
		r := run(t, environment("PIIVAULT_KEYS_MASTER_KEY=not-a-key"), "serve", "--data-dir", dir, "--addr", freeAddr(t))
		for _, want := range []string{"keys.master_key: envelope: master key", "auth.root_token is required"} {
			if r.code != 1 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
			}
		}
	})

	t.Run("init again refuses to replace the master key", func(t *testing.T) {
		r := run(t, environment(), "init", "--data-dir", dir)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "already initialised") {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})
}

func TestMigrate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for i := range 2 {
		r := run(t, environment(), "migrate", "--data-dir", dir)
		if r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "piivault.db")); err != nil {
		t.Error(err)
	}
}
