package mailparse

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/unicode/norm"
)

// SanitizeOptions say whose identity must not leave the member.
type SanitizeOptions struct {
	// Key is the coordinator's secret for pseudonyms (at least 16 bytes):
	// the same recipient gets the same pseudonym in every report, and
	// without the key a pseudonym cannot be tied back to an address.
	Key []byte
	// Boundary is the member's mail-server boundary: hops whose sending
	// side is inside it are dropped, and its host names are hidden in the
	// hop that crosses it.
	Boundary Boundary
	// Reporter lists the reporter's own addresses and names; they are
	// replaced wherever they appear, and never pseudonymised (a
	// pseudonym would let members count one reporter's reports).
	Reporter []string
	// MemberDomains are the member's own mail domains: every address in
	// them is treated as a recipient, and links to them are hidden.
	MemberDomains []string
	// Organisations are the reporting member's names (in Japanese and in
	// English). Each is replaced whole, and so is its core without the
	// legal form (会員A電機 for 会員A電機株式会社), but never split into
	// words: "Ltd" alone is nobody's name. A reading in kana is
	// matched in katakana, hiragana and half-width katakana too.
	Organisations []string
	// Phones are the member's own phone and fax numbers, in any written
	// form; each is replaced by [phone] wherever it is written as
	// 03-1234-5678, 0312345678, 03(1234)5678, +81-3-1234-5678 or in
	// full-width digits.
	Phones []string
}

// Redaction is one change made for sharing, for the analyst's
// side-by-side view. Before holds the original, so the list itself is
// as confidential as the raw mail.
type Redaction struct {
	Kind   string `json:"kind"`
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
	Count  int    `json:"count,omitempty"`
}

// Sanitized is a shareable copy of a message and the list of changes.
type Sanitized struct {
	Message    *Message
	Redactions []Redaction
}

// Kinds of redaction.
const (
	KindRecipientAddress = "recipient_address"
	KindRecipientName    = "recipient_name"
	KindGreetingName     = "greeting_name"
	KindReporter         = "reporter"
	KindOrganisation     = "organisation"
	KindMemberDomain     = "member_domain"
	KindReceivedHop      = "received_hop"
	KindReceivedBy       = "received_by"
	KindReceivedFor      = "received_for"
	KindHeader           = "header"
	KindURLToken         = "url_token"
	KindTime             = "time"
	KindPhone            = "phone"
)

const (
	redactedDomain  = "redacted.invalid"
	boundaryHost    = "boundary.redacted.invalid"
	memberHost      = "member.redacted.invalid"
	reporterAddress = "reporter@redacted.invalid"
	reporterName    = "[reporter]"
	orgName         = "[organisation]"
)

// ErrShortKey is returned when the pseudonym key is missing or short.
var ErrShortKey = errors.New("the pseudonym key must be at least 16 bytes")

// Pseudonym is a recipient address's keyed pseudonym:
// recipient-<first 12 hex digits of HMAC-SHA256(key, lower-case
// address)>@redacted.invalid. Twelve digits (48 bits) keep different
// recipients apart across years of reports.
func Pseudonym(key []byte, address string) string {
	return "recipient-" + pseudoHex(key, strings.ToLower(strings.TrimSpace(address))) + "@" + redactedDomain
}

func pseudoHex(key []byte, s string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Sanitize returns what may be shared of m, which it does not change.
func Sanitize(m *Message, opts SanitizeOptions) (*Sanitized, error) {
	if len(opts.Key) < 16 {
		return nil, ErrShortKey
	}
	domains := make([]string, 0, len(opts.MemberDomains))
	for _, d := range opts.MemberDomains {
		if d = strings.ToLower(strings.Trim(strings.TrimSpace(d), ".")); d != "" {
			domains = append(domains, d)
		}
	}
	opts.MemberDomains = domains
	s := &sanitizer{opts: opts, counts: map[Redaction]int{}}
	out := cloneMessage(m)
	for _, o := range opts.Organisations {
		s.orgForms = append(s.orgForms, organisationForms(o)...)
	}
	for _, p := range opts.Phones {
		s.phones = append(s.phones, phoneTargets(p)...)
	}
	s.phones = dedupe(s.phones)
	s.phoneMatch = newPhoneMatcher(s.phones)
	// The reported mail's newest hop is the member's; an attached
	// message (a forward) may carry only the sender's hops.
	s.receivingSide(out, true)
	s.collect(out)
	s.buildRules()
	s.message(out, "")
	return &Sanitized{Message: out, Redactions: s.redactions()}, nil
}

type rule struct {
	lower string // ASCII-lower-cased needle
	repl  string
	kind  string
	word  bool // match only at word edges (Latin needles)
	host  bool // match only a whole host name or address, not part of a longer one
}

type sanitizer struct {
	opts       SanitizeOptions
	recipients map[string]string // lower-case address → pseudonym
	names      map[string]string // display or greeting name → replacement
	nameKinds  map[string]string
	reporter   map[string]string
	rules      []rule
	// recipientDomains are the receiving organisation's registrable
	// domains (receivingSide): its mail hosts live under them, so a hop
	// naming one says who received the mail even when the member declared
	// no boundary (or the recipients sit in a domain it forgot).
	recipientDomains []string
	inAttached       bool     // message is sanitising an attached message
	orgForms         []string // organisationForms of opts.Organisations, worked out once
	phones           []string // phoneTargets of opts.Phones
	phoneMatch       *phoneMatcher
	ids              []string // lower-case identity strings for URL checks
	counts           map[Redaction]int
	order            []Redaction
}

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

// organisationForms are the ways a company's name is written: as
// registered, without its legal form (before or after the name, with or
// without a space), and, for a name with spaces, without them. A core
// too short to be told from ordinary words (under two characters, or
// under four Latin ones) is left out.
func organisationForms(name string) []string {
	name = strings.TrimSpace(norm.NFKC.String(name))
	if name == "" {
		return nil
	}
	out := []string{name}
	core := name
	for changed := true; changed; {
		changed = false
		for _, f := range legalForms {
			core = strings.TrimRight(core, " .,")
			lc := strings.ToLower(core)
			// A Latin form must stand as its own word: "Incubate" does not
			// start with "Inc".
			latin := f[0] < utf8.RuneSelf
			switch {
			case strings.HasPrefix(lc, f) && (!latin || len(lc) == len(f) || !isAlnum(lc[len(f)])):
				core, changed = strings.TrimSpace(strings.TrimLeft(core[len(f):], " ,.")), true
			case strings.HasSuffix(lc, f) && (!latin || len(lc) == len(f) || !isAlnum(lc[len(lc)-len(f)-1])):
				core, changed = strings.TrimSpace(strings.TrimRight(core[:len(core)-len(f)], " ,.")), true
			}
		}
	}
	n := utf8.RuneCountInString(core)
	if core != name && (isASCII([]byte(core)) && n >= 4 || !isASCII([]byte(core)) && n >= 2) {
		out = append(out, core)
	}
	for _, f := range out {
		fields := strings.Fields(f)
		if squeezed := strings.Join(fields, ""); squeezed != f && (!isASCII([]byte(f)) || asciiWords(fields)) {
			out = append(out, squeezed)
			// A Latin name fused or joined in a file or account name:
			// YamadaSeiki, Yamada_Seiki, Yamada-Seiki.
			if asciiWords(fields) {
				out = append(out, strings.Join(fields, "_"), strings.Join(fields, "-"), strings.Join(fields, "."))
			}
		}
	}
	for _, f := range out {
		out = append(out, kanaForms(f)...)
	}
	// Japanese business mail types Latin letters and digits full-width
	// (会員Ａ電機): the text is matched as written, so those forms too.
	for _, f := range out {
		if w := fullWidth(f); w != f && !isASCII([]byte(f)) {
			out = append(out, w)
		}
	}
	return dedupe(out)
}

// fullWidth writes ASCII letters and digits in their full-width forms.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r - '!' + '！'
		}
		return r
	}, s)
}

// legalForms are company-type words around a Japanese or English company
// name, lower case (NFKC has already turned ㈱ into (株)).
var legalForms = []string{
	"株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)", "(同)",
	// Readings in kana, as a kana name is registered with its legal form.
	"カブシキガイシャ", "カブシキカイシャ", "ユウゲンガイシャ", "ゴウドウガイシャ", "かぶしきがいしゃ", "かぶしきかいしゃ", "ゆうげんがいしゃ", "ごうどうがいしゃ",
	"一般社団法人", "一般財団法人", "公益社団法人", "公益財団法人", "特定非営利活動法人", "npo法人", "独立行政法人",
	"co., ltd", "co.,ltd", "co. ltd", "co ltd", "ltd", "inc", "corporation", "corp", "k.k", "kk", "llc", "g.k",
}

// localForms are the forms of an address's local part worth replacing in
// text: the whole local part and, split at dots, dashes, underscores and
// pluses, its parts of four letters or more, leaving out mailbox words
// (info, sales, soumu…) that name a desk rather than a person.
func localForms(addr string) []string {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return nil
	}
	local = strings.ToLower(local)
	var out []string
	// Three letters are enough for a whole local part (abe@, ito@: short
	// surnames), unless it is an ordinary word.
	if (len(local) >= 4 || len(local) == 3 && !shortWords[local]) && !genericMailboxes[local] {
		out = append(out, local)
	}
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' })
	if len(parts) > 1 {
		for _, part := range parts {
			letters := strings.TrimRightFunc(part, unicode.IsDigit)
			if len(letters) >= 4 && !genericMailboxes[letters] && isASCII([]byte(letters)) {
				out = append(out, letters)
			}
		}
	}
	return dedupe(out)
}

// nameParts splits a name at spaces and middle dots, keeping parts long
// enough to be a name rather than an initial or a particle.
func nameParts(name string) []string {
	var out []string
	for f := range strings.FieldsFuncSeq(name, func(r rune) bool {
		return unicode.IsSpace(r) || r == '・' || r == ',' || r == '/' || r == '(' || r == ')' || r == '（' || r == '）' || r == '"'
	}) {
		f = strings.Trim(f, ".")
		n := utf8.RuneCountInString(f)
		latin := isASCII([]byte(f))
		if latin && n >= 3 || !latin && n >= 2 {
			if !genericAddressees[strings.ToLower(f)] && !nameTitles[strings.ToLower(f)] {
				out = append(out, f)
			}
		}
	}
	return out
}

// buildRules orders the replacements longest first, so "山田 太郎" is
// replaced whole before "山田" could split it.
func (s *sanitizer) buildRules() {
	add := func(needle, repl, kind string) {
		if needle == "" {
			return
		}
		first, _ := utf8.DecodeRuneInString(needle)
		last, _ := utf8.DecodeLastRuneInString(needle)
		s.rules = append(s.rules, rule{lower: asciiLower(needle), repl: repl, kind: kind,
			word: first < 0x80 && isAlnumRune(first) || last < 0x80 && isAlnumRune(last),
			host: kind == KindMemberDomain || strings.Contains(needle, "@")})
		s.ids = append(s.ids, asciiLower(needle))
	}
	for a, p := range s.recipients {
		add(a, p, KindRecipientAddress)
		s.ids = append(s.ids, identityForms(a)...)
		if local, _, ok := strings.Cut(a, "@"); ok && len(local) >= 4 {
			s.ids = append(s.ids, local)
		}
		// The local part alone names the person too ("Dear taro.yamada",
		// a subject "taro.yamada: mailbox full", a bounce address
		// bounces+taro.yamada=…), and so do its parts.
		tag := "[" + strings.TrimSuffix(p, "@"+redactedDomain) + "]"
		for _, l := range localForms(a) {
			if _, taken := s.names[l]; !taken {
				add(l, tag, KindRecipientName)
			}
		}
	}
	for n, repl := range s.names {
		add(n, repl, s.nameKinds[n])
	}
	for r, repl := range s.reporter {
		add(r, repl, KindReporter)
		if strings.Contains(r, "@") {
			s.ids = append(s.ids, identityForms(r)...)
		}
	}
	for _, d := range s.opts.MemberDomains {
		if d != "" {
			add(d, memberHost, KindMemberDomain)
		}
	}
	for _, form := range s.orgForms {
		add(form, orgName, KindOrganisation)
	}
	// A number in a link (?tel=0312345678) costs the link its parameter.
	s.ids = append(s.ids, s.phones...)
	sort.SliceStable(s.rules, func(i, j int) bool {
		if len(s.rules[i].lower) != len(s.rules[j].lower) {
			return len(s.rules[i].lower) > len(s.rules[j].lower)
		}
		return s.rules[i].lower < s.rules[j].lower
	})
	s.ids = dedupe(s.ids)
}

// identityForms are the ways trackers put an address into a URL.
func identityForms(a string) []string {
	m5 := md5.Sum([]byte(a))
	s1 := sha1.Sum([]byte(a))
	s256 := sha256.Sum256([]byte(a))
	return []string{
		strings.ToLower(strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(a)), "=")),
		strings.ToLower(strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(a)), "=")),
		hex.EncodeToString(m5[:]), hex.EncodeToString(s1[:]), hex.EncodeToString(s256[:]),
		strings.ToLower(url.QueryEscape(a)),
	}
}

func isAlnumRune(r rune) bool { return r < 0x80 && isAlnum(byte(r)) }

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func (s *sanitizer) record(kind, field, before, after string) {
	r := Redaction{Kind: kind, Field: field, Before: before, After: after}
	if _, seen := s.counts[r]; !seen {
		s.order = append(s.order, r)
	}
	s.counts[r]++
}

func (s *sanitizer) redactions() []Redaction {
	out := make([]Redaction, 0, len(s.order))
	for _, r := range s.order {
		r.Count = s.counts[r]
		out = append(out, r)
	}
	return out
}

// phoneRule is the rule phoneSpans' matches are replaced by.
var phoneRule = rule{repl: phoneName, kind: KindPhone}

type span struct {
	start, end int
	r          *rule
}

// replace applies every rule to one string in a single pass.
func (s *sanitizer) replace(field, text string) string {
	if text == "" || len(s.rules) == 0 && len(s.phones) == 0 {
		return text
	}
	lower := asciiLower(text)
	var spans []span
	var covered []bool // bytes already taken by a longer needle
	for _, p := range phoneSpans(text, s.phoneMatch) {
		if covered == nil {
			covered = make([]bool, len(lower))
		}
		for k := p[0]; k < p[1]; k++ {
			covered[k] = true
		}
		spans = append(spans, span{p[0], p[1], &phoneRule})
	}
	for i := range s.rules {
		r := &s.rules[i]
		for from := 0; from < len(lower); {
			j := strings.Index(lower[from:], r.lower)
			if j < 0 {
				break
			}
			at, end := from+j, from+j+len(r.lower)
			from = at + 1
			if r.word && (at > 0 && isAlnum(lower[at-1]) || end < len(lower) && isAlnum(lower[end])) &&
				!(fusable(r) && camelFused(text, at, end)) {
				continue
			}
			// "example.jp" is not in "lookalike-example.jp" nor in
			// "example.jp.evil.example".
			if r.host && (at > 0 && isHostByte(lower[at-1]) && lower[at-1] != '.' ||
				end < len(lower) && (isHostByte(lower[end]) && lower[end] != '.' || lower[end] == '.' && end+1 < len(lower) && isAlnum(lower[end+1]))) {
				continue
			}
			if covered == nil {
				covered = make([]bool, len(lower))
			}
			if slices.Contains(covered[at:end], true) {
				continue
			}
			for k := at; k < end; k++ {
				covered[k] = true
			}
			spans = append(spans, span{at, end, r})
			from = end
		}
	}
	if len(spans) == 0 {
		return text
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	pos := 0
	for _, sp := range spans {
		b.WriteString(text[pos:sp.start])
		b.WriteString(sp.r.repl)
		s.record(sp.r.kind, field, text[sp.start:sp.end], sp.r.repl)
		pos = sp.end
	}
	b.WriteString(text[pos:])
	return b.String()
}

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

// cloneMessage copies everything Sanitize changes.
func cloneMessage(m *Message) *Message {
	c := *m
	c.From = slices.Clone(m.From)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.Received = slices.Clone(m.Received)
	c.SendingIPs = slices.Clone(m.SendingIPs)
	c.URLs = slices.Clone(m.URLs)
	c.Domains = slices.Clone(m.Domains)
	c.IPs = slices.Clone(m.IPs)
	c.Emails = slices.Clone(m.Emails)
	c.Attachments = cloneAttachments(m.Attachments)
	c.Errors = slices.Clone(m.Errors)
	c.Headers = slices.Clone(m.Headers)
	c.Attached = make([]*Message, len(m.Attached))
	for i, a := range m.Attached {
		c.Attached[i] = cloneMessage(a)
	}
	return &c
}

func cloneAttachments(as []Attachment) []Attachment {
	if as == nil {
		return nil
	}
	out := slices.Clone(as)
	for i := range out {
		out[i].Entries = cloneAttachments(as[i].Entries)
	}
	return out
}
