package mailparse

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The forms a name is written in: a company's with and without its legal
// form, an address's local part and its pieces, a person's name split into
// its parts.

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
