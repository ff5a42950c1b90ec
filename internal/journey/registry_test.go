package journey_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/browsertest"
	"mamori/internal/db/dbtest"
	"mamori/internal/declaration"
	"mamori/internal/org"
	"mamori/internal/org/jp"
)

// TestBrowserRegistryResults searches the public registry as a visitor
// would, by reading and by English name, over 30 declarations (six of one
// name, told apart by their corporate numbers), in Japanese and English
// at 1280 px and 390 px: the results fit the phone without sideways
// scrolling, show the corporate number and number their pages.
// MAMORI_REVIEW_SHOTS saves what was seen.
func TestBrowserRegistryResults(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, dbtest.SQLite(t))
	ctx := context.Background()
	owner := e.CreateUser("owner@sakura.example.jp", "owner pw 12345")
	names := []struct{ name, kana, en string }{
		{"さくら精機株式会社", "サクラセイキ", "Sakura Seiki Co., Ltd."},
		{"株式会社桜井製作所", "サクライセイサクショ", "Sakurai Manufacturing Co., Ltd."},
		{"桜工業合同会社", "サクラコウギョウ", "Sakura Kogyo LLC"},
		{"有限会社さくらんぼ農園と加工品の直売所", "サクランボノウエントカコウヒンノチョクバイジョ", "Sakuranbo Farm and Direct Sales of Processed Goods Ltd."},
		{"SAKURA Digital Solutions株式会社", "サクラデジタルソリューションズ", "SAKURA Digital Solutions K.K."},
	}
	for i := range 30 {
		n := names[i%len(names)]
		twelve := fmt.Sprintf("7%011d", 100+i)
		cd, err := jp.CorporateNumberCheckDigit(twelve)
		if err != nil {
			t.Fatal(err)
		}
		in := org.CreateInput{Name: n.name, NameKana: n.kana, NameEn: n.en, Prefecture: fmt.Sprintf("%02d", 1+i%47), Industry: "E"}
		if i%4 != 3 {
			in.CorporateNumber = string(cd) + twelve
		}
		o, err := e.App.Orgs.Create(ctx, e.DB, nil, owner.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Decl.DeclareOneStar(ctx, nil, o.ID, o.Name, owner.ID, declaration.OneStarInput{
			Commit: [declaration.NumPrinciples]bool{true, true, true, true, true}, DeclarantName: "桜 花子", Authorised: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			rv := newReviewer(t, e, lang)
			br := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(3*time.Minute))
			p := e.App.Catalog.Printer(lang)
			for _, c := range []struct{ shot, q string }{
				{"registry-reading", "ｻｸﾗ"},
				{"registry-english", "SAKURA"},
			} {
				text := rv.look(br, c.shot, "/registry?lang="+lang+"&q="+url.QueryEscape(c.q))
				for _, want := range []string{p.N("registry.count", 30, 30), p.T("registry.page_of", 1, 2), p.T("registry.col.corporate_number"),
					"さくら精機株式会社", p.T("registry.next")} {
					if !strings.Contains(text, want) {
						t.Errorf("%s (%s) lacks %q", c.shot, lang, want)
					}
				}
				cur, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[string](`(document.querySelector('.registry-pager [aria-current="page"]') || {}).textContent || ""`))
				if err != nil || cur != "1" {
					t.Errorf("%s (%s): current page %q, %v", c.shot, lang, cur, err)
				}
			}
			// Page 2 through its number.
			br.Run(chromedp.Click(chromedp.CSS(`.registry-pager a[href*="page=2"]`)))
			rv.look(br, "registry-page2", "", func() {})
			if loc := br.Location(); !strings.Contains(loc, "page=2") {
				t.Errorf("page link went to %s", loc)
			}
		})
	}
}
