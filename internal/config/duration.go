package config

import (
	"strconv"
	"time"

	"piivault/internal/vault"
)

// formatPolicyDuration writes d in the largest §1.10 unit that divides it, so
// that vault.ParsePolicyDuration(formatPolicyDuration(d)) == d. Zero is ""
// (no cap).
func formatPolicyDuration(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{vault.Month, "m"}, {24 * time.Hour, "d"}, {time.Hour, "h"}} {
		if d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}
