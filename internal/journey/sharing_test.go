package journey_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/browsertest"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
	"mamori/internal/sharing"
)

// TestBrowserSharingJourney: the coordinator makes a SIG and two members;
// member A uploads a mail (ISO-2022-JP subject, a URL, a ZIP); the
// coordinator sees the indicators and the redactions, sets TLP:AMBER and
// the SIG; A approves; B sees the share without A's name or the
// recipient's address and records that it received it too.
func TestBrowserSharingJourney(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, dbtest.SQLite(t))
	ctx := context.Background()
	analyst := e.CreateUser("coord@example.jp", "coordinator pw 1", "analyst")
	ua := e.CreateUser("staff-a@member-a.example.jp", "member a pw 12")
	ub := e.CreateUser("staff-b@member-b.example.jp", "member b pw 12")
	_ = analyst
	var a, b *org.Org
	e.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = e.App.Orgs.Create(ctx, tx, nil, ua.ID, org.CreateInput{Name: "会員A電機株式会社"}); err != nil {
			return err
		}
		b, err = e.App.Orgs.Create(ctx, tx, nil, ub.ID, org.CreateInput{Name: "会員B重工株式会社"})
		return err
	})
	login := func(b *browsertest.Browser, email, pw string) {
		b.Run(chromedp.Navigate(e.URL + "/login"))
		b.Run(chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), pw))
		b.Submit("#login-submit")
		b.Run(chromedp.WaitVisible(chromedp.CSS("#greeting")))
	}

	// The coordinator: a SIG, two members with NDAs and staff.
	co := browsers.New(t)
	login(co, "coord@example.jp", "coordinator pw 1")
	co.Run(chromedp.Navigate(e.URL + "/share/admin/sigs/new"))
	co.Run(chromedp.SendKeys(chromedp.CSS("#name"), "製造業SIG"))
	co.Submit("#sig-submit")
	sigs, _ := sharing.SIGs(ctx, e.DB)
	for _, m := range []struct {
		o     *org.Org
		staff string
	}{{a, "staff-a@member-a.example.jp"}, {b, "staff-b@member-b.example.jp"}} {
		co.Run(chromedp.Navigate(e.URL + "/share/admin"))
		co.Run(chromedp.SendKeys(chromedp.CSS("#org"), m.o.Slug))
		co.Submit("#add-member-submit")
		co.Run(chromedp.SetValue(chromedp.CSS("#signed_on"), "2026-04-01"), chromedp.SetValue(chromedp.CSS("#expires_on"), "2099-03-31"))
		co.Submit("#nda-submit")
		co.WaitText("#ndas", "2099-03-31")
		co.Run(chromedp.Click(chromedp.CSS("#sig-" + sigs[0].ID)))
		co.Submit("#member-sigs-submit")
		co.Run(chromedp.SendKeys(chromedp.CSS("#email"), m.staff))
		co.Submit("#staff-submit")
		co.WaitText("#staff", m.staff)
	}

	// Member A reports the mail.
	ba := browsers.New(t)
	login(ba, "staff-a@member-a.example.jp", "member a pw 12")
	ba.Run(chromedp.Navigate(e.URL + "/share"))
	ba.Submit("#report-new")
	path, _ := filepath.Abs("testdata/journey.eml")
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	ba.Run(chromedp.SendKeys(chromedp.CSS("#summary"), "見積書を装う ZIP 付きメール"), chromedp.SendKeys(chromedp.CSS("#recipients"), "1"),
		chromedp.SetUploadFiles(chromedp.CSS("#mail"), []string{path}))
	ba.Submit("#report-submit")
	ba.WaitText("#report-status", "受付済み")
	reports, _ := sharing.Reports(ctx, e.DB, sharing.ReportFilter{})
	if len(reports) != 1 {
		t.Fatalf("%d reports", len(reports))
	}
	rep := reports[0]

	// The coordinator sees the indicators and prepares the share.
	co.Run(chromedp.Navigate(e.URL + "/share/admin/reports/" + rep.ID))
	co.WaitText("#mails-title", "")
	page := co.Text("main")
	for _, want := range []string{"お見積書", "tanaka@quote-example.co.jp", "hxxps://quote-example[.]co[.]jp", "見積書_20250422.zip", "h.sato@example.jp"} {
		if !strings.Contains(page, want) {
			t.Fatalf("report page lacks %q", want)
		}
	}
	co.Submit("#share-start")
	co.Run(chromedp.WaitVisible(chromedp.CSS("#share-form")))
	if !strings.Contains(co.Text("#redactions-0"), "h.sato@example.jp") {
		t.Fatal("the redaction table lacks the recipient's original address")
	}
	if strings.Contains(co.Text("#shared-title + *"), "h.sato@example.jp") {
		t.Fatal("the shared version shows the recipient")
	}
	co.Run(chromedp.SendKeys(chromedp.CSS("#title"), "見積書を装う PPAP 型メール"), chromedp.Click(chromedp.CSS("#tlp-amber")),
		chromedp.Click(chromedp.CSS("#share-sig-"+sigs[0].ID)))
	co.Submit("#share-ask")
	co.WaitText("#share-status", "承認待ち")

	// Member A's dashboard points at the approval; A approves.
	ba.Run(chromedp.Navigate(e.URL + "/dashboard"))
	ba.WaitText("#notices", "承認を待っている共有版が 1 件")
	ba.Run(chromedp.Navigate(e.URL + "/share/reports/" + rep.ID))
	ba.WaitText("#proposal", "TLP:AMBER")
	ba.Submit("#approve")
	ba.WaitText("#report-status", "承認待ち")

	// The coordinator releases.
	co.Run(chromedp.Navigate(e.URL + "/share/admin/reports/" + rep.ID))
	co.Submit("#share-open")
	co.Run(chromedp.WaitVisible(chromedp.CSS("#share-approved")))
	co.Submit("#share-release")
	co.Run(chromedp.WaitVisible(chromedp.CSS("#share-released")))

	// Member B sees it, without A's name or the recipient, and records a
	// sighting.
	bb := browsers.New(t, browsertest.WithLang("en"))
	login(bb, "staff-b@member-b.example.jp", "member b pw 12")
	// The dashboard says something new was shared.
	bb.WaitText("#notices", "1 new item of shared information")
	bb.Run(chromedp.Navigate(e.URL + "/share"))
	bb.WaitText("#feed", "PPAP")
	bb.Submit("#feed a")
	bb.WaitText("#tlp", "TLP:AMBER")
	shared := bb.Text("main")
	for _, secret := range []string{"会員A電機", "h.sato@example.jp", "staff-a@member-a.example.jp", "佐藤", "8f3a9c2b7d6e", "mx1.example.jp"} {
		if strings.Contains(shared, secret) {
			t.Fatalf("member B sees %q", secret)
		}
	}
	if !strings.Contains(shared, "tanaka@quote-example.co.jp") {
		t.Fatal("member B does not see the sender")
	}
	// The link is shown defanged, in the indicators and in the body text.
	if strings.Contains(shared, "https://quote-example.co.jp") || !strings.Contains(bb.Text(".mailbody"), "hxxps://quote-example[.]co[.]jp/download") {
		t.Fatalf("a live link reaches member B:\n%s", shared)
	}
	bb.Submit("#sighting-button")
	bb.WaitText("#sighting-mine", "received it too")
	for _, br := range []*browsertest.Browser{co, ba, bb} {
		if errs := br.ConsoleErrors(); len(errs) > 0 {
			t.Fatalf("console errors: %v", errs)
		}
	}
}
