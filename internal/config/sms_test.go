package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestSMSGatewaySettings(t *testing.T) {
	t.Run("the defaults", func(t *testing.T) {
		c := mustLoad(t, Source{})
		if c.SMS.GatewayURL != "" || c.SMS.GatewayFormat != "form" || c.SMS.GatewayBody != "" || c.SMS.GatewayAuthorization != "" {
			t.Errorf("sms = %+v", c.SMS)
		}
	})
	t.Run("the environment sets them and the authorization is a secret", func(t *testing.T) {
		t.Setenv("PIIVAULT_SMS_GATEWAY_URL", "https://sms.example.net/send")
		t.Setenv("PIIVAULT_SMS_GATEWAY_FORMAT", "json")
		t.Setenv("PIIVAULT_SMS_GATEWAY_AUTHORIZATION", "Bearer gateway-secret-9f2")
		c := mustLoad(t, Source{})
		if c.SMS.GatewayURL != "https://sms.example.net/send" || c.SMS.GatewayFormat != "json" || c.SMS.GatewayAuthorization.Value() != "Bearer gateway-secret-9f2" {
			t.Errorf("sms = %+v", c.SMS)
		}
		if err := c.ValidateWithoutSecrets(); err != nil {
			t.Error(err)
		}
		if s := fmt.Sprint(c.Settings()["sms"]); strings.Contains(s, "gateway-secret") || !strings.Contains(s, "gateway_authorization:****") {
			t.Errorf("Settings() sms = %s", s)
		}
	})
	bad := map[string]struct {
		set  map[string]any
		want string
	}{
		"a gateway URL that is no URL":       {map[string]any{"sms.gateway_url": "sms.example.net"}, "sms.gateway_url"},
		"an unknown format":                  {map[string]any{"sms.gateway_format": "xml"}, "sms.gateway_format"},
		"a Twilio account without its token": {map[string]any{"sms.twilio_account": "AC1", "sms.twilio_from": "+15005550006"}, "sms.twilio_token"},
	}
	for name, tt := range bad {
		t.Run(name+" is a problem", func(t *testing.T) {
			c := mustLoad(t, Source{Overrides: tt.set})
			if err := c.ValidateWithoutSecrets(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ValidateWithoutSecrets() = %v, want it to name %s", err, tt.want)
			}
		})
	}
}
