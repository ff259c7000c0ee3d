package config

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"piivault/internal/phone"
)

// Problems is the error Validate returns: every problem found, each naming
// its key. No entry ever contains the value of a secret.
type Problems []string

// Error lists the problems, one per line.
func (p Problems) Error() string {
	return "invalid configuration:\n  " + strings.Join(p, "\n  ")
}

// Validate checks everything a server needs, secrets included: it is
// ValidateWithoutSecrets plus a master key and a root token of at least 16
// bytes. It returns nil or Problems listing every problem at once.
func (c *Config) Validate() error {
	p := c.check()
	if c.Keys.MasterKey == "" {
		p = append(p, "keys.master_key is required (or keys.master_key_file; env PIIVAULT_KEYS_MASTER_KEY or PIIVAULT_KEYS_MASTER_KEY_FILE)")
	}
	switch {
	case c.Auth.RootToken == "":
		p = append(p, "auth.root_token is required (or auth.root_token_file; env PIIVAULT_AUTH_ROOT_TOKEN or PIIVAULT_AUTH_ROOT_TOKEN_FILE)")
	case len(c.Auth.RootToken) < 16:
		p = append(p, "auth.root_token is too short: use at least 16 characters, e.g. the token `piivault init` prints")
	}
	return p.err()
}

// ValidateWithoutSecrets checks everything but the presence of the master
// key and root token: for commands that do not serve (init, migrate) and for
// demo mode, which brings its own. It returns nil or Problems.
func (c *Config) ValidateWithoutSecrets() error { return c.check().err() }

func (p Problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

func (c *Config) check() Problems {
	p := Problems(append([]string(nil), c.problems...))
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }

	s := c.Server
	if s.Host == "" {
		add("server.host: must not be empty (0.0.0.0 listens on every interface)")
	}
	if s.Port < 1 || s.Port > 65535 {
		add("server.port: %d is not a port (1-65535)", s.Port)
	}
	if s.MaxBodyBytes < 1 {
		add("server.max_body_bytes: must be positive")
	}
	if s.MaxJSONDepth < 1 {
		add("server.max_json_depth: must be at least 1")
	}
	for _, o := range s.CORSOrigins {
		if err := checkOrigin(o, len(s.CORSOrigins)); err != "" {
			add("server.cors_origins: %q: %s", o, err)
		}
	}
	for _, t := range s.TrustedProxies {
		if _, ok := parseProxy(t); !ok {
			add("server.trusted_proxies: %q is not a CIDR (10.0.0.0/8) or an IP address", t)
		}
	}
	if s.DataDir == "" {
		add("server.data_dir: must not be empty")
	}
	if s.ShutdownTimeout <= 0 {
		add("server.shutdown_timeout: must be positive")
	}

	switch {
	case (c.SSL.Certificate == "") != (c.SSL.CertificateKey == ""):
		add("ssl.ssl_certificate and ssl.ssl_certificate_key: set both or neither")
	case c.SSL.Enabled():
		p = append(p, readable("ssl.ssl_certificate", c.SSL.Certificate)...)
		p = append(p, readable("ssl.ssl_certificate_key", c.SSL.CertificateKey)...)
	}

	st := c.Storage
	switch st.Driver {
	case "sqlite":
	case "postgres", "mysql":
		if st.DSN == "" {
			add("storage.dsn is required for driver %s (or storage.dsn_file)", st.Driver)
		}
	default:
		add("storage.driver: %q is not sqlite, postgres or mysql", st.Driver)
	}
	if st.MaxOpenConns < 0 || st.MaxIdleConns < 0 {
		add("storage.max_open_conns, storage.max_idle_conns: must not be negative")
	}
	if st.ConnMaxLifetime < 0 || st.ConnMaxIdleTime < 0 || st.BusyTimeout < 0 {
		add("storage.conn_max_lifetime, storage.conn_max_idle_time, storage.busy_timeout: must not be negative")
	}
	if st.QueryTimeout <= 0 {
		add("storage.query_timeout: must be positive")
	}

	if k := c.Keys; k.RotationBatchSize < 1 || k.RotationBatchSize > 10000 {
		add("keys.rotation_batch_size: %d is outside 1-10000", k.RotationBatchSize)
	}
	if c.Keys.RefreshInterval < 100*time.Millisecond {
		add("keys.refresh_interval: must be at least 100ms")
	}
	// 2^32 is the bound for AES-GCM with random nonces; counts not yet
	// saved by other instances need room below it.
	if r := c.Keys.RotateAfterEncryptions; r < 0 || r > 1<<31 {
		add("keys.rotate_after_encryptions: %d is outside 0 (off) to 2^31", r)
	}

	p = append(p, checkScopedTokens(c.Auth.ScopedTokens)...)

	if c.Generic.UserRecordSchema != "" {
		p = append(p, readable("generic.user_record_schema", c.Generic.UserRecordSchema)...)
	}
	if a := c.Generic.AdminEmail; a != "" && !strings.Contains(a, "@") {
		add("generic.admin_email: not an e-mail address")
	}
	for _, a := range c.SelfService.AppRecordChange {
		if a == "" || strings.Contains(strings.Trim(a, "*"), "*") {
			add("selfservice.app_record_change: %q is not a pattern (*, x*, *x, *x* or a name)", a)
		}
	}

	l := c.Login
	if l.CodeDigits < 6 || l.CodeDigits > 18 {
		add("login.code_digits: %d is outside 6-18", l.CodeDigits)
	}
	if l.CodeTTLSeconds < 1 || l.MaxAttempts < 1 || l.TokenTTLSeconds < 1 {
		add("login.code_ttl_seconds, login.max_attempts, login.token_ttl_seconds: must be positive")
	}

	for _, r := range c.RateLimit.named() {
		if r.Limit.Count < 0 || (r.Limit.Count > 0 && r.Limit.WindowSeconds < 1) {
			add("ratelimit.%s: count must be 0 (off) or positive with a positive window_seconds", r.Name)
		}
	}

	if !phone.ValidRegion(c.SMS.DefaultCountry) {
		add("sms.default_country: %q is not a region code such as GB or US", c.SMS.DefaultCountry)
	}
	if u := c.SMS.GatewayURL; u != "" && !isHTTPURL(u) {
		add("sms.gateway_url: not an absolute http or https URL")
	}
	if f := c.SMS.GatewayFormat; f != "form" && f != "json" {
		add("sms.gateway_format: %q is not form or json", f)
	}
	if c.SMS.TwilioAccount != "" && (c.SMS.TwilioToken == "" || c.SMS.TwilioFrom == "") {
		add("sms.twilio_token and sms.twilio_from are required when sms.twilio_account is set")
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		add("smtp.port: %d is not a port (1-65535)", c.SMTP.Port)
	}
	if c.SMTP.Server != "" && c.SMTP.Sender == "" {
		add("smtp.sender is required when smtp.server is set")
	}
	if d := c.Tokenization.EmailDomain; d == "" || strings.ContainsAny(d, "@/ ") {
		add("tokenization.email_domain: %q is not a domain name", d)
	}
	if u := c.Notification.NotificationURL; u != "" && !isHTTPURL(u) {
		add("notification.notification_url: not an absolute http or https URL")
	}
	// Their origins go into the portal's CSP (§1.11), so they must have one.
	if c.UI.LogoLink != "" && !isHTTPURL(c.UI.LogoLink) {
		add("ui.logo_link: not an absolute http or https URL")
	}
	if c.UI.CustomCSSLink != "" && !isHTTPURL(c.UI.CustomCSSLink) {
		add("ui.custom_css_link: not an absolute http or https URL")
	}
	if c.Jobs.IntervalSeconds < 1 {
		add("jobs.interval_seconds: must be positive")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level: %q is not debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		add("log.format: %q is not json or text", c.Log.Format)
	}
	return p
}

// checkOrigin returns why o is not a CORS origin (§1.11), or "".
func checkOrigin(o string, n int) string {
	if o == "*" {
		if n > 1 {
			return "* must be the only entry"
		}
		return ""
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") {
		return "not an origin such as https://app.example.com (scheme and host, no path or trailing slash)"
	}
	if o != strings.ToLower(o) {
		return "write origins in lower case; browsers send them that way"
	}
	return ""
}

func checkScopedTokens(tokens []ScopedToken) Problems {
	var p Problems
	seen := map[string]bool{}
	for i, t := range tokens {
		at := fmt.Sprintf("auth.scoped_tokens[%d]", i)
		if t.Name == "" {
			p = append(p, at+": name is required")
		} else if seen[t.Name] {
			p = append(p, at+": name is used twice")
		}
		seen[t.Name] = true
		if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != 32 {
			p = append(p, at+": sha256 must be 64 hex digits, the SHA-256 of the token")
		}
		if len(t.Scopes) == 0 {
			p = append(p, at+": scopes must list token:create, token:read or token:delete")
		}
		for _, s := range t.Scopes {
			switch s {
			case "token:create", "token:read", "token:delete":
			default:
				p = append(p, fmt.Sprintf("%s: scope %q is not token:create, token:read or token:delete", at, s))
			}
		}
	}
	return p
}

// parseProxy accepts a CIDR or a single address (a one-address prefix).
func parseProxy(s string) (netip.Prefix, bool) {
	if pf, err := netip.ParsePrefix(s); err == nil {
		return pf.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// TrustedProxyPrefixes returns server.trusted_proxies as prefixes, skipping
// entries Validate reports as invalid.
func (s Server) TrustedProxyPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, t := range s.TrustedProxies {
		if pf, ok := parseProxy(t); ok {
			out = append(out, pf)
		}
	}
	return out
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// readable reports a file that cannot be opened; the error names the path only.
func readable(key, path string) Problems {
	f, err := os.Open(path)
	if err != nil {
		return Problems{fmt.Sprintf("%s: %v", key, err)}
	}
	f.Close()
	return nil
}
