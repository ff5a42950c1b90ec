package mailparse

import (
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// The sanitiser's first pass: every recipient, name and reporter address in
// the message and in the messages attached to it, gathered before anything
// is replaced.

// receivingSide learns the receiving organisation's registrable domains
// from what only the receiving side writes: the server that took the
// mail last (the newest hop's "by") and the delivery headers its servers
// add (Delivered-To, X-Original-To…). A To or Cc address alone is no
// evidence: bulk phishing is sent "To" the attacker's own address with
// the victims in Bcc, and a domain taken from there would hide the
// attacker. These domains count as the member's (addresses pseudonymised,
// links hidden, hops hidden) unless a mail provider shared by millions.
func (s *sanitizer) receivingSide(m *Message, newestHop bool) {
	add := func(host string) {
		d, err := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(strings.TrimSuffix(host, ".")))
		if err != nil || sharedMailDomains[d] || slices.Contains(s.recipientDomains, d) {
			return
		}
		s.recipientDomains = append(s.recipientDomains, d)
		if !slices.Contains(s.opts.MemberDomains, d) {
			s.opts.MemberDomains = append(s.opts.MemberDomains, d)
		}
	}
	if newestHop && len(m.Received) > 0 && m.Received[0].ByHost != "" {
		if _, err := netip.ParseAddr(m.Received[0].ByHost); err != nil {
			add(m.Received[0].ByHost)
		}
	}
	// Only delivery headers above the newest Received line are the
	// receiving side's: one further down came with the mail, and the
	// sender can write anything there.
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, "Received") {
			break
		}
		if headerMatches(h.Name, deliveryHeaders) {
			for _, a := range looseAddresses("<" + strings.Trim(strings.TrimPrefix(strings.TrimSpace(h.Value), "rfc822;"), "<> ") + ">") {
				add(a.Address[strings.LastIndexByte(a.Address, '@')+1:])
			}
		}
	}
}

// senderOnly reports whether a To or Cc address is the sender's own,
// outside the receiving side: bulk phishing is addressed "To" the
// attacker's address with the victims in Bcc, and that address is an
// indicator, not a recipient. When the receiving side is unknown, or the
// address lies in it (a lure spoofing the victim's own address as
// sender), it stays a recipient: privacy first.
func (s *sanitizer) senderOnly(m *Message, addr string) bool {
	if len(s.recipientDomains) == 0 || hostIn(addr[strings.LastIndexByte(addr, '@')+1:], s.recipientDomains) {
		return false
	}
	for _, f := range m.From {
		if strings.EqualFold(strings.TrimSpace(f.Address), addr) {
			return true
		}
	}
	return false
}

// collect finds every recipient and name in the message and in the
// messages attached to it, before anything is replaced, so that a name
// seen only in an attached mail is still hidden in the outer one.
func (s *sanitizer) collect(m *Message) {
	if s.recipients == nil {
		s.recipients = map[string]string{}
		s.names = map[string]string{}
		s.nameKinds = map[string]string{}
		s.reporter = map[string]string{}
		for _, r := range s.opts.Reporter {
			r = strings.TrimSpace(r)
			if r == "" {
				continue
			}
			if strings.Contains(r, "@") {
				s.reporter[strings.ToLower(r)] = reporterAddress
				// The reporter is often the recipient too ("i.suzuki:
				// your mailbox is full"): its local part goes as well.
				for _, l := range localForms(r) {
					s.reporter[l] = reporterName
				}
			} else {
				s.reporter[r] = reporterName
				for _, part := range nameParts(r) {
					s.reporter[part] = reporterName
				}
			}
		}
	}
	addr := func(a Address) {
		la := strings.ToLower(strings.TrimSpace(a.Address))
		if la == "" || !strings.Contains(la, "@") {
			return
		}
		if _, isReporter := s.reporter[la]; isReporter {
			s.addName(a.Name, reporterName, KindReporter)
			return
		}
		if s.senderOnly(m, la) {
			return
		}
		p := Pseudonym(s.opts.Key, la)
		s.recipients[la] = p
		s.addName(a.Name, "["+strings.TrimSuffix(p, "@"+redactedDomain)+"]", KindRecipientName)
	}
	for _, a := range m.To {
		addr(a)
	}
	for _, a := range m.Cc {
		addr(a)
	}
	for _, h := range m.Headers {
		if headerMatches(h.Name, recipientHeaders) {
			for _, a := range looseAddresses(h.Value) {
				addr(a)
			}
			if !strings.Contains(h.Value, "<") && strings.Contains(h.Value, "@") {
				for f := range strings.FieldsFuncSeq(h.Value, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
					if strings.Contains(f, "@") {
						addr(Address{Address: strings.TrimPrefix(strings.Trim(f, "<>"), "rfc822;")})
					}
				}
			}
		}
	}
	for _, h := range m.Received {
		if h.For != "" {
			addr(Address{Address: h.For})
		}
	}
	// Addresses in the member's own domains are its staff.
	for _, list := range [][]Address{m.From, m.ReplyTo} {
		for _, a := range list {
			if s.memberAddress(a.Address) {
				addr(a)
			}
		}
	}
	for _, e := range m.Emails {
		if s.memberAddress(e) {
			addr(Address{Address: e})
		}
	}
	if s.memberAddress(m.ReturnPath) {
		addr(Address{Address: m.ReturnPath})
	}
	// The subject is read like a body's first line: lures name the
	// addressee there too ("ヤマダ タロウ様 請求書").
	for _, body := range []string{m.Subject, m.Text, HTMLText(m.HTML)} {
		for _, n := range greetingNames(body) {
			if _, isReporter := s.reporter[n]; isReporter || s.organisationName(n) {
				continue // the reporter's or the member's own name has its own rule
			}
			if _, known := s.names[n]; !known {
				s.addName(n, "[recipient-"+pseudoHex(s.opts.Key, "name:"+strings.ToLower(n))+"]", KindGreetingName)
			}
		}
		s.quotedPeople(body, addr)
	}
	for _, a := range m.Attached {
		s.receivingSide(a, false)
		s.collect(a)
	}
}

// organisationName reports whether n is (or holds) one of the member's
// own names.
func (s *sanitizer) organisationName(n string) bool {
	for _, f := range s.orgForms {
		if strings.Contains(n, f) {
			return true
		}
	}
	return false
}

// quotedPeople finds the member's people in a body that quotes earlier
// mail: a hijacked thread or an inline forward carries header lines
// ("From: 佐藤 花子 <h.sato@…>", "宛先: …", "Cc: 高橋 健一; 経理部 伊藤") and
// attribution lines ("On …, Hanako Sato <h.sato@…> wrote:"). Everyone on
// a To or Cc line is a recipient; on a From line, and in an attribution,
// only addresses of the member's domains are: a quoted sender may be the
// attacker, whose name is an indicator.
func (s *sanitizer) quotedPeople(body string, addr func(Address)) {
	var lines []string
	for line := range strings.SplitSeq(body, "\n") {
		if len(lines) == 2000 {
			break
		}
		lines = append(lines, strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), ">")))
	}
	// A quoted header line stands in a block of them (From, Sent, To,
	// Subject…); a lone "To: https://…" or "To: All Staff" in prose is not one.
	inBlock := func(i int) bool {
		for _, j := range []int{i - 2, i - 1, i + 1, i + 2} {
			if j >= 0 && j < len(lines) {
				if k, _, ok := cutHeaderLine(lines[j]); ok || k == "sent" || k == "subject" || k == "date" || k == "件名" || k == "送信日時" {
					return true
				}
			}
		}
		return false
	}
	for i, line := range lines {
		key, value, ok := cutHeaderLine(line)
		if ok && (strings.Contains(value, "://") || !inBlock(i)) {
			continue
		}
		if ok {
			recipients := quotedRecipientKeys[key]
			for _, a := range looseAddresses(value) {
				if recipients || s.memberAddress(a.Address) {
					addr(a)
				}
			}
			if recipients {
				// Names without an address: "経理部 伊藤", "Taro Yamada".
				for f := range strings.FieldsFuncSeq(value, func(r rune) bool { return r == ';' || r == ',' || r == '、' }) {
					if f = strings.TrimSpace(f); f != "" && !strings.ContainsAny(f, "@<>") && utf8.RuneCountInString(f) <= 40 && !genericName(f) {
						if _, known := s.names[f]; !known {
							s.addName(f, "[recipient-"+pseudoHex(s.opts.Key, "name:"+strings.ToLower(f))+"]", KindRecipientName)
						}
					}
				}
			}
			continue
		}
		// Attribution: the words before "<member address>".
		if i := strings.IndexByte(line, '<'); i > 0 {
			j := strings.IndexByte(line[i:], '>')
			if j < 0 || !s.memberAddress(line[i+1:i+j]) {
				continue
			}
			name := line[:i]
			if k := strings.LastIndexAny(name, ",、"); k >= 0 {
				name = name[k+1:]
			}
			a := Address{Name: strings.Trim(strings.TrimSpace(name), `"`), Address: line[i+1 : i+j]}
			if utf8.RuneCountInString(a.Name) > 40 {
				a.Name = ""
			}
			addr(a)
		}
	}
}

// genericName reports whether a name holds a word that names no one
// ("All Staff", "お客様各位").
func genericName(n string) bool {
	for _, w := range strings.Fields(strings.ToLower(n)) {
		if genericAddressees[strings.Trim(w, ".,")] {
			return true
		}
	}
	return genericAddressees[n]
}

// quotedRecipientKeys are the header names of quoted recipients; the
// other keys cutHeaderLine knows name the sender.
var quotedRecipientKeys = map[string]bool{"to": true, "cc": true, "宛先": true, "cc(写し)": true}

// cutHeaderLine reads a quoted header line, in English or as Japanese
// mail programs write it.
func cutHeaderLine(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, ":：")
	if i <= 0 || i > 16 {
		return "", "", false
	}
	key = strings.ToLower(strings.TrimSpace(line[:i]))
	switch key {
	case "from", "to", "cc", "sent by", "差出人", "宛先", "送信者", "cc(写し)":
	default:
		return key, "", false // the key, for telling a header block
	}
	_, size := utf8.DecodeRuneInString(line[i:])
	return key, strings.TrimSpace(line[i+size:]), true
}

func (s *sanitizer) memberAddress(a string) bool {
	i := strings.LastIndexByte(a, '@')
	return i >= 0 && hostIn(a[i+1:], s.opts.MemberDomains)
}

// addName records a display name and its parts ("山田 太郎" → also 山田
// and 太郎; "Taro Yamada" → Taro, Yamada) so that a greeting using one
// part is caught too.
func (s *sanitizer) addName(name, repl, kind string) {
	name = strings.TrimSpace(name)
	if name == "" || strings.Contains(name, "@") {
		return
	}
	if _, ok := s.names[name]; !ok {
		s.names[name] = repl
		s.nameKinds[name] = kind
	}
	for _, part := range nameParts(name) {
		if _, ok := s.names[part]; !ok {
			s.names[part] = repl
			s.nameKinds[part] = kind
		}
	}
}
