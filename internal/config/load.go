package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/spf13/viper"

	"piivault/internal/vault"
)

// Source says where Load reads settings from, besides the built-in defaults
// and the PIIVAULT_* environment. Precedence, highest first: Overrides, the
// environment, File, Defaults, built-in defaults.
type Source struct {
	// File is an optional YAML file; "" reads none.
	File string
	// Defaults replace built-in defaults, e.g. demo mode's server.host
	// 127.0.0.1, while still yielding to the file and the environment.
	Defaults map[string]any
	// Overrides are values from command-line flags, keyed like the file
	// ("server.port"); they beat every other source.
	Overrides map[string]any
}

// Load builds a Config from src and the environment: variable PIIVAULT_ plus
// the upper-cased key with "." replaced by "_" (PIIVAULT_SERVER_PORT). A
// secret may instead be read from a file named by its _file key
// (PIIVAULT_KEYS_MASTER_KEY_FILE); trailing line breaks are trimmed.
//
// Load fails only when the file cannot be read or parsed. Every other problem
// (values of the wrong type, unknown keys, unreadable secret files, bad policy
// durations) is kept and reported by Validate together with its own checks,
// so that an operator sees the whole list at once.
func Load(src Source) (*Config, error) {
	v := viper.New()
	for k, val := range defaults() {
		v.SetDefault(k, val)
	}
	for k, val := range src.Defaults {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("PIIVAULT")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if src.File != "" {
		v.SetConfigFile(src.File)
		// YAML is a superset of JSON, and a file without a known extension
		// (a mounted secret, /dev/stdin) must still load.
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config: read %s: %w", src.File, err)
		}
	}
	for k, val := range src.Overrides {
		v.Set(k, val)
	}

	c := &Config{}
	if err := v.Unmarshal(c, viper.DecodeHook(decodeHook)); err != nil {
		c.problems = append(c.problems, decodeProblems(err)...)
	}
	c.problems = append(c.problems, unknownKeys(v)...)
	c.loadPolicy(v)
	c.readSecretFiles()
	c.SMS.DefaultCountry = strings.ToUpper(strings.TrimSpace(c.SMS.DefaultCountry))
	c.Storage.Driver = strings.ToLower(strings.TrimSpace(c.Storage.Driver))
	if c.Storage.Driver == "sqlite" && c.Storage.DSN == "" && c.Server.DataDir != "" {
		c.Storage.DSN = Secret(filepath.Join(c.Server.DataDir, "piivault.db"))
	}
	return c, nil
}

// decodeHook converts the strings that environment variables carry into the
// typed fields: Go durations, comma-separated lists and the JSON list of
// scoped tokens.
func decodeHook(from, to reflect.Type, data any) (any, error) {
	s, ok := data.(string)
	if !ok || from.Kind() != reflect.String {
		return data, nil
	}
	switch to {
	case reflect.TypeFor[time.Duration]():
		return time.ParseDuration(strings.TrimSpace(s))
	case reflect.TypeFor[[]string]():
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	case reflect.TypeFor[[]ScopedToken]():
		if strings.TrimSpace(s) == "" {
			return []ScopedToken{}, nil
		}
		var out []ScopedToken
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			// The JSON error could quote a token hash; name the key only.
			return nil, fmt.Errorf("want a JSON list of {name, sha256, scopes}")
		}
		return out, nil
	}
	return data, nil
}

// decodeProblems splits mapstructure's multi-line error into one problem per
// field. Its messages name the key and the wanted type, never the value.
func decodeProblems(err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "decoding failed") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// unknownKeys reports keys set in the file that piivault does not know, so
// that a typo does not silently leave a default in force.
func unknownKeys(v *viper.Viper) []string {
	known := defaults()
	var out []string
	for _, k := range v.AllKeys() {
		if _, ok := known[k]; !ok {
			out = append(out, fmt.Sprintf("%s: unknown key", k))
		}
	}
	slices.Sort(out)
	return out
}

// loadPolicy parses the policy.* durations by hand: time.ParseDuration would
// read the contract's "1m" (a month) as a minute.
func (c *Config) loadPolicy(v *viper.Viper) {
	for _, p := range []struct {
		key      string
		dst      *time.Duration
		optional bool
	}{
		{"policy.max_session_retention_period", &c.Policy.MaxSessionRetention, false},
		{"policy.max_shareable_record_retention_period", &c.Policy.MaxShareableRecordRetention, false},
		{"policy.max_user_retention_period", &c.Policy.MaxUserRetention, false},
		{"policy.max_audit_retention_period", &c.Policy.MaxAuditRetention, false},
		{"policy.max_token_retention_period", &c.Policy.MaxTokenRetention, true},
	} {
		raw := strings.TrimSpace(v.GetString(p.key))
		if raw == "" && p.optional {
			continue
		}
		d, err := vault.ParsePolicyDuration(raw)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("%s: %q: want a positive number of seconds, or a number with suffix s, h, d or m (m = month of 31 days)", p.key, raw))
			continue
		}
		*p.dst = d
	}
}

// secrets lists every secret with its _file twin.
func (c *Config) secrets() []struct {
	key  string
	val  *Secret
	file string
} {
	return []struct {
		key  string
		val  *Secret
		file string
	}{
		{"storage.dsn", &c.Storage.DSN, c.Storage.DSNFile},
		{"keys.master_key", &c.Keys.MasterKey, c.Keys.MasterKeyFile},
		{"auth.root_token", &c.Auth.RootToken, c.Auth.RootTokenFile},
		{"sms.twilio_token", &c.SMS.TwilioToken, c.SMS.TwilioTokenFile},
		{"sms.gateway_authorization", &c.SMS.GatewayAuthorization, c.SMS.GatewayAuthorizationFile},
		{"smtp.pass", &c.SMTP.Pass, c.SMTP.PassFile},
		{"notification.secret", &c.Notification.Secret, c.Notification.SecretFile},
	}
}

// readSecretFiles replaces each secret whose _file key is set by that file's
// content. Setting both forms is a problem: which one wins would be a guess.
func (c *Config) readSecretFiles() {
	for _, s := range c.secrets() {
		if s.file == "" {
			continue
		}
		if *s.val != "" {
			c.problems = append(c.problems, fmt.Sprintf("%s and %s_file are both set; set only one", s.key, s.key))
			continue
		}
		b, err := os.ReadFile(s.file)
		if err != nil {
			// The *PathError names the file, never its content.
			c.problems = append(c.problems, fmt.Sprintf("%s_file: %v", s.key, err))
			continue
		}
		*s.val = Secret(strings.TrimRight(string(b), "\r\n"))
	}
}
