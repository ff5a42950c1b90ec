package registry

import (
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
//     "山田 精機" and "山田精機" are one name.
//
// Stored names and queries go through the same function.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
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
