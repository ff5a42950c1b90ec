package mailparse

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The sanitiser's second pass: each field of the message and of the
// messages attached to it, with the rules collect and buildRules made.

func (s *sanitizer) message(m *Message, prefix string) {
	f := func(name string) string { return prefix + name }
	if len(m.To)+len(m.Cc) > 0 || len(s.recipients) > 0 {
		var ps []string
		for _, a := range append(slices.Clone(m.To), m.Cc...) {
			if p, ok := s.recipients[strings.ToLower(a.Address)]; ok {
				ps = append(ps, p)
			}
		}
		for _, h := range m.Received {
			if p, ok := s.recipients[strings.ToLower(h.For)]; ok {
				ps = append(ps, p)
			}
		}
		for _, h := range m.Headers {
			if headerMatches(h.Name, recipientHeaders) {
				for _, a := range looseAddresses(h.Value) {
					if p, ok := s.recipients[strings.ToLower(a.Address)]; ok {
						ps = append(ps, p)
					}
				}
			}
		}
		slices.Sort(ps)
		m.Recipients = slices.Compact(ps)
	}
	if len(m.To) > 0 {
		s.record(KindRecipientAddress, f("to"), formatAddresses(m.To), "(removed)")
	}
	if len(m.Cc) > 0 {
		s.record(KindRecipientAddress, f("cc"), formatAddresses(m.Cc), "(removed)")
	}
	m.To, m.Cc = nil, nil
	fromMember := s.fromMember(m) // before the sender is replaced
	for i := range m.From {
		m.From[i] = s.address(f("from"), m.From[i])
	}
	for i := range m.ReplyTo {
		m.ReplyTo[i] = s.address(f("reply_to"), m.ReplyTo[i])
	}
	m.ReturnPath = s.replace(f("return_path"), m.ReturnPath)
	m.MessageID = s.replace(f("message_id"), m.MessageID)
	m.Subject = s.text(f("subject"), m.Subject)
	m.XMailer = s.replace(f("x_mailer"), m.XMailer)
	if !m.DateTime.IsZero() {
		t := m.DateTime.Truncate(time.Hour)
		if !t.Equal(m.DateTime) {
			s.record(KindTime, f("date"), m.Date, t.Format(time.RFC3339))
		}
		m.DateTime = t
		m.Date = t.Format(time.RFC3339)
	}
	own := map[string]bool{}
	for _, h := range m.Received {
		own[h.FromIP] = true
	}
	m.Received = s.hops(f("received"), m.Received)
	if m.XMailer != "" && len(m.Received) == 0 && fromMember {
		// Written inside the member (its own forward of the lure, a
		// reply in a hijacked thread): no hop crossed into it, and the
		// mailer, down to its build, is the member's own client, the
		// same in every share it makes.
		s.record(KindHeader, f("x_mailer"), m.XMailer, "(removed)")
		m.XMailer = ""
	}
	// Sending IPs are those of the hops kept: an address on a dropped hop
	// is the receiving side's (its gateway) or a private one.
	kept := map[string]bool{}
	for _, h := range m.Received {
		kept[h.FromIP] = true
	}
	var sending []string
	if s.opts.Boundary.IsZero() && len(own) > 0 {
		// Without a boundary the parse took the newest public address,
		// which may be the member's own gateway; the newest hop left
		// after sanitising is the one that crossed in.
		for _, h := range m.Received {
			if a, err := netip.ParseAddr(h.FromIP); err == nil && !isLocalIP(a) {
				sending = append(sending, h.FromIP)
				break
			}
		}
		for _, ip := range m.SendingIPs {
			if !own[ip] { // an attached message's
				sending = append(sending, ip)
			}
		}
	} else {
		for _, ip := range m.SendingIPs {
			if !s.opts.Boundary.containsIP(ip) && (!own[ip] || kept[ip]) {
				sending = append(sending, ip)
			}
		}
	}
	m.SendingIPs = nonNil(dedupe(sending))
	for i, u := range m.URLs {
		m.URLs[i] = s.url(f("urls"), u)
	}
	m.URLs = dedupe(m.URLs)
	var domains []string
	for _, d := range m.Domains {
		if hostIn(d, s.opts.MemberDomains) {
			s.record(KindMemberDomain, f("domains"), d, "(removed)")
			continue
		}
		domains = append(domains, d)
	}
	m.Domains = nonNil(domains)
	var ips []string
	for _, ip := range m.IPs {
		if s.opts.Boundary.containsIP(ip) {
			s.record(KindReceivedHop, f("ips"), ip, "(removed: inside the member's boundary)")
			continue
		}
		ips = append(ips, ip)
	}
	m.IPs = nonNil(ips)
	for i, e := range m.Emails {
		m.Emails[i] = s.replace(f("emails"), e)
	}
	m.Emails = dedupe(m.Emails)
	s.attachments(f("attachments"), m.Attachments)
	for i, e := range m.Errors {
		m.Errors[i] = s.replace(f("errors"), e)
	}
	m.Headers = s.headers(f("headers"), m)
	m.Text = s.text(f("text"), m.Text)
	m.HTML = s.html(f("html"), m.HTML)
	outer := s.inAttached
	s.inAttached = true
	for i, a := range m.Attached {
		s.message(a, prefix+"attached["+strconv.Itoa(i)+"].")
	}
	s.inAttached = outer
}

func formatAddresses(as []Address) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		if a.Name != "" {
			parts = append(parts, a.Name+" <"+a.Address+">")
		} else {
			parts = append(parts, a.Address)
		}
	}
	return strings.Join(parts, ", ")
}

func (s *sanitizer) address(field string, a Address) Address {
	la := strings.ToLower(a.Address)
	if p, ok := s.recipients[la]; ok {
		s.record(KindRecipientAddress, field, a.Address, p)
		return Address{Name: s.replace(field, a.Name), Address: p}
	}
	if _, ok := s.reporter[la]; ok {
		s.record(KindReporter, field, a.Address, reporterAddress)
		return Address{Name: reporterName, Address: reporterAddress}
	}
	return Address{Name: s.replace(field, a.Name), Address: s.replace(field, a.Address)}
}

func (s *sanitizer) attachments(field string, as []Attachment) {
	for i := range as {
		as[i].Name = s.fileName(field, s.replace(field, as[i].Name))
		s.attachments(field, as[i].Entries)
	}
}

// fileName also finds Latin names fused into a file name without word
// edges (Invoice_TYamada_KaiinA.pdf): a person's or the member's name of
// five letters or more is replaced wherever it stands there. In prose the
// word edges stay, so "Yamadaya" the shop is not touched.
func (s *sanitizer) fileName(field, name string) string {
	for _, r := range s.rules {
		if !r.word || r.host || len(r.lower) < 5 || !asciiLetters(r.lower) {
			continue
		}
		switch r.kind {
		case KindRecipientName, KindGreetingName, KindReporter, KindOrganisation:
		default:
			continue
		}
		for n := 0; n < 8; n++ {
			i := strings.Index(asciiLower(name), r.lower)
			if i < 0 {
				break
			}
			before := name
			name = name[:i] + r.repl + name[i+len(r.lower):]
			s.record(r.kind, field, before, name)
		}
	}
	return name
}

func asciiLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z') {
			return false
		}
	}
	return s != ""
}

// headers drops the receiver's headers and the member's signatures,
// rebuilds Received from the kept hops and Date from the rounded time,
// and passes every other value through the text rules.
func (s *sanitizer) headers(field string, m *Message) []Header {
	out := make([]Header, 0, len(m.Headers))
	hopsAdded := false
	for _, h := range m.Headers {
		fi := field + "." + h.Name
		switch {
		case headerMatches(h.Name, receiverHeaders):
			s.record(KindHeader, fi, h.Value, "(removed)")
			continue
		case headerMatches(h.Name, signatureHeaders) && s.memberSignature(h.Value):
			s.record(KindHeader, fi, h.Value, "(removed)")
			continue
		case strings.EqualFold(h.Name, "Received"):
			if !hopsAdded {
				for _, hop := range m.Received {
					out = append(out, Header{Name: "Received", Value: hop.Raw})
				}
				hopsAdded = true
			}
			continue
		case strings.EqualFold(h.Name, "Date") && m.Date != "":
			if !m.DateTime.IsZero() {
				out = append(out, Header{Name: h.Name, Value: m.DateTime.Format(time.RFC1123Z)})
			}
			continue
		}
		out = append(out, Header{Name: h.Name, Value: s.text(fi, h.Value)})
	}
	return out
}

// memberSignature reports a DKIM or ARC signature made for the member's
// domain or by its boundary hosts, that is, added on receipt.
func (s *sanitizer) memberSignature(v string) bool {
	for tag := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(tag), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "d") {
			d := strings.ToLower(strings.TrimSpace(val))
			return hostIn(d, s.opts.MemberDomains) || s.opts.Boundary.ContainsHost(d)
		}
	}
	return false
}

// fromMember reports whether a mail's sender is the member's: an address
// in its domains or the reporter's own.
func (s *sanitizer) fromMember(m *Message) bool {
	for _, a := range m.From {
		if s.memberAddress(a.Address) || slices.ContainsFunc(s.opts.Reporter, func(r string) bool { return strings.EqualFold(r, a.Address) }) {
			return true
		}
	}
	return false
}
