package main

import (
	"log/slog"
	"path/filepath"
	"time"

	"piivault/internal/config"
	"piivault/internal/delivery"
	"piivault/internal/httpapi"
	"piivault/internal/ratelimit"
	"piivault/internal/vault"
)

// demoOutboxFile is where demo mode keeps the login codes it does not send,
// inside the data directory.
const demoOutboxFile = "demo-outbox.log"

// loginOptions maps login.* onto the vault's login options; codes go to
// sender.
func loginOptions(cfg *config.Config, sender vault.LoginCodeSender) vault.LoginOptions {
	l := cfg.Login
	return vault.LoginOptions{
		CodeDigits:  l.CodeDigits,
		CodeTTL:     time.Duration(l.CodeTTLSeconds) * time.Second,
		MaxAttempts: l.MaxAttempts,
		TokenTTL:    time.Duration(l.TokenTTLSeconds) * time.Second,
		Sender:      sender,
	}
}

// codeDelivery builds the dispatcher of login codes: e-mail through smtp.*,
// text messages through sms.gateway_* or else Twilio; in demo mode nothing
// is sent and every code goes to <data-dir>/demo-outbox.log instead. A
// channel that is not configured is logged once here and then counts a
// failure for each code it would have carried.
func codeDelivery(cfg *config.Config, demo bool, logger *slog.Logger, onFailure func()) *delivery.Dispatcher {
	dc := delivery.Config{
		CodeTTL:   time.Duration(cfg.Login.CodeTTLSeconds) * time.Second,
		Logger:    logger,
		OnFailure: onFailure,
	}
	if demo {
		outbox := &delivery.Outbox{Path: filepath.Join(cfg.Server.DataDir, demoOutboxFile)}
		dc.Email, dc.SMS = outbox, outbox
		logger.Warn("demo mode: login codes are not sent but written to the outbox file", "outbox", outbox.Path)
		return delivery.New(dc)
	}
	if m := cfg.SMTP; m.Server != "" {
		dc.Email = &delivery.SMTP{Host: m.Server, Port: m.Port, Username: m.User, Password: m.Pass.Value(), From: m.Sender}
	} else {
		logger.Warn("no smtp.server: login codes for email identities cannot be sent")
	}
	switch s := cfg.SMS; {
	case s.GatewayURL != "":
		dc.SMS = &delivery.SMSGateway{URL: s.GatewayURL, Format: s.GatewayFormat, Body: s.GatewayBody,
			Authorization: s.GatewayAuthorization.Value()}
	case s.TwilioAccount != "":
		dc.SMS = delivery.Twilio(s.TwilioAccount, s.TwilioToken.Value(), s.TwilioFrom)
	default:
		logger.Warn("no sms.gateway_url or sms.twilio_account: login codes for phone identities cannot be sent")
	}
	return delivery.New(dc)
}

// rateLimits maps ratelimit.* and server.trusted_proxies onto the HTTP
// layer's limits (§1.12).
func rateLimits(cfg *config.Config) httpapi.RateLimits {
	lim := func(l config.Limit) ratelimit.Limit { return ratelimit.Limit{Count: l.Count, Window: l.Window()} }
	r := cfg.RateLimit
	return httpapi.RateLimits{
		PreloginPerIdentity: lim(r.PreloginPerIdentity),
		PreloginPerIP:       lim(r.PreloginPerIP),
		LoginPerIP:          lim(r.LoginPerIP),
		AnonymousPerIP:      lim(r.AnonymousPerIP),
		AuthFailuresPerIP:   lim(r.AuthFailuresPerIP),
		TrustedProxies:      cfg.Server.TrustedProxyPrefixes(),
	}
}
