package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// month is the contract's month: 31 days (api.md §1.10).
const month = 31 * 24 * time.Hour

var errPeriod = errors.New(`want a positive number of seconds or a number with suffix s, h, d or m (m = month of 31 days)`)

// parsePolicyDuration parses the relative duration forms of api.md §1.10 that
// policy settings use: "<n>s", "<n>h", "<n>d", "<n>m" (months of 31 days, not
// minutes) or plain digits meaning seconds. Zero, signs, fractions, upper-case
// suffixes and values past 10^12 seconds or time.Duration's range are
// errors. The lead's vault package may grow its own parser for expiration
// fields; this one stays because config must not depend on vault.
func parsePolicyDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errPeriod
	}
	unit := time.Second
	digits := s
	switch s[len(s)-1] {
	case 's':
		digits = s[:len(s)-1]
	case 'h':
		unit, digits = time.Hour, s[:len(s)-1]
	case 'd':
		unit, digits = 24*time.Hour, s[:len(s)-1]
	case 'm':
		unit, digits = month, s[:len(s)-1]
	}
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, errPeriod
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > 1e12 {
		return 0, errPeriod
	}
	if n > math.MaxInt64/int64(unit) {
		return 0, errors.New("too long")
	}
	return time.Duration(n) * unit, nil
}

// formatPolicyDuration writes d in the largest §1.10 unit that divides it, so
// that parsePolicyDuration(formatPolicyDuration(d)) == d. Zero is "".
func formatPolicyDuration(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{month, "m"}, {24 * time.Hour, "d"}, {time.Hour, "h"}} {
		if d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}
