package journey_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/assets"
	"mamori/internal/browsertest"
	"mamori/internal/cloudcheck"
	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

// TestBrowserLongForms walks the three long pages (the countermeasure
// check, a cloud service's check, the diagnosis result) and the risk
// page with its heat map, in Japanese and English at 1280 and 390 px:
// no serious axe-core violation, no catalog key. It saves one section of each form in the browser: the
// section's "not saved" line shows after a change, leaving the page with
// the change asks first, and the save returns to the section with the
// other sections as stored. It logs each page's height.
func TestBrowserLongForms(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) { walkLongForms(t, lang) })
	}
}

func walkLongForms(t *testing.T, lang string) {
	e := apptest.Start(t, dbtest.SQLite(t))
	ctx := context.Background()
	u := e.CreateUser("forms-"+lang+"@example.jp", "forms password 1")
	var o *org.Org
	now := db.Now()
	var cloudID string
	if err := e.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		o, err = e.App.Orgs.Create(ctx, tx, nil, u.ID, org.CreateInput{Name: "長い名前の精密機械工業株式会社", NameKana: "ナガイナマエノセイミツキカイコウギョウ"})
		if err != nil {
			return err
		}
		for _, a := range []assets.Input{
			{Name: "顧客名簿（営業部・全取引先の担当者連絡先を含む）", C: "3", I: "2", A: "2", Medium: "office_pc", Threat: "3", Vulnerability: "3", VulnerabilityReason: "共有PCにパスワードがない"},
			{Name: "見積書", C: "2", I: "2", A: "1", Medium: "paper", Threat: "2"},
			{Name: "設計図面", C: "3", I: "3", A: "2", Medium: "cloud", Threat: "2"},
		} {
			if _, err := assets.Create(ctx, tx, o.ID, a, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c, err := e.App.Cloud.Create(ctx, nil, o.ID, u.ID, cloudcheck.Input{Name: "オンラインストレージ（図面共有用）", Provider: "A社", URL: "https://storage.example.com/very/long/path/for/the/shared/drawings"})
	if err != nil {
		t.Fatal(err)
	}
	cloudID = c.ID

	rv := newReviewer(t, e, lang)
	br := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(10*time.Minute))
	rv.login(br, u.Email, "forms password 1")
	base := "/orgs/" + o.Slug

	// A diagnosis with much to do: every part answered "not in place"
	// or "don't know", so the plan lists nearly every item.
	for part := 1; part <= 3; part++ {
		br.Run(chromedp.Navigate(fmt.Sprintf("%s/selfcheck/part/%d", e.URL, part)))
		br.Run(chromedp.WaitReady(chromedp.CSS("#part-submit")))
		if _, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[bool](`(function () {
  var names = {};
  document.querySelectorAll("form[data-stepper] input[type=radio]").forEach(function (r) { names[r.name] = true; });
  Object.keys(names).forEach(function (n, i) {
    var v = i % 4 === 3 ? "unknown" : "not_implemented";
    document.querySelector('input[name="' + n + '"][value="' + v + '"]').checked = true;
  });
  return true;
})()`)); err != nil {
			t.Fatal(err)
		}
		// The stepper shows one question at a time on a phone; submit
		// the form itself.
		br.Submit("#part-submit")
	}
	br.Run(chromedp.WaitVisible(chromedp.CSS("#result-score")))

	// Each page at both widths: no serious axe-core violation, its height
	// logged, and with MAMORI_REVIEW_SHOTS set a full-page screenshot.
	// (Sideways scrolling is the phone walk's check, phone_test.go.)
	heights := map[string]string{}
	look := func(name, path string) {
		t.Helper()
		if path != "" {
			br.Run(chromedp.Navigate(e.URL + path))
		}
		for _, w := range []int{1280, 390} {
			br.Run(chromedp.EmulateViewport(int64(w), 900))
			br.Run(chromedp.WaitReady(chromedp.CSS("footer")))
			br.CheckAxe(fmt.Sprintf("%s (%s, %d px)", name, lang, w))
			h, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
			if err != nil {
				t.Fatal(err)
			}
			heights[name] += fmt.Sprintf(" %d px at %d;", h, w)
			if rv.shots != "" {
				br.Run(chromedp.EmulateViewport(int64(w), int64(max(h, 900))))
				png, _ := chromedp.Run(br.Ctx(), chromedp.CaptureScreenshot())
				os.WriteFile(filepath.Join(rv.shots, fmt.Sprintf("%s-%s-%d.png", name, lang, w)), png, 0o644)
			}
		}
		br.Run(chromedp.EmulateViewport(1280, 900))
		if k := rawKey.FindString(br.Text("body")); k != "" {
			t.Errorf("%s (%s) shows the key %q", name, lang, k)
		}
	}
	look("diagnosis-result", "/selfcheck/result")
	for _, id := range []string{"#result-toc", "#plan-index", `a[href="#save-box"]`} {
		br.Run(chromedp.WaitReady(chromedp.CSS(id)))
	}

	look("controls", base+"/controls")
	look("cloud-check", base+"/cloud/"+cloudID)
	look("risk", base+"/risk")

	// The controls sheet: answer an item of the second chapter; its
	// "not saved" line shows; leaving asks; saving that chapter returns
	// to it and says so; the first chapter's stored answer stays.
	if _, err := e.App.Controls.Save(ctx, nil, o.ID, u.ID, []controls.Input{{Key: "org.1", Answer: controls.InPlace, Note: "規程あり"}}); err != nil {
		t.Fatal(err)
	}
	ch := controls.Chapters()[1]
	item := ch.Controls[0].Key
	// The chapter is closed (the first chapter, still unanswered, is the
	// open one); a link to it opens it.
	saveSection(t, br, e.URL+base+"/controls#chapter-"+ch.Key, "#chapter-"+ch.Key,
		`input[name="answer.`+item+`"][value="partial"]`, "#controls-save-"+ch.Key)
	if !strings.Contains(br.Location(), "?saved="+ch.Key+"#chapter-"+ch.Key) {
		t.Errorf("after the chapter's save the page is %s", br.Location())
	}
	br.Run(chromedp.WaitVisible(chromedp.CSS("#chapter-" + ch.Key + "-saved")))
	recs, err := controls.AnswersFor(ctx, e.DB, o.ID)
	if err != nil || recs[item].Answer != controls.Partial || recs["org.1"].Answer != controls.InPlace || recs["org.1"].Note != "規程あり" {
		t.Errorf("after the chapter's save: %v %+v", err, recs)
	}
	look("controls-saved", "")

	// The cloud check: the same with group B.
	saveSection(t, br, e.URL+base+"/cloud/"+cloudID, "#cloud-group-B", "#p5-yes", "#cloud-check-save-B")
	br.Run(chromedp.WaitVisible(chromedp.CSS("#cloud-group-B-saved")))
	a, err := cloudcheck.AnswersOf(ctx, e.DB, o.ID, cloudID)
	if err != nil || a[4].Answer != cloudcheck.Yes || a.Answered() != 1 {
		t.Errorf("after the group's save: %v %+v", err, a)
	}

	for name, h := range heights {
		t.Logf("%s %s height:%s", lang, name, h)
	}
	for _, m := range br.ConsoleErrors() {
		t.Errorf("console error: %v", m)
	}
}

// saveSection changes one answer (click) in a section form (section) of
// the page at url, checks that the section says it is not saved and that
// leaving the page asks first (the dialog is dismissed, so the page
// stays), then saves the section with its button (save).
func saveSection(t *testing.T, br *browsertest.Browser, url, section, click, save string) {
	t.Helper()
	br.Run(chromedp.Navigate(url))
	br.Run(chromedp.WaitReady(chromedp.CSS(section + " .unsaved")))
	if vis, _ := chromedp.Run(br.Ctx(), chromedp.Evaluate[bool](`!document.querySelector(`+"`"+section+` .unsaved`+"`"+`).hidden`)); vis {
		t.Errorf("%s says it is not saved before any change", section)
	}
	br.Run(chromedp.ScrollIntoView(chromedp.CSS(click)), chromedp.Click(chromedp.CSS(click)))
	br.Run(chromedp.WaitVisible(chromedp.CSS(section + " .unsaved")))

	// Leaving now asks; "stay" keeps the page and its change.
	asked := make(chan page.DialogType, 1)
	lctx, stop := context.WithCancel(br.Ctx())
	defer stop()
	if err := chromedp.Listen(lctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case asked <- d.Type:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	// Navigate from a timer: the dialog holds the navigation, and an
	// evaluation that navigated itself would wait for it.
	if _, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[bool](`(setTimeout(function () { location.href = "/dashboard" }, 0), true)`)); err != nil {
		t.Fatal(err)
	}
	select {
	case typ := <-asked:
		if typ != page.DialogTypeBeforeunload {
			t.Errorf("leaving %s with a change opened a %s dialog", section, typ)
		}
		if _, err := chromedp.Call(br.Ctx(), page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false}); err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("leaving %s with a change did not ask", section)
	}
	stop()
	br.Submit(save)
}
