package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr returns the client address of r for rate limiting (§1.12):
// the TCP peer, unless the peer is a trusted proxy. Then X-Forwarded-For is
// read from the right: each proxy appends the address it saw, so the first
// address that is not itself a trusted proxy is the client. Anything a
// client wrote further left is never believed. A malformed entry stops the
// walk at the last trusted hop. The zero Addr means the peer is unknown.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if !isTrusted(addr, trusted) {
		return addr
	}
	hops := forwardedFor(r.Header["X-Forwarded-For"])
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return addr
		}
		if !isTrusted(a, trusted) {
			return a
		}
		addr = a
	}
	return addr
}

// forwardedFor splits every X-Forwarded-For header into its entries, in
// order: a request may carry several headers, each a comma-separated list.
func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a port
// or, for IPv6, in brackets.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrKey is the rate-limit key of a client address. An IPv6 client counts
// per /64, the block one subscriber usually holds, so that rotating through
// the addresses of one's own network does not multiply the limit.
func addrKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
