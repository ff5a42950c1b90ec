package selfcheck

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

func TestContentLoads(t *testing.T) {
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	if c.Current == nil || c.Current.Version != "2026-1" || c.Current.Published != "2026-11-26" {
		t.Fatalf("current version = %+v, want 2026-1 published 2026-11-26", c.Current)
	}
	q, ok := c.Version("2026-1")
	if !ok || q != c.Current {
		t.Fatalf("Version(2026-1) = %v, %v; want the current set", q, ok)
	}
	if _, ok := c.Version("1999-1"); ok {
		t.Error("Version(1999-1) found a set that does not exist")
	}
	for _, id := range contentBandIDs {
		if b := c.Bands[id]; b.ID != id {
			t.Errorf("band %q has ID %q", id, b.ID)
		}
	}
	if got := c.Answers["unknown"].In("ja"); got != "わからない" {
		t.Errorf("answer unknown in ja = %q", got)
	}
	if got := c.Answers["implemented"].In("en"); got != "Yes, in place" {
		t.Errorf("answer implemented in en = %q", got)
	}
}

func TestContentItems(t *testing.T) {
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range c.Versions {
		items := q.Items()
		if len(items) != 25 {
			t.Fatalf("%s: %d items, want 25", q.Version, len(items))
		}
		sizes := map[int]int{}
		for i, it := range items {
			if it.Number != i+1 {
				t.Errorf("%s: position %d holds item %d", q.Version, i+1, it.Number)
			}
			sizes[it.Part]++
			got, ok := q.Item(it.Number)
			if !ok || got.Number != it.Number || got.Part != it.Part {
				t.Errorf("%s: Item(%d) = %d in part %d, %v", q.Version, it.Number, got.Number, got.Part, ok)
			}
			for _, lang := range []string{"ja", "en"} {
				for name, s := range map[string]string{"question": it.Question.In(lang), "why": it.Why.In(lang), "how": it.How.In(lang)} {
					if strings.TrimSpace(s) == "" {
						t.Errorf("%s item %d: %s is empty in %s", q.Version, it.Number, name, lang)
					}
				}
			}
			ja, en := it.Steps.In("ja"), it.Steps.In("en")
			if len(ja) == 0 || len(ja) != len(en) {
				t.Errorf("%s item %d: %d steps in ja, %d in en", q.Version, it.Number, len(ja), len(en))
			}
			if len(ja) < 3 || len(ja) > 5 {
				t.Errorf("%s item %d: %d steps, want 3 to 5", q.Version, it.Number, len(ja))
			}
			// why is one sentence, how one to three (counted in Japanese).
			if n := strings.Count(it.Why.Ja, "。"); n != 1 {
				t.Errorf("%s item %d: why has %d sentences, want 1", q.Version, it.Number, n)
			}
			if n := strings.Count(it.How.Ja, "。"); n < 1 || n > 3 {
				t.Errorf("%s item %d: how has %d sentences, want 1 to 3", q.Version, it.Number, n)
			}
			// Questions are yes/no questions in both languages.
			if !strings.Contains(it.Question.Ja, "？") {
				t.Errorf("%s item %d: ja question has no ？: %q", q.Version, it.Number, it.Question.Ja)
			}
			if !strings.Contains(it.Question.En, "?") {
				t.Errorf("%s item %d: en question has no ?: %q", q.Version, it.Number, it.Question.En)
			}
			// The English text must not contain Japanese script by mistake.
			for _, s := range append([]string{it.Question.En, it.Why.En, it.How.En}, en...) {
				for _, r := range s {
					if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
						t.Errorf("%s item %d: Japanese text in en: %q", q.Version, it.Number, s)
						break
					}
				}
			}
		}
		for part, want := range map[int]int{1: 5, 2: 13, 3: 7} {
			if sizes[part] != want {
				t.Errorf("%s: part %d has %d items, want %d", q.Version, part, sizes[part], want)
			}
		}
		if len(q.Parts) != 3 {
			t.Errorf("%s: %d parts", q.Version, len(q.Parts))
		}
		if _, ok := q.Item(26); ok {
			t.Errorf("%s: Item(26) found", q.Version)
		}
	}
}

func TestContentWeights(t *testing.T) {
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	// Part 1 and the riskiest items rank first in the action plan.
	for _, n := range []int{1, 2, 3, 4, 5, 6, 11, 24} {
		if it, _ := c.Current.Item(n); it.Weight != 3 {
			t.Errorf("item %d has weight %d, want 3", n, it.Weight)
		}
	}
}

func TestContentThreats(t *testing.T) {
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range c.Versions {
		if n := len(q.Threats); n < 8 || n > 14 {
			t.Errorf("%s: %d threats, want 8 to 14", q.Version, n)
		}
		used := map[string]bool{}
		for _, it := range q.Items() {
			for _, id := range it.Threats {
				used[id] = true
			}
		}
		for id, label := range q.Threats {
			if !used[id] {
				t.Errorf("%s: threat %q (%s) is not used by any item", q.Version, id, label.En)
			}
		}
		for _, id := range []string{"ransomware", "malware", "phishing", "account_takeover", "info_leak", "misdelivery",
			"theft_loss", "insider", "data_loss", "supply_chain", "fraud", "service_outage"} {
			if _, ok := q.Threats[id]; !ok {
				t.Errorf("%s: threat %q is not defined", q.Version, id)
			}
		}
	}
}

func TestContentTextIn(t *testing.T) {
	tx := Text{Ja: "日本語", En: "English"}
	for lang, want := range map[string]string{"ja": "日本語", "en": "English", "en-GB": "English", "": "日本語", "fr": "日本語", "eng": "日本語"} {
		if got := tx.In(lang); got != want {
			t.Errorf("Text.In(%q) = %q, want %q", lang, got, want)
		}
	}
	ts := Texts{Ja: []string{"一"}, En: []string{"one"}}
	if got := ts.In("en"); len(got) != 1 || got[0] != "one" {
		t.Errorf("Texts.In(en) = %q", got)
	}
	got := ts.In("ja")
	got[0] = "changed"
	if ts.Ja[0] != "一" {
		t.Error("Texts.In returned the content's own slice")
	}
}

// ipaQuestionPhrasings are the questions of IPA's own self-diagnosis sheet as
// commonly published. Ours must be written in our own words: no question may
// equal, or come close to, any of these.
var ipaQuestionPhrasings = []string{
	"パソコンやスマホなどのOSやソフトウェアを常に最新の状態にしていますか？",
	"パソコンやスマホなどにはウイルス対策ソフトを導入し、ウイルス定義ファイルは最新の状態にしていますか？",
	"パスワードは破られにくい「長く」「複雑な」パスワードを設定していますか？",
	"重要情報に対する適切なアクセス制限を行っていますか？",
	"新たな脅威や攻撃の手口を知り対策を社内共有する仕組みはできていますか？",
	"電子メールの添付ファイルや本文中のURLリンクを介したウイルス感染に気をつけていますか？",
	"電子メールやFAXの宛先の送信ミスを防ぐ取り組みを実施していますか？",
	"重要情報は電子メール本文に書くのではなく、添付するファイルに書いてパスワードなどで保護していますか？",
	"無線LANを安全に使うために適切な暗号化方式を設定するなどの対策をしていますか？",
	"インターネットを介したウイルス感染やSNSへの書き込みなどのトラブルへの対策をしていますか？",
	"パソコンやサーバーのウイルス感染、故障や誤操作による重要情報の消失に備えてバックアップを取得していますか？",
	"重要情報が記載された書類や電子媒体は、机上に放置せず、書庫などに安全に保管していますか？",
	"重要情報が記載された書類や電子媒体などを持ち出す時は、盗難や紛失の対策をしていますか？",
	"離席時にパソコン画面の覗き見や勝手な操作ができないようにしていますか？",
	"関係者以外の事務所への立ち入りを制限していますか？",
	"退社時にノートパソコンや備品を施錠保管するなど盗難防止対策をしていますか？",
	"事務所が無人になる時の施錠忘れ対策を実施していますか？",
	"重要情報を削除や廃棄する際は、重要情報が読めなくなるような処分をしていますか？",
	"従業員に守秘義務を理解してもらい、業務上知り得た情報を外部に漏らさないなどのルールを守らせていますか？",
	"従業員にセキュリティに関する教育や注意喚起を行っていますか？",
	"個人所有の情報機器を業務で利用する場合のセキュリティ対策を明確にしていますか？",
	"重要情報の授受を伴う取引先との契約書には、秘密保持条項を規定していますか？",
	"クラウドサービスやウェブサイトの運用等で利用する外部サービスは、安全・信頼性を把握して選定していますか？",
	"セキュリティ事故が発生した場合に備え、緊急時の体制整備や対応手順を作成するなど準備をしていますか？",
	"情報セキュリティ対策（上記1～24など）をルール化し、従業員に明示していますか？",
}

func TestContentOwnWording(t *testing.T) {
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range c.Versions {
		for _, it := range q.Items() {
			ours := contentTestNormalize(it.Question.Ja)
			for _, theirs := range ipaQuestionPhrasings {
				theirs := contentTestNormalize(theirs)
				if ours == theirs {
					t.Errorf("%s item %d copies IPA's question %q", q.Version, it.Number, theirs)
					continue
				}
				if d := contentTestDice(ours, theirs); d >= 0.5 {
					t.Errorf("%s item %d: question is too close to IPA's %q (bigram similarity %.2f)", q.Version, it.Number, theirs, d)
				}
				if s := contentTestCommon(ours, theirs); len([]rune(s)) >= 12 {
					t.Errorf("%s item %d: question shares %q with IPA's %q", q.Version, it.Number, s, theirs)
				}
			}
		}
	}
}

// contentTestNormalize drops spaces and punctuation and folds full-width
// letters so that only the wording is compared.
func contentTestNormalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), unicode.IsPunct(r), unicode.IsSymbol(r):
			continue
		case r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ', r >= '０' && r <= '９':
			r -= 'Ａ' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// contentTestDice is the Dice coefficient of the character bigrams of a and b.
func contentTestDice(a, b string) float64 {
	bigrams := func(s string) map[string]int {
		rs := []rune(s)
		m := map[string]int{}
		for i := 0; i+1 < len(rs); i++ {
			m[string(rs[i:i+2])]++
		}
		return m
	}
	ma, mb := bigrams(a), bigrams(b)
	na, nb, both := 0, 0, 0
	for k, n := range ma {
		na += n
		both += min(n, mb[k])
	}
	for _, n := range mb {
		nb += n
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(both) / float64(na+nb)
}

// contentTestCommon returns the longest common substring of a and b.
func contentTestCommon(a, b string) string {
	ra := []rune(a)
	best := ""
	for i := range ra {
		for j := i + len([]rune(best)) + 1; j <= len(ra); j++ {
			if !strings.Contains(b, string(ra[i:j])) {
				break
			}
			best = string(ra[i:j])
		}
	}
	return best
}

// contentTestFS returns a copy of the embedded content as a MapFS whose
// files can be changed per test case.
func contentTestFS(t *testing.T) fstest.MapFS {
	t.Helper()
	sub, err := fs.Sub(contentFS, "content")
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(sub, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, name := range names {
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: data}
	}
	return m
}

// contentTestEdit decodes file name of fsys into generic JSON values, lets
// edit change them and writes the result back.
func contentTestEdit(t *testing.T, fsys fstest.MapFS, name string, edit func(v map[string]any)) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(fsys[name].Data, &v); err != nil {
		t.Fatal(err)
	}
	edit(v)
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	fsys[name] = &fstest.MapFile{Data: data}
}

// Helpers to reach into a generic question set.
func ctPart(v map[string]any, n int) map[string]any { return v["parts"].([]any)[n-1].(map[string]any) }
func ctItem(v map[string]any, n int) map[string]any {
	for _, p := range v["parts"].([]any) {
		for _, it := range p.(map[string]any)["items"].([]any) {
			if it := it.(map[string]any); it["number"].(float64) == float64(n) {
				return it
			}
		}
	}
	panic("no item")
}
func ctText(v map[string]any, key string) map[string]any { return v[key].(map[string]any) }

func TestContentRejectsBrokenFixtures(t *testing.T) {
	const set = "2026-1.json"
	editSet := func(edit func(v map[string]any)) func(t *testing.T, fsys fstest.MapFS) {
		return func(t *testing.T, fsys fstest.MapFS) { contentTestEdit(t, fsys, set, edit) }
	}
	cases := []struct {
		name   string
		break_ func(t *testing.T, fsys fstest.MapFS)
		want   string
	}{
		{"unknown top-level field", editSet(func(v map[string]any) { v["draft"] = true }),
			`2026-1.json: json: unknown field "draft"`},
		{"unknown item field", editSet(func(v map[string]any) { ctItem(v, 7)["part"] = 2 }),
			`unknown field "part"`},
		{"unknown language", editSet(func(v map[string]any) { ctText(ctItem(v, 3), "why")["fr"] = "x" }),
			`unknown field "fr"`},
		{"duplicate key", func(t *testing.T, fsys fstest.MapFS) {
			fsys[set].Data = []byte(strings.Replace(string(fsys[set].Data), `"version": "2026-1",`, `"version": "2026-1", "Version": "2026-1",`, 1))
		}, `duplicate key "Version" in $`},
		{"trailing data", func(t *testing.T, fsys fstest.MapFS) {
			fsys[set].Data = append(append([]byte{}, fsys[set].Data...), []byte("{}")...)
		}, "2026-1.json: unexpected data after the JSON value"},
		{"syntax error", func(t *testing.T, fsys fstest.MapFS) {
			data := fsys[set].Data
			fsys[set].Data = data[:strings.LastIndex(string(data[:len(data)/2]), ",")]
		}, "2026-1.json: unexpected EOF"},
		{"empty file", func(t *testing.T, fsys fstest.MapFS) { fsys[set].Data = []byte("\n") },
			"2026-1.json: file is empty"},
		{"invalid UTF-8", func(t *testing.T, fsys fstest.MapFS) {
			fsys[set].Data = []byte(strings.Replace(string(fsys[set].Data), "ランサムウェア", "\xff\xfe", 1))
		}, "2026-1.json: not valid UTF-8"},
		{"version does not match file name", editSet(func(v map[string]any) { v["version"] = "2026-2" }),
			`version "2026-2" does not match the file name (expected "2026-1")`},
		{"empty version", editSet(func(v map[string]any) { v["version"] = "" }), "2026-1.json: version is empty"},
		{"bad published date", editSet(func(v map[string]any) { v["published"] = "26.11.2026" }),
			`published "26.11.2026" is not a date`},
		{"missing item", editSet(func(v map[string]any) {
			p := ctPart(v, 3)
			p["items"] = p["items"].([]any)[:6]
		}), "part 3 has 6 items, want 7"},
		{"item moved to another part", editSet(func(v map[string]any) {
			p1, p2 := ctPart(v, 1), ctPart(v, 2)
			p1["items"] = append(p1["items"].([]any), p2["items"].([]any)[0])
			p2["items"] = p2["items"].([]any)[1:]
		}), "part 1 has 6 items, want 5"},
		{"items out of order", editSet(func(v map[string]any) {
			items := ctPart(v, 2)["items"].([]any)
			items[0], items[1] = items[1], items[0]
		}), "part 2: expected item 6, found item 7"},
		{"item numbered twice", editSet(func(v map[string]any) { ctItem(v, 25)["number"] = 24 }),
			"part 3: expected item 25, found item 24"},
		{"fourth part", editSet(func(v map[string]any) {
			v["parts"] = append(v["parts"].([]any), ctPart(v, 3))
		}), "has 4 parts, want 3"},
		{"parts misnumbered", editSet(func(v map[string]any) { ctPart(v, 2)["number"] = 3 }),
			"part 2 is numbered 3"},
		{"empty part title", editSet(func(v map[string]any) { ctText(ctPart(v, 1), "title")["en"] = "" }),
			"part 1: title is empty in en"},
		{"empty part intro", editSet(func(v map[string]any) { delete(ctPart(v, 3), "intro") }),
			"part 3: intro is empty in ja and en"},
		{"empty question", editSet(func(v map[string]any) { ctText(ctItem(v, 9), "question")["en"] = "" }),
			"item 9: question is empty in en"},
		{"blank why", editSet(func(v map[string]any) { ctText(ctItem(v, 14), "why")["ja"] = " 　" }),
			"item 14: why is empty in ja"},
		{"missing how", editSet(func(v map[string]any) { delete(ctItem(v, 20), "how") }),
			"item 20: how is empty in ja and en"},
		{"no steps", editSet(func(v map[string]any) { ctText(ctItem(v, 2), "steps")["ja"] = []any{} }),
			"item 2: steps must be non-empty in both ja and en"},
		{"step counts differ", editSet(func(v map[string]any) {
			s := ctText(ctItem(v, 11), "steps")
			s["en"] = s["en"].([]any)[1:]
		}), "item 11: steps: 4 in ja but 3 in en"},
		{"empty step", editSet(func(v map[string]any) { ctText(ctItem(v, 18), "steps")["en"].([]any)[1] = "" }),
			"item 18: step 2 is empty in en"},
		{"weight zero", editSet(func(v map[string]any) { ctItem(v, 5)["weight"] = 0 }),
			"item 5: weight 0 is not between 1 and 3"},
		{"weight four", editSet(func(v map[string]any) { ctItem(v, 12)["weight"] = 4 }),
			"item 12: weight 4 is not between 1 and 3"},
		{"fractional weight", editSet(func(v map[string]any) { ctItem(v, 12)["weight"] = 2.5 }),
			"cannot unmarshal number 2.5"},
		{"undefined threat", editSet(func(v map[string]any) { ctItem(v, 4)["threats"] = []any{"info_leak", "alien_invasion"} }),
			`item 4: threat "alien_invasion" is not defined in threats`},
		{"threat listed twice", editSet(func(v map[string]any) { ctItem(v, 4)["threats"] = []any{"info_leak", "info_leak"} }),
			`item 4: threat "info_leak" is listed twice`},
		{"item without threats", editSet(func(v map[string]any) { ctItem(v, 17)["threats"] = []any{} }),
			"item 17: names no threats"},
		{"threat label missing", editSet(func(v map[string]any) { ctText(v, "threats")["fraud"] = map[string]any{"ja": "詐欺"} }),
			`threat "fraud": label is empty in en`},
		{"bad threat id", editSet(func(v map[string]any) { ctText(v, "threats")["Bad-Id"] = map[string]any{"ja": "x", "en": "x"} }),
			`threat id "Bad-Id"`},
		{"no threats", editSet(func(v map[string]any) { delete(v, "threats") }), "2026-1.json: threats is empty"},
		{"missing band", func(t *testing.T, fsys fstest.MapFS) {
			contentTestEdit(t, fsys, "bands.json", func(v map[string]any) { delete(v, "high_risk") })
		}, `bands.json: band "high_risk" is missing`},
		{"band meaning empty", func(t *testing.T, fsys fstest.MapFS) {
			contentTestEdit(t, fsys, "bands.json", func(v map[string]any) { ctText(v["entry"].(map[string]any), "meaning")["en"] = "" })
		}, `bands.json: band "entry": meaning is empty in en`},
		{"unknown band", func(t *testing.T, fsys fstest.MapFS) {
			contentTestEdit(t, fsys, "bands.json", func(v map[string]any) { v["perfect"] = v["entry"] })
		}, `bands.json: unknown band "perfect"`},
		{"unknown band field", func(t *testing.T, fsys fstest.MapFS) {
			contentTestEdit(t, fsys, "bands.json", func(v map[string]any) { v["entry"].(map[string]any)["id"] = "entry" })
		}, `bands.json: json: unknown field "id"`},
		{"no bands file", func(t *testing.T, fsys fstest.MapFS) { delete(fsys, "bands.json") },
			"open bands.json"},
		{"missing answer", func(t *testing.T, fsys fstest.MapFS) {
			contentTestEdit(t, fsys, "answers.json", func(v map[string]any) { delete(v, "unknown") })
		}, `answers.json: answer "unknown" is missing`},
		{"answer label empty", func(t *testing.T, fsys fstest.MapFS) {
			contentTestEdit(t, fsys, "answers.json", func(v map[string]any) { v["partial"] = map[string]any{"ja": "", "en": "Partly"} })
		}, `answers.json: answer "partial": label is empty in ja`},
		{"unknown answer", func(t *testing.T, fsys fstest.MapFS) {
			contentTestEdit(t, fsys, "answers.json", func(v map[string]any) { v["maybe"] = v["partial"] })
		}, `answers.json: unknown answer "maybe"`},
		{"no question set", func(t *testing.T, fsys fstest.MapFS) { delete(fsys, set) },
			"no question set found"},
		{"two sets published the same day", func(t *testing.T, fsys fstest.MapFS) {
			fsys["2027-1.json"] = &fstest.MapFile{Data: fsys[set].Data}
			contentTestEdit(t, fsys, "2027-1.json", func(v map[string]any) { v["version"] = "2027-1" })
		}, `version "2027-1" has the same published date 2026-11-26 as version "2026-1"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := contentTestFS(t)
			tc.break_(t, fsys)
			c, err := loadContent(fsys)
			if err == nil {
				t.Fatalf("loaded broken content: current %v", c.Current.Version)
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "selfcheck content: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestContentPicksNewestVersion(t *testing.T) {
	fsys := contentTestFS(t)
	// An older set (lexically after the current one) and a newer one.
	fsys["2026-9.json"] = &fstest.MapFile{Data: fsys["2026-1.json"].Data}
	contentTestEdit(t, fsys, "2026-9.json", func(v map[string]any) {
		v["version"], v["published"] = "2026-9", "2025-04-01"
		ctText(ctItem(v, 1), "question")["en"] = "Old wording?"
	})
	fsys["2027-1.json"] = &fstest.MapFile{Data: fsys["2026-1.json"].Data}
	contentTestEdit(t, fsys, "2027-1.json", func(v map[string]any) {
		v["version"], v["published"] = "2027-1", "2027-06-01"
	})
	c, err := loadContent(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if c.Current.Version != "2027-1" || len(c.Versions) != 3 {
		t.Fatalf("current %s of %d versions, want 2027-1 of 3", c.Current.Version, len(c.Versions))
	}
	old, ok := c.Version("2026-9")
	if !ok {
		t.Fatal("old version not kept")
	}
	if it, _ := old.Item(1); it.Question.En != "Old wording?" || it.Part != 1 {
		t.Errorf("old item 1 = %q in part %d", it.Question.En, it.Part)
	}
}
