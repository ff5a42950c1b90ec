package registry

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/declaration"
	"mamori/internal/org"
	"mamori/internal/org/jp"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"カタカナ", "かたかな"},
		{"かたかな", "かたかな"},
		{"ｶﾀｶﾅ", "かたかな"},      // half-width katakana
		{"ｶﾞｯｺｳ", "がっこう"},     // half-width voiced mark combines
		{"ヴァイオリン", "ゔぁいおりん"},  // ヴ folds too
		{"ＡＢＣ", "abc"},        // full-width Latin
		{"ABC abc", "abcabc"}, // case and spaces
		{"山田　精機", "山田精機"},     // full-width space
		{"１２３", "123"},
		{"株式会社ヤマダ", "株式会社やまだ"},
		{"コーヒー", "こーひー"}, // the long vowel mark stays
		{"ﾔﾏﾀﾞ ｼｮｳﾃﾝ", "やまだしょうてん"},
		{"Yamada Seiki Co., Ltd.", "yamadaseikicoltd"}, // Latin punctuation goes
		{"K.K.", "kk"},
		{"Ｏ’Ｂｒｉｅｎ ＆ Ｓｏｎｓ", "obriensons"},
		{"(株)山田", "株山田"},
		{"㈱山田", "株山田"},
		{"100%_テスト", "100%_てすと"}, // signs that tell names apart stay
		{"ヤマダ・セイキ", "やまだ・せいき"},
		{"", ""},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if Normalize("ｶﾀｶﾅ") != Normalize("かたかな") || Normalize("ＡＢＣ") != Normalize("abc") {
		t.Error("equivalent forms normalise differently")
	}
}

// corpNumber makes a valid corporate number from twelve digits.
func corpNumber(t *testing.T, twelve string) string {
	t.Helper()
	cd, err := jp.CorporateNumberCheckDigit(twelve)
	if err != nil {
		t.Fatal(err)
	}
	return string(cd) + twelve
}

type apiResp struct {
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Items   []struct {
		Number     string `json:"number"`
		Name       string `json:"name"`
		Stars      int    `json:"stars"`
		Prefecture string `json:"prefecture"`
		Industry   string `json:"industry"`
		Status     string `json:"status"`
		DeclaredAt string `json:"declared_at"`
	} `json:"items"`
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		corp := corpNumber(t, "234567890123")
		a := f.declare(org.CreateInput{Name: "山田精機株式会社", Prefecture: "13", Industry: "E", CorporateNumber: corp})
		b := f.declare(org.CreateInput{Name: "株式会社ヤマダ商店", Prefecture: "27", Industry: "I"})
		c := f.declare(org.CreateInput{Name: "やまだ電機", Prefecture: "13", Industry: "E"})
		dd := f.declare(org.CreateInput{Name: "ＡＢＣ Systems", Prefecture: "01", Industry: "G"})
		e := f.declare(org.CreateInput{Name: "100%_テスト", Prefecture: "47", Industry: "R"})
		f.withdraw(c)
		_, h := newHarness(t, d)

		api := func(query string) apiResp {
			t.Helper()
			w := get(h, "/api/v1/registry?"+query)
			expect(t, w, 200)
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
			var r apiResp
			if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		numbers := func(r apiResp) []string {
			out := []string{}
			for _, it := range r.Items {
				out = append(out, it.Number)
			}
			return out
		}
		want := func(query string, total int, nums ...declared) {
			t.Helper()
			r := api(query)
			var ws []string
			for _, n := range nums {
				ws = append(ws, n.Number)
			}
			if r.Total != total || strings.Join(numbers(r), ",") != strings.Join(ws, ",") {
				t.Errorf("%s: total %d %v, want %d %v", query, r.Total, numbers(r), total, ws)
			}
		}
		// Everything, newest first; the withdrawn one is listed.
		all := api("")
		if all.Total != 5 || all.Page != 1 || all.PerPage != 20 {
			t.Fatalf("all: %+v", all)
		}
		want("", 5, e, dd, c, b, a)
		if it := all.Items[2]; it.Status != "withdrawn" || it.Name != "やまだ電機" || it.Prefecture != "13" || it.Industry != "E" || it.Stars != 1 {
			t.Errorf("withdrawn item: %+v", it)
		}
		if _, err := time.Parse(time.RFC3339, all.Items[0].DeclaredAt); err != nil {
			t.Errorf("declared_at: %v", err)
		}
		// Names: one and two Japanese characters, scripts and widths.
		want("q="+url.QueryEscape("山"), 1, a)
		want("q="+url.QueryEscape("精機"), 1, a)
		want("q="+url.QueryEscape("田"), 1, a)
		want("q="+url.QueryEscape("やまだ"), 2, c, b)
		want("q="+url.QueryEscape("ヤマダ"), 2, c, b)
		want("q="+url.QueryEscape("ﾔﾏﾀﾞ"), 2, c, b)
		want("q="+url.QueryEscape("商"), 1, b)
		want("q="+url.QueryEscape("株式会社"), 2, b, a)
		want("q=abc", 1, dd)
		want("q="+url.QueryEscape("ＡＢＣ"), 1, dd)
		want("q="+url.QueryEscape("abc sys"), 1, dd)
		want("q="+url.QueryEscape("%"), 1, e)
		want("q=_", 1, e)
		want("q="+url.QueryEscape("てすと"), 1, e)
		want("q=zzz", 0)
		want("q=+", 5, e, dd, c, b, a) // only spaces: no name condition
		// Filters.
		want("prefecture=13", 2, c, a)
		want("industry=E", 2, c, a)
		want("prefecture=13&industry=E&q="+url.QueryEscape("山田"), 1, a)
		want("stars=1", 5, e, dd, c, b, a)
		want("stars=2", 0)
		want("number="+b.Number, 1, b)
		want("corporate_number="+corp, 1, a)
		want("corporate_number="+url.QueryEscape(corp[:4]+"-"+corp[4:8]+"-"+corp[8:]), 1, a)
		// Paging.
		p2 := api("per_page=2&page=2")
		if p2.Total != 5 || p2.Page != 2 || p2.PerPage != 2 || strings.Join(numbers(p2), ",") != c.Number+","+b.Number {
			t.Errorf("page 2: %+v", p2)
		}
		want("per_page=2&page=3", 5, a)
		if r := api("per_page=2&page=4"); r.Total != 5 || r.Items == nil || len(r.Items) != 0 {
			t.Errorf("past the end: %+v", r)
		}
		if w := get(h, "/api/v1/registry?page=9"); !strings.Contains(w.Body.String(), `"items":[]`) {
			t.Errorf("empty items must be [] not null: %s", w.Body.String())
		}

		// Bad parameters: 400 naming each.
		for query, field := range map[string]string{
			"prefecture=48": "prefecture", "prefecture=1": "prefecture", "industry=Z": "industry", "industry=e": "industry",
			"stars=3": "stars", "stars=x": "stars", "number=123": "number", "number=" + badCheckDigit(a.Number): "number",
			"corporate_number=123": "corporate_number", "corporate_number=" + badCheckDigit(corp[1:]+"0"): "corporate_number",
			"page=0": "page", "page=x": "page", "page=1001": "page", "per_page=0": "per_page", "per_page=101": "per_page",
			"q=" + strings.Repeat("あ", 101): "q",
		} {
			w := get(h, "/api/v1/registry?"+query)
			var body struct {
				Error struct {
					Code   string            `json:"code"`
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error.Fields[field] == "" || len(body.Error.Fields) != 1 {
				t.Errorf("%s: %d %s, want 400 naming %s", query, w.Code, w.Body.String(), field)
			}
		}
		w := get(h, "/api/v1/registry?stars=9&per_page=1000&number="+badCheckDigit(a.Number))
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"stars"`) || !strings.Contains(w.Body.String(), `"per_page"`) ||
			!strings.Contains(w.Body.String(), `"number"`) {
			t.Errorf("several bad parameters: %d %s", w.Code, w.Body.String())
		}

		// The page.
		expect(t, get(h, "/registry"), 200, "山田精機株式会社", `href="/v/`+a.Number+`"`, "5 件", `id="registry-search"`, "宣言停止")
		expect(t, get(h, "/registry?q="+url.QueryEscape("ﾔﾏﾀﾞ")), 200, "株式会社ヤマダ商店", "やまだ電機", "2 件")
		w = get(h, "/registry?per_page=2&q=")
		expect(t, w, 200, `href="/registry?page=2&amp;per_page=2"`, "（1 / 3 ページ）")
		w = get(h, "/registry?per_page=2&page=3")
		expect(t, w, 200, `href="/registry?page=2&amp;per_page=2"`, `rel="prev"`)
		if strings.Contains(w.Body.String(), `rel="next"`) {
			t.Error("last page offers a next page")
		}
		expect(t, get(h, "/registry?q=zzz"), 200, "0 件", `id="registry-none"`)
		expect(t, get(h, "/registry?prefecture=99&stars=5"), 400, `id="prefecture-error"`, `id="stars-error"`, "都道府県は一覧から選んでください")
		expect(t, get(h, "/registry?lang=en&prefecture=13"), 200, "Registry of self-declarations", `role="status">2 results (page 1 of 1)`, "Tokyo", "Withdrawn")
		// English counts agree with their noun; Japanese has no plural.
		expect(t, get(h, "/registry?lang=en&q="+url.QueryEscape("山田精機")), 200, `role="status">1 result (page 1 of 1)`)
		expect(t, get(h, "/registry?lang=en&q=zzz"), 200, `role="status">0 results</p>`)
		expect(t, get(h, "/registry?q="+url.QueryEscape("山田精機")), 200, `role="status">1 件`)
	})
}

func TestVerifyPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.declare(org.CreateInput{Name: "山田精機株式会社", Prefecture: "13", Industry: "E"})
		b := f.declare(org.CreateInput{Name: "株式会社ヤマダ商店", Prefecture: "27", Industry: "I"})
		f.withdraw(b)
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO policy_versions (id, org_id, version, lang, org_name, external_url, published_at) VALUES (?, ?, 1, 'ja', ?, ?, ?)`,
			db.NewID(), a.Org.ID, a.Org.Name, "https://yamada.example.jp/policy", db.Now()); err != nil {
			t.Fatal(err)
		}
		s, h := newHarness(t, d)

		w := get(h, "/v/"+a.Number)
		expect(t, w, 200, "山田精機株式会社", "★", a.Number, "宣言中", "一つ星", "東京都", "2026年4月2日",
			`href="/api/v1/declarations/`+a.Number+`"`, `href="https://yamada.example.jp/policy"`,
			`&lt;a href=&#34;https://mamori.example.jp/v/`+a.Number+`&#34;&gt;&lt;img src=&#34;https://mamori.example.jp/v/`+a.Number+`/badge.svg&#34;`,
			`<pre id="verify-snippet"><code>`)
		w = get(h, "/v/"+b.Number)
		expect(t, w, 200, "株式会社ヤマダ商店", "宣言停止", "この宣言は停止されています", "大阪府")
		if strings.Contains(w.Body.String(), `id="verify-policy"`) {
			t.Error("a policy link without a published policy")
		}
		// No embed code is offered for a withdrawn declaration.
		if strings.Contains(w.Body.String(), `id="verify-snippet"`) || strings.Contains(w.Body.String(), `id="verify-embed"`) {
			t.Error("a withdrawn declaration's page offers the badge to embed")
		}
		expect(t, get(h, "/v/"+b.Number+"?lang=en"), 200, "Withdrawn", "This declaration has been withdrawn", "Osaka")
		// The page is cached for anonymous visitors, but a change made
		// here shows at once: a's withdrawal after its page was served.
		expect(t, get(h, "/v/"+a.Number), 200, "宣言中")
		f.withdraw(a)
		expect(t, get(h, "/v/"+a.Number), 200, "宣言停止", "この宣言は停止されています")
		// A visitor with a flash message waiting gets their own page.
		req := httptest.NewRequest("GET", "/v/"+a.Number, nil)
		req.AddCookie(&http.Cookie{Name: "mamori_flash", Value: "flash.saved"})
		fw := httptest.NewRecorder()
		h.ServeHTTP(fw, req)
		expect(t, fw, 200, "宣言停止")

		p := s.Catalog.Printer("ja")
		expect(t, get(h, "/v/"+badCheckDigit(a.Number)), 400, p.T("decl.number_check_digit"))
		expect(t, get(h, "/v/12345"), 400, p.T("decl.number_format"))
		unknown := "1000000999" + string(declaration.CheckDigit("1000000999"))
		expect(t, get(h, "/v/"+unknown), 404, p.T("registry.not_found"))
		expect(t, get(h, "/v/"+unknown+"/badge.svg"), 404)
		expect(t, get(h, "/v/"+badCheckDigit(a.Number)+"/badge.svg"), 400)
	})
}

// svgText parses an SVG fully, failing on malformed XML, and returns its
// character data.
func svgText(t *testing.T, body string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("badge is not XML: %v\n%s", err, body)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = v.Name.Local
			}
			if v.Name.Local == "script" || v.Name.Local == "foreignObject" {
				t.Fatalf("badge has a %s element", v.Name.Local)
			}
		case xml.CharData:
			text.Write(v)
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
	return text.String()
}

func TestBadge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.declare(org.CreateInput{Name: "山田精機株式会社", Prefecture: "13"})
		b := f.declare(org.CreateInput{Name: "二つ目"})
		hostile := `<script>alert("x")</script> & 'Co' ]]>` + "\x01"
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET org_name = ? WHERE id = ?`, hostile, b.ID); err != nil {
			t.Fatal(err)
		}
		_, h := newHarness(t, d)

		w := get(h, "/v/"+a.Number+"/badge.svg")
		expect(t, w, 200, "セキュリティ対策自己宣言", "★", "山田精機株式会社", a.Number)
		if ct := w.Header().Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("content type %q", ct)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=3600" {
			t.Errorf("cache control %q", cc)
		}
		text := svgText(t, w.Body.String())
		if !strings.Contains(text, "山田精機株式会社") || strings.Contains(text, "宣言停止中") {
			t.Errorf("badge text %q", text)
		}
		if strings.Contains(strings.ToUpper(w.Body.String()), "SECURITY ACTION") {
			t.Error("badge names IPA's trademark")
		}
		w = get(h, "/v/"+a.Number+"/badge.svg?lang=en")
		expect(t, w, 200, "Security self-declaration", "No. "+a.Number)
		svgText(t, w.Body.String())

		w = get(h, "/v/"+b.Number+"/badge.svg")
		expect(t, w, 200)
		body := w.Body.String()
		text = svgText(t, body)
		if strings.Contains(body, "<script") || !strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, "\x01") {
			t.Errorf("hostile name not escaped:\n%s", body)
		}
		if !strings.Contains(text, `<script>alert("x")</script> & 'Co`) {
			t.Errorf("hostile name not shown as text: %q", text)
		}

		f.withdraw(a)
		w = get(h, "/v/"+a.Number+"/badge.svg")
		expect(t, w, 200, "宣言停止中", "#8c8c8c")
		svgText(t, w.Body.String())
		expect(t, get(h, "/v/"+a.Number+"/badge.svg?lang=en"), 200, "withdrawn")
	})
}

func TestTruncateName(t *testing.T) {
	long := strings.Repeat("山", 40)
	got := truncateName(long, maxNameUnits)
	if !strings.HasSuffix(got, "…") || len([]rune(got)) != maxNameUnits/2 {
		t.Errorf("truncateName(40×山) = %q (%d runes)", got, len([]rune(got)))
	}
	if got := truncateName("短い名前", maxNameUnits); got != "短い名前" {
		t.Errorf("short name changed: %q", got)
	}
	if got := truncateName(strings.Repeat("a", 40), 10); got != "aaaaaaaaa…" {
		t.Errorf("latin: %q", got)
	}
}

func TestCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		var made []declared
		corp := corpNumber(t, "345678901234")
		for i, name := range []string{"一号社", "二号社", "三号社", "四号社", "五号社"} {
			in := org.CreateInput{Name: name, Prefecture: "13", Industry: "E"}
			if i == 0 {
				in.CorporateNumber = corp
			}
			made = append(made, f.declare(in))
		}
		odd := "Smith, \"Jones\"\nand Co"
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET org_name = ? WHERE id = ?`, odd, made[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET org_name = ? WHERE id = ?`, "=HYPERLINK(1)", made[2].ID); err != nil {
			t.Fatal(err)
		}
		// Japanese spreadsheets read the full-width forms as formulas too.
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET org_name = ? WHERE id = ?`, "＝HYPERLINK(1)", made[3].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO policy_versions (id, org_id, version, lang, org_name, published_at) VALUES (?, ?, 1, 'ja', ?, ?)`,
			db.NewID(), made[0].Org.ID, made[0].Org.Name, db.Now()); err != nil {
			t.Fatal(err)
		}
		f.withdraw(made[4])
		old := csvBatch
		csvBatch = 2 // page through several batches
		defer func() { csvBatch = old }()
		_, h := newHarness(t, d)

		w := get(h, "/registry.csv")
		expect(t, w, 200)
		if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="registry.csv"` {
			t.Errorf("content disposition %q", cd)
		}
		recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// The corporate number came last, so the earlier columns kept their places.
		if strings.Join(recs[0], ",") != "number,name,stars,prefecture,industry,status,declared_at,policy_url,corporate_number" {
			t.Errorf("header %v", recs[0])
		}
		if len(recs) != 6 {
			t.Fatalf("%d records, want header + 5:\n%s", len(recs), w.Body.String())
		}
		for i, r := range recs[1:] {
			if r[0] != made[i].Number {
				t.Errorf("row %d number %s, want %s (by number)", i, r[0], made[i].Number)
			}
			if r[2] != "1" || r[3] != "13" || r[4] != "E" {
				t.Errorf("row %d: %v", i, r)
			}
			if _, err := time.Parse(time.RFC3339, r[6]); err != nil {
				t.Errorf("row %d declared_at: %v", i, err)
			}
		}
		if recs[1][1] != "一号社" || recs[1][7] != "https://mamori.example.jp/p/"+made[0].Org.Slug+"/policy" || recs[1][8] != corp || recs[2][8] != "" {
			t.Errorf("row 1: %v", recs[1])
		}
		if recs[2][1] != odd || recs[2][7] != "" {
			t.Errorf("odd name did not survive: %q", recs[2][1])
		}
		if recs[3][1] != "'=HYPERLINK(1)" {
			t.Errorf("formula not defused: %q", recs[3][1])
		}
		if recs[4][1] != "'＝HYPERLINK(1)" {
			t.Errorf("full-width formula not defused: %q", recs[4][1])
		}
		if recs[5][5] != "withdrawn" || recs[4][5] != "active" {
			t.Errorf("statuses: %v %v", recs[4], recs[5])
		}
	})
}

// The flows keep the index in step: a withdrawal and an organisation's
// profile edit (prefecture, industry, corporate number) show in search at
// once, through declaration.Service.Changed and org.Service.Changed.
func TestFlowsKeepIndex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.declare(org.CreateInput{Name: "山田精機株式会社", Prefecture: "13", Industry: "E"})
		lists := NewLists(DefaultListsBytes)
		find := func(q Query) []Entry {
			t.Helper()
			q.Page, q.PerPage = 1, 20
			res, err := Search(ctx, d.Read(), q, lists)
			if err != nil {
				t.Fatal(err)
			}
			return res.Entries
		}
		if es := find(Query{Prefecture: "13", Industry: "E"}); len(es) != 1 || es[0].Status != "active" {
			t.Fatalf("before: %+v", es)
		}
		corp := corpNumber(t, "345678901234")
		orgs := &org.Service{DB: d, Changed: SyncOrg}
		if _, err := orgs.Update(ctx, d, nil, a.Org.Slug, org.CreateInput{Name: a.Org.Name, Prefecture: "47", Industry: "B", CorporateNumber: corp}); err != nil {
			t.Fatal(err)
		}
		if es := find(Query{Prefecture: "13"}); len(es) != 0 {
			t.Errorf("still under the old prefecture: %+v", es)
		}
		if es := find(Query{Q: "山田", Prefecture: "47", Industry: "B"}); len(es) != 1 || es[0].Number != a.Number {
			t.Errorf("not under the new prefecture and industry: %+v", es)
		}
		if es := find(Query{CorporateNumber: corp}); len(es) != 1 {
			t.Errorf("not found by the new corporate number: %+v", es)
		}
		f.withdraw(a)
		if es := find(Query{Q: "精機"}); len(es) != 1 || es[0].Status != "withdrawn" {
			t.Errorf("withdrawal not shown: %+v", es)
		}
		checkIndex(t, d)
		// A withdrawn declaration keeps what it stated: a later profile
		// edit changes neither the index, the page nor the export.
		if _, err := orgs.Update(ctx, d, nil, a.Org.Slug, org.CreateInput{Name: a.Org.Name, Prefecture: "01", Industry: "C"}); err != nil {
			t.Fatal(err)
		}
		if es := find(Query{Prefecture: "47", Industry: "B", CorporateNumber: corp}); len(es) != 1 || es[0].Number != a.Number {
			t.Errorf("withdrawn entry moved with the profile: %+v", es)
		}
		if es := find(Query{Prefecture: "01"}); len(es) != 0 {
			t.Errorf("withdrawn entry found under the new prefecture: %+v", es)
		}
		if stale, err := Stale(ctx, d); err != nil || stale {
			t.Errorf("index stale after a withdrawn organisation's edit: %v %v", stale, err)
		}
		checkIndex(t, d)
		_, h := newHarness(t, d)
		expect(t, get(h, "/v/"+a.Number), http.StatusOK, "沖縄県")
		expect(t, get(h, "/registry.csv"), http.StatusOK, a.Number+",山田精機株式会社,1,47,B,withdrawn,")
	})
}

// TestVerifyCacheKeyBounded: the verification page cache is keyed by what
// the page depends on, so made-up queries and Host headers (the client's
// to choose) neither add entries nor push out the real pages; with no
// base URL configured, the host is part of the key but a long one is not
// cached.
func TestVerifyCacheKeyBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.declare(org.CreateInput{Name: "山田精機株式会社", Prefecture: "13", Industry: "E"})
		for _, base := range []string{"https://mamori.example.jp/", ""} {
			s, h := newHarness(t, d)
			s.BaseURL = base
			expect(t, get(h, "/v/"+a.Number), 200, "山田精機株式会社")
			expect(t, get(h, "/v/"+a.Number+"?lang=en"), 200, "Signed declaration record")
			junk := strings.Repeat("j", 4000)
			for i := range 300 {
				q := fmt.Sprintf("/v/%s?utm=%d%s", a.Number, i, junk)
				if i%3 == 0 {
					q = fmt.Sprintf("/v/%s?lang=en&x=%d", a.Number, i)
				}
				req := httptest.NewRequest("GET", q, nil)
				if i%2 == 0 {
					req.Host = fmt.Sprintf("h%d.%s.example", i, strings.Repeat("h", 300))
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				expect(t, w, 200, "山田精機株式会社")
			}
			if n := s.verifyPages().Len(); n != 2 {
				t.Errorf("base %q: %d cached pages after made-up queries and hosts, want 2", base, n)
			}
		}
	})
}
