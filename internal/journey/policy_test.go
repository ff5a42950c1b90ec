package journey_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/browsertest"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

// TestBrowserPolicyTwoStars: an owner whose organisation took the
// self-diagnosis writes and publishes the basic policy, sees it public and
// printable, and declares two stars, which shows on the dashboard.
func TestBrowserPolicyTwoStars(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e := apptest.Start(t, dbtest.SQLite(t))
			ctx := context.Background()
			u := e.CreateUser("policy-"+lang+"@example.jp", "policy password 1")
			var o *org.Org
			e.DB.InTx(ctx, func(tx *db.Tx) error {
				var err error
				o, err = e.App.Orgs.Create(ctx, tx, nil, u.ID, org.CreateInput{Name: "方針精機株式会社", NameEn: "Hoshin Seiki " + lang})
				return err
			})
			answers := map[string]string{}
			for i := 1; i <= 25; i++ {
				answers[strconv.Itoa(i)] = "implemented"
			}
			if err := e.DB.InTx(ctx, func(tx *db.Tx) error {
				_, err := e.App.Check.Save(ctx, tx, nil, o.ID, "", u.ID, answers)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			b := browsers.New(t, browsertest.WithLang(lang))
			b.Run(chromedp.Navigate(e.URL + "/login"))
			b.Run(
				chromedp.SendKeys(chromedp.CSS("#email"), "policy-"+lang+"@example.jp"),
				chromedp.SendKeys(chromedp.CSS("#password"), "policy password 1"),
				chromedp.Click(chromedp.CSS("#login-submit")),
			)
			b.Run(chromedp.WaitVisible(chromedp.CSS("#greeting")))

			// Two stars are refused until a policy is published, and the page
			// says what is missing.
			b.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug + "/declaration/two-stars"))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#req-policy-link")))
			b.Run(chromedp.Click(chromedp.CSS("#req-policy-link")))
			b.Run(
				chromedp.WaitVisible(chromedp.CSS("#policy-form")),
				chromedp.SetValue(chromedp.CSS("#representative"), "山田 太郎"),
				chromedp.Click(chromedp.CSS("#policy-preview-button")),
			)
			b.Run(chromedp.WaitVisible(chromedp.CSS("#policy-preview")))
			// Publishing leads straight back to the two-star declaration.
			b.Run(chromedp.Click(chromedp.CSS("#policy-publish")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#two-star-form")))
			if !strings.HasSuffix(b.Location(), "/orgs/"+o.Slug+"/declaration/two-stars") {
				t.Fatalf("published, then at %s", b.Location())
			}
			// The policy is public, in the page's language, under the
			// company's name in that language.
			name := map[string]string{"ja": "方針精機株式会社", "en": "Hoshin Seiki en"}[lang]
			b.Run(chromedp.Navigate(e.URL + "/p/" + o.Slug + "/policy"))
			b.WaitText("#policy-version-note", "1")
			if !strings.Contains(b.Text("main"), name) {
				t.Fatalf("public policy lacks the company name %q", name)
			}

			b.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug + "/declaration/two-stars"))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#two-star-form")))
			for i := 1; i <= 5; i++ {
				b.Run(chromedp.Click(chromedp.CSS("#commit_" + strconv.Itoa(i))))
			}
			b.Run(
				chromedp.SendKeys(chromedp.CSS("#declarant_name"), "山田 太郎"),
				chromedp.Click(chromedp.CSS("#authorised")),
				chromedp.Click(chromedp.CSS("#declare-two-submit")),
			)
			b.WaitText("#declaration-mark", "★★")
			number := strings.TrimSpace(b.Text("#declaration-number"))
			b.Run(chromedp.Navigate(e.URL + "/dashboard"))
			b.WaitText("#badge-"+o.Slug, "★★ "+number)

			// The public registry finds it by a two-character query (folding of
			// kana and widths is covered in internal/registry), its page shows ★★,
			// and the badge renders.
			// The search form is a plain GET form; open its result URL
			// directly (submitting it by click sometimes navigated twice in
			// headless Chromium under load, aborting the next navigation).
			b.Run(chromedp.Navigate(e.URL + "/registry?q=" + url.QueryEscape("精機")))
			b.WaitText("#entry-"+number, number)
			// Follow the result's link. Reading its href and navigating,
			// rather than clicking, avoids a chromedp race where the click's
			// own follow-up query runs after the page has already changed.
			href, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.querySelector("#entry-`+number+` a").getAttribute("href")`))
			if err != nil || href != "/v/"+number {
				t.Fatalf("result link %q (%v)", href, err)
			}
			b.Run(chromedp.Navigate(e.URL + href))
			b.WaitText("#verify-stars", "★★")
			b.Run(chromedp.Navigate(e.URL + "/v/" + number + "/badge.svg"))
			svg, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.documentElement.outerHTML`))
			if err != nil || !strings.Contains(svg, number) || !strings.Contains(svg, "<svg") {
				t.Fatalf("badge: %v %.300s", err, svg)
			}
			if errs := b.ConsoleErrors(); len(errs) > 0 {
				t.Fatalf("console errors: %v", errs)
			}
		})
	}
}
