package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr is the address of the client a request came from. Behind a
// reverse proxy every request arrives from the proxy, so the per-address
// login and sign-up budgets would be one budget for everybody: one person
// guessing passwords would lock every user out. A proxy listed in trusted
// appends the address it saw to X-Forwarded-For; walking that list from
// the right, past the trusted proxies, gives the first address no trusted
// party vouches against. What a client wrote to the left of it is never
// believed, and without trusted proxies the header is ignored altogether.
func ClientAddr(peer netip.Addr, forwardedFor []string, trusted []netip.Prefix) netip.Addr {
	if len(trusted) == 0 || !inPrefixes(peer.Unmap(), trusted) {
		return peer
	}
	client := peer
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		parts := strings.Split(forwardedFor[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, ok := parseForwarded(parts[j])
			if !ok {
				// Not an address a proxy writes: what stands left of it
				// cannot be followed, and the hop to its right is the
				// client as far as anyone trusted knows.
				return client
			}
			client = a
			if !inPrefixes(a, trusted) {
				return a
			}
		}
	}
	return client
}

// parseForwarded reads one X-Forwarded-For element: an address, or an
// address with a port ("192.0.2.1:4711", "[2001:db8::1]:4711"), as some
// proxies write them.
func parseForwarded(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// realClient rewrites RemoteAddr to the client's address when the request
// came through a trusted proxy, so everything that counts or records
// clients (audit.ClientIP, the failure budgets, session records) sees the
// client rather than the proxy.
func (s *Stack) realClient(h http.Handler) http.Handler {
	if len(s.TrustedProxies) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			h.ServeHTTP(w, r)
			return
		}
		client := ClientAddr(ap.Addr(), r.Header.Values("X-Forwarded-For"), s.TrustedProxies)
		if client != ap.Addr().Unmap() {
			r2 := *r
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
			r = &r2
		}
		h.ServeHTTP(w, r)
	})
}
