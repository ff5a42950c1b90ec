package org

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalize feeds arbitrary text to the profile checks: they must
// never panic, and whatever they accept must meet the stored invariants.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "株式会社テスト", "ｶﾌﾞｼｷｶﾞｲｼｬ", "７-0000-1205-0002", "a\x00b", "\xff\xfe", "'; DROP TABLE orgs; --", "I", "13"} {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, name, kana, corp string) {
		in := CreateInput{Name: name, NameKana: kana, NameEn: name, CorporateNumber: corp, Prefecture: corp, Industry: kana}
		out, fields := in.normalize()
		if _, bad := fields["name"]; !bad {
			if out.Name == "" || utf8.RuneCountInString(out.Name) > maxNameLen || !utf8.ValidString(out.Name) || strings.ContainsAny(out.Name, "\x00\n\r\t\x7f") {
				t.Fatalf("accepted name %q", out.Name)
			}
		}
		if _, bad := fields["name_kana"]; !bad && (utf8.RuneCountInString(out.NameKana) > maxNameLen || !utf8.ValidString(out.NameKana)) {
			t.Fatalf("accepted kana %q", out.NameKana)
		}
		if _, bad := fields["corporate_number"]; !bad && out.CorporateNumber != "" && len(out.CorporateNumber) != 13 {
			t.Fatalf("accepted corporate number %q", out.CorporateNumber)
		}
		if s := slugFrom(name); s != "" && !ValidSlug(s) {
			t.Fatalf("slugFrom(%q) = %q", name, s)
		}
	})
}

// FuzzParseCount checks the form's number reader on arbitrary input.
func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"", "0", "1,000", "１２３", "-1", "9223372036854775807", "1e3", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseCount(s)
		if !ok && n != nil {
			t.Fatal("value returned with failure")
		}
		if n != nil && *n < 0 {
			t.Fatalf("parseCount(%q) = %d", s, *n)
		}
	})
}
