package journey_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/browsertest"
	"mamori/internal/db/dbtest"
)

// TestBrowserJourney walks a newcomer through the product in a real
// Chromium: sign up, confirm the address from the outbox mail, log in,
// create the organisation, switch language, log out.
func TestBrowserJourney(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e := apptest.Start(t, dbtest.SQLite(t))
			b := browsers.New(t, browsertest.WithLang(lang))
			words := map[string]map[string]string{
				"ja": {"done": "確認メールを送りました", "org": "株式会社テスト精機", "other": "en", "logout": "Log out", "first": "最初の一歩"},
				"en": {"done": "We have sent a confirmation mail", "org": "Test Seiki Co., Ltd.", "other": "ja", "logout": "ログアウト", "first": "First step"},
			}[lang]
			email := "journey-" + lang + "@example.jp"
			pw := "journey password 1"

			b.Run(chromedp.Navigate(e.URL + "/"))
			b.Run(chromedp.Click(chromedp.CSS("#home-signup")))
			b.Run(
				chromedp.WaitVisible(chromedp.CSS("#email")),
				chromedp.SendKeys(chromedp.CSS("#email"), email),
				chromedp.SendKeys(chromedp.CSS("#name"), "山田 花子"),
				chromedp.SendKeys(chromedp.CSS("#password"), pw),
				chromedp.SendKeys(chromedp.CSS("#password_confirm"), pw),
				chromedp.Click(chromedp.CSS("#signup-submit")),
			)
			b.WaitText("#signup-done", words["done"])

			link := e.LastMailLink(email)
			b.Run(chromedp.Navigate(e.URL + link))
			b.Run(chromedp.Click(chromedp.CSS("#verify-submit")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#login-submit")))

			b.Run(
				chromedp.SendKeys(chromedp.CSS("#email"), email),
				chromedp.SendKeys(chromedp.CSS("#password"), pw),
				chromedp.Click(chromedp.CSS("#login-submit")),
			)
			b.Run(chromedp.WaitVisible(chromedp.CSS("#create-org-link")))
			if loc := b.Location(); !strings.HasSuffix(loc, "/dashboard") {
				t.Fatalf("after login at %s", loc)
			}

			b.Run(chromedp.Click(chromedp.CSS("#create-org-link")))
			b.Run(
				chromedp.WaitVisible(chromedp.CSS(`form[action="/orgs/new"] input[name="name"]`)),
				chromedp.SendKeys(chromedp.CSS(`form[action="/orgs/new"] input[name="name"]`), words["org"]),
				chromedp.SetValue(chromedp.CSS(`form[action="/orgs/new"] select[name="prefecture"]`), "13"),
				chromedp.SetValue(chromedp.CSS(`form[action="/orgs/new"] select[name="industry"]`), "E"),
				chromedp.SendKeys(chromedp.CSS(`form[action="/orgs/new"] input[name="employees"]`), "25"),
				chromedp.Click(chromedp.CSS(`form[action="/orgs/new"] button[type="submit"]`)),
			)
			b.WaitText("h1", words["org"])
			// The dashboard tells the new organisation its first step.
			b.Run(chromedp.Navigate(e.URL + "/dashboard"))
			b.WaitText(`[id^="first-step-"]`, words["first"])
			if n := e.Count(`SELECT COUNT(*) FROM orgs o JOIN org_members m ON m.org_id = o.id JOIN users u ON u.id = m.user_id WHERE u.email = ? AND m.role = 'owner'`, email); n != 1 {
				t.Fatalf("organisation not stored with owner (%d)", n)
			}

			b.Run(chromedp.Click(chromedp.CSS("#lang-switch")))
			b.WaitText("#logout", words["logout"])
			lang2, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil || lang2 != words["other"] {
				t.Fatalf("page language after switch = %q (%v)", lang2, err)
			}
			b.Run(chromedp.Click(chromedp.CSS("#logout")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#nav-login")))
			if n := e.Count(`SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?`, email); n != 0 {
				t.Fatalf("%d sessions left after logout", n)
			}
			if errs := b.ConsoleErrors(); len(errs) > 0 {
				t.Fatalf("console errors (CSP or script): %v", errs)
			}
		})
	}
}
