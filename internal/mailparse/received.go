package mailparse

import (
	"net/netip"
	"strings"
	"time"
)

// parseReceived reads one Received header: "from HELO (RDNS [IP]) by
// HOST with ... id ... for <RCPT>; DATE". Comments are kept inside the
// clause they follow, so that Postfix, Sendmail, Exim, Exchange and
// Gmail forms all give up their IP. ok is false when neither a sending
// side nor a receiving host could be found.
func parseReceived(v string) (Hop, bool) {
	h := Hop{Raw: v}
	body := v
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		body = v[:i]
		if t, ok := parseDate(v[i+1:]); ok {
			h.When = t
			h.Time = t.Format(time.RFC3339)
		}
	}
	clauses := receivedClauses(body)
	if from, ok := clauses["from"]; ok {
		h.FromHost, h.FromRDNS, h.FromIP = parseFromClause(from)
		// "(name [ip])" or "(unknown [ip])": the receiving server wrote
		// what it saw, so the HELO name is not to be trusted.
		h.lookedUp = strings.Contains(from, "(") && strings.Contains(from, "[")
	}
	if by, ok := clauses["by"]; ok {
		if f := strings.Fields(by); len(f) > 0 {
			h.ByHost = cleanHost(f[0])
		}
	}
	if f, ok := clauses["for"]; ok {
		h.For = cleanAddrSpec(firstWordOrAngle(f))
	}
	return h, h.FromHost != "" || h.FromIP != "" || h.ByHost != ""
}

// receivedClauses splits a Received value at its keywords, outside
// parentheses. A keyword met twice keeps its first clause.
func receivedClauses(s string) map[string]string {
	out := map[string]string{}
	depth := 0
	key := ""
	start := 0
	save := func(end int) {
		if key != "" {
			if _, seen := out[key]; !seen {
				out[key] = strings.TrimSpace(s[start:end])
			}
		}
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
			continue
		case ')':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth > 0 || (i > 0 && s[i-1] != ' ' && s[i-1] != '\t' && s[i-1] != ')') {
			continue
		}
		for _, kw := range receivedKeywords {
			if len(s)-i > len(kw) && strings.EqualFold(s[i:i+len(kw)], kw) && (s[i+len(kw)] == ' ' || s[i+len(kw)] == '\t' || s[i+len(kw)] == '(') {
				save(i)
				key = kw
				start = i + len(kw)
				i += len(kw) - 1
				break
			}
		}
	}
	save(len(s))
	return out
}

var receivedKeywords = []string{"from", "by", "via", "with", "id", "for"}

// parseFromClause reads "HELO (RDNS [IP])" and its variants. The IP is
// the first bracketed address after the HELO, else the first bare one;
// the reverse name is the word before it inside the comment, unless the
// server said "unknown". A HELO written as an address literal
// ("from [10.0.0.1] (unknown [198.51.100.20])") is the sender's claim:
// the address the server saw connect, in the comment, wins, so a sender
// cannot hide behind a private address of its choosing.
func parseFromClause(s string) (helo, rdns, ip string) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return "", "", ""
	}
	first := fields[0]
	start, heloIP := 0, ""
	if strings.HasPrefix(first, "[") {
		if a, ok := parseIPToken(first); ok {
			heloIP = a
		}
		start = strings.Index(s, first) + len(first)
	} else if !strings.HasPrefix(first, "(") {
		helo = cleanHost(first)
	}
	// Bracketed addresses first: [203.0.113.5], [IPv6:2001:db8::1].
	for i := start; i < len(s) && ip == ""; i++ {
		if s[i] != '[' {
			continue
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			break
		}
		if strings.HasSuffix(strings.ToLower(s[:i]), "helo=") {
			i += j
			continue // Exim's "helo=[10.0.0.1]": the sender's claim again
		}
		if a, ok := parseIPToken(s[i : i+j+1]); ok {
			ip = a
			before := strings.Fields(strings.TrimRight(s[:i], " \t"))
			if len(before) > 0 {
				w := strings.TrimSuffix(strings.TrimLeft(before[len(before)-1], "("), ".")
				if validHostname(strings.ToLower(w)) && !strings.EqualFold(w, "unknown") && !strings.EqualFold(w, "helo") && !strings.EqualFold(w, "ehlo") {
					rdns = strings.ToLower(w)
				}
			}
		}
		i += j
	}
	// Then bare ones, as Exchange writes them: HOST (203.0.113.5).
	if ip == "" {
		for _, f := range fields[1:] {
			if a, ok := parseIPToken(f); ok {
				ip = a
				break
			}
		}
	}
	if ip == "" {
		ip = heloIP // only the literal: the best there is
	}
	if helo != "" {
		if a, err := netip.ParseAddr(helo); err == nil {
			if ip == "" {
				ip = a.Unmap().String()
			}
		}
	}
	return helo, rdns, ip
}

// parseIPToken accepts "[1.2.3.4]", "(1.2.3.4)", "1.2.3.4:25",
// "[IPv6:2001:db8::1]" and similar.
func parseIPToken(t string) (string, bool) {
	t = strings.Trim(t, "[]()<>,;=\"'")
	t = strings.TrimPrefix(t, "IPv6:")
	t = strings.TrimPrefix(t, "ipv6:")
	if a, err := netip.ParseAddr(t); err == nil {
		return a.Unmap().String(), true
	}
	if ap, err := netip.ParseAddrPort(t); err == nil {
		return ap.Addr().Unmap().String(), true
	}
	if i := strings.Index(t, "]:"); i > 0 {
		return parseIPToken(t[:i])
	}
	if i := strings.LastIndexByte(t, ':'); i > 0 && strings.Count(t, ":") == 1 {
		return parseIPToken(t[:i])
	}
	return "", false
}

func cleanHost(s string) string {
	s = strings.Trim(s, "()[]<>;,\"'")
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

func firstWordOrAngle(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") {
		if j := strings.IndexByte(s, '>'); j > 0 {
			return s[:j+1]
		}
	}
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// hostIn reports whether host is one of the names or below one of them.
func hostIn(host string, names []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return false
	}
	for _, n := range names {
		if host == n || strings.HasSuffix(host, "."+n) {
			return true
		}
	}
	return false
}

func (b Boundary) containsIP(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range b.Nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ContainsHost reports whether a host name is inside the boundary.
func (b Boundary) ContainsHost(host string) bool { return hostIn(host, b.Hosts) }

// insideHops marks the hops whose sending side is one of the member's
// own servers. An address in the declared networks or a reverse name
// the receiving server looked up decides alone. The HELO name, which the
// sender chooses, counts only where no reverse lookup was written (as in
// Exchange's "from HOST (IP)"), the receiving host is the member's, and
// every newer hop was internal too: an outsider claiming an internal
// name at the member's gateway has a reverse lookup written next to it,
// or sits below a hop already judged external.
func (b Boundary) insideHops(hops []Hop) []bool {
	inside := make([]bool, len(hops))
	contiguous := true
	for i, h := range hops {
		byInside := h.ByHost == "" || hostIn(h.ByHost, b.Hosts)
		strong := h.FromIP != "" && b.containsIP(h.FromIP) || h.FromRDNS != "" && hostIn(h.FromRDNS, b.Hosts)
		weak := !h.lookedUp && hostIn(h.FromHost, b.Hosts) && byInside
		// A private address handed over to the member's own server, or
		// below only internal hops, is the member's network.
		private := false
		if a, err := netip.ParseAddr(h.FromIP); err == nil && isLocalIP(a) {
			private = hostIn(h.ByHost, b.Hosts) || contiguous && !b.IsZero()
		}
		inside[i] = strong || private || contiguous && weak
		if !inside[i] && (h.FromIP != "" || h.FromHost != "") {
			contiguous = false
		}
	}
	return inside
}

// sendingIPs lists the sending addresses of hops outside the boundary,
// newest first. With a boundary, any address the member did not declare
// counts except private, loopback and link-local ones (so the
// documentation ranges used in tests count); without one, only public
// addresses do.
func sendingIPs(hops []Hop, b Boundary) []string {
	var out []string
	inside := b.insideHops(hops)
	for i, h := range hops {
		if h.FromIP == "" {
			continue
		}
		a, err := netip.ParseAddr(h.FromIP)
		if err != nil {
			continue
		}
		if b.IsZero() {
			if isPublicIP(a) {
				out = append(out, h.FromIP)
			}
			continue
		}
		if inside[i] || isLocalIP(a) {
			continue
		}
		out = append(out, h.FromIP)
	}
	return out
}

// isLocalAddr is isLocalIP for an address as text; text that is no
// address is not local.
func isLocalAddr(ip string) bool {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	return err == nil && isLocalIP(a)
}

// isLocalIP is an address that never crosses the Internet.
func isLocalIP(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() ||
		inPrefixes(a, sharedNets)
}

// isPublicIP excludes the special-purpose ranges of RFC 6890 as well.
func isPublicIP(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !isLocalIP(a) && !inPrefixes(a, specialNets)
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// sharedNets are carrier-grade NAT space: local in effect.
var sharedNets = []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10")}

// specialNets are documentation, benchmarking and reserved ranges.
var specialNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("3fff::/20"),
}
