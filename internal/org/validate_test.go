package org

import (
	"regexp"
	"strings"
	"testing"

	"mamori/internal/org/jp"
	"mamori/internal/web"
)

func TestNormalizeReportsEveryField(t *testing.T) {
	in := CreateInput{
		Name: "", NameKana: "Yamada", NameEn: "bad\x01", CorporateNumber: "123", Prefecture: "48",
		Industry: "Z", Employees: ptr(-1), CapitalYen: ptr(int64(-5)),
	}
	_, fields := in.normalize()
	want := map[string]string{
		"name": "org.name_required", "name_kana": "org.kana_invalid", "name_en": "org.name_en_invalid",
		"corporate_number": "org.corporate_number_length", "prefecture": "org.prefecture_invalid",
		"industry": "org.industry_invalid", "employees": "org.employees_invalid", "capital_yen": "org.capital_invalid",
	}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("field %s: got %q, want %q", k, fields[k], v)
		}
	}
	if len(fields) != len(want) {
		t.Errorf("got fields %v", fields)
	}
}

func TestNormalizeCleans(t *testing.T) {
	n := corp(t, "000012050002")
	in := CreateInput{
		Name: "  株式会社テスト  ", NameKana: "ｶﾌﾞｼｷｶﾞｲｼｬ　テスト", NameEn: " Test Co. ",
		CorporateNumber: "７-0000-1205-0002", Prefecture: "13", Industry: " i ", Wholesale: true,
		Employees: ptr(0), CapitalYen: ptr(int64(0)),
	}
	out, fields := in.normalize()
	if len(fields) != 0 {
		t.Fatalf("unexpected problems: %v", fields)
	}
	if out.Name != "株式会社テスト" || out.NameEn != "Test Co." || out.CorporateNumber != n || out.Industry != "I" || !out.Wholesale {
		t.Errorf("got %+v", out)
	}
	if out.NameKana != "カブシキガイシャ テスト" {
		t.Errorf("kana %q", out.NameKana)
	}
	// The wholesale flag is meaningless outside group I and is dropped.
	out, _ = CreateInput{Name: "x", Industry: "E", Wholesale: true}.normalize()
	if out.Wholesale {
		t.Error("wholesale kept for industry E")
	}
}

func TestNormalizeBounds(t *testing.T) {
	cases := []struct {
		name  string
		in    CreateInput
		field string
		key   string
	}{
		{"name 201 chars", CreateInput{Name: strings.Repeat("あ", 201)}, "name", "org.name_invalid"},
		{"name 1 MB", CreateInput{Name: strings.Repeat("a", 1<<20)}, "name", "org.name_invalid"},
		{"name newline", CreateInput{Name: "a\nb"}, "name", "org.name_invalid"},
		{"name spaces only", CreateInput{Name: "   "}, "name", "org.name_required"},
		{"kana latin", CreateInput{Name: "x", NameKana: "abc"}, "name_kana", "org.kana_invalid"},
		{"kana kanji", CreateInput{Name: "x", NameKana: "山田"}, "name_kana", "org.kana_invalid"},
		{"kana too long", CreateInput{Name: "x", NameKana: strings.Repeat("ア", 201)}, "name_kana", "org.kana_invalid"},
		{"english too long", CreateInput{Name: "x", NameEn: strings.Repeat("a", 201)}, "name_en", "org.name_en_invalid"},
		{"corp 12 digits", CreateInput{Name: "x", CorporateNumber: "700001205000"}, "corporate_number", "org.corporate_number_length"},
		{"corp letters", CreateInput{Name: "x", CorporateNumber: "700001205000a"}, "corporate_number", "org.corporate_number_length"},
		{"corp check digit", CreateInput{Name: "x", CorporateNumber: "1000012050002"}, "corporate_number", "org.corporate_number_check"},
		{"prefecture 00", CreateInput{Name: "x", Prefecture: "00"}, "prefecture", "org.prefecture_invalid"},
		{"prefecture unpadded", CreateInput{Name: "x", Prefecture: "1"}, "prefecture", "org.prefecture_invalid"},
		{"industry U", CreateInput{Name: "x", Industry: "U"}, "industry", "org.industry_invalid"},
		{"employees too many", CreateInput{Name: "x", Employees: ptr(maxEmployees + 1)}, "employees", "org.employees_invalid"},
		{"capital too much", CreateInput{Name: "x", CapitalYen: ptr(maxCapital + 1)}, "capital_yen", "org.capital_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, fields := c.in.normalize()
			if fields[c.field] != c.key || len(fields) != 1 {
				t.Errorf("got %v, want %s=%s", fields, c.field, c.key)
			}
		})
	}
	// The bounds themselves are accepted.
	_, fields := CreateInput{Name: strings.Repeat("あ", 200), Employees: ptr(maxEmployees), CapitalYen: ptr(maxCapital)}.normalize()
	if len(fields) != 0 {
		t.Errorf("bounds refused: %v", fields)
	}
}

func TestParseCount(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
		null bool
	}{
		{"", 0, true, true}, {"  ", 0, true, true}, {"0", 0, true, false}, {"1,000,000", 1000000, true, false},
		{"１，０００，０００", 1000000, true, false}, {" 42 ", 42, true, false}, {"-1", 0, false, false},
		{"1.5", 0, false, false}, {"abc", 0, false, false}, {"1e6", 0, false, false}, {",", 0, false, false},
		{"99999999999999999999", 0, false, false}, {"1000000000000000", 1e15, true, false},
	}
	for _, c := range cases {
		n, ok := parseCount(c.in)
		if ok != c.ok || (c.ok && (n == nil) != c.null) || (n != nil && *n != c.want) {
			t.Errorf("parseCount(%q) = %v, %v", c.in, n, ok)
		}
	}
}

func TestInputFromForm(t *testing.T) {
	f := web.NewForm(map[string][]string{"name": {"a"}, "employees": {"１２"}, "capital_yen": {"3,000,000"}, "wholesale": {"1"}})
	in, fields := inputFromForm(f)
	if len(fields) != 0 || *in.Employees != 12 || *in.CapitalYen != 3000000 || !in.Wholesale {
		t.Fatalf("got %+v %v", in, fields)
	}
	f = web.NewForm(map[string][]string{"employees": {"many"}, "capital_yen": {"-1"}})
	_, fields = inputFromForm(f)
	if fields["employees"] != "org.employees_invalid" || fields["capital_yen"] != "org.capital_invalid" {
		t.Fatalf("got %v", fields)
	}
	f = web.NewForm(map[string][]string{"employees": {"99999999999"}})
	if _, fields = inputFromForm(f); fields["employees"] == "" {
		t.Fatal("huge employee count accepted")
	}
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$`)

func TestSlugs(t *testing.T) {
	cases := map[string]string{
		"Yamada Seisakusho Co., Ltd.": "yamada-seisakusho-co-ltd",
		"  --ACME--  ":                "acme",
		"Ｆｕｌｌ Ｗｉｄｔｈ":                  "full-width",
		"株式会社山田":                      "",
		"ab":                          "",
		"new":                         "",
		strings.Repeat("abc ", 20):    "abc-abc-abc-abc-abc-abc-abc-abc-abc-abc",
	}
	for in, want := range cases {
		if got := slugFrom(in); got != want {
			t.Errorf("slugFrom(%q) = %q, want %q", in, got, want)
		}
	}
	for i := 0; i < 5; i++ {
		for _, base := range []string{"", "acme", strings.Repeat("x", 40)} {
			s := slugCandidate(base, i)
			if !slugRe.MatchString(s) || !ValidSlug(s) {
				t.Errorf("slugCandidate(%q, %d) = %q", base, i, s)
			}
			if base == "" && !strings.HasPrefix(s, "org-") {
				t.Errorf("random slug %q", s)
			}
		}
	}
	if ValidSlug("-ab") || ValidSlug("ab") || ValidSlug("Abc") || ValidSlug(strings.Repeat("a", 41)) {
		t.Error("ValidSlug accepts a bad slug")
	}
}

func TestDisplayHelpers(t *testing.T) {
	if got := maskEmail("taro@example.jp"); got != "t***@example.jp" {
		t.Error(got)
	}
	if got := maskEmail("太郎@example.jp"); got != "太***@example.jp" {
		t.Error(got)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 300000000: "300,000,000", -1234: "-1,234"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q", n, got)
		}
	}
	o := &Org{Prefecture: "13", Industry: "I", Wholesale: true, Employees: ptr(80)}
	if o.PrefectureName("en") != "Tokyo" || o.PrefectureName("ja") != "東京都" || o.Sector() != jp.SectorWholesale {
		t.Error("names or sector wrong")
	}
	if o.SizeClass() != jp.SizeSME || o.SurveyBand() != jp.BandUpTo100 {
		t.Errorf("size %s band %s", o.SizeClass(), o.SurveyBand())
	}
}
