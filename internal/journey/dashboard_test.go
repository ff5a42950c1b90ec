package journey_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/browsertest"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/declaration"
	"mamori/internal/org"
	"mamori/internal/selfcheck"
)

// TestBrowserDashboardStanding: a new SME owner opens the home page and
// then the dashboard, in Japanese and English, at 1280 and 390 px. Its
// first organisation, not yet diagnosed, is told the diagnosis is the
// first step; its second, diagnosed and declared, shows the score, the
// next three actions, the checklists toward one and two stars and the
// public page. With MAMORI_REVIEW_SHOTS set the pages are saved there.
func TestBrowserDashboardStanding(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e := apptest.Start(t, dbtest.SQLite(t))
			ctx := context.Background()
			u := e.CreateUser("hanako@yamada-seiki.example.jp", "owner password 1")
			fresh, err := e.App.Orgs.Create(ctx, e.DB, nil, u.ID, org.CreateInput{Name: "株式会社みまもり製作所"})
			if err != nil {
				t.Fatal(err)
			}
			o, err := e.App.Orgs.Create(ctx, e.DB, nil, u.ID, org.CreateInput{Name: "山田精機株式会社", NameEn: "Yamada Seiki Co., Ltd."})
			if err != nil {
				t.Fatal(err)
			}
			content, err := selfcheck.LoadContent()
			if err != nil {
				t.Fatal(err)
			}
			qs := content.Current
			a, answers := selfcheck.NewAnswers(qs), map[string]string{}
			for _, it := range qs.Items() {
				ans := selfcheck.Implemented
				if it.Number%4 == 0 {
					ans = selfcheck.NotImplemented
				}
				a[it.Number], answers[strconv.Itoa(it.Number)] = ans, string(ans)
			}
			res := selfcheck.Score(qs, a)
			if _, err := selfcheck.SaveResult(ctx, e.DB, o.ID, "", u.ID, res, answers, db.Now()); err != nil {
				t.Fatal(err)
			}
			d, err := e.App.Decl.DeclareOneStar(ctx, nil, o.ID, o.Name, u.ID, declaration.OneStarInput{
				Commit: [declaration.NumPrinciples]bool{true, true, true, true, true}, DeclarantName: "山田 花子", Authorised: true})
			if err != nil {
				t.Fatal(err)
			}

			rv := newReviewer(t, e, lang)
			br := browsers.New(t, browsertest.WithLang(lang))
			home := rv.look(br, "home", "/")
			for _, want := range map[string][]string{
				"ja": {"セキュリティ対策自己宣言とは", "中小企業の方へ", "支援機関の方へ", "宣言を確かめたい方へ", "運営者"},
				"en": {"The security self-declaration", "For small businesses", "For supporters", "Checking a declaration", "the operator"},
			}[lang] {
				if !strings.Contains(home, want) {
					t.Errorf("home lacks %q", want)
				}
			}
			rv.login(br, "hanako@yamada-seiki.example.jp", "owner password 1")
			dash := rv.look(br, "dashboard", "/dashboard")
			w := map[string]map[string]string{
				"ja": {"first": "最初の一歩", "score": strconv.Itoa(res.Score) + "点／100点", "next": "次にやること（3つ）", "verify": "宣言の確認ページ"},
				"en": {"first": "First step", "score": strconv.Itoa(res.Score) + " of 100 points", "next": "Your next three actions", "verify": "Public verification page"},
			}[lang]
			for _, want := range []string{w["first"], w["score"], w["next"], w["verify"]} {
				if !strings.Contains(dash, want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
			br.WaitText("#first-step-"+fresh.Slug, w["first"])
			br.WaitText("#score-"+o.Slug, w["score"])
			n, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[int](`document.querySelectorAll("#next-`+o.Slug+` li").length`))
			if err != nil || n != 3 {
				t.Errorf("next actions listed: %d (%v)", n, err)
			}
			// The first next action opens its advice on the saved result.
			br.Run(chromedp.Click(chromedp.CSS("#next-" + o.Slug + " a")))
			br.Run(chromedp.WaitVisible(chromedp.CSS("#action-" + strconv.Itoa(res.Actions[0].Item))))
			br.Run(chromedp.Navigate(e.URL + "/dashboard"))
			br.Run(chromedp.Click(chromedp.CSS("#verify-" + o.Slug)))
			br.WaitText("#verify-number", d.Number)
			if errs := br.ConsoleErrors(); len(errs) > 0 {
				t.Fatalf("console errors: %v", errs)
			}
		})
	}
}
