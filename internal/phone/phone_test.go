package phone

import "testing"

func TestNormalizer(t *testing.T) {
	tests := []struct {
		name, region, raw, want string
		ok                      bool
	}{
		{"a national number takes the default region", "GB", "07700900123", "+447700900123", true},
		{"an international number ignores the default region", "GB", "+1 (555) 123-4567", "+15551234567", true},
		{"a short number is parsed without a validity check", "GB", "4444", "+444444", true},
		{"letters do not parse", "GB", "abc", "", false},
		{"an empty string does not parse", "GB", "", "", false},
		{"the region is matched case-insensitively", "gb", "07700900123", "+447700900123", true},
		{"another default region applies to national numbers", "US", "(202) 555-0100", "+12025550100", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Normalizer(tt.region)(tt.raw)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Normalizer(%q)(%q) = %q, %v; want %q, %v", tt.region, tt.raw, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestValidRegion(t *testing.T) {
	for _, tt := range []struct {
		region string
		want   bool
	}{{"GB", true}, {"us", true}, {"XX", false}, {"", false}, {"GBR", false}} {
		if got := ValidRegion(tt.region); got != tt.want {
			t.Errorf("ValidRegion(%q) = %v, want %v", tt.region, got, tt.want)
		}
	}
}
