package mailparse

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// The Received chain: which hops may be shared and what is hidden in those
// that are.

// hops keeps the hops whose sending side is outside the boundary, hides
// the member's host in the hop that crosses it, drops "for" clauses and
// rounds times down to the hour. A hop that could not be read is dropped:
// it may describe the member's network in a form not understood.
func (s *sanitizer) hops(field string, hops []Hop) []Hop {
	out := []Hop{}
	inside := s.opts.Boundary.insideHops(hops)
	for i, h := range hops {
		fi := field + "[" + strconv.Itoa(i) + "]"
		parsed := h.FromHost != "" || h.FromIP != ""
		receiving := hostIn(h.ByHost, s.recipientDomains)
		fromReceiving := hostIn(h.FromHost, s.recipientDomains) || hostIn(h.FromRDNS, s.recipientDomains)
		// A hop between the receiving side's own hosts (from a local
		// address, or naming no address) is its internal relaying; so is
		// one into a receiving host from an address whose reverse name is
		// the receiving side's (its own gateway, not a forged HELO).
		internal := (receiving || fromReceiving) && (h.FromIP == "" || isLocalAddr(h.FromIP)) ||
			receiving && hostIn(h.FromRDNS, s.recipientDomains)
		// Without a declared boundary some hops still show themselves as
		// a network's inside: from a private address, or to a server
		// whose name is no public one (exch01.corp.local). Such hops never
		// carry the attacker's address and may name the member.
		// With a boundary declared, it decides; an Exchange edge named
		// EDGE01.contoso.local takes the attacker's hop and must keep it.
		private := s.opts.Boundary.IsZero() && (isLocalAddr(h.FromIP) || h.ByHost != "" && !publicName(h.ByHost))
		if !parsed || inside[i] || internal || private || hostIn(h.FromHost, s.opts.MemberDomains) && h.FromIP == "" {
			s.record(KindReceivedHop, fi, h.Raw, "(removed)")
			continue
		}
		if s.opts.Boundary.ContainsHost(h.ByHost) || hostIn(h.ByHost, s.opts.MemberDomains) || receiving {
			s.record(KindReceivedBy, fi, h.ByHost, boundaryHost)
			h.ByHost = boundaryHost
		}
		if fromReceiving {
			// A public address claiming a receiving-side name: the address
			// is the indicator, the (likely forged) name says who was hit.
			s.record(KindReceivedBy, fi, h.FromHost, boundaryHost)
			h.FromHost, h.FromRDNS = boundaryHost, ""
		}
		if h.For != "" {
			s.record(KindReceivedFor, fi, h.For, "(removed)")
			h.For = ""
		}
		h.FromHost = s.replace(fi, h.FromHost)
		h.FromRDNS = s.replace(fi, h.FromRDNS)
		if !h.When.IsZero() {
			t := h.When.Truncate(time.Hour)
			if !t.Equal(h.When) {
				s.record(KindTime, fi, h.Time, t.Format(time.RFC3339))
			}
			h.When = t
			h.Time = t.Format(time.RFC3339)
		}
		h.Raw = formatHop(h)
		out = append(out, h)
	}
	// The newest hop kept is the one that crossed into the receiving
	// side: its server is the member's whatever the boundary says.
	// (Only for the reported mail: an attached message's chain may be
	// the sender's alone.)
	if !s.inAttached && len(out) > 0 && out[0].ByHost != boundaryHost && out[0].ByHost != "" {
		s.record(KindReceivedBy, field+"[0]", out[0].ByHost, boundaryHost)
		out[0].ByHost = boundaryHost
		out[0].Raw = formatHop(out[0])
	}
	return out
}

// publicName reports whether host is an address or a name under a public
// suffix (example.co.jp), not a network's own (exch01.corp.local, EX01).
func publicName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return true
	}
	if !strings.Contains(host, ".") {
		return false
	}
	_, icann := publicsuffix.PublicSuffix(host)
	return icann
}

func formatHop(h Hop) string {
	var b strings.Builder
	if h.FromHost != "" || h.FromIP != "" {
		b.WriteString("from")
		if h.FromHost != "" {
			b.WriteString(" " + h.FromHost)
		}
		if h.FromRDNS != "" || h.FromIP != "" {
			b.WriteString(" (")
			b.WriteString(h.FromRDNS)
			if h.FromIP != "" {
				if h.FromRDNS != "" {
					b.WriteByte(' ')
				}
				b.WriteString("[" + h.FromIP + "]")
			}
			b.WriteString(")")
		}
	}
	if h.ByHost != "" {
		b.WriteString(" by " + h.ByHost)
	}
	if !h.When.IsZero() {
		b.WriteString("; " + h.When.Format(time.RFC1123Z))
	}
	return strings.TrimSpace(b.String())
}
