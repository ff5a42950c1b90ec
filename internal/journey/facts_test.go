package journey_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/assets"
	"mamori/internal/browsertest"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

// TestBrowserFactsPages looks at the pages issue 13's corrected facts
// show, at 1280 and 390 px in both languages: a real estate firm's size
// class with the note on how its split industry was judged, the ledger's
// export choices (mamori's layout and IPA's) and cloud check point 10
// asking about failure frequency. MAMORI_REVIEW_SHOTS saves what was
// seen, with a close-up of the export choices and of point 10.
func TestBrowserFactsPages(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e := apptest.Start(t, dbtest.SQLite(t))
			ctx := context.Background()
			rv := newReviewer(t, e, lang)
			p := e.App.Catalog.Printer(lang)
			u := e.CreateUser("facts-"+lang+"@example.jp", "facts password 1")
			ten := 10
			o, err := e.App.Orgs.Create(ctx, e.DB, nil, u.ID, org.CreateInput{Name: "みなと不動産株式会社", Industry: "K", Employees: &ten})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range []assets.Input{
				{BusinessArea: "営業", Name: "顧客名簿（賃貸物件の入居者と連絡先）", PersonalData: "personal", C: "3", I: "2", A: "2", Storage: "社内サーバ"},
				{BusinessArea: "総務", Name: "従業員のマイナンバー", PersonalData: "my_number", C: "3", I: "3", A: "2", Storage: "金庫"},
				{Name: "物件図面", C: "2", I: "2", A: "1", Storage: "クラウドストレージ"},
			} {
				if _, err := assets.Create(ctx, e.DB, o.ID, in, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			br := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(3*time.Minute))
			rv.login(br, "facts-"+lang+"@example.jp", "facts password 1")

			has := func(page string, keys ...string) {
				t.Helper()
				text := br.Text("main")
				for _, key := range keys {
					if !strings.Contains(text, p.T(key)) {
						t.Errorf("%s (%s) lacks %s", page, lang, key)
					}
				}
			}
			br.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug))
			br.Run(chromedp.WaitVisible(chromedp.CSS("#size-split")))
			has("organisation page", "org.size.small_business", "org.rule.manufacturing", "org.rule.split.K")
			look(t, rv, br, "#size-split", "facts-org-"+lang)

			br.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug + "/assets"))
			br.Run(chromedp.WaitVisible(chromedp.CSS("#asset-export-ipa-xlsx")))
			has("ledger page", "assets.export.mamori", "assets.export.ipa", "assets.export.hint")
			look(t, rv, br, "#asset-export", "facts-export-"+lang)

			br.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug + "/cloud/new"))
			br.Run(chromedp.SendKeys(chromedp.CSS("#name"), "オンラインストレージ"))
			br.Submit("#cloud-service-save")
			br.Run(chromedp.WaitVisible(chromedp.CSS("#cloud-point-10")))
			if text := br.Text("#cloud-point-10"); !strings.Contains(text, map[string]string{"ja": "止まることがどのくらいの頻度であるか", "en": "how often it fails"}[lang]) {
				t.Errorf("cloud check point 10 does not ask about failure frequency: %s", text)
			}
			look(t, rv, br, "#cloud-point-10", "facts-cloud10-"+lang)
		})
	}
}

// look checks at 1280 and 390 px that the element sel fits the window
// (the rest of the page is the phone-layout review's), and with
// MAMORI_REVIEW_SHOTS set saves the whole page and the view from sel
// down, with the guidance sel holds opened.
func look(t *testing.T, rv *reviewer, br *browsertest.Browser, sel, name string) {
	t.Helper()
	for _, w := range []int64{1280, 390} {
		br.Run(chromedp.EmulateViewport(w, 900))
		over, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[int](`Math.ceil(document.querySelector(`+strconv.Quote(sel)+`).getBoundingClientRect().right) - document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if over > 0 {
			t.Errorf("%s (%d px): %s reaches %d px past the window", name, w, sel, over)
		}
		if rv.shots == "" {
			continue
		}
		// The window's view with sel at its top: an element capture is
		// placed wrongly once the viewport has been emulated anew.
		if _, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[bool](`var el = document.querySelector(`+strconv.Quote(sel)+`); el.querySelectorAll("details").forEach(function (d) { d.open = true }); window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8); true`)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(br.Ctx(), chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rv.shots, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
			t.Fatal(err)
		}
		h, _ := chromedp.Run(br.Ctx(), chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
		br.Run(chromedp.EmulateViewport(w, int64(max(h, 900))))
		png, _ = chromedp.Run(br.Ctx(), chromedp.CaptureScreenshot())
		br.Run(chromedp.EmulateViewport(w, 900))
		if err := os.WriteFile(filepath.Join(rv.shots, fmt.Sprintf("%s-page-%d.png", name, w)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
