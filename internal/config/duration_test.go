package config

import (
	"testing"
	"time"

	"piivault/internal/vault"
)

func TestPolicyDurationsUseTheContractForms(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1h", time.Hour, true},
		{"1m", 31 * day, true},
		{"12m", 12 * 31 * day, true},
		{"300", 300 * time.Second, true},
		{"45s", 45 * time.Second, true},
		{" 2d ", 2 * day, true},
		{"0", 0, false},
		{"-1h", 0, false},
		{"1.5h", 0, false},
		{"1H", 0, false},
		{"1w", 0, false},
		{"1h30m", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Setenv("PIIVAULT_POLICY_MAX_SESSION_RETENTION_PERIOD", tt.in)
			c := mustLoad(t, Source{})
			err := c.ValidateWithoutSecrets()
			if (err == nil) != tt.ok || (tt.ok && c.Policy.MaxSessionRetention != tt.want) {
				t.Errorf("%q: got %v, %v; want %v, ok=%v", tt.in, c.Policy.MaxSessionRetention, err, tt.want, tt.ok)
			}
		})
	}
}

func TestFormatPolicyDurationRoundTrips(t *testing.T) {
	for _, in := range []string{"1h", "1m", "12m", "7d", "45s", "90s", "25h"} {
		d, err := vault.ParsePolicyDuration(in)
		if err != nil {
			t.Fatal(err)
		}
		back, err := vault.ParsePolicyDuration(formatPolicyDuration(d))
		if err != nil || back != d {
			t.Errorf("%q: formatted as %q, parsed back as %v, %v", in, formatPolicyDuration(d), back, err)
		}
	}
	if got := formatPolicyDuration(0); got != "" {
		t.Errorf("formatPolicyDuration(0) = %q, want empty (no cap)", got)
	}
}
