package vault

import (
	"encoding/json"
	"testing"
	"time"
)

func TestExpirationEnd(t *testing.T) {
	now := time.Unix(1_767_225_600, 0)
	n := now.Unix()
	tests := []struct {
		name string
		in   any
		max  time.Duration
		want int64
		bad  bool
	}{
		{"seconds suffix", "30s", 0, n + 30, false},
		{"hours", "2h", 0, n + 7200, false},
		{"days with spaces", " 3d ", 0, n + 3*86400, false},
		{"m means 31-day months", "1m", 0, n + 2_678_400, false},
		{"plain digits are seconds", "300", 0, n + 300, false},
		{"a JSON integer", json.Number("60"), 0, n + 60, false},
		{"an absolute time", json.Number("1767229200"), 0, 1_767_229_200, false},
		{"capped by policy", "10d", time.Hour, n + 3600, false},
		{"zero", "0", 0, 0, true},
		{"negative", json.Number("-5"), 0, 0, true},
		{"fraction", json.Number("1.5"), 0, 0, true},
		{"upper-case suffix", "1H", 0, 0, true},
		{"minutes word", "5min", 0, 0, true},
		{"too large", json.Number("1000000000001"), 0, 0, true},
		{"boolean", true, 0, 0, true},
		{"empty", "", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpirationEnd(tt.in, now, tt.max)
			if tt.bad {
				if err == nil || ErrorMessage(err) != "bad expiration" {
					t.Fatalf("got %d, %v; want bad expiration", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestParsePolicyDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"1h": time.Hour, "12m": 12 * Month, "300": 300 * time.Second, "7d": 7 * 24 * time.Hour} {
		if got, err := ParsePolicyDuration(in); err != nil || got != want {
			t.Errorf("%q: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "x", "-1h", "1.5h", "1000000000m"} {
		if _, err := ParsePolicyDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
