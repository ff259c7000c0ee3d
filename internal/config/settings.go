package config

// masked replaces every secret in Settings, set or not, so that the answer
// does not even reveal which secrets are configured.
const masked = "****"

// Settings returns the effective configuration as section → key → value
// under the key names of api.md §16, for GET /v1/sys/configuration. Secrets
// (the root token, scoped token hashes, passwords, API tokens, signing
// secrets, the DSN) are "****"; the master key is left out altogether.
// Policy durations are written in the contract's forms ("1h", "12m").
func (c *Config) Settings() map[string]map[string]any {
	scoped := make([]map[string]any, 0, len(c.Auth.ScopedTokens))
	for _, t := range c.Auth.ScopedTokens {
		scoped = append(scoped, map[string]any{"name": t.Name, "sha256": masked, "scopes": nonNil(t.Scopes)})
	}
	rl := map[string]any{}
	for _, r := range c.RateLimit.named() {
		rl[r.Name] = map[string]any{"count": r.Count, "window_seconds": r.WindowSeconds}
	}
	s := c.Server
	return map[string]map[string]any{
		"server": {
			"host": s.Host, "port": s.Port, "max_body_bytes": s.MaxBodyBytes, "max_json_depth": s.MaxJSONDepth,
			"cors_origins": nonNil(s.CORSOrigins), "trusted_proxies": nonNil(s.TrustedProxies), "hsts": s.HSTS,
			"data_dir": s.DataDir, "shutdown_timeout": s.ShutdownTimeout.String(),
		},
		"ssl": {"ssl_certificate": c.SSL.Certificate, "ssl_certificate_key": c.SSL.CertificateKey},
		"storage": {
			"driver": c.Storage.Driver, "dsn": masked,
			"max_open_conns": c.Storage.MaxOpenConns, "max_idle_conns": c.Storage.MaxIdleConns,
			"conn_max_lifetime": c.Storage.ConnMaxLifetime.String(), "conn_max_idle_time": c.Storage.ConnMaxIdleTime.String(),
			"busy_timeout": c.Storage.BusyTimeout.String(), "query_timeout": c.Storage.QueryTimeout.String(),
		},
		"keys": {
			"rotation_batch_size": c.Keys.RotationBatchSize, "refresh_interval": c.Keys.RefreshInterval.String(),
			"rotate_after_encryptions": c.Keys.RotateAfterEncryptions,
		},
		"erasure": {"ledger_file": c.Erasure.LedgerFile},
		"auth":    {"root_token": masked, "scoped_tokens": scoped},
		"generic": {
			"create_user_without_access_token": c.Generic.CreateUserWithoutAccessToken,
			"list_users":                       c.Generic.ListUsers,
			"user_record_schema":               c.Generic.UserRecordSchema,
			"admin_email":                      c.Generic.AdminEmail,
		},
		"selfservice": {
			"forget_me":          c.SelfService.ForgetMe,
			"user_record_change": c.SelfService.UserRecordChange,
			"app_record_change":  nonNil(c.SelfService.AppRecordChange),
		},
		"policy": {
			"max_session_retention_period":          formatPolicyDuration(c.Policy.MaxSessionRetention),
			"max_shareable_record_retention_period": formatPolicyDuration(c.Policy.MaxShareableRecordRetention),
			"max_user_retention_period":             formatPolicyDuration(c.Policy.MaxUserRetention),
			"max_audit_retention_period":            formatPolicyDuration(c.Policy.MaxAuditRetention),
			"max_token_retention_period":            formatPolicyDuration(c.Policy.MaxTokenRetention),
		},
		"login": {
			"code_digits": c.Login.CodeDigits, "code_ttl_seconds": c.Login.CodeTTLSeconds,
			"max_attempts": c.Login.MaxAttempts, "token_ttl_seconds": c.Login.TokenTTLSeconds,
		},
		"ratelimit": rl,
		"sms": {
			"default_country": c.SMS.DefaultCountry, "twilio_account": c.SMS.TwilioAccount,
			"twilio_token": masked, "twilio_from": c.SMS.TwilioFrom,
			"gateway_url": c.SMS.GatewayURL, "gateway_format": c.SMS.GatewayFormat,
			"gateway_body": c.SMS.GatewayBody, "gateway_authorization": masked,
		},
		"smtp": {
			"server": c.SMTP.Server, "port": c.SMTP.Port, "user": c.SMTP.User,
			"pass": masked, "sender": c.SMTP.Sender,
		},
		"tokenization": {"email_domain": c.Tokenization.EmailDomain},
		"notification": {"notification_url": c.Notification.NotificationURL, "secret": masked},
		"ui": {
			"logo_link": c.UI.LogoLink, "company_title": c.UI.CompanyTitle, "company_vat": c.UI.CompanyVAT,
			"company_city": c.UI.CompanyCity, "company_link": c.UI.CompanyLink,
			"company_country": c.UI.CompanyCountry, "company_address": c.UI.CompanyAddress,
			"term_of_service_title": c.UI.TermOfServiceTitle, "term_of_service_link": c.UI.TermOfServiceLink,
			"privacy_policy_title": c.UI.PrivacyPolicyTitle, "privacy_policy_link": c.UI.PrivacyPolicyLink,
			"custom_css_link": c.UI.CustomCSSLink,
		},
		"jobs": {"interval_seconds": c.Jobs.IntervalSeconds},
		"log":  {"level": c.Log.Level, "format": c.Log.Format},
	}
}

// nonNil keeps empty lists as [] rather than null in JSON.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
