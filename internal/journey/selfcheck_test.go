package journey_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/browsertest"
	"mamori/internal/db/dbtest"
)

// TestBrowserSelfcheckJourney is an SME owner's first ten minutes in a
// real Chromium: the anonymous diagnosis, the result, signing up, saving
// the result to a new organisation, the one-star declaration and the
// dashboard showing ★ with the number.
func TestBrowserSelfcheckJourney(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e := apptest.Start(t, dbtest.SQLite(t))
			b := browsers.New(t, browsertest.WithLang(lang))
			w := map[string]map[string]string{
				"ja": {"band": "いつ事故が起きてもおかしくない", "org": "株式会社みまもり製作所", "star": "★"},
				"en": {"band": "An incident could happen at any time", "org": "Mimamori Works Ltd.", "star": "★"},
			}[lang]
			email := "first10-" + lang + "@example.jp"
			pw := "first ten minutes"

			b.Run(chromedp.Navigate(e.URL + "/"))
			b.Run(chromedp.Click(chromedp.CSS("#home-selfcheck-start")))
			b.Run(chromedp.Click(chromedp.CSS("#selfcheck-start")))
			// Part 1 all in place, part 2 partly, part 3 not yet: 20 + 26 + 0.
			for part, answer := range []string{"implemented", "partial", "not_implemented"} {
				for _, n := range partItems[part] {
					b.Run(chromedp.Click(chromedp.CSS(`input[name="q` + strconv.Itoa(n) + `"][value="` + answer + `"]`)))
				}
				b.Run(chromedp.Click(chromedp.CSS("#part-submit")))
			}
			b.WaitText("#result-score", "46")
			b.WaitText("#result-band", w["band"])
			b.Run(chromedp.WaitVisible(chromedp.CSS("#action-plan svg, #action-plan article")))
			if got := b.Text("#action-plan"); !strings.Contains(got, "19.") {
				t.Fatalf("plan lacks item 19: %.300s", got)
			}

			// Save: sign up, confirm, log in, create the organisation, save.
			b.Run(chromedp.Click(chromedp.CSS("#save-signup")))
			b.Run(
				chromedp.WaitVisible(chromedp.CSS("#email")),
				chromedp.SendKeys(chromedp.CSS("#email"), email),
				chromedp.SendKeys(chromedp.CSS("#password"), pw),
				chromedp.SendKeys(chromedp.CSS("#password_confirm"), pw),
				chromedp.Click(chromedp.CSS("#signup-submit")),
			)
			b.Run(chromedp.WaitVisible(chromedp.CSS("#signup-done")))
			b.Run(chromedp.Navigate(e.URL + e.LastMailLink(email)))
			b.Run(chromedp.Click(chromedp.CSS("#verify-submit")))
			b.Run(
				chromedp.WaitVisible(chromedp.CSS("#login-submit")),
				chromedp.SendKeys(chromedp.CSS("#email"), email),
				chromedp.SendKeys(chromedp.CSS("#password"), pw),
				chromedp.Click(chromedp.CSS("#login-submit")),
			)
			b.Run(chromedp.WaitVisible(chromedp.CSS("#save-no-org")))
			b.Run(chromedp.Click(chromedp.CSS("#save-create-org")))
			b.Run(
				chromedp.WaitVisible(chromedp.CSS(`form[action="/orgs/new"] input[name="name"]`)),
				chromedp.SendKeys(chromedp.CSS(`form[action="/orgs/new"] input[name="name"]`), w["org"]),
				chromedp.Click(chromedp.CSS(`form[action="/orgs/new"] button[type="submit"]`)),
			)
			b.Run(chromedp.WaitVisible(chromedp.CSS("#save-submit")))
			b.Run(chromedp.Click(chromedp.CSS("#save-submit")))
			b.WaitText("#result-score", "46")
			if n := e.Count(`SELECT COUNT(*) FROM selfcheck_results r JOIN orgs o ON o.id = r.org_id WHERE o.name = ? AND r.score = 46`, w["org"]); n != 1 {
				t.Fatalf("result not saved to the new organisation (%d)", n)
			}

			// The dashboard tells where it stands: the score and the
			// plan's next three actions, one star still to declare.
			loc := b.Location()
			slug := strings.Split(strings.SplitN(loc, "/orgs/", 2)[1], "/")[0]
			b.Run(chromedp.Navigate(e.URL + "/dashboard"))
			b.WaitText("#score-"+slug, "46")
			b.Run(chromedp.WaitVisible(chromedp.CSS("#declare-" + slug + "-1")))
			if n, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[int](`document.querySelectorAll("#next-`+slug+` li a[href*='#action-']").length`)); err != nil || n != 3 {
				t.Fatalf("next actions on the dashboard: %d (%v)", n, err)
			}

			// One star.
			b.Run(chromedp.Navigate(e.URL + "/orgs/" + slug + "/declaration"))
			b.Run(chromedp.Click(chromedp.CSS("#declare-one-star")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#one-star-form")))
			for i := 1; i <= 5; i++ {
				b.Run(chromedp.Click(chromedp.CSS("#commit_" + strconv.Itoa(i))))
			}
			b.Run(
				chromedp.SendKeys(chromedp.CSS("#declarant_name"), "山田 花子"),
				chromedp.SendKeys(chromedp.CSS("#declarant_title"), "代表取締役"),
				chromedp.Click(chromedp.CSS("#authorised")),
				chromedp.Click(chromedp.CSS("#declare-submit")),
			)
			b.WaitText("#declaration-mark", w["star"])
			number := strings.TrimSpace(b.Text("#declaration-number"))
			if len(number) != 11 {
				t.Fatalf("declaration number %q", number)
			}
			b.Run(chromedp.Navigate(e.URL + "/dashboard"))
			b.WaitText("#badge-"+slug, "★ "+number)
			if errs := b.ConsoleErrors(); len(errs) > 0 {
				t.Fatalf("console errors: %v", errs)
			}
		})
	}
}

// partItems numbers the items of each part of the built-in question set
// (5, 13 and 7 items), as the diagnosis page shows them.
var partItems = [][]int{{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, {19, 20, 21, 22, 23, 24, 25}}
