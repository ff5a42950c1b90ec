package mailparse

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// The text rules of the sanitiser: links, HTML bodies and greetings.

// text sanitises prose: URLs (plain or defanged) first, so a recipient
// inside a link costs the link its parameter rather than its shape, then
// names and addresses everywhere.
func (s *sanitizer) text(field, t string) string {
	if t == "" {
		return t
	}
	t = s.urlsInText(field, t)
	return s.replace(field, t)
}

func (s *sanitizer) urlsInText(field, t string) string {
	var b strings.Builder
	pos := 0
	for i := 0; i < len(t); {
		j := strings.Index(t[i:], "://")
		if j < 0 {
			break
		}
		at := i + j
		start := at
		for start > 0 && at-start < 10 && isSchemeByte(t[start-1]) {
			start--
		}
		end := at + 3
		for end < len(t) && (isURLByte(t[end])) {
			end++
		}
		i = max(end, at+3)
		if start == at || start < pos {
			continue
		}
		orig := trimURL(t[start:end])
		fanged := Refang(orig)
		clean := s.url(field, fanged)
		if clean == fanged {
			continue
		}
		if fanged != orig {
			clean = Defang(clean)
		}
		b.WriteString(t[pos:start])
		b.WriteString(clean)
		pos = start + len(orig)
	}
	if pos == 0 {
		return t
	}
	b.WriteString(t[pos:])
	return b.String()
}

// url removes what ties a link to one recipient: query parameters and
// fragments that hold the recipient (plainly, encoded or hashed) or look
// like a tracking token, path segments holding the recipient, user info,
// and the host when it is the member's. Host and path otherwise stay, so
// the link still correlates with other reports.
func (s *sanitizer) url(field, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return s.replace(field, raw)
	}
	changed := false
	if u.User != nil {
		u.User = nil
		changed = true
	}
	if hostIn(u.Hostname(), s.opts.MemberDomains) {
		port := u.Port()
		u.Host = memberHost
		if port != "" {
			u.Host += ":" + port
		}
		changed = true
	}
	if u.Path != "" {
		segs := strings.Split(u.EscapedPath(), "/")
		for i, seg := range segs {
			v, err := url.PathUnescape(seg)
			if err != nil {
				v = seg
			}
			// A segment naming the recipient, or a per-recipient token in
			// the path (/p/742e79616d…/, /u/8f3a9c2b7d6e/).
			if s.identifies(v) || looksLikeToken(v) {
				segs[i] = "redacted"
				changed = true
			}
		}
		if changed {
			p := strings.Join(segs, "/")
			if up, err := url.PathUnescape(p); err == nil {
				u.Path, u.RawPath = up, p
			}
		}
	}
	if u.RawQuery != "" {
		var kept []string
		for pair := range strings.FieldsFuncSeq(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
			k, v, _ := strings.Cut(pair, "=")
			dk, _ := url.QueryUnescape(k)
			dv, err := url.QueryUnescape(v)
			if err != nil {
				dv = v
			}
			// A value alone ("?t.yamada@example.jp") or base64 whose padding
			// reads as "=" is the key: judge the key, and the pair whole.
			bare := strings.Trim(dv, "=") == ""
			dpair, _ := url.QueryUnescape(pair)
			if tokenKeys[strings.ToLower(dk)] && dv != "" || s.identifies(dv) || looksLikeToken(dv) ||
				bare && (s.identifies(dk) || s.identifies(dpair) || looksLikeToken(dk)) {
				changed = true
				continue
			}
			kept = append(kept, pair)
		}
		u.RawQuery = strings.Join(kept, "&")
	}
	if u.Fragment != "" && (s.identifies(u.Fragment) || looksLikeToken(u.Fragment) || strings.Contains(u.Fragment, "@")) {
		u.Fragment, u.RawFragment = "", ""
		changed = true
	}
	if !changed {
		return raw
	}
	clean := u.String()
	s.record(KindURLToken, field, raw, clean)
	return clean
}

// identifies reports whether a value holds a recipient or the reporter,
// as text, URL-encoded, base64 or hashed.
func (s *sanitizer) identifies(v string) bool {
	if len(v) < 4 {
		return false
	}
	lv := asciiLower(v)
	for _, id := range s.ids {
		if len(id) >= 4 && strings.Contains(lv, id) {
			return true
		}
	}
	for _, n := range []string{"recipient-", redactedDomain} {
		if strings.Contains(lv, n) {
			return true
		}
	}
	if len(v) >= 8 && len(v) <= 1024 && len(v)%2 == 0 {
		if d, err := hex.DecodeString(v); err == nil && utf8.Valid(d) {
			ld := asciiLower(string(d))
			for _, id := range s.ids {
				if len(id) >= 4 && strings.Contains(ld, id) {
					return true
				}
			}
		}
	}
	if len(v) >= 8 && len(v) <= 512 {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(v); err == nil && utf8.Valid(d) {
				ld := asciiLower(string(d))
				for _, id := range s.ids {
					if len(id) >= 4 && strings.Contains(ld, id) {
						return true
					}
				}
			}
		}
	}
	return false
}

// looksLikeToken tells a tracking or per-recipient token from a value
// that only describes the link. A token is made by a machine: long runs
// of digits (ten or more: an eight-digit date stays), or a value whose
// characters keep switching between lower case, upper case and digits
// (hex ids like 8f3a9c2b7d6e, UUIDs, random base62). Words, dates,
// versions and tags such as spring2024 switch rarely and stay, so the
// shared link still correlates by what the attacker chose. Erring
// towards removal is deliberate: a leaked recipient costs more than a
// lost campaign tag.
func looksLikeToken(v string) bool {
	if len(v) < 8 || strings.Contains(v, "://") || strings.ContainsAny(v, " /") {
		return false
	}
	const (
		none = iota
		lower
		upper
		digit
	)
	digits, switches, last := 0, 0, none
	seen := map[byte]bool{}
	for i := 0; i < len(v); i++ {
		c := v[i]
		class := none
		switch {
		case c >= '0' && c <= '9':
			class = digit
			digits++
		case c >= 'a' && c <= 'z':
			class = lower
		case c >= 'A' && c <= 'Z':
			class = upper
		case strings.IndexByte("-_=+.%~", c) >= 0:
		default:
			return false
		}
		if class != none {
			if last != none && class != last {
				switches++
			}
			last = class
		}
		seen[c] = true
	}
	switch {
	case digits == len(v):
		return digits >= 10
	case switches >= 4:
		return true
	}
	// Long values of many distinct characters with digits among them,
	// whatever their rhythm.
	return len(v) >= 16 && digits > 0 && len(seen) >= 10
}

// html sanitises an HTML body token by token: text and attribute values
// get the text rules, link attributes the URL rules. Entity-encoded names
// are caught because the tokenizer decodes them first.
func (s *sanitizer) html(field, h string) string {
	if h == "" {
		return h
	}
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	b.Grow(len(h))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		tok := z.Token()
		switch tt {
		case html.TextToken:
			tok.Data = s.text(field, tok.Data)
		case html.StartTagToken, html.SelfClosingTagToken:
			for i, a := range tok.Attr {
				switch a.Key {
				case "href", "src", "action", "formaction", "background":
					v := strings.TrimSpace(a.Val)
					if lv := strings.ToLower(v); strings.HasPrefix(lv, "http") || strings.HasPrefix(lv, "//") {
						tok.Attr[i].Val = s.replace(field, s.url(field, v))
					} else {
						tok.Attr[i].Val = s.replace(field, v)
					}
				default:
					tok.Attr[i].Val = s.replace(field, a.Val)
				}
			}
		case html.CommentToken:
			tok.Data = s.replace(field, tok.Data)
		}
		b.WriteString(tok.String())
	}
}

// HTMLText is the visible text of an HTML body: for greeting detection,
// and for showing an HTML-only mail's words where markup must not run.
func HTMLText(h string) string {
	if h == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "table":
				b.WriteByte('\n')
			}
		}
	}
}

// greetingNames finds who a mail addresses in its first lines: "山田様",
// "株式会社サンプル 経理部 山田 太郎 様", "Dear Mr Yamada,", "Hi Taro,".
func greetingNames(body string) []string {
	var out []string
	lines := 0
	for line := range strings.SplitSeq(body, "\n") {
		line = strings.TrimFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' })
		if line == "" {
			continue
		}
		if lines++; lines > 8 {
			break
		}
		// Several addressees on one line: "山田様、佐藤様".
		found := false
		for piece := range strings.FieldsFuncSeq(line, func(r rune) bool { return r == '、' || r == '，' }) {
			if n := japaneseAddressee(strings.TrimSpace(piece)); n != "" {
				out, found = append(out, n), true
			}
		}
		if found {
			continue
		}
		if n := englishAddressee(line); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func japaneseAddressee(line string) string {
	best := -1
	for _, h := range honorifics {
		if i := strings.Index(line, h); i > 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	name := strings.TrimFunc(line[:best], func(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' })
	// A subject's tag before the name: 【重要】山田様, [至急]山田様, 【山田様】.
	// Brackets after the name (山田太郎（経理部）様) belong to it.
	for _, br := range [][2]string{{"【", "】"}, {"[", "]"}} {
		if strings.HasPrefix(name, br[0]) {
			if j := strings.Index(name, br[1]); j > 0 {
				name = strings.TrimSpace(name[j+len(br[1]):])
			}
		}
	}
	name = strings.TrimLeft(name, "【[ \u3000")
	if n := utf8.RuneCountInString(name); n < 1 || n > 40 || isASCII([]byte(name)) {
		return ""
	}
	if strings.ContainsAny(name, "。、！？「」") || genericAddressees[name] {
		return ""
	}
	for _, p := range nameParts(name) {
		if genericAddressees[p] {
			return ""
		}
	}
	return name
}

func englishAddressee(line string) string {
	words := strings.Fields(line)
	if len(words) < 2 {
		return ""
	}
	first := strings.ToLower(strings.TrimRight(words[0], ":,"))
	if !slices.Contains(greetingWords, first) {
		return ""
	}
	// A generic word anywhere in the addressee ("Dear Microsoft 365
	// User,") means no person is named, whatever came before it.
	for _, w := range words[1:] {
		if lw := strings.ToLower(strings.Trim(w, ",:;!.")); genericAddressees[lw] && !nameTitles[lw] {
			return ""
		}
		if strings.ContainsAny(w, ",:;!") {
			break
		}
	}
	var name []string
	for _, w := range words[1:] {
		stop := strings.ContainsAny(w, ",:;!")
		w = strings.TrimRight(w, ",:;!.")
		w = strings.TrimSuffix(strings.TrimSuffix(w, "-san"), "-sama")
		lw := strings.ToLower(strings.TrimSuffix(w, "."))
		switch {
		case nameTitles[lw] && len(name) == 0:
		case genericAddressees[lw]:
			return ""
		case w != "" && unicode.IsUpper([]rune(w)[0]):
			name = append(name, w)
		default:
			stop = true
		}
		if stop || len(name) == 4 {
			break
		}
	}
	return strings.Join(name, " ")
}
