package registry

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds a name or a query to the form names are searched in:
//
//  1. NFKC, so full-width Latin and digits (ＡＢＣ１) become ASCII and
//     half-width katakana (ｶﾀｶﾅ, ｶﾞ) become full-width (カタカナ, ガ);
//  2. katakana folded to hiragana (カ → か, ヴ → ゔ, ヽ → ゝ), so a name
//     written in either script is found with the other; the long vowel
//     mark ー and the middle dot stay;
//  3. lower case;
//  4. every space removed (NFKC has turned U+3000 into U+0020), so
//     "山田 精機" and "山田精機" are one name;
//  5. the punctuation of Latin names removed (dropped, see below), so
//     "Co., Ltd.", "Co Ltd" and "co.,ltd" are one legal form and "K.K."
//     is found by "kk".
//
// Stored names and queries go through the same function.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || dropped(r):
			continue
		case r >= 'ァ' && r <= 'ヶ': // U+30A1..U+30F6 → U+3041..U+3096
			r -= 0x60
		case r == 'ヽ' || r == 'ヾ': // iteration marks
			r -= 0x60
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dropped reports the punctuation Normalize removes: what separates the
// words and abbreviations of a Latin name (after NFKC, so the full-width
// forms too) and the typographic quotes and dashes. The signs a name may
// be told apart by (%, _, +, #, @) and Japanese punctuation (・) stay.
func dropped(r rune) bool {
	switch r {
	case '.', ',', ';', ':', '!', '?', '\'', '"', '-', '(', ')', '[', ']', '/', '&',
		'‘', '’', '“', '”', '‐', '‑', '–', '—':
		return true
	}
	return false
}

// fieldSep separates the normalised fields of an entry's search text.
// Normalize removes every space, so no query holds it, and a query is
// never found across the end of one field and the start of the next.
const fieldSep = "\n"

// searchText is what an entry is searched by: its normalised name, then
// the organisation's normalised reading and English name when it has
// them (and they differ from what comes before), joined by fieldSep.
func searchText(name, kana, en string) string {
	parts := []string{Normalize(name)}
	for _, f := range []string{kana, en} {
		if n := Normalize(f); n != "" && !slices.Contains(parts, n) {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, fieldSep)
}
