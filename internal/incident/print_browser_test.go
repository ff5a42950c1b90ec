package incident

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mamori/internal/browsertest"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
)

// fullCard is a card filled as far as a typical small firm would: every
// internal row, every outside contact, our default steps and a note.
func fullCard(lang string) Card {
	c := DefaultCard(lang, nil)
	people := []Person{
		{Role: "事故対応の責任者", Name: "山田 太郎", Phone: "090-1234-5678", Email: "taro.yamada@yamada-seiki.example.jp"},
		{Role: "責任者の代理", Name: "佐藤 花子", Phone: "090-8765-4321", Email: "hanako.sato@yamada-seiki.example.jp"},
		{Role: "代表者", Name: "山田 一郎", Phone: "03-1234-5678", Email: "ichiro@yamada-seiki.example.jp"},
		{Role: "総務", Name: "鈴木 次郎", Phone: "03-1234-5679", Email: "soumu@yamada-seiki.example.jp"},
		{Role: "経理", Name: "高橋 三郎", Phone: "03-1234-5680", Email: "keiri@yamada-seiki.example.jp"},
	}
	copy(c.Internal[:], people)
	c.Outside[0].Phone = "03-0000-0000"
	c.Outside[1] = Contact{Name: "東京都警察 サイバー犯罪相談窓口", Phone: "03-0000-0001", URL: "https://www.npa.go.jp/bureau/cyber/soudan.html"}
	c.Outside[2] = Contact{Name: "株式会社サポート 田中様", Phone: "06-0000-1111", Email: "help@support.example.jp", Note: "契約番号 A-12345、平日 9-18 時"}
	c.Outside[3] = Contact{Name: "あんしん損保 法人窓口", Phone: "0120-000-000", Note: "証券番号 123-456789"}
	c.Outside[4] = Contact{Name: "中村法律事務所 中村弁護士", Phone: "03-0000-0002", Email: "nakamura@law.example.jp"}
	c.Notes = "取引先 A 社（03-0000-0003）には事故の当日中に連絡する。\nクラウド会計の事業者: サポート窓口 0120-000-001"
	return c
}

var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// The printed card of a fully filled organisation fits one A4 sheet in
// both languages, and the page breaks no rule of the CSP. The Japanese
// card is measured with a real Japanese font (CI installs Noto CJK and
// requires it): fallback boxes are narrower than kanji and would hide an
// overflow.
func TestPrintFitsOneA4Sheet(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := dbtest.SQLite(t)
			s := newTestService(t, d)
			owner := orgtest.NewUser(t, d, "owner@example.jp")
			o := orgtest.NewOrg(t, d, "山田精機株式会社 本社・第二工場", owner)
			c := fullCard(lang)
			if _, err := s.SaveCard(context.Background(), nil, o.ID, owner, &c, 0); err != nil {
				t.Fatal(err)
			}
			eh := &web.ErrorHandler{Log: s.Log, Catalog: s.Catalog, Render: s.Render}
			rt := web.NewRouter(eh)
			s.Routes(rt)
			rt.HandleRaw("GET /static/", web.Public, s.Render.Static())
			viewer := &web.Viewer{UserID: owner, Verified: true, Orgs: []web.Membership{{Role: web.OrgRoleOwner, OrgID: o.ID, Slug: o.Slug, Name: o.Name}}}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Security-Policy", web.CSP)
				rt.ServeHTTP(w, r.WithContext(web.WithLang(web.WithViewer(r.Context(), viewer), lang)))
			}))
			t.Cleanup(srv.Close)

			b := browsertest.New(t, browsertest.WithLang(lang))
			if lang == "ja" {
				browsertest.JapaneseFont(t)
			}
			b.Run(chromedp.Navigate(srv.URL + "/orgs/" + o.Slug + "/incident/card/print"))
			b.WaitText("#incident-card-internal", "090-8765-4321")
			res, err := chromedp.Call(b.Ctx(), page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: new(true)})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(pdfPage.FindAll(res.Data, -1)); n != 1 {
				t.Errorf("the card prints on %d pages, want 1 (%d bytes of PDF)", n, len(res.Data))
			}
			// The stylesheet applied: the situations stand in two columns.
			cols, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".icard-grid")).columnCount`))
			if err != nil {
				t.Fatal(err)
			}
			if cols != "2" {
				t.Errorf("grid columns %q, want two", cols)
			}
			if errs := b.ConsoleErrors(); len(errs) > 0 {
				t.Errorf("console errors: %v", errs)
			}
			t.Log(lang + ": PDF of " + strconv.Itoa(len(res.Data)) + " bytes")
		})
	}
}
