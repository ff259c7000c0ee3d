package main

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// No Docker engine runs where the tests run, so these tests check what can
// be checked without one: TestMain builds the binary every test in this
// package runs with the Dockerfile's own `go build` line, and the tests
// below check the rest of the Dockerfile against the code.

// repoRoot is the module root, relative to this package's directory.
const repoRoot = "../.."

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// readDockerfile returns the Dockerfile's instructions without comments.
func readDockerfile() ([]instruction, error) {
	f, err := os.Open(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out     []instruction
		pending string
		start   int
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || line == "" && pending == "" {
			continue
		}
		if pending == "" {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending += cont + " "
			continue
		}
		pending += line
		cmd, args, _ := strings.Cut(pending, " ")
		out = append(out, instruction{start, strings.ToUpper(cmd), strings.TrimSpace(args)})
		pending = ""
	}
	return out, sc.Err()
}

// dockerBuild returns the Dockerfile's `go build` command, writing the
// binary to out instead, run from the module root (the build stage's
// WORKDIR, to which it copies the source) with ARG defaults expanded.
func dockerBuild(out string) (*exec.Cmd, error) {
	ins, err := readDockerfile()
	if err != nil {
		return nil, err
	}
	args := map[string]string{}
	for _, in := range ins {
		if in.cmd == "ARG" {
			name, def, _ := strings.Cut(in.args, "=")
			args[name] = def
		}
		if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		words, err := shellWords(os.Expand(in.args, func(k string) string { return args[k] }))
		if err != nil {
			return nil, fmt.Errorf("Dockerfile:%d: %w", in.line, err)
		}
		var env []string
		for len(words) > 0 && strings.Contains(words[0], "=") {
			env, words = append(env, words[0]), words[1:]
		}
		if len(words) < 2 || words[0] != "go" || words[1] != "build" {
			return nil, fmt.Errorf("Dockerfile:%d: want [VAR=value...] go build ..., got %q", in.line, words)
		}
		o := slices.Index(words, "-o")
		if o < 0 || o+1 >= len(words) {
			return nil, fmt.Errorf("Dockerfile:%d: go build has no -o", in.line)
		}
		words[o+1] = out
		cmd := exec.Command(words[0], words[1:]...)
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), env...)
		return cmd, nil
	}
	return nil, errors.New("Dockerfile: no RUN ... go build")
}

// shellWords splits s as sh would, for the quoting a Dockerfile RUN line
// uses: single and double quotes and backslash escapes; no expansion.
func shellWords(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote rune
	)
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == '\'':
			cur.WriteRune(c)
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case quote == '"':
			cur.WriteRune(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words, in = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`CGO_ENABLED=1 go build -o /out/x ./cmd/x`, []string{"CGO_ENABLED=1", "go", "build", "-o", "/out/x", "./cmd/x"}},
		{`go build -ldflags="-s -w -X main.version=v1" .`, []string{"go", "build", "-ldflags=-s -w -X main.version=v1", "."}},
		{`a 'b c' "d 'e'" f\ g`, []string{"a", "b c", "d 'e'", "f g"}},
		{`  ""  `, []string{""}},
	}
	for _, tt := range tests {
		if got, err := shellWords(tt.in); err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := shellWords(`go build "-o x`); err == nil {
		t.Error("an unterminated quote was accepted")
	}
}

// TestDockerfile checks the Dockerfile's promises against the code: a Go
// builder of the module's Go version with cgo, a non-root runtime user,
// the default port exposed, the data directory a volume, and a health check
// and default command that this binary understands.
func TestDockerfile(t *testing.T) {
	ins, err := readDockerfile()
	if err != nil {
		t.Fatal(err)
	}
	var froms, final []instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms, final = append(froms, in), nil
		}
		final = append(final, in)
	}
	get := func(cmd string) string {
		var got string
		for _, in := range final {
			if in.cmd == cmd {
				got = in.args
			}
		}
		return got
	}
	execForm := func(cmd, args string) []string {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			t.Errorf("%s %s: want the exec (JSON) form, which needs no shell: %v", cmd, args, err)
		}
		return argv
	}

	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if len(froms) != 2 || goVersion == nil || !strings.HasPrefix(froms[0].args, "golang:"+string(goVersion[1])+"-bookworm ") {
		t.Errorf("want a golang:%s-bookworm build stage and one runtime stage, got %v", goVersion[1], froms)
	}
	if len(froms) > 0 && !strings.Contains(froms[len(froms)-1].args, "debian12") && !strings.Contains(froms[len(froms)-1].args, "bookworm") {
		t.Errorf("runtime %q: want Debian 12, whose glibc the cgo build links against", froms[len(froms)-1].args)
	}
	if user := get("USER"); user == "" || user == "root" || strings.HasPrefix(user, "0:") || user == "0" {
		t.Errorf("USER %q: the runtime stage must name a non-root user", user)
	}
	if got := get("EXPOSE"); got != "3000" {
		t.Errorf("EXPOSE %q, want 3000, server.port's default", got)
	}
	dataDir, _ := strings.CutPrefix(get("ENV"), "PIIVAULT_SERVER_DATA_DIR=")
	if vol := get("VOLUME"); dataDir == "" || vol != dataDir {
		t.Errorf("VOLUME %q, ENV %q: the data directory (server.data_dir) must be the volume", vol, get("ENV"))
	}
	entry := execForm("ENTRYPOINT", get("ENTRYPOINT"))
	if cmd := execForm("CMD", get("CMD")); !slices.Equal(cmd, []string{"serve"}) {
		t.Errorf("CMD %q, want [\"serve\"]", cmd)
	}
	_, hc, ok := strings.Cut(get("HEALTHCHECK"), "CMD ")
	if argv := execForm("HEALTHCHECK", hc); !ok || len(entry) != 1 || !slices.Equal(argv, []string{entry[0], "healthcheck"}) {
		t.Errorf("HEALTHCHECK %q: want CMD [%q, \"healthcheck\"]", get("HEALTHCHECK"), entry)
	}
}

// TestDockerBuiltBinary checks the binary built by the Dockerfile's line:
// it links only glibc, which the distroless base image has; its version is
// stamped; and it starts the way the image starts it (CMD serve, ENV, the
// HEALTHCHECK answering 0 while it serves and 1 once it is gone).
func TestDockerBuiltBinary(t *testing.T) {
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	libs, err := f.ImportedLibraries()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	glibc := regexp.MustCompile(`^(libc|libm|libpthread|libdl|libresolv|librt)\.so\.\d+$|^ld-linux`)
	for _, lib := range libs {
		if !glibc.MatchString(lib) {
			t.Errorf("the binary needs %s, which the runtime image lacks (all: %v)", lib, libs)
		}
	}
	if len(libs) == 0 {
		t.Error("the binary links nothing dynamically: is cgo (SQLite) off?")
	}

	if r := run(t, environment(), "version"); r.stdout != "piivault devel\n" {
		t.Errorf("version printed %q, want the Dockerfile's ARG VERSION default", r.stdout)
	}

	dir := t.TempDir()
	key, root := newSecrets()
	for name, value := range map[string]string{"master_key": key, "root_token": root} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(value+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := environment(
		"PIIVAULT_SERVER_DATA_DIR="+filepath.Join(dir, "data"),
		"PIIVAULT_KEYS_MASTER_KEY_FILE="+filepath.Join(dir, "master_key"),
		"PIIVAULT_AUTH_ROOT_TOKEN_FILE="+filepath.Join(dir, "root_token"),
	)
	s := start(t, env, "serve") // on a free port rather than the image's 3000
	s.createUser(t, root, `{"login":"docker"}`)
	if _, err := os.Stat(filepath.Join(dir, "data", "piivault.db")); err != nil {
		t.Errorf("SQLite is not in PIIVAULT_SERVER_DATA_DIR: %v", err)
	}
	_, port, _ := strings.Cut(s.addr, ":")
	check := append(env, "PIIVAULT_SERVER_PORT="+port) // what healthcheck derives its URL from
	if r := run(t, check, "healthcheck"); r.code != 0 {
		t.Errorf("healthcheck while serving: exit %d\n%s", r.code, r.stderr)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM:\n%s", code, s.output)
	}
	if r := run(t, check, "healthcheck"); r.code != 1 || !strings.Contains(r.stderr, "/v1/status") {
		t.Errorf("healthcheck after the server stopped: exit %d, stderr %q", r.code, r.stderr)
	}
}
