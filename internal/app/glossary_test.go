package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The glossary's rules that a machine can check (docs/glossary.md): a
// word we do not use, per language, with the word we use instead.
var forbiddenWords = map[string][]struct{ word, use string }{
	"ja": {
		{"御社", "貴社 (written text)"},
		{"はやって", "流行して"},
		{"フォルダー", "フォルダ"},
		{"取り下げ", "停止 (a declaration's withdrawal)"},
		{"取下げ", "停止 (a declaration's withdrawal)"},
		{"多要素認証", "二要素認証"},
		{"2段階認証", "二要素認証"},
		{"２段階認証", "二要素認証"},
		{"5か条", "セキュリティの5つの基本 (IPA's title only as the source)"},
		{"５か条", "セキュリティの5つの基本 (IPA's title only as the source)"},
		{"5分でできる", "セキュリティ自社診断 (IPA's title only as the source)"},
		{"情報セキュリティ自社診断", "セキュリティ自社診断 (IPA's title only as the source)"},
		{"情報セキュリティ 5つの基本", "セキュリティの5つの基本"},
		{"情報セキュリティ5つの基本", "セキュリティの5つの基本"},
		{"インシデント", "事故"},
		{"管理策の実施状況チェック", "対策状況チェック"},
		{"運用管理者", "運営管理者"},
		{"調整役", "調整担当"},
		{"スタッフ", "担当者"},
		{"常時雇用", "常時使用する従業員 (the SME Basic Act's words)"},
		{"Webサ", "ウェブサイト, ウェブサービス"},
		{"Webペ", "ウェブページ"},
		{"Web ", "ウェブ"},
	},
	"en": {
		{"two-step", "two-factor authentication"},
		{"2-step", "two-factor authentication"},
		{"multi-factor", "two-factor authentication"},
		{"five basic principles", "the five security basics"},
		{"five-minute", "security self-diagnosis (IPA's title only as the source)"},
		{"5-minute", "security self-diagnosis (IPA's title only as the source)"},
	},
}

// allowedQuotes are legitimate uses of a forbidden word or spelling: the
// text is checked with them taken out. Each carries its reason.
var allowedQuotes = []struct{ lang, text, reason string }{
	{"ja", "「情報セキュリティ5か条」", "IPA's title, named as the source of the five security basics (principles.source)"},
	{"en", "「情報セキュリティ5か条」", "IPA's title, named as the source of the five security basics (principles.source)"},
	{"ja", "「5分でできる！情報セキュリティ自社診断」", "IPA's title, named as the source of the self-diagnosis (selfcheck.source)"},
	{"en", "「5分でできる！情報セキュリティ自社診断」", "IPA's title, named as the source of the self-diagnosis (selfcheck.source)"},
	{"ja", "「2段階認証」「多要素認証」", "what some services call two-factor authentication, quoted so the reader finds the setting"},
	{"en", "“2-step verification” or “multi-factor authentication”", "what some services call two-factor authentication, quoted so the reader finds the setting"},
	{"ja", "管理ID", "the ledger file's column header (assets/ledgerfile), spelt as the file has it"},
}

// glossaryText is one text a reader sees: a catalog value, a content
// string or a template's literal text.
type glossaryText struct {
	where, lang, text string
	// spacing: the text is Japanese prose held to the spacing rule
	// (catalogs and content; a template's literal text is markup).
	spacing bool
}

// TestGlossaryWords holds every catalog value (mail text included), every
// content file's strings and every template's literal text to the
// glossary's mechanical rules: no forbidden word in either language, one
// space between Japanese and Latin text and none between Japanese and a
// number, and 【mamori】 ([mamori] in English) opening every mail subject.
func TestGlossaryWords(t *testing.T) {
	texts := collectGlossaryTexts(t, filepath.Join(".."))
	if len(texts) < 1000 {
		t.Fatalf("only %d texts found: the walk missed the catalogs", len(texts))
	}
	var problems []string
	subjects := 0
	for _, x := range texts {
		s := x.text
		for _, q := range allowedQuotes {
			if q.lang == x.lang {
				s = strings.ReplaceAll(s, q.text, "")
			}
		}
		langs := []string{x.lang}
		if x.lang == "" { // template text: both languages render it
			langs = []string{"ja", "en"}
		}
		for _, lang := range langs {
			cmp := s
			if lang == "en" {
				cmp = strings.ToLower(s)
			}
			for _, f := range forbiddenWords[lang] {
				if strings.Contains(cmp, f.word) {
					problems = append(problems, x.where+": "+f.word+" (use "+f.use+")")
				}
			}
		}
		if x.lang == "ja" && x.spacing {
			for _, p := range spacingProblems(s) {
				problems = append(problems, x.where+": spacing at …"+p+"…")
			}
		}
		if mailSubjectKey.MatchString(x.where) {
			subjects++
			if x.lang == "ja" && (!strings.HasPrefix(x.text, "【mamori") || !strings.Contains(x.text, "】")) {
				problems = append(problems, x.where+": a Japanese mail subject starts with 【mamori…】")
			}
			if x.lang == "en" && !strings.HasPrefix(x.text, "[mamori") {
				problems = append(problems, x.where+": an English mail subject starts with [mamori…]")
			}
		}
	}
	if subjects < 10 {
		t.Errorf("only %d mail subjects checked", subjects)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

var mailSubjectKey = regexp.MustCompile(`locales/(ja|en)\.json: mail\.[a-z_]+\.subject$`)

// collectGlossaryTexts reads every catalog, content file and template
// under root.
func collectGlossaryTexts(t *testing.T, root string) []glossaryText {
	t.Helper()
	var out []glossaryText
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "testdata") {
			return err
		}
		dir := filepath.Base(filepath.Dir(path))
		slash := filepath.ToSlash(path)
		switch {
		case dir == "locales" && strings.HasSuffix(path, ".json"):
			lang := strings.TrimSuffix(filepath.Base(path), ".json")
			var m map[string]string
			if err := readJSON(path, &m); err != nil {
				return err
			}
			for k, v := range m {
				out = append(out, glossaryText{where: slash + ": " + k, lang: lang, text: v, spacing: true})
			}
		case dir == "content" && strings.HasSuffix(path, ".json"):
			var v any
			if err := readJSON(path, &v); err != nil {
				return err
			}
			walkContent(v, slash, "", func(where, lang, s string) {
				out = append(out, glossaryText{where: where, lang: lang, text: s, spacing: true})
			})
		case dir == "templates" && strings.HasSuffix(path, ".html"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out = append(out, glossaryText{where: slash, text: action.ReplaceAllString(string(b), " ")})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// walkContent calls fn with every string under a "ja" or "en" key of a
// content file; other strings (keys, versions) are not prose.
func walkContent(v any, where, lang string, fn func(where, lang, s string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			l := lang
			if k == "ja" || k == "en" {
				l = k
			}
			walkContent(c, where+"."+k, l, fn)
		}
	case []any:
		for _, c := range x {
			walkContent(c, where, lang, fn)
		}
	case string:
		if lang != "" {
			fn(where, lang, x)
		}
	}
}

// isJapanese is kana, kanji and the long-vowel mark: the letters the
// spacing rule is about (punctuation such as 、「」・ takes no space).
func isJapanese(r rune) bool {
	return r >= 0x3041 && r <= 0x3096 || r >= 0x30a1 && r <= 0x30fa || r == 0x30fc || r == 0x3005 || r >= 0x4e00 && r <= 0x9fff
}

func isLatin(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// spacingProblems finds where s breaks the spacing rule: Japanese touching
// Latin text, or a space between Japanese and a number that is not part
// of Latin text (SHA-256 の and 25 MB keep theirs). It returns a little
// context for each.
func spacingProblems(s string) []string {
	r := []rune(s)
	ctx := func(i int) string { return string(r[max(0, i-6):min(len(r), i+7)]) }
	var out []string
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if isJapanese(a) && isLatin(b) || isLatin(a) && isJapanese(b) {
			out = append(out, ctx(i))
			continue
		}
		if a != ' ' || i == 0 {
			continue
		}
		p := r[i-1]
		switch {
		case isJapanese(p) && isDigit(b):
			j := i + 1
			for j < len(r) && (isDigit(r[j]) || r[j] == ',' || r[j] == '.') {
				j++
			}
			if j < len(r) && (isLatin(r[j]) || r[j] == '-' || r[j] == '}') {
				continue
			}
			out = append(out, ctx(i))
		case isDigit(p) && isJapanese(b):
			k := i - 1
			for k >= 0 && (isDigit(r[k]) || r[k] == ',' || r[k] == '.') {
				k--
			}
			if k >= 0 && (isLatin(r[k]) || strings.ContainsRune("-{#./:", r[k])) {
				continue
			}
			out = append(out, ctx(i))
		}
	}
	return out
}
