package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"
)

const (
	testMasterKey = "mk-9f2c6d1e-super-secret-key-material"
	testRootToken = "rt-3b7a1c55-very-secret-root-token"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, src Source) *Config {
	t.Helper()
	c, err := Load(src)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestLoadDefaults(t *testing.T) {
	c := mustLoad(t, Source{})
	checks := []struct {
		name      string
		got, want any
	}{
		{"server.host", c.Server.Host, "0.0.0.0"},
		{"server.port", c.Server.Port, 3000},
		{"server addr", c.Server.Addr(), "0.0.0.0:3000"},
		{"server.max_body_bytes", c.Server.MaxBodyBytes, int64(1 << 20)},
		{"server.max_json_depth", c.Server.MaxJSONDepth, 32},
		{"server.cors_origins", len(c.Server.CORSOrigins), 0},
		{"server.data_dir", c.Server.DataDir, "./piivault-data"},
		{"server.shutdown_timeout", c.Server.ShutdownTimeout, 30 * time.Second},
		{"storage.driver", c.Storage.Driver, "sqlite"},
		{"storage.dsn defaults into the data dir", c.Storage.DSN, Secret(filepath.Join("piivault-data", "piivault.db"))},
		{"storage.query_timeout", c.Storage.QueryTimeout, 10 * time.Second},
		{"policy.max_session_retention_period", c.Policy.MaxSessionRetention, time.Hour},
		{"policy.max_shareable_record_retention_period is a 31-day month", c.Policy.MaxShareableRecordRetention, 31 * 24 * time.Hour},
		{"policy.max_user_retention_period", c.Policy.MaxUserRetention, 31 * 24 * time.Hour},
		{"policy.max_audit_retention_period", c.Policy.MaxAuditRetention, 12 * 31 * 24 * time.Hour},
		{"policy.max_token_retention_period is no cap", c.Policy.MaxTokenRetention, time.Duration(0)},
		{"login.code_digits", c.Login.CodeDigits, 6},
		{"login.code_ttl_seconds", c.Login.CodeTTLSeconds, 300},
		{"login.max_attempts", c.Login.MaxAttempts, 5},
		{"login.token_ttl_seconds", c.Login.TokenTTLSeconds, 600},
		{"ratelimit.prelogin_per_identity", c.RateLimit.PreloginPerIdentity, Limit{3, 900}},
		{"ratelimit.prelogin_per_ip", c.RateLimit.PreloginPerIP, Limit{10, 900}},
		{"ratelimit.login_per_ip", c.RateLimit.LoginPerIP, Limit{10, 60}},
		{"ratelimit.anonymous_per_ip", c.RateLimit.AnonymousPerIP, Limit{60, 60}},
		{"ratelimit.auth_failures_per_ip", c.RateLimit.AuthFailuresPerIP, Limit{30, 60}},
		{"sms.default_country", c.SMS.DefaultCountry, "GB"},
		{"tokenization.email_domain", c.Tokenization.EmailDomain, "piivault.invalid"},
		{"generic.create_user_without_access_token", c.Generic.CreateUserWithoutAccessToken, false},
		{"generic.list_users", c.Generic.ListUsers, false},
		{"jobs.interval_seconds", c.Jobs.Interval(), time.Minute},
		{"log.format", c.Log.Format, "json"},
	}
	for _, tt := range checks {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	if err := c.ValidateWithoutSecrets(); err != nil {
		t.Errorf("defaults should be valid apart from secrets: %v", err)
	}
	err := c.Validate()
	for _, want := range []string{"keys.master_key is required", "auth.root_token is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
}

func TestShippedFileListsEveryKeyWithItsDefault(t *testing.T) {
	const shipped = "../../configs/piivault.yaml"
	fromFile := mustLoad(t, Source{File: shipped})
	builtin := mustLoad(t, Source{})
	if !reflect.DeepEqual(fromFile, builtin) {
		t.Errorf("configs/piivault.yaml does not hold the built-in defaults:\nfile:    %+v\nbuiltin: %+v", fromFile, builtin)
	}

	v := viper.New()
	v.SetConfigFile(shipped)
	if err := v.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k := range defaults() {
		if !v.InConfig(k) {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("configs/piivault.yaml lacks keys: %v", missing)
	}
}

func TestLoadFromFile(t *testing.T) {
	file := writeFile(t, "piivault.yaml", `
server:
  host: 127.0.0.1
  port: 8443
  cors_origins: ["https://app.example.com"]
  trusted_proxies: ["10.0.0.0/8", "192.0.2.1"]
storage:
  driver: postgres
  dsn: postgres://u@db/piivault
  query_timeout: 3s
auth:
  scoped_tokens:
    - name: billing
      sha256: "`+strings.Repeat("ab", 32)+`"
      scopes: [token:create, token:read]
policy:
  max_token_retention_period: 90d
ratelimit:
  login_per_ip: {count: 0, window_seconds: 60}
sms:
  default_country: us
`)
	c := mustLoad(t, Source{File: file})
	if err := c.ValidateWithoutSecrets(); err != nil {
		t.Fatalf("ValidateWithoutSecrets: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"addr", c.Server.Addr(), "127.0.0.1:8443"},
		{"cors origins", c.Server.CORSOrigins, []string{"https://app.example.com"}},
		{"trusted proxies", len(c.Server.TrustedProxyPrefixes()), 2},
		{"driver", c.Storage.Driver, "postgres"},
		{"dsn", c.Storage.DSN.Value(), "postgres://u@db/piivault"},
		{"query timeout", c.Storage.QueryTimeout, 3 * time.Second},
		{"scoped tokens", c.Auth.ScopedTokens, []ScopedToken{{"billing", strings.Repeat("ab", 32), []string{"token:create", "token:read"}}}},
		{"token retention", c.Policy.MaxTokenRetention, 90 * 24 * time.Hour},
		{"login limit off", c.RateLimit.LoginPerIP, Limit{0, 60}},
		{"untouched limit keeps its default", c.RateLimit.PreloginPerIP, Limit{10, 900}},
		{"region upper-cased", c.SMS.DefaultCountry, "US"},
		{"untouched key keeps its default", c.Login.CodeDigits, 6},
	}
	for _, tt := range checks {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
}

func TestLoadFailsOnUnreadableOrMalformedFile(t *testing.T) {
	for name, path := range map[string]string{
		"a missing file":   filepath.Join(t.TempDir(), "nope.yaml"),
		"a malformed file": writeFile(t, "bad.yaml", "server: [unclosed\n"),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(Source{File: path}); err == nil {
				t.Error("Load succeeded, want an error")
			}
		})
	}
}

func TestEnvironmentOverridesFileAndFlagsOverrideEnvironment(t *testing.T) {
	file := writeFile(t, "piivault.yaml", "server:\n  port: 4000\n  host: 10.0.0.1\nlog:\n  level: debug\n")
	t.Setenv("PIIVAULT_SERVER_PORT", "5000")
	t.Setenv("PIIVAULT_SERVER_HOST", "10.0.0.2")
	t.Setenv("PIIVAULT_SERVER_CORS_ORIGINS", "https://a.example, https://b.example")
	t.Setenv("PIIVAULT_GENERIC_LIST_USERS", "true")
	t.Setenv("PIIVAULT_POLICY_MAX_SESSION_RETENTION_PERIOD", "2d")
	t.Setenv("PIIVAULT_RATELIMIT_LOGIN_PER_IP_COUNT", "0")
	t.Setenv("PIIVAULT_STORAGE_QUERY_TIMEOUT", "3s")
	t.Setenv("PIIVAULT_KEYS_MASTER_KEY", testMasterKey)
	t.Setenv("PIIVAULT_AUTH_SCOPED_TOKENS", `[{"name":"n","sha256":"`+strings.Repeat("0", 64)+`","scopes":["token:read"]}]`)

	c := mustLoad(t, Source{
		File:      file,
		Defaults:  map[string]any{"server.host": "127.0.0.1", "log.format": "text"},
		Overrides: map[string]any{"server.port": 6000},
	})
	checks := []struct {
		name      string
		got, want any
	}{
		{"a flag beats the environment", c.Server.Port, 6000},
		{"the environment beats the file", c.Server.Host, "10.0.0.2"},
		{"the file beats a caller default", c.Log.Level, "debug"},
		{"a caller default beats the built-in one", c.Log.Format, "text"},
		{"a comma list from the environment", c.Server.CORSOrigins, []string{"https://a.example", "https://b.example"}},
		{"a bool from the environment", c.Generic.ListUsers, true},
		{"a policy duration from the environment", c.Policy.MaxSessionRetention, 48 * time.Hour},
		{"a nested rate limit from the environment", c.RateLimit.LoginPerIP, Limit{0, 60}},
		{"a Go duration from the environment", c.Storage.QueryTimeout, 3 * time.Second},
		{"a secret from the environment", c.Keys.MasterKey.Value(), testMasterKey},
		{"scoped tokens as JSON from the environment", c.Auth.ScopedTokens, []ScopedToken{{"n", strings.Repeat("0", 64), []string{"token:read"}}}},
	}
	for _, tt := range checks {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
}

func TestSecretFiles(t *testing.T) {
	t.Run("each secret is read from its file without the trailing newline", func(t *testing.T) {
		t.Setenv("PIIVAULT_KEYS_MASTER_KEY_FILE", writeFile(t, "mk", testMasterKey+"\n"))
		t.Setenv("PIIVAULT_AUTH_ROOT_TOKEN_FILE", writeFile(t, "rt", testRootToken+"\r\n"))
		t.Setenv("PIIVAULT_STORAGE_DSN_FILE", writeFile(t, "dsn", "postgres://db/x\n"))
		t.Setenv("PIIVAULT_SMTP_PASS_FILE", writeFile(t, "pass", "hunter2"))
		t.Setenv("PIIVAULT_STORAGE_DRIVER", "postgres")
		c := mustLoad(t, Source{})
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		for _, s := range []struct{ got, want string }{
			{c.Keys.MasterKey.Value(), testMasterKey},
			{c.Auth.RootToken.Value(), testRootToken},
			{c.Storage.DSN.Value(), "postgres://db/x"},
			{c.SMTP.Pass.Value(), "hunter2"},
		} {
			if s.got != s.want {
				t.Errorf("got %q, want %q", s.got, s.want)
			}
		}
	})
	t.Run("a missing file and a doubly set secret are both reported", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "absent")
		t.Setenv("PIIVAULT_KEYS_MASTER_KEY_FILE", missing)
		t.Setenv("PIIVAULT_AUTH_ROOT_TOKEN", testRootToken)
		t.Setenv("PIIVAULT_AUTH_ROOT_TOKEN_FILE", writeFile(t, "rt", "other"))
		err := mustLoad(t, Source{}).Validate()
		for _, want := range []string{"keys.master_key_file: open " + missing, "auth.root_token and auth.root_token_file are both set"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Validate() = %v, want it to mention %q", err, want)
			}
		}
		if err != nil && strings.Contains(err.Error(), testRootToken) {
			t.Errorf("the error discloses the root token: %v", err)
		}
	})
}

func TestValidateListsEveryProblemAtOnce(t *testing.T) {
	file := writeFile(t, "bad.yaml", `
server:
  port: 70000
  max_json_depth: 0
  cors_origins: ["https://ok.example", "https://bad.example/path", "ftp://x"]
  trusted_proxies: ["10.0.0.0/33", "not-an-ip"]
  shutdown_timeout: 0s
  prot: 1
ssl:
  ssl_certificate: /nonexistent/cert.pem
storage:
  driver: oracle
  query_timeout: 0s
auth:
  scoped_tokens:
    - {name: a, sha256: xyz, scopes: [token:write]}
    - {name: a, sha256: "`+strings.Repeat("a", 64)+`", scopes: []}
generic:
  user_record_schema: /nonexistent/schema.json
policy:
  max_session_retention_period: 1x
  max_audit_retention_period: "0"
login:
  code_digits: 4
ratelimit:
  login_per_ip: {count: 5, window_seconds: 0}
sms:
  default_country: XX
smtp:
  server: mail.example.com
notification:
  notification_url: "not a url"
ui:
  logo_link: /relative.png
jobs:
  interval_seconds: 0
log:
  level: loud
  format: xml
`)
	t.Setenv("PIIVAULT_AUTH_ROOT_TOKEN", "short")
	c := mustLoad(t, Source{File: file})
	err := c.Validate()
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("Validate() = %v, want Problems", err)
	}
	want := []string{
		"server.prot: unknown key",
		"server.port: 70000",
		"server.max_json_depth",
		`"https://bad.example/path"`,
		`"ftp://x"`,
		`"10.0.0.0/33"`,
		`"not-an-ip"`,
		"server.shutdown_timeout",
		"ssl.ssl_certificate and ssl.ssl_certificate_key: set both or neither",
		`storage.driver: "oracle"`,
		"storage.query_timeout",
		"auth.scoped_tokens[0]: sha256",
		`auth.scoped_tokens[0]: scope "token:write"`,
		"auth.scoped_tokens[1]: name is used twice",
		"auth.scoped_tokens[1]: scopes must list",
		"generic.user_record_schema: open /nonexistent/schema.json",
		`policy.max_session_retention_period: "1x"`,
		`policy.max_audit_retention_period: "0"`,
		"login.code_digits: 4",
		"ratelimit.login_per_ip",
		`sms.default_country: "XX"`,
		"smtp.sender is required",
		"notification.notification_url",
		"ui.logo_link",
		"jobs.interval_seconds",
		`log.level: "loud"`,
		`log.format: "xml"`,
		"keys.master_key is required",
		"auth.root_token is too short",
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the problem list lacks %q", w)
		}
	}
	if len(p) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(p), len(want), err)
	}
	if strings.Contains(err.Error(), "https://ok.example") {
		t.Errorf("a valid origin is reported: %v", err)
	}
}

func TestValidateStorage(t *testing.T) {
	for _, driver := range []string{"postgres", "mysql"} {
		t.Run(driver+" needs a DSN", func(t *testing.T) {
			t.Setenv("PIIVAULT_STORAGE_DRIVER", driver)
			err := mustLoad(t, Source{}).ValidateWithoutSecrets()
			if err == nil || !strings.Contains(err.Error(), "storage.dsn is required for driver "+driver) {
				t.Errorf("ValidateWithoutSecrets() = %v", err)
			}
		})
	}
	t.Run("sqlite takes its DSN from the data dir flag", func(t *testing.T) {
		c := mustLoad(t, Source{Overrides: map[string]any{"server.data_dir": "/srv/pv"}})
		if c.Storage.DSN != "/srv/pv/piivault.db" {
			t.Errorf("DSN = %q", c.Storage.DSN.Value())
		}
	})
}

func TestValueOfWrongTypeIsAProblemNotAFailure(t *testing.T) {
	t.Setenv("PIIVAULT_SERVER_PORT", "eighty")
	t.Setenv("PIIVAULT_LOG_FORMAT", "xml")
	err := mustLoad(t, Source{}).ValidateWithoutSecrets()
	for _, want := range []string{"port", `log.format: "xml"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateWithoutSecrets() = %v, want it to mention %q", err, want)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Setenv("PIIVAULT_KEYS_MASTER_KEY", testMasterKey)
	t.Setenv("PIIVAULT_AUTH_ROOT_TOKEN", testRootToken)
	t.Setenv("PIIVAULT_STORAGE_DSN", "file:/tmp/secret-dsn.db")
	c := mustLoad(t, Source{})

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", c, "key", c.Keys.MasterKey)
	settings, err := json.Marshal(c.Settings())
	if err != nil {
		t.Fatal(err)
	}
	marshalled, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":       fmt.Sprintf("%v", c),
		"%+v":      fmt.Sprintf("%+v", *c),
		"%#v":      fmt.Sprintf("%#v", *c),
		"slog":     logged.String(),
		"json":     string(marshalled),
		"Settings": string(settings),
	}
	for name, out := range outputs {
		for _, secret := range []string{testMasterKey, testRootToken, "secret-dsn"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output discloses a secret: %s", name, out)
			}
		}
	}
	if !strings.Contains(string(settings), `"root_token":"****"`) || !strings.Contains(string(settings), `"max_audit_retention_period":"12m"`) {
		t.Errorf("Settings() = %s", settings)
	}
}
