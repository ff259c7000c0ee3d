package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"piivault/internal/config"
)

// composeFile is the part of docker-compose.yml these tests read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Environment map[string]string `yaml:"environment"`
		Secrets     []string          `yaml:"secrets"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck map[string]any `yaml:"healthcheck"`
		Volumes     []string       `yaml:"volumes"`
	} `yaml:"services"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

// TestComposeFileParses runs Docker Compose's own validation, which needs
// no engine: docker-compose (Debian's package, which .ci/run installs) or
// the docker compose plugin.
func TestComposeFileParses(t *testing.T) {
	var cmd *exec.Cmd
	if _, err := exec.LookPath("docker-compose"); err == nil {
		cmd = exec.Command("docker-compose", "-f", "docker-compose.yml", "config", "-q")
	} else if exec.Command("docker", "compose", "version").Run() == nil {
		cmd = exec.Command("docker", "compose", "-f", "docker-compose.yml", "config", "-q")
	} else if os.Getenv("CI") != "" || os.Getenv("PIIVAULT_REQUIRE_DBS") == "1" {
		t.Fatal("neither docker-compose nor the docker compose plugin is installed (apt-get install docker-compose)")
	} else {
		t.Skip("!!! SKIPPED: neither docker-compose nor docker compose is installed (apt-get install docker-compose)")
	}
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
}

// TestComposeFileMatchesConfig checks what Compose cannot: that piivault's
// environment names real configuration keys, that every secret file a
// service is told about is mounted into it and kept out of git, and that
// the configuration the container would load from those secrets is valid.
func TestComposeFileMatchesConfig(t *testing.T) {
	var c composeFile
	readYAML(t, filepath.Join(repoRoot, "docker-compose.yml"), &c)
	pg, app := c.Services["postgres"], c.Services["piivault"]
	if pg.Healthcheck == nil || app.DependsOn["postgres"].Condition != "service_healthy" {
		t.Error("piivault must wait for a healthy postgres, which needs a healthcheck")
	}
	if app.Build == nil {
		t.Error("the piivault service must build the Dockerfile")
	}
	if !slices.ContainsFunc(app.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/var/lib/piivault") }) {
		t.Errorf("piivault volumes %q: the data directory (erasure ledger) needs a named volume", app.Volumes)
	}

	keys := configKeys(t)
	readme, err := os.ReadFile(filepath.Join(repoRoot, "secrets", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	gitignore, _ := os.ReadFile(filepath.Join(repoRoot, ".gitignore"))
	if !strings.Contains(string(gitignore), "\n/secrets/*\n") {
		t.Error(".gitignore must ignore /secrets/* (all but the README)")
	}
	for name, s := range c.Secrets {
		if want := "./secrets/" + name; s.File != want {
			t.Errorf("secret %s: file %q, want %q", name, s.File, want)
		}
		if !strings.Contains(string(readme), "secrets/"+name) {
			t.Errorf("secrets/README.md does not say how to create secrets/%s", name)
		}
	}

	files := t.TempDir()
	for service, s := range c.Services {
		for _, name := range s.Secrets {
			if _, ok := c.Secrets[name]; !ok {
				t.Errorf("service %s mounts secret %s, which is not declared", service, name)
			}
		}
		for env, value := range s.Environment {
			if name, ok := strings.CutPrefix(value, "/run/secrets/"); ok && !slices.Contains(s.Secrets, name) {
				t.Errorf("service %s: %s=%s, but the secret %s is not mounted there", service, env, value, name)
			}
			if service != "piivault" {
				continue
			}
			key, ok := strings.CutPrefix(env, "PIIVAULT_")
			if !ok || !keys[strings.ToLower(key)] {
				t.Errorf("piivault: %s names no key of configs/piivault.yaml", env)
			}
			if name, ok := strings.CutPrefix(value, "/run/secrets/"); ok {
				value = filepath.Join(files, name)
			}
			t.Setenv(env, value)
		}
	}

	// The secrets as secrets/README.md makes them, with a trailing newline.
	master, root := newSecrets()
	for name, value := range map[string]string{
		"master_key":   master,
		"root_token":   root,
		"piivault_dsn": "postgres://piivault:secret@postgres:5432/piivault?sslmode=disable",
	} {
		if err := os.WriteFile(filepath.Join(files, name), []byte(value+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(config.Source{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the container's configuration is invalid: %v", err)
	}
	if cfg.Storage.Driver != "postgres" || !strings.Contains(cfg.Storage.DSN.Value(), "@postgres:5432/piivault") {
		t.Errorf("storage: driver %q, DSN not read from its secret file", cfg.Storage.Driver)
	}
	if env := pg.Environment; !strings.Contains(string(readme), env["POSTGRES_USER"]+":%s@postgres:5432/"+env["POSTGRES_DB"]) {
		t.Errorf("secrets/README.md's DSN must name user %s, host postgres and database %s", env["POSTGRES_USER"], env["POSTGRES_DB"])
	}
}

// configKeys returns every key configs/piivault.yaml documents, as
// "section_key" (the form of PIIVAULT_SECTION_KEY, lower case).
func configKeys(t *testing.T) map[string]bool {
	var doc map[string]map[string]any
	readYAML(t, filepath.Join(repoRoot, "configs", "piivault.yaml"), &doc)
	keys := map[string]bool{}
	for section, entries := range doc {
		for key := range entries {
			keys[section+"_"+key] = true
		}
	}
	return keys
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
