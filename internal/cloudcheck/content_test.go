package cloudcheck

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"mamori/internal/i18n"
)

// Every point has a title, a question and guidance in both languages,
// and the groups are A = 1–4, B = 5–8, C = 9–14.
func TestContentFrame(t *testing.T) {
	wantGroup := map[int]string{}
	for no := 1; no <= 14; no++ {
		switch {
		case no <= 4:
			wantGroup[no] = "A"
		case no <= 8:
			wantGroup[no] = "B"
		default:
			wantGroup[no] = "C"
		}
	}
	for _, lang := range i18n.Languages {
		groups := Groups(lang)
		if len(groups) != 3 {
			t.Fatalf("%s: %d groups", lang, len(groups))
		}
		for gi, g := range groups {
			if g.Key != []string{"A", "B", "C"}[gi] || g.Index != gi || g.Title == "" || g.Lead == "" {
				t.Errorf("%s group %d: %+v", lang, gi, g)
			}
			if g.Points[0].No != g.First || g.Points[len(g.Points)-1].No != g.Last {
				t.Errorf("%s group %s: points %d–%d, bounds %d–%d", lang, g.Key, g.Points[0].No, g.Points[len(g.Points)-1].No, g.First, g.Last)
			}
		}
		if n := []int{len(groups[0].Points), len(groups[1].Points), len(groups[2].Points)}; n[0] != 4 || n[1] != 4 || n[2] != 6 {
			t.Errorf("%s: group sizes %v, want 4 4 6", lang, n)
		}
		points := Points(lang)
		if len(points) != NumPoints {
			t.Fatalf("%s: %d points", lang, len(points))
		}
		for i, p := range points {
			if p.No != i+1 || p.Group != wantGroup[p.No] || p.Key == "" {
				t.Errorf("%s: point %d is %+v", lang, i+1, p)
			}
			if strings.TrimSpace(p.Title) == "" || strings.TrimSpace(p.Question) == "" || strings.TrimSpace(p.Guidance) == "" {
				t.Errorf("%s: point %d lacks text", lang, p.No)
			}
			// A question asks; guidance says what to look at, why, and
			// what to do otherwise: at least a few sentences.
			if lang == "ja" && !strings.HasSuffix(p.Question, "？") || lang == "en" && !strings.HasSuffix(p.Question, "?") {
				t.Errorf("%s: point %d's question does not end with a question mark: %q", lang, p.No, p.Question)
			}
			if n := utf8.RuneCountInString(p.Guidance); n < 100 {
				t.Errorf("%s: point %d's guidance is only %d characters", lang, p.No, n)
			}
			if lang == "en" {
				for _, r := range p.Question + p.Guidance + p.Title {
					if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) {
						t.Errorf("en: point %d has Japanese text", p.No)
						break
					}
				}
			} else if !strings.ContainsFunc(p.Question, func(r rune) bool { return unicode.In(r, unicode.Hiragana) }) {
				t.Errorf("ja: point %d's question is not Japanese", p.No)
			}
		}
		if Points(lang)[0].Key != Points("ja")[0].Key {
			t.Errorf("%s: keys differ between languages", lang)
		}
	}
	// Unknown languages fall back to Japanese; callers get copies.
	if Points("fr")[0].Question != Points("ja")[0].Question {
		t.Error("no fallback to Japanese")
	}
	g := Groups("ja")
	g[0].Points[0].Question = "changed"
	if Groups("ja")[0].Points[0].Question == "changed" {
		t.Error("Groups shares its slices")
	}
	if ContentVersion() == "" {
		t.Error("no content version")
	}
}

// parseContent refuses content that breaks the frame.
func TestParseContentRejects(t *testing.T) {
	var base map[string]any
	if err := json.Unmarshal(pointsJSON, &base); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(pointsJSON, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	points := func(m map[string]any) []any { return m["points"].([]any) }
	groups := func(m map[string]any) []any { return m["groups"].([]any) }
	text := func(p any, lang string) map[string]any {
		return p.(map[string]any)["text"].(map[string]any)[lang].(map[string]any)
	}
	cases := map[string][]byte{
		"not json":         []byte("{"),
		"13 points":        mutate(func(m map[string]any) { m["points"] = points(m)[:13] }),
		"2 groups":         mutate(func(m map[string]any) { m["groups"] = groups(m)[:2] }),
		"A ends at 5":      mutate(func(m map[string]any) { groups(m)[0].(map[string]any)["last"] = 5 }),
		"groups swapped":   mutate(func(m map[string]any) { g := groups(m); g[0], g[1] = g[1], g[0] }),
		"point 5 in A":     mutate(func(m map[string]any) { points(m)[4].(map[string]any)["group"] = "A" }),
		"out of order":     mutate(func(m map[string]any) { p := points(m); p[0], p[1] = p[1], p[0] }),
		"repeated key":     mutate(func(m map[string]any) { points(m)[1].(map[string]any)["key"] = "scope" }),
		"no en question":   mutate(func(m map[string]any) { text(points(m)[3], "en")["question"] = " " }),
		"no ja guidance":   mutate(func(m map[string]any) { text(points(m)[13], "ja")["guidance"] = "" }),
		"no en group":      mutate(func(m map[string]any) { delete(groups(m)[2].(map[string]any)["text"].(map[string]any), "en") }),
		"no version":       mutate(func(m map[string]any) { m["version"] = "" }),
		"no ja point text": mutate(func(m map[string]any) { delete(points(m)[6].(map[string]any)["text"].(map[string]any), "ja") }),
	}
	for name, b := range cases {
		if _, err := parseContent(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := parseContent(pointsJSON); err != nil {
		t.Fatalf("the real content: %v", err)
	}
}

// seedQuestions are the fourteen questions of IPA's check sheet as the
// seed document lists them, kept here only to prove that our wording is
// our own.
var seedQuestions = []string{
	"クラウドサービスでどの業務、どの情報を扱うかを検討し、業務の切り分けや運用ルールの設定を行いましたか？",
	"業務に合うクラウドサービスを選定し、コストについて確認しましたか？",
	"クラウドサービスで取扱う情報の管理レベルについて確認しましたか？",
	"セキュリティ上のルールとクラウドサービスの活用の間に矛盾や不一致が生じませんか？",
	"クラウドサービスの特徴を理解した担当者を社内に確保しましたか？",
	"クラウドサービスのユーザについて適切に管理できますか？",
	"パスワードの適切な設定・管理は実施できますか？",
	"サービス停止等に備えて、重要情報を手元に確保して必要なときに使えるための備えはありますか？",
	"クラウドサービスを提供する事業者は信頼できる事業者ですか？",
	"サービスの稼働率、障害発生頻度、障害時の回復目標時間などのサービスレベルは示されていますか？",
	"クラウドサービスにおけるセキュリティ対策が具体的に公開されていますか？",
	"サービスの使い方がわからないときの支援(ヘルプデスクやFAQ)は提供されていますか？",
	"サービスの利用が終了したときの、データの取扱い条件について確認しましょう。",
	"一般的契約条件の各項目について確認しましょう。",
}

// Our Japanese text shares no run of 12 characters with IPA's questions:
// the facts are the same, the sentences are not.
func TestOwnWording(t *testing.T) {
	const run = 12
	type text struct {
		where string
		texts []string
	}
	var all []text
	for _, g := range Groups("ja") {
		all = append(all, text{"group " + g.Key, []string{g.Title, g.Lead}})
	}
	for _, p := range Points("ja") {
		all = append(all, text{"point " + strconv.Itoa(p.No), []string{p.Title, p.Question, p.Guidance}})
	}
	for _, p := range all {
		for _, text := range p.texts {
			r := []rune(text)
			for i := 0; i+run <= len(r); i++ {
				piece := string(r[i : i+run])
				for n, q := range seedQuestions {
					if strings.Contains(q, piece) {
						t.Errorf("%s copies %q from IPA's question %d", p.where, piece, n+1)
					}
				}
			}
		}
	}
}

// groupIndex places every number in its group and nothing else.
func TestGroupIndex(t *testing.T) {
	for no, want := range map[int]int{0: -1, 1: 0, 4: 0, 5: 1, 8: 1, 9: 2, 14: 2, 15: -1, -3: -1} {
		if got := groupIndex(no); got != want {
			t.Errorf("groupIndex(%d) = %d, want %d", no, got, want)
		}
	}
}

// Point 10 carries the three service-level facts of IPA's check sheet:
// availability (稼働率), how often the service fails (障害発生頻度) and
// the recovery target (回復目標時間), in our own words.
func TestServiceLevelFacts(t *testing.T) {
	want := map[string][]string{
		"ja": {"止まらずに使える", "頻度", "直す", "稼働率", "復旧までの目標時間", "障害履歴"},
		"en": {"how reliably", "how often it fails", "restored", "availability target", "time to restore", "incident history"},
	}
	for lang, words := range want {
		var p *Point
		for _, q := range Points(lang) {
			if q.No == 10 {
				p = &q
			}
		}
		if p == nil || p.Key != "service_level" {
			t.Fatalf("%s: point 10 is not service_level: %+v", lang, p)
		}
		text := p.Question + "\n" + p.Guidance
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Errorf("%s point 10 lacks %q", lang, w)
			}
		}
	}
}
