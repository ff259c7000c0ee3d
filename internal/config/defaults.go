package config

import "time"

// defaults lists every key with its built-in value. Viper's Unmarshal only
// sees environment variables of keys it already knows, so a key missing here
// could never be set from the environment. configs/piivault.yaml mirrors this
// table; a test keeps the two in step.
func defaults() map[string]any {
	limit := func(count, window int) map[string]any {
		return map[string]any{"count": count, "window_seconds": window}
	}
	d := map[string]any{
		"server.host":             "0.0.0.0",
		"server.port":             3000,
		"server.max_body_bytes":   1 << 20,
		"server.max_json_depth":   32,
		"server.cors_origins":     []string{},
		"server.trusted_proxies":  []string{},
		"server.hsts":             false,
		"server.data_dir":         "./piivault-data",
		"server.shutdown_timeout": 30 * time.Second,

		"ssl.ssl_certificate":     "",
		"ssl.ssl_certificate_key": "",

		"storage.driver":             "sqlite",
		"storage.dsn":                "",
		"storage.dsn_file":           "",
		"storage.max_open_conns":     16,
		"storage.max_idle_conns":     16,
		"storage.conn_max_lifetime":  30 * time.Minute,
		"storage.conn_max_idle_time": 5 * time.Minute,
		"storage.busy_timeout":       5 * time.Second,
		"storage.query_timeout":      10 * time.Second,

		"keys.master_key":               "",
		"keys.master_key_file":          "",
		"keys.rotation_batch_size":      500,
		"keys.refresh_interval":         2 * time.Second,
		"keys.rotate_after_encryptions": int64(1 << 30),

		"erasure.ledger_file": "",

		"auth.root_token":      "",
		"auth.root_token_file": "",
		"auth.scoped_tokens":   []any{},

		"generic.create_user_without_access_token": false,
		"generic.list_users":                       false,
		"generic.user_record_schema":               "",
		"generic.admin_email":                      "",

		"selfservice.forget_me":          false,
		"selfservice.user_record_change": false,
		"selfservice.app_record_change":  []string{},

		"policy.max_session_retention_period":          "1h",
		"policy.max_shareable_record_retention_period": "1m",
		"policy.max_user_retention_period":             "1m",
		"policy.max_audit_retention_period":            "12m",
		"policy.max_token_retention_period":            "",

		"login.code_digits":       6,
		"login.code_ttl_seconds":  300,
		"login.max_attempts":      5,
		"login.token_ttl_seconds": 600,

		"sms.default_country":   "GB",
		"sms.twilio_account":    "",
		"sms.twilio_token":      "",
		"sms.twilio_token_file": "",
		"sms.twilio_from":       "",

		"sms.gateway_url":                "",
		"sms.gateway_format":             "form",
		"sms.gateway_body":               "",
		"sms.gateway_authorization":      "",
		"sms.gateway_authorization_file": "",

		"smtp.server":    "",
		"smtp.port":      587,
		"smtp.user":      "",
		"smtp.pass":      "",
		"smtp.pass_file": "",
		"smtp.sender":    "",

		"tokenization.email_domain": "piivault.invalid",

		"notification.notification_url": "",
		"notification.secret":           "",
		"notification.secret_file":      "",

		"jobs.interval_seconds": 60,

		"log.level":  "info",
		"log.format": "json",
	}
	for name, l := range map[string]map[string]any{
		"prelogin_per_identity": limit(3, 900),
		"prelogin_per_ip":       limit(10, 900),
		"login_per_ip":          limit(10, 60),
		"anonymous_per_ip":      limit(60, 60),
		"auth_failures_per_ip":  limit(30, 60),
	} {
		for k, v := range l {
			d["ratelimit."+name+"."+k] = v
		}
	}
	for _, k := range []string{
		"logo_link", "company_title", "company_vat", "company_city", "company_link",
		"company_country", "company_address", "term_of_service_title", "term_of_service_link",
		"privacy_policy_title", "privacy_policy_link", "custom_css_link",
	} {
		d["ui."+k] = ""
	}
	return d
}
