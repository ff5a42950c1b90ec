package policy

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The template is complete in both languages: five headings in IPA's
// order, 2–4 sentences each, only the known placeholders.
func TestTemplateContent(t *testing.T) {
	wantJa := []string{"経営者の責任", "社内体制の整備", "従業員の取組み", "法令及び契約上の要求事項の遵守", "違反及び事故への対応"}
	wantEn := []string{"Management's responsibility", "Internal organisation", "Employees' efforts",
		"Compliance with laws and contractual requirements", "Response to violations and incidents"}
	enSentence := regexp.MustCompile(`[.!?](\s|$)`)
	if TemplateVersion() == "" {
		t.Error("no template version")
	}
	for lang, titles := range map[string][]string{"ja": wantJa, "en": wantEn} {
		tx := Template(lang)
		if tx.Title == "" || tx.Intro == "" || !strings.Contains(tx.Intro, PlaceholderCompany) {
			t.Errorf("%s: title %q, intro %q", lang, tx.Title, tx.Intro)
		}
		if len(tx.Sections) != NumSections {
			t.Fatalf("%s: %d sections", lang, len(tx.Sections))
		}
		for i, s := range tx.Sections {
			if s.Key != SectionKeys[i] || s.Title != titles[i] {
				t.Errorf("%s section %d: %q %q", lang, i+1, s.Key, s.Title)
			}
			n := strings.Count(s.Body, "。")
			if lang == "en" {
				n = len(enSentence.FindAllString(s.Body, -1))
			}
			if n < 2 || n > 4 {
				t.Errorf("%s section %d has %d sentences, want 2–4: %s", lang, i+1, n, s.Body)
			}
			if lang == "ja" && !strings.Contains(s.Body, "ます。") {
				t.Errorf("ja section %d is not in the polite form", i+1)
			}
		}
		l := tx.Labels
		if l.Established == "" || l.Revised == "" || l.Company == "" || l.Representative == "" {
			t.Errorf("%s labels %+v", lang, l)
		}
	}
	if Template("ja").Labels.Representative != "代表者" {
		t.Error("ja signature label is not 代表者")
	}
	// Our own words: phrases of IPA's sample are not there.
	for _, lang := range []string{"ja", "en"} {
		tx := Template(lang)
		all := tx.Intro
		for _, s := range tx.Sections {
			all += s.Body
		}
		for _, p := range []string{"経営者主導で組織的かつ継続的", "正式な規則として定め", "知識、技術を習得", "お客様の期待に応え", "SECURITY ACTION"} {
			if strings.Contains(all, p) {
				t.Errorf("%s template uses %q", lang, p)
			}
		}
	}
	// Unknown languages fall back to Japanese; callers get a copy.
	if Template("fr").Title != Template("ja").Title {
		t.Error("no fallback")
	}
	Template("ja").Sections[0].Title = "x"
	if Template("ja").Sections[0].Title != wantJa[0] {
		t.Error("Template exposes its backing array")
	}

	bad := []string{
		`not json`,
		`{}`,
		`{"version":"x","text":{}}`,
		strings.Replace(string(templateJSON), `"key": "employees"`, `"key": "staff"`, 1),
		strings.Replace(string(templateJSON), "{company}の情報", "{compnay}の情報", 1),
		strings.Replace(string(templateJSON), `"revised": "Revised",`, `"revised": "",`, 1),
	}
	for i, b := range bad {
		if _, err := parseTemplate([]byte(b)); err == nil {
			t.Errorf("bad template %d accepted", i)
		}
	}
	if _, err := parseTemplate(templateJSON); err != nil {
		t.Fatal(err)
	}
}

func TestFillAndDraftFromTemplate(t *testing.T) {
	if got := fill("{company} / {representative}", "山田精機", "山田 太郎"); got != "山田精機 / 山田 太郎" {
		t.Errorf("fill: %q", got)
	}
	// An unknown representative stays visible as the placeholder.
	if got := fill("{company} / {representative}", "A", ""); got != "A / {representative}" {
		t.Errorf("fill without representative: %q", got)
	}
	// One pass: a company name that looks like a placeholder is not expanded.
	if got := fill("{company}", "{representative}", "X"); got != "{representative}" {
		t.Errorf("fill expanded a name: %q", got)
	}
	for _, lang := range []string{"ja", "en"} {
		in := draftFromTemplate(lang, "山田精機株式会社", "", "")
		if in.Lang != lang || !strings.Contains(in.Intro, "山田精機株式会社") || strings.Contains(in.Intro, PlaceholderCompany) {
			t.Errorf("%s draft intro %q", lang, in.Intro)
		}
		for i, s := range in.Sections {
			if s == "" || strings.Contains(s, PlaceholderCompany) {
				t.Errorf("%s section %d: %q", lang, i+1, s)
			}
		}
		if _, err := in.normalize(false); err != nil {
			t.Errorf("%s template draft does not validate: %v", lang, err)
		}
	}
	if in := draftFromTemplate("xx", "A", "", ""); in.Lang != "ja" {
		t.Errorf("unknown language gives %q", in.Lang)
	}
}

func TestParagraphs(t *testing.T) {
	cases := []struct {
		in   string
		want [][]string
	}{
		{"", nil},
		{"one", [][]string{{"one"}}},
		{"a\nb", [][]string{{"a", "b"}}},
		{"a\r\nb\r\n\r\nc", [][]string{{"a", "b"}, {"c"}}},
		{"\n\n a \n\n\n  \n\u3000\nb  ", [][]string{{" a"}, {"b"}}},
		{"<p>x</p>\n<script>", [][]string{{"<p>x</p>", "<script>"}}},
	}
	for _, c := range cases {
		if got := Paragraphs(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Paragraphs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for s, want := range map[string]int{"1": 1, "12": 12, "999999999": 999999999} {
		if n, ok := parseVersion(s); !ok || n != want {
			t.Errorf("%q: %d %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "0", "01", "-1", "+1", "1.0", "1e3", "1000000000", "１", "a"} {
		if _, ok := parseVersion(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestDocument(t *testing.T) {
	at := time.Date(2025, 3, 31, 16, 30, 0, 0, time.UTC) // 1 April in Japan
	v := &Version{Version: 1, Lang: "ja", OrgName: "山田精機", Representative: "山田 太郎", RepresentativeTitle: "代表取締役", PublishedAt: at}
	d := documentOf(v)
	if d.DateText() != "2025年4月1日" || d.DateLabel() != "制定日" || d.Signature() != "代表取締役 山田 太郎" || len(d.Sections) != NumSections {
		t.Errorf("ja document: %q %q %q", d.DateText(), d.DateLabel(), d.Signature())
	}
	v.Lang, v.Version = "en", 2
	d = documentOf(v)
	if d.DateText() != "1 April 2025" || d.DateLabel() != "Revised" || d.Signature() != "山田 太郎, 代表取締役" || d.Sections[4].Title != "Response to violations and incidents" {
		t.Errorf("en document: %q %q %q", d.DateText(), d.DateLabel(), d.Signature())
	}
	v.RepresentativeTitle = ""
	if documentOf(v).Signature() != "山田 太郎" {
		t.Error("signature without title")
	}
	v.Lang = "xx"
	if documentOf(v).Lang != "ja" {
		t.Error("unknown language not shown in Japanese")
	}
}
