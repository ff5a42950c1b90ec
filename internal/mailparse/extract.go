package mailparse

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// indicators collects what the bodies name. The scanners are written by
// hand rather than with regexp: bodies are tens of kilobytes and the
// benchmark target is 200 mails a second on one core.
type indicators struct {
	urls, domains, ips, emails []string
	seen                       map[string]bool
}

// add appends v once; the caps count distinct values, so a body repeating
// one link a thousand times does not crowd out the others.
func (x *indicators) add(list *[]string, kind, v string) {
	if x.seen == nil {
		x.seen = map[string]bool{}
	}
	if len(*list) >= maxIndicators || x.seen[kind+v] {
		return
	}
	x.seen[kind+v] = true
	*list = append(*list, v)
}

func (x *indicators) merge(m *Message) {
	m.URLs = append(m.URLs, x.urls...)
	m.Domains = append(m.Domains, x.domains...)
	m.IPs = append(m.IPs, x.ips...)
	m.Emails = append(m.Emails, x.emails...)
}

// text scans plain text, defanged or not.
func (x *indicators) text(s string) {
	x.defangedHosts(s)
	s = Refang(s)
	x.scanURLs(s)
	x.scanEmails(s)
	x.scanIPs(s)
}

// html scans the attributes that hold links and the visible text, so a
// link whose text differs from its href yields both.
func (x *indicators) html(s string) {
	z := html.NewTokenizer(strings.NewReader(s))
	var text strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			x.text(text.String())
			return
		case html.TextToken:
			text.Write(z.Text())
			text.WriteByte(' ')
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				x.attribute(atom.Lookup(name), string(k), string(v))
			}
		}
	}
}

func (x *indicators) attribute(tag atom.Atom, key, val string) {
	switch key {
	case "href", "src", "action", "formaction", "background", "poster", "cite", "data", "longdesc":
	case "content":
		// <meta http-equiv="refresh" content="0; url=...">
		if tag != atom.Meta {
			return
		}
		i := strings.Index(strings.ToLower(val), "url")
		if i < 0 {
			return
		}
		// url=…, URL = '…' or "…": spaces and quotes around the address
		// are the attribute's syntax, not the URL's.
		rest := strings.TrimLeft(val[i+3:], " \t")
		if !strings.HasPrefix(rest, "=") {
			return
		}
		val = strings.Trim(strings.TrimSpace(rest[1:]), `'"`)
	default:
		return
	}
	v := strings.TrimSpace(Refang(val))
	lv := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lv, "mailto:"):
		addr, _, _ := strings.Cut(v[len("mailto:"):], "?")
		if a, err := url.PathUnescape(addr); err == nil {
			addr = a
		}
		for a := range strings.SplitSeq(addr, ",") {
			x.scanEmails(a)
		}
	case strings.HasPrefix(lv, "http://"), strings.HasPrefix(lv, "https://"), strings.HasPrefix(lv, "ftp://"):
		x.addURL(v)
	case strings.HasPrefix(lv, "//"):
		x.addURL("http:" + v)
	case strings.HasPrefix(lv, "www."):
		x.addURL("http://" + v)
	}
}

func isURLByte(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '<', '>', '"', '{', '}', '|', '\\', '^', '`':
		return false
	}
	return true
}

func isSchemeByte(c byte) bool { return isAlnum(c) || c == '+' || c == '-' || c == '.' }

// scanURLs finds scheme://… and www.… in text.
func (x *indicators) scanURLs(s string) {
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		at := i + j
		start := at
		for start > 0 && at-start < 10 && isSchemeByte(s[start-1]) {
			start--
		}
		scheme := strings.ToLower(s[start:at])
		end := at + 3
		if h := idnHostEnd(s, end); h > end {
			end = h // an internationalised host; its path is read as usual
		}
		for end < len(s) && isURLByte(s[end]) {
			end++
		}
		if scheme == "http" || scheme == "https" || scheme == "ftp" {
			x.addURL(trimURL(s[start:end]))
		}
		i = max(end, at+3)
	}
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "www.")
		if j < 0 {
			break
		}
		at := i + j
		end := at
		for end < len(s) && isURLByte(s[end]) {
			end++
		}
		if at == 0 || !isURLByte(s[at-1]) {
			x.addURL("http://" + trimURL(s[at:end]))
		}
		i = max(end, at+4)
	}
}

// idnHostEnd looks at s from i, just after "://", for a host written in
// Unicode. It returns where the host ends if it holds non-ASCII letters
// and, taken to IDNA form, ends in a real public suffix; otherwise -1, and
// the caller reads the URL as ASCII only. Japanese prose runs straight on
// from a URL ("https://example.jpからログイン"), so trailing non-ASCII is
// dropped rune by rune until the host stands or is plain ASCII again.
func idnHostEnd(s string, i int) int {
	end := i
	for end < len(s) && end-i < 253 {
		r, n := utf8.DecodeRuneInString(s[end:])
		if r < utf8.RuneSelf {
			if !isHostByte(byte(r)) {
				break
			}
		} else if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
			break
		}
		end += n
	}
	// The host ends inside its last label, which is a top-level domain:
	// at most maxTLDRunes long. Only those ends are tried, so a run of
	// text after "://" costs a bounded number of lookups.
	dot := strings.LastIndexByte(s[i:end], '.')
	if dot < 0 || asciiText(s[i:end]) {
		return -1
	}
	tldStart := i + dot + 1
	for utf8.RuneCountInString(s[tldStart:end]) > maxTLDRunes {
		_, n := utf8.DecodeLastRuneInString(s[tldStart:end])
		end -= n
	}
	for end > tldStart && !asciiText(s[i:end]) {
		// The last label alone must be a top-level domain before the
		// whole host is worth converting.
		tld, err := idna.Lookup.ToASCII(s[tldStart:end])
		if _, icann := publicsuffix.PublicSuffix(tld); err != nil || !icann {
			_, n := utf8.DecodeLastRuneInString(s[i:end])
			end -= n
			continue
		}
		if a, err := idna.Lookup.ToASCII(s[i:end]); err == nil && strings.Contains(a, ".") {
			if _, icann := publicsuffix.PublicSuffix(a); icann {
				return end
			}
		}
		_, n := utf8.DecodeLastRuneInString(s[i:end])
		end -= n
	}
	return -1
}

// maxTLDRunes is longer than any top-level domain, Unicode ones included.
const maxTLDRunes = 24

// trimURL drops the punctuation that ends a sentence rather than a URL;
// a closing bracket stays when the URL opened one.
func trimURL(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		switch c {
		case '.', ',', ';', ':', '!', '?', '\'', '*':
			u = u[:len(u)-1]
			continue
		case ')':
			if strings.Count(u, "(") < strings.Count(u, ")") {
				u = u[:len(u)-1]
				continue
			}
		case ']':
			if strings.Count(u, "[") < strings.Count(u, "]") {
				u = u[:len(u)-1]
				continue
			}
		}
		break
	}
	return u
}

// maxIndicators bounds each list: a body full of links is still one
// mail, and the lists are for people and for correlation.
const maxIndicators = 2000

func (x *indicators) addURL(raw string) {
	if len(raw) > 4096 {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return
	}
	if h := u.Hostname(); !asciiText(h) {
		// An internationalised host (日本語.jp, or а Cyrillic "а" posing
		// as a Latin one) is kept in its DNS form, xn--…: what blocklists
		// and resolvers use, and what shows a look-alike for what it is.
		a, err := idna.Lookup.ToASCII(h)
		i := strings.Index(raw, "://")
		if err != nil || i < 0 {
			return
		}
		rest := raw[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		authority := strings.Replace(rest[:end], h, a, 1)
		if !asciiText(authority) {
			return
		}
		raw = raw[:i+3] + authority + rest[end:]
		if u, err = url.Parse(raw); err != nil {
			return
		}
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		x.addIP(a)
	} else if !validHostname(host) || !strings.Contains(host, ".") {
		return
	} else {
		x.addDomain(host)
	}
	// Lower-case the scheme and host only; the rest is as written.
	i := strings.Index(raw, "://")
	rest := raw[i+3:]
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	x.add(&x.urls, "u", strings.ToLower(raw[:i+3]+rest[:hostEnd])+rest[hostEnd:])
}

func (x *indicators) addDomain(host string) {
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return
	}
	x.add(&x.domains, "d", d)
}

func (x *indicators) addIP(a netip.Addr) {
	if !a.IsValid() || a.IsUnspecified() {
		return
	}
	x.add(&x.ips, "i", a.Unmap().String())
}

func isLocalByte(c byte) bool {
	if isAlnum(c) {
		return true
	}
	// RFC 5322 allows more (/ = ? & …), but in prose those are the URL
	// around an address, not its local part.
	return c == '.' || c == '_' || c == '%' || c == '+' || c == '-'

}

func isHostByte(c byte) bool { return isAlnum(c) || c == '-' || c == '.' || c == '_' }

// scanEmails finds local@domain around each @.
func (x *indicators) scanEmails(s string) {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '@')
		if j < 0 {
			return
		}
		at := i + j
		start := at
		for start > 0 && at-start < 64 && isLocalByte(s[start-1]) {
			start--
		}
		end := at + 1
		for end < len(s) && end-at < 254 && isHostByte(s[end]) {
			end++
		}
		local := strings.Trim(s[start:at], ".'")
		domain := strings.ToLower(strings.Trim(s[at+1:end], ".-"))
		// Not addresses: Outlook's inline image ids (cid:image001.png@…)
		// and the user part of a URL (https://www.bank.co.jp@evil.example/),
		// which the URL scan reports as what it is.
		before := strings.ToLower(s[max(0, start-4):start])
		inURL := start >= 3 && s[start-3:start] == "://"
		if local != "" && strings.Contains(domain, ".") && validHostname(domain) && !strings.HasSuffix(before, "cid:") && !inURL {
			x.add(&x.emails, "e", strings.ToLower(local)+"@"+domain)
		}
		i = end
	}
}

// scanIPs finds IPv4 addresses (no leading zeros, not part of a longer
// dotted number) and IPv6 addresses with at least two colons.
func (x *indicators) scanIPs(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' && (i == 0 || !isAlnum(s[i-1]) && s[i-1] != '.') {
			end := i
			for end < len(s) && end-i < 16 && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
				end++
			}
			cand := strings.TrimRight(s[i:end], ".")
			if strings.Count(cand, ".") == 3 && (end >= len(s) || !isAlnum(s[end])) {
				if a, err := netip.ParseAddr(cand); err == nil && a.Is4() {
					x.addIP(a)
				}
			}
			i = end
			continue
		}
		if c == ':' && i+1 < len(s) && (s[i+1] == ':' || isHex(s[i+1])) {
			start := i
			for start > 0 && (isHex(s[start-1]) || s[start-1] == ':') {
				start--
			}
			end := i
			for end < len(s) && (isHex(s[end]) || s[end] == ':' || s[end] == '.') {
				end++
			}
			cand := strings.TrimRight(s[start:end], ".:")
			if strings.Count(cand, ":") >= 2 && (start == 0 || !isAlnum(s[start-1])) {
				if a, err := netip.ParseAddr(cand); err == nil && a.Is6() && !a.Is4In6() {
					x.addIP(a)
				}
			}
			i = end
		}
	}
}

// defangedHosts finds host names written with [.] or (dot) and no
// scheme: "evil-example[.]com". Bare host names in prose are otherwise
// not taken, because file names like report.zip look the same.
func (x *indicators) defangedHosts(s string) {
	for _, marker := range []string{"[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", "[DOT]", "(DOT)"} {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], marker)
			if j < 0 {
				break
			}
			at := i + j
			start := at
			for start > 0 && (isHostByte(s[start-1]) || s[start-1] == ']' || s[start-1] == ')' || s[start-1] == '[' || s[start-1] == '(') {
				start--
			}
			end := at + len(marker)
			for end < len(s) && (isHostByte(s[end]) || s[end] == '[' || s[end] == '(' || s[end] == ']' || s[end] == ')') {
				end++
			}
			host := strings.ToLower(strings.Trim(Refang(s[start:end]), ".-[]()"))
			if start > 0 && (s[start-1] == '@' || s[start-1] == '/') {
				host = "" // part of an address or URL, found by the other scanners
			}
			if host != "" && strings.Contains(host, ".") && validHostname(host) {
				if a, err := netip.ParseAddr(host); err == nil {
					x.addIP(a)
				} else {
					x.addDomain(host)
				}
			}
			i = end
		}
	}
}

// validHostname is a syntactic check: letters, digits, hyphens and
// underscores in dot-separated labels of 1–63 bytes.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func asciiText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
