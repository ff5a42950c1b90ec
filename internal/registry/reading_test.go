package registry

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

// An organisation is found by its reading (hiragana, katakana, half-width
// kana) and its English name (any case, with or without the legal form's
// punctuation), not only by the name on the declaration; the reading and
// English name follow profile edits.
func TestSearchReadingAndEnglishName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.declare(org.CreateInput{Name: "山田精機株式会社", NameKana: "ヤマダセイキ", NameEn: "Yamada Seiki Co., Ltd.", Prefecture: "13", Industry: "E"})
		b := f.declare(org.CreateInput{Name: "山田建設", Prefecture: "13", Industry: "D"}) // no reading, no English name
		c := f.declare(org.CreateInput{Name: "東海工業", NameKana: "トウカイコウギョウ", NameEn: "Tokai Kogyo K.K.", Prefecture: "23", Industry: "E"})
		_, h := newHarness(t, d)
		want := func(q string, total int, nums ...declared) {
			t.Helper()
			w := get(h, "/api/v1/registry?q="+url.QueryEscape(q))
			expect(t, w, 200)
			var ws []string
			for _, n := range nums {
				ws = append(ws, `"number":"`+n.Number+`"`)
			}
			body := w.Body.String()
			if !strings.Contains(body, `"total":`+strconv.Itoa(total)+`,`) {
				t.Errorf("q=%q: total not %d: %s", q, total, body)
			}
			for _, s := range ws {
				if !strings.Contains(body, s) {
					t.Errorf("q=%q lacks %s: %s", q, s, body)
				}
			}
			if strings.Count(body, `"number":`) != len(nums) {
				t.Errorf("q=%q: want %d items: %s", q, len(nums), body)
			}
		}
		// The reading, in every script and width, one to six characters.
		for _, q := range []string{"やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "やまだせいき", "ヤマダセイキ", "ﾔﾏﾀﾞｾｲｷ", "せいき", "ｾｲｷ", "ま", "ﾏﾀﾞ"} {
			want(q, 1, a)
		}
		// ヤマダ finds 山田精機 only through its reading: 山田建設 has none.
		want("山田", 2, b, a)
		want("とうかい", 1, c)
		want("こうぎょう", 1, c)
		// The English name, any case, the legal form's punctuation ignored.
		for _, q := range []string{"Yamada", "yamada", "YAMADA", "ＹＡＭＡＤＡ", "Yamada Seiki", "yamadaseiki", "seiki co", "Co., Ltd.",
			"Yamada Seiki Co., Ltd.", "yamada seiki co ltd", "Yamada Seiki Co.,Ltd", "ya"} {
			want(q, 1, a)
		}
		want("Tokai Kogyo KK", 1, c)
		want("kk", 1, c)
		want("co", 1, a)
		want("ltd kk", 0)
		// A query does not join the end of one field with the start of
		// another: the name ends in 社, the reading starts with や.
		want("社や", 0)
		want("きyamada", 0)
		want("ltd.やま", 0)
		// Only punctuation: no name can hold it.
		want(".,", 0)

		// A profile edit moves the reading and the English name.
		ctx := context.Background()
		in := org.CreateInput{Name: a.Org.Name, NameKana: "ミナミセイキ", NameEn: "Minami Precision", Prefecture: "13", Industry: "E"}
		if _, err := (&org.Service{DB: d, Changed: SyncOrg}).Update(ctx, d, nil, a.Org.Slug, in); err != nil {
			t.Fatal(err)
		}
		want("やまだ", 0)
		want("yamada", 0)
		want("みなみ", 1, a)
		want("precision", 1, a)
		want("精機", 1, a)
		checkIndex(t, d)
	})
}

// No normalised text holds a space or fieldSep, so a query can never be
// found across two fields of a search text: whatever a search text
// contains, one of its fields contains.
func FuzzSearchText(f *testing.F) {
	f.Add("山田精機株式会社", "ヤマダセイキ", "Yamada Seiki Co., Ltd.", "きyamada")
	f.Add("ﾔﾏﾀﾞ", "やまだ", "", "ﾏﾀﾞ")
	f.Add("a\u2028b", "c\u0085d", "e\nf", "b\nc")
	f.Fuzz(func(t *testing.T, name, kana, en, q string) {
		nq := Normalize(q)
		for _, r := range nq {
			if unicode.IsSpace(r) || string(r) == fieldSep {
				t.Fatalf("Normalize(%q) = %q holds a space", q, nq)
			}
		}
		text := searchText(name, kana, en)
		if fields := strings.Split(text, fieldSep); len(fields) > 3 {
			t.Fatalf("searchText = %q: %d fields", text, len(fields))
		}
		if nq != "" && strings.Contains(text, nq) {
			found := false
			for field := range strings.SplitSeq(text, fieldSep) {
				found = found || strings.Contains(field, nq)
			}
			if !found {
				t.Fatalf("%q found in %q across fields", nq, text)
			}
		}
	})
}
