// Package config loads piivault's settings from built-in defaults, an
// optional YAML file, PIIVAULT_* environment variables and command-line
// overrides into a typed Config, and checks them all at once.
//
// Every key of api.md §16 is here, with the default listed in
// configs/piivault.yaml. Only cmd/piivault imports this package.
package config

import (
	"log/slog"
	"net"
	"strconv"
	"time"
)

// Config is the typed form of every setting. Sections mirror the YAML file;
// each field names its key. Secret fields have type Secret so that printing a
// Config never shows them.
type Config struct {
	Server       Server       `mapstructure:"server"`
	SSL          SSL          `mapstructure:"ssl"`
	Storage      Storage      `mapstructure:"storage"`
	Keys         Keys         `mapstructure:"keys"`
	Erasure      Erasure      `mapstructure:"erasure"`
	Auth         Auth         `mapstructure:"auth"`
	Generic      Generic      `mapstructure:"generic"`
	SelfService  SelfService  `mapstructure:"selfservice"`
	Policy       Policy       `mapstructure:"-"` // parsed by hand: "1m" is a month here, not a minute
	Login        Login        `mapstructure:"login"`
	RateLimit    RateLimit    `mapstructure:"ratelimit"`
	SMS          SMS          `mapstructure:"sms"`
	SMTP         SMTP         `mapstructure:"smtp"`
	Tokenization Tokenization `mapstructure:"tokenization"`
	Notification Notification `mapstructure:"notification"`
	UI           UI           `mapstructure:"ui"`
	Jobs         Jobs         `mapstructure:"jobs"`
	Log          Log          `mapstructure:"log"`

	// problems found while loading (unreadable secret files, bad policy
	// durations, values of the wrong type, unknown keys); Validate reports
	// them together with its own findings.
	problems []string
}

// Secret is a configured secret. It prints as "****" through fmt and slog so
// that a logged or formatted Config never discloses it; Value returns the
// real string.
type Secret string

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// String returns "****" for a set secret and "" for an unset one.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "****"
}

// GoString masks the secret under %#v too.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue masks the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText masks the secret in JSON and other text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Server configures the HTTP listener (§1.1, §1.11, §1.12).
type Server struct {
	Host            string        `mapstructure:"host"`             // server.host
	Port            int           `mapstructure:"port"`             // server.port
	MaxBodyBytes    int64         `mapstructure:"max_body_bytes"`   // server.max_body_bytes
	MaxJSONDepth    int           `mapstructure:"max_json_depth"`   // server.max_json_depth
	CORSOrigins     []string      `mapstructure:"cors_origins"`     // server.cors_origins
	TrustedProxies  []string      `mapstructure:"trusted_proxies"`  // server.trusted_proxies (CIDRs or single addresses)
	HSTS            bool          `mapstructure:"hsts"`             // server.hsts
	DataDir         string        `mapstructure:"data_dir"`         // server.data_dir
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"` // server.shutdown_timeout
}

// Addr returns host:port for net.Listen.
func (s Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// SSL names the certificate and key for HTTPS (§1.1).
type SSL struct {
	Certificate    string `mapstructure:"ssl_certificate"`     // ssl.ssl_certificate
	CertificateKey string `mapstructure:"ssl_certificate_key"` // ssl.ssl_certificate_key
}

// Enabled reports whether the server should speak HTTPS.
func (s SSL) Enabled() bool { return s.Certificate != "" && s.CertificateKey != "" }

// Storage selects and tunes the database.
type Storage struct {
	Driver          string        `mapstructure:"driver"`             // storage.driver: sqlite, postgres or mysql
	DSN             Secret        `mapstructure:"dsn"`                // storage.dsn; sqlite default <data_dir>/piivault.db
	DSNFile         string        `mapstructure:"dsn_file"`           // storage.dsn_file
	MaxOpenConns    int           `mapstructure:"max_open_conns"`     // storage.max_open_conns
	MaxIdleConns    int           `mapstructure:"max_idle_conns"`     // storage.max_idle_conns
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`  // storage.conn_max_lifetime
	ConnMaxIdleTime time.Duration `mapstructure:"conn_max_idle_time"` // storage.conn_max_idle_time
	BusyTimeout     time.Duration `mapstructure:"busy_timeout"`       // storage.busy_timeout (SQLite)
	QueryTimeout    time.Duration `mapstructure:"query_timeout"`      // storage.query_timeout
}

// Keys holds the operator's master key, which wraps the keyring and is never
// stored in the database.
type Keys struct {
	MasterKey     Secret `mapstructure:"master_key"`      // keys.master_key
	MasterKeyFile string `mapstructure:"master_key_file"` // keys.master_key_file
	// RotationBatchSize bounds the data keys one re-wrap transaction
	// changes (keys.rotation_batch_size).
	RotationBatchSize int `mapstructure:"rotation_batch_size"`
	// RefreshInterval is how often each instance reloads the keyring, saves
	// encryption counts and looks at a running key job
	// (keys.refresh_interval).
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	// RotateAfterEncryptions rotates automatically once the active version
	// has wrapped this many data keys (keys.rotate_after_encryptions); 0
	// turns automatic rotation off.
	RotateAfterEncryptions int64 `mapstructure:"rotate_after_encryptions"`
}

// Erasure configures the erasure ledger (api.md §3.5).
type Erasure struct {
	// LedgerFile is the append-only ledger of erasures, kept outside the
	// database (erasure.ledger_file). "" means
	// <data_dir>/erasures-<vault id>.ledger, the id derived from the key
	// root, so that vaults sharing a data directory keep apart.
	LedgerFile string `mapstructure:"ledger_file"`
}

// Auth holds the root token and the scoped tokenization tokens (§1.6).
type Auth struct {
	RootToken     Secret        `mapstructure:"root_token"`      // auth.root_token
	RootTokenFile string        `mapstructure:"root_token_file"` // auth.root_token_file
	ScopedTokens  []ScopedToken `mapstructure:"scoped_tokens"`   // auth.scoped_tokens
}

// ScopedToken is one entry of auth.scoped_tokens: a named token, known only by
// its SHA-256, allowed the listed token:* scopes.
type ScopedToken struct {
	Name   string   `mapstructure:"name" json:"name"`
	SHA256 string   `mapstructure:"sha256" json:"sha256"` // lower-case hex of SHA-256(token)
	Scopes []string `mapstructure:"scopes" json:"scopes"` // token:create, token:read, token:delete
}

// Generic holds the generic.* switches.
type Generic struct {
	CreateUserWithoutAccessToken bool   `mapstructure:"create_user_without_access_token"`
	ListUsers                    bool   `mapstructure:"list_users"`
	UserRecordSchema             string `mapstructure:"user_record_schema"` // path of a JSON Schema file
	AdminEmail                   string `mapstructure:"admin_email"`
}

// SelfService says what a login token may change without a request (§3, §4).
type SelfService struct {
	ForgetMe         bool     `mapstructure:"forget_me"`
	UserRecordChange bool     `mapstructure:"user_record_change"`
	AppRecordChange  []string `mapstructure:"app_record_change"` // app-name patterns: *, x*, *x, *x*, exact
}

// Policy holds the retention caps of §1.10, parsed from the contract's
// duration forms ("1h", "1m" = 31 days, "12m", plain seconds). Zero means no
// cap, which only MaxTokenRetention allows.
type Policy struct {
	MaxSessionRetention         time.Duration // policy.max_session_retention_period
	MaxShareableRecordRetention time.Duration // policy.max_shareable_record_retention_period
	MaxUserRetention            time.Duration // policy.max_user_retention_period
	MaxAuditRetention           time.Duration // policy.max_audit_retention_period
	MaxTokenRetention           time.Duration // policy.max_token_retention_period
}

// Login configures one-time login codes and login tokens (§6).
type Login struct {
	CodeDigits      int `mapstructure:"code_digits"`
	CodeTTLSeconds  int `mapstructure:"code_ttl_seconds"`
	MaxAttempts     int `mapstructure:"max_attempts"`
	TokenTTLSeconds int `mapstructure:"token_ttl_seconds"`
}

// RateLimit holds the per-process limits of §1.12.
type RateLimit struct {
	PreloginPerIdentity Limit `mapstructure:"prelogin_per_identity"`
	PreloginPerIP       Limit `mapstructure:"prelogin_per_ip"`
	LoginPerIP          Limit `mapstructure:"login_per_ip"`
	AnonymousPerIP      Limit `mapstructure:"anonymous_per_ip"`
	AuthFailuresPerIP   Limit `mapstructure:"auth_failures_per_ip"`
}

// namedLimit is a Limit with its key under ratelimit.
type namedLimit struct {
	Name string
	Limit
}

// named lists the limits in the order of §1.12.
func (r RateLimit) named() []namedLimit {
	return []namedLimit{
		{"prelogin_per_identity", r.PreloginPerIdentity},
		{"prelogin_per_ip", r.PreloginPerIP},
		{"login_per_ip", r.LoginPerIP},
		{"anonymous_per_ip", r.AnonymousPerIP},
		{"auth_failures_per_ip", r.AuthFailuresPerIP},
	}
}

// Limit allows Count events per WindowSeconds; Count 0 turns it off.
type Limit struct {
	Count         int `mapstructure:"count"`
	WindowSeconds int `mapstructure:"window_seconds"`
}

// Window returns the limit's window as a duration.
func (l Limit) Window() time.Duration { return time.Duration(l.WindowSeconds) * time.Second }

// SMS configures code delivery by text message and the default phone
// region of §1.7. A generic HTTP gateway (gateway_*) takes precedence over
// Twilio (twilio_*).
type SMS struct {
	DefaultCountry  string `mapstructure:"default_country"`
	TwilioAccount   string `mapstructure:"twilio_account"`
	TwilioToken     Secret `mapstructure:"twilio_token"`
	TwilioTokenFile string `mapstructure:"twilio_token_file"`
	TwilioFrom      string `mapstructure:"twilio_from"`
	// GatewayURL receives one POST per text message (sms.gateway_url).
	GatewayURL string `mapstructure:"gateway_url"`
	// GatewayFormat is the body's encoding, form or json (sms.gateway_format).
	GatewayFormat string `mapstructure:"gateway_format"`
	// GatewayBody is the body template with {{to}} and {{message}}, each
	// escaped for the format; "" is to={{to}}&message={{message}} or the
	// JSON object of those two (sms.gateway_body).
	GatewayBody string `mapstructure:"gateway_body"`
	// GatewayAuthorization is sent as the Authorization header
	// (sms.gateway_authorization, e.g. "Bearer …").
	GatewayAuthorization     Secret `mapstructure:"gateway_authorization"`
	GatewayAuthorizationFile string `mapstructure:"gateway_authorization_file"`
}

// SMTP configures mail delivery of login codes and admin notices.
type SMTP struct {
	Server   string `mapstructure:"server"`
	Port     int    `mapstructure:"port"`
	User     string `mapstructure:"user"`
	Pass     Secret `mapstructure:"pass"`
	PassFile string `mapstructure:"pass_file"`
	Sender   string `mapstructure:"sender"`
}

// Tokenization configures the vault tokens of §12.
type Tokenization struct {
	EmailDomain string `mapstructure:"email_domain"`
}

// Notification configures outgoing webhooks (§15).
type Notification struct {
	NotificationURL string `mapstructure:"notification_url"`
	Secret          Secret `mapstructure:"secret"`
	SecretFile      string `mapstructure:"secret_file"`
}

// UI holds the portal branding served by /v1/sys/uiconfiguration (§14).
type UI struct {
	LogoLink           string `mapstructure:"logo_link"`
	CompanyTitle       string `mapstructure:"company_title"`
	CompanyVAT         string `mapstructure:"company_vat"`
	CompanyCity        string `mapstructure:"company_city"`
	CompanyLink        string `mapstructure:"company_link"`
	CompanyCountry     string `mapstructure:"company_country"`
	CompanyAddress     string `mapstructure:"company_address"`
	TermOfServiceTitle string `mapstructure:"term_of_service_title"`
	TermOfServiceLink  string `mapstructure:"term_of_service_link"`
	PrivacyPolicyTitle string `mapstructure:"privacy_policy_title"`
	PrivacyPolicyLink  string `mapstructure:"privacy_policy_link"`
	CustomCSSLink      string `mapstructure:"custom_css_link"`
}

// Jobs configures the background sweep (§1.14).
type Jobs struct {
	IntervalSeconds int `mapstructure:"interval_seconds"`
}

// Interval returns the sweep interval as a duration.
func (j Jobs) Interval() time.Duration { return time.Duration(j.IntervalSeconds) * time.Second }

// Log configures the server log.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json or text
}
