package config

import (
	"strings"
	"testing"
)

func TestKeyLifecycleSettings(t *testing.T) {
	t.Run("the defaults", func(t *testing.T) {
		c := mustLoad(t, Source{Overrides: map[string]any{"server.data_dir": "/var/lib/pv"}})
		if c.Keys.RotationBatchSize != 500 || c.Keys.RefreshInterval.String() != "2s" || c.Keys.RotateAfterEncryptions != 1<<30 {
			t.Errorf("keys = %+v", c.Keys)
		}
		if c.Erasure.LedgerFile != "" {
			t.Errorf("erasure.ledger_file = %q, want \"\" (named by the vault at start)", c.Erasure.LedgerFile)
		}
		if err := c.ValidateWithoutSecrets(); err != nil {
			t.Error(err)
		}
	})
	t.Run("the environment sets them", func(t *testing.T) {
		t.Setenv("PIIVAULT_KEYS_ROTATION_BATCH_SIZE", "3")
		t.Setenv("PIIVAULT_KEYS_REFRESH_INTERVAL", "250ms")
		t.Setenv("PIIVAULT_KEYS_ROTATE_AFTER_ENCRYPTIONS", "1000")
		t.Setenv("PIIVAULT_ERASURE_LEDGER_FILE", "/elsewhere/erasures")
		c := mustLoad(t, Source{})
		if c.Keys.RotationBatchSize != 3 || c.Keys.RefreshInterval.String() != "250ms" || c.Keys.RotateAfterEncryptions != 1000 ||
			c.Erasure.LedgerFile != "/elsewhere/erasures" {
			t.Errorf("keys = %+v, erasure = %+v", c.Keys, c.Erasure)
		}
	})
	bad := map[string]struct {
		key  string
		val  any
		want string
	}{
		"a zero batch":                {"keys.rotation_batch_size", 0, "keys.rotation_batch_size"},
		"a huge batch":                {"keys.rotation_batch_size", 10001, "keys.rotation_batch_size"},
		"a refresh too short":         {"keys.refresh_interval", "10ms", "keys.refresh_interval"},
		"a limit past the nonce room": {"keys.rotate_after_encryptions", int64(1) << 32, "keys.rotate_after_encryptions"},
		"a negative limit":            {"keys.rotate_after_encryptions", -1, "keys.rotate_after_encryptions"},
	}
	for name, tt := range bad {
		t.Run(name+" is a problem", func(t *testing.T) {
			c := mustLoad(t, Source{Overrides: map[string]any{tt.key: tt.val}})
			if err := c.ValidateWithoutSecrets(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ValidateWithoutSecrets() = %v, want it to name %s", err, tt.want)
			}
		})
	}
}
