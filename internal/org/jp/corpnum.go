// Package jp holds reference data and rules for describing Japanese
// organisations: the corporate number (法人番号), prefectures (JIS X 0401),
// industries (Japan Standard Industrial Classification, JSIC) and the size
// classes of the Small and Medium-sized Enterprise Basic Act (中小企業基本法).
//
// The package is pure: no I/O, no global mutable state, standard library only.
package jp

import (
	"errors"
	"strings"
	"unicode"
)

// CorporateNumberLength is the number of digits in a corporate number
// (法人番号): one check digit followed by a twelve-digit base number.
const CorporateNumberLength = 13

var (
	// ErrCorpNumLength means the input is not exactly 13 ASCII digits after
	// normalisation (too short, too long, or containing other characters).
	// A length error is reported before any check-digit error because a
	// check digit is meaningless for a malformed number.
	ErrCorpNumLength = errors.New("jp: corporate number must be 13 digits")

	// ErrCorpNumCheckDigit means the number is well formed but its leading
	// check digit does not match the other twelve digits — almost always a
	// typo, which is exactly what the check digit exists to catch.
	ErrCorpNumCheckDigit = errors.New("jp: corporate number check digit mismatch")
)

// NormalizeCorporateNumber turns what people actually type or paste into
// the canonical 13-digit form.
//
// Japanese input methods readily produce full-width digits (０-９) and
// full-width spaces, and the National Tax Agency's publication site and
// printed documents often group the digits with hyphens or spaces. Those
// are presentation only, so they are removed — but only when they sit
// between two digits; anything else is left in place so that
// ValidateCorporateNumber rejects it rather than silently "fixing" input
// that was not a corporate number at all.
func NormalizeCorporateNumber(s string) string {
	s = strings.TrimFunc(s, unicode.IsSpace) // unicode.IsSpace covers U+3000
	rs := []rune(s)
	for i, r := range rs {
		if r >= '０' && r <= '９' {
			rs[i] = '0' + (r - '０')
		}
	}
	var b strings.Builder
	b.Grow(len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if !isCorpNumSeparator(r) {
			b.WriteRune(r)
			continue
		}
		// Find the end of this run of separators.
		j := i
		for j < len(rs) && isCorpNumSeparator(rs[j]) {
			j++
		}
		between := i > 0 && isASCIIDigit(rs[i-1]) && j < len(rs) && isASCIIDigit(rs[j])
		if !between {
			for _, sep := range rs[i:j] {
				b.WriteRune(sep)
			}
		}
		i = j - 1
	}
	return b.String()
}

// isCorpNumSeparator reports whether r is a grouping character that may
// appear between digits: ASCII and full-width spaces, and the hyphen-like
// characters that Japanese IMEs and word processors substitute for '-'
// (including the katakana prolonged sound mark ー, a common mis-conversion).
func isCorpNumSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\u3000', // spaces
		'-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015',
		'\u2212', '\uFF0D', '\u30FC', '\uFF70':
		return true
	}
	return false
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// ValidateCorporateNumber checks s (normalised with NormalizeCorporateNumber
// first, so callers may pass raw user input) against the structure the
// National Tax Agency assigns under the My Number Act (番号利用法) and its
// Ministry of Finance ordinance (法人番号の指定等に関する省令): 13 digits
// whose first digit is a check digit over the remaining twelve.
//
// It returns ErrCorpNumLength or ErrCorpNumCheckDigit (compare with
// errors.Is), or nil. A valid number is not necessarily an assigned one;
// only the National Tax Agency's registry can confirm that.
func ValidateCorporateNumber(s string) error {
	n := NormalizeCorporateNumber(s)
	if !allASCIIDigits(n, CorporateNumberLength) {
		return ErrCorpNumLength
	}
	cd, err := CorporateNumberCheckDigit(n[1:])
	if err != nil {
		return err // unreachable: n[1:] is 12 digits
	}
	if n[0] != cd {
		return ErrCorpNumCheckDigit
	}
	return nil
}

// CorporateNumberCheckDigit computes the check digit for a twelve-digit
// base number and returns it as an ASCII character ('1'..'9'), so that
// string(cd)+twelve is the full corporate number.
//
// The formula is the one prescribed for 法人番号 by the Ministry of Finance
// ordinance (法人番号の指定等に関する省令) and published by the National Tax
// Agency:
//
//	check = 9 − (Σ_{n=1..12} Pn × Qn mod 9)
//
// where Pn is the n-th digit counting from the RIGHT of the base number and
// Qn is 1 for odd n and 2 for even n. Because the remainder is 0..8, the
// check digit is always 1..9 and never 0 — a 13-digit string starting with
// 0 is therefore never a valid corporate number.
//
// twelve must be exactly 12 ASCII digits (it is not normalised, since it is
// meant for generating numbers rather than parsing input); otherwise
// ErrCorpNumLength is returned.
func CorporateNumberCheckDigit(twelve string) (byte, error) {
	if !allASCIIDigits(twelve, CorporateNumberLength-1) {
		return 0, ErrCorpNumLength
	}
	sum := 0
	for n := 1; n <= 12; n++ {
		p := int(twelve[12-n] - '0')
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += p * q
	}
	return byte('0' + 9 - sum%9), nil
}

func allASCIIDigits(s string, length int) bool {
	if len(s) != length {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
