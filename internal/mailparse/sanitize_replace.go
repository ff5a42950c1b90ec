package mailparse

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// The replacement rules built from what collect found, and the single pass
// that applies them to a string.

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
