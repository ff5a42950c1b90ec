package org

import (
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"mamori/internal/apperr"
	"mamori/internal/org/jp"
	"mamori/internal/web"
)

// Bounds of the profile fields. Employees and capital are generous on
// purpose: mamori is for SMEs, but a large firm must still be able to say
// what it is so it is classified "large" rather than refused.
const (
	maxNameLen   = 200
	maxEmployees = 10_000_000
	maxCapital   = int64(1_000_000_000_000_000) // ¥10^15
)

// normalize checks every field of in at once and returns the cleaned
// values, so a form can show all its problems in one round trip.
func (in CreateInput) normalize() (CreateInput, apperr.FieldSet) {
	fields := apperr.FieldSet{}
	out := CreateInput{Wholesale: in.Wholesale, Employees: in.Employees, CapitalYen: in.CapitalYen}
	var ok bool
	if out.Name, ok = web.CleanText(in.Name, maxNameLen); !ok {
		fields.Add("name", web.TextKey(in.Name, "org.name_invalid"))
	} else if out.Name == "" {
		fields.Add("name", "org.name_required")
	}
	if kana, ok := cleanKana(in.NameKana); ok {
		out.NameKana = kana
	} else {
		fields.Add("name_kana", "org.kana_invalid")
	}
	if out.NameEn, ok = web.CleanText(in.NameEn, maxNameLen); !ok {
		fields.Add("name_en", web.TextKey(in.NameEn, "org.name_en_invalid"))
	}
	if strings.TrimSpace(in.CorporateNumber) != "" {
		n := jp.NormalizeCorporateNumber(in.CorporateNumber)
		switch err := jp.ValidateCorporateNumber(n); {
		case errors.Is(err, jp.ErrCorpNumLength):
			fields.Add("corporate_number", "org.corporate_number_length")
		case err != nil:
			fields.Add("corporate_number", "org.corporate_number_check")
		default:
			out.CorporateNumber = n
		}
	}
	if p := strings.TrimSpace(in.Prefecture); p != "" {
		if _, ok := jp.PrefectureByCode(p); ok {
			out.Prefecture = p
		} else {
			fields.Add("prefecture", "org.prefecture_invalid")
		}
	}
	if code := strings.ToUpper(strings.TrimSpace(in.Industry)); code != "" {
		if _, ok := jp.IndustryByCode(code); ok {
			out.Industry = code
		} else {
			fields.Add("industry", "org.industry_invalid")
		}
	}
	// The flag only splits JSIC group I; kept elsewhere it would be a
	// stale answer that silently flips the class if the industry changes.
	if out.Industry != "I" {
		out.Wholesale = false
	}
	if in.Employees != nil && (*in.Employees < 0 || *in.Employees > maxEmployees) {
		fields.Add("employees", "org.employees_invalid")
	}
	if in.CapitalYen != nil && (*in.CapitalYen < 0 || *in.CapitalYen > maxCapital) {
		fields.Add("capital_yen", "org.capital_invalid")
	}
	return out, fields
}

// cleanKana accepts the reading of a name as people type it: hiragana or
// katakana, half-width katakana (folded to full width by NFKC), the long
// vowel mark and spaces. Anything else is refused rather than dropped.
func cleanKana(s string) (string, bool) {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNameLen*2 {
		return s, false
	}
	s = strings.TrimSpace(norm.NFKC.String(s))
	if utf8.RuneCountInString(s) > maxNameLen {
		return s, false
	}
	for _, r := range s {
		switch {
		case r >= 0x3041 && r <= 0x309F: // hiragana
		case r >= 0x30A0 && r <= 0x30FF: // katakana, incl. ー and ・
		case r >= 0x31F0 && r <= 0x31FF: // small katakana extensions
		case r == ' ' || r == '\u3000':
		default:
			return s, false
		}
	}
	return s, true
}

// parseCount reads a whole number as typed into a form: full-width digits
// (from a Japanese IME), thousands separators and surrounding spaces are
// accepted. Empty means unknown (nil), which is distinct from zero.
func parseCount(s string) (*int64, bool) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if s == "" {
		return nil, true
	}
	s = strings.ReplaceAll(s, ",", "")
	if s == "" || len(s) > 19 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, false
	}
	return &n, true
}

// inputFromForm reads the profile form. Numbers that cannot be read are
// reported as field problems beside whatever normalize finds.
func inputFromForm(f *web.Form) (CreateInput, apperr.FieldSet) {
	fields := apperr.FieldSet{}
	in := CreateInput{
		Name: f.Get("name"), NameKana: f.Get("name_kana"), NameEn: f.Get("name_en"),
		CorporateNumber: f.Get("corporate_number"), Prefecture: f.Get("prefecture"), Industry: f.Get("industry"),
		Wholesale: f.Get("wholesale") != "",
	}
	if n, ok := parseCount(f.Get("employees")); !ok || (n != nil && *n > maxEmployees) {
		fields.Add("employees", "org.employees_invalid")
	} else if n != nil {
		e := int(*n)
		in.Employees = &e
	}
	if n, ok := parseCount(f.Get("capital_yen")); !ok {
		fields.Add("capital_yen", "org.capital_invalid")
	} else {
		in.CapitalYen = n
	}
	return in, fields
}

// Slugs name organisations in URLs. Words that are also paths under
// /orgs/ (or likely to become one) are kept free.
const (
	slugMin = 3
	slugMax = 40
)

var reservedSlugs = map[string]bool{"new": true, "edit": true, "api": true, "admin": true, "invitations": true, "members": true, "static": true}

// slugFrom derives a readable slug from the English name; Japanese-only
// names give "" and get a random one.
func slugFrom(nameEn string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(norm.NFKC.String(nameEn)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > slugMax {
		s = strings.TrimRight(s[:slugMax], "-")
	}
	if len(s) < slugMin || reservedSlugs[s] {
		return ""
	}
	return s
}

// ValidSlug reports whether s has the shape of an organisation slug.
func ValidSlug(s string) bool {
	if len(s) < slugMin || len(s) > slugMax || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

const slugAlphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l/1/o/0 to misread

func randomSuffix(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = slugAlphabet[int(b[i])%len(slugAlphabet)]
	}
	return string(b)
}

// slugCandidate returns the attempt-th slug to try: the derived base
// first, then the base with a random tail, so a clash never needs a
// person to pick another name.
func slugCandidate(base string, attempt int) string {
	if base == "" {
		return "org-" + randomSuffix(6)
	}
	if attempt == 0 {
		return base
	}
	tail := "-" + randomSuffix(4)
	if len(base)+len(tail) > slugMax {
		base = strings.TrimRight(base[:slugMax-len(tail)], "-")
	}
	return base + tail
}
