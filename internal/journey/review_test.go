package journey_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/auth"
	"mamori/internal/browsertest"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
	"mamori/internal/sharing"
	"mamori/internal/web"
)

// rawKey is a catalog key shown as text: a page whose template names a
// key missing from a catalog prints the key itself.
var rawKey = regexp.MustCompile(`\b(sharing|auth|settings|admin|error|flash|field|action|nav|outbox|org|invite|decl|registry|dashboard)\.[a-z_]+(\.[a-z_]+)?\b`)

// TestBrowserIssue11Pages walks the pages the hardening work changed, in
// Japanese and English, at a laptop's width and a phone's (390 px): no
// page scrolls sideways on the phone and none shows a catalog key. With
// MAMORI_REVIEW_SHOTS set, a full-page screenshot of each is saved there.
func TestBrowserIssue11Pages(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) { walkIssue11Pages(t, lang) })
	}
}

func walkIssue11Pages(t *testing.T, lang string) {
	e := apptest.Start(t, dbtest.SQLite(t))
	ctx := context.Background()
	admin := e.CreateUser("admin@example.jp", "admin password 1", web.RoleOperatorAdmin)
	_ = admin
	analyst := e.CreateUser("coord@example.jp", "coordinator pw 1", "analyst")
	ua := e.CreateUser("t.yamada@yamada-seiki.example.jp", "member a pw 12", web.RoleShareMember)
	ub := e.CreateUser("staff-b@member-b.example.jp", "member b pw 12", web.RoleShareMember)
	victim := e.CreateUser("victim@example.jp", "victim password 1")
	var a, b *org.Org
	now := db.Now()
	e.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = e.App.Orgs.Create(ctx, tx, nil, ua.ID, org.CreateInput{Name: "山田精機株式会社", NameKana: "ヤマダセイキ"}); err != nil {
			return err
		}
		b, err = e.App.Orgs.Create(ctx, tx, nil, ub.ID, org.CreateInput{Name: "会員B重工株式会社"})
		return err
	})
	sig, err := sharing.CreateSIG(ctx, e.DB, analyst.ID, sharing.SIGInput{Name: "製造業SIG"}, now)
	if err != nil {
		t.Fatal(err)
	}
	for o, u := range map[*org.Org]*auth.User{a: ua, b: ub} {
		sharing.AddMember(ctx, e.DB, o.ID, analyst.ID, now)
		sharing.RecordNDA(ctx, e.DB, o.ID, analyst.ID, sharing.NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2099-03-31"}, now)
		sharing.AddStaff(ctx, e.DB, o.ID, u.ID, now)
		sharing.SetSIGMember(ctx, e.DB, sig.ID, o.ID, true, now)
	}

	rv := newReviewer(t, e, lang)
	look, login := rv.look, rv.login

	// The lockout: six wrong passwords, then the message.
	anon := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(5*time.Minute))
	wrong := func() {
		anon.Run(chromedp.Navigate(e.URL + "/login"))
		anon.Run(chromedp.SendKeys(chromedp.CSS("#email"), "victim@example.jp"), chromedp.SendKeys(chromedp.CSS("#password"), "wrong password x"))
		anon.Submit("#login-submit")
	}
	for range 5 {
		wrong()
	}
	look(anon, "login-locked", "", wrong)
	// /metrics for an anonymous client: the login form.
	look(anon, "metrics-anon", "/metrics")
	// A reset link for the victim.
	e.Post(e.Client(), "/password/forgot", url.Values{"email": {victim.Email}})
	look(anon, "reset", e.LastMailLink(victim.Email))

	// Settings: the password form and its confirmation; 2FA setup;
	// /metrics for a non-administrator.
	vb := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(5*time.Minute))
	login(vb, "t.yamada@yamada-seiki.example.jp", "member a pw 12")
	look(vb, "settings", "/settings")
	// The confirmation step: app.js asks window.confirm with the form's
	// text; the answer here is "cancel", so nothing changes.
	if _, err := chromedp.Run(vb.Ctx(), chromedp.Evaluate[bool](`window.confirm = function (m) { window.asked = m; return false }; true`)); err != nil {
		t.Fatal(err)
	}
	vb.Run(chromedp.SendKeys(chromedp.CSS("#current_password"), "member a pw 12"), chromedp.SendKeys(chromedp.CSS("#new_password"), "member a pw 13"),
		chromedp.SendKeys(chromedp.CSS("#new_password_confirm"), "member a pw 13"))
	vb.Run(chromedp.Click(chromedp.CSS("#password-section button[type=submit]")))
	dialog, _ := chromedp.Run(vb.Ctx(), chromedp.Evaluate[string](`window.asked || ""`))
	if dialog == "" || rawKey.MatchString(dialog) {
		t.Errorf("password confirmation dialog %q", dialog)
	}
	t.Logf("%s confirm dialog: %s", lang, dialog)
	// Confirmed, the password changes and this session stays.
	chromedp.Run(vb.Ctx(), chromedp.Evaluate[bool](`window.confirm = function () { return true }; true`))
	vb.Submit("#password-section button[type=submit]")
	look(vb, "settings-changed", "", func() {})
	if !strings.Contains(vb.Text(".flash"), "API") {
		t.Errorf("the page after the change does not say the API tokens were revoked")
	}
	vb.Run(chromedp.Navigate(e.URL + "/settings"))
	vb.Submit("#mfa-setup")
	look(vb, "mfa-setup", "", func() {})
	look(vb, "metrics-member", "/metrics")

	// The member: boundary with the phone numbers, then the report.
	look(vb, "boundary", "/share/boundary/"+a.Slug)
	vb.Run(chromedp.Navigate(e.URL + "/share/boundary/" + a.Slug))
	vb.Run(chromedp.SendKeys(chromedp.CSS("#boundary"), "mx1.example.jp"), chromedp.SendKeys(chromedp.CSS("#phones"), "03-1234-5678\nabc"))
	vb.Submit("#boundary-submit")
	look(vb, "boundary-error", "", func() {})
	vb.Run(chromedp.SetValue(chromedp.CSS("#phones"), "03-1234-5678\n03-1234-5679"))
	vb.Submit("#boundary-submit")
	look(vb, "report-new", "/share/reports/new")

	dir := t.TempDir()
	big := filepath.Join(dir, "big.eml")
	os.WriteFile(big, []byte(bigMail()), 0o644)
	journey, _ := filepath.Abs("testdata/journey.eml")
	vb.Run(chromedp.Navigate(e.URL + "/share/reports/new"))
	vb.Run(chromedp.SendKeys(chromedp.CSS("#summary"), "見積書を装う ZIP 付きメール"), chromedp.SendKeys(chromedp.CSS("#recipients"), "3"),
		chromedp.SetUploadFiles(chromedp.CSS("#mail"), []string{journey, big}))
	vb.Submit("#report-submit")
	vb.Run(chromedp.WaitVisible(chromedp.CSS("#report-status")))
	reports, _ := sharing.Reports(ctx, e.DB, sharing.ReportFilter{})
	if len(reports) != 1 {
		t.Fatalf("%d reports", len(reports))
	}
	rep := reports[0]
	look(vb, "report-member", "/share/reports/"+rep.ID)

	// The coordinator: review page, share editor.
	co := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(5*time.Minute))
	login(co, "coord@example.jp", "coordinator pw 1")
	look(co, "reports-admin", "/share/admin/reports")
	look(co, "report-admin", "/share/admin/reports/"+rep.ID)
	co.Run(chromedp.Navigate(e.URL + "/share/admin/reports/" + rep.ID))
	co.Submit("#share-start")
	co.Run(chromedp.WaitVisible(chromedp.CSS("#share-form")))
	edit := co.Location()
	look(co, "share-edit", strings.TrimPrefix(edit, e.URL))
	co.Run(chromedp.Navigate(edit))
	co.Run(chromedp.SendKeys(chromedp.CSS("#title"), "見積書を装う PPAP 型メール"), chromedp.Click(chromedp.CSS("#tlp-amber")),
		chromedp.Click(chromedp.CSS("#share-sig-"+sig.ID)))
	co.Submit("#share-ask")
	vb.Run(chromedp.Navigate(e.URL + "/share/reports/" + rep.ID))
	look(vb, "report-proposal", "/share/reports/"+rep.ID)
	vb.Run(chromedp.Navigate(e.URL + "/share/reports/" + rep.ID))
	vb.Submit("#approve")
	co.Run(chromedp.Navigate(edit))
	co.Submit("#share-release")
	co.Run(chromedp.WaitVisible(chromedp.CSS("#share-released")))

	// Member B reads the share.
	bb := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(5*time.Minute))
	login(bb, "staff-b@member-b.example.jp", "member b pw 12")
	shareID := strings.TrimPrefix(edit, e.URL+"/share/admin/shares/")
	look(bb, "share-member", "/share/shares/"+shareID)
	shared := bb.Text("main")
	for _, secret := range []string{"山田", "Yamada", "ヤマダ", "03-1234-5678", "h.sato@example.jp", "yamada-seiki"} {
		if strings.Contains(shared, secret) {
			t.Errorf("member B sees %q", secret)
		}
	}

	// The administrator disables an account.
	ad := browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(5*time.Minute))
	login(ad, "admin@example.jp", "admin password 1")
	look(ad, "admin-user", "/admin/users/"+victim.ID)
	for _, br := range []*browsertest.Browser{anon, vb, co, bb, ad} {
		// A page answered 4xx on purpose (the lockout, the 403) is
		// logged by the browser as a failed load; scripts' errors are not
		// expected.
		for _, m := range br.ConsoleErrors() {
			if !strings.Contains(m.Text, "Failed to load resource") {
				t.Errorf("console error: %v", m)
			}
		}
	}
}

// reviewer looks at pages of one running application in one language
// the way TestBrowserIssue11Pages and TestBrowserIssue23Pages do.
type reviewer struct {
	t     *testing.T
	e     *apptest.Env
	lang  string
	shots string
	// phoneHeight is the viewport's height at 390 px; 900 when zero.
	phoneHeight int
}

// newReviewer makes a reviewer; with MAMORI_REVIEW_SHOTS set, each page
// looked at is saved there as a full-page screenshot and its text.
func newReviewer(t *testing.T, e *apptest.Env, lang string) *reviewer {
	shots := os.Getenv("MAMORI_REVIEW_SHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &reviewer{t: t, e: e, lang: lang, shots: shots}
}

// look shows path at a laptop's width (1280 px) and a phone's (390 px)
// and checks what every page must: no sideways scroll, no text running
// out of a table cell, no serious accessibility fault (axe-core), no
// catalog key shown. With path "", post[0] is
// run at each width to reach the page (an empty func looks at the page
// the browser is on). It returns the page's text.
func (rv *reviewer) look(br *browsertest.Browser, name, path string, post ...func()) string {
	t, e, lang := rv.t, rv.e, rv.lang
	t.Helper()
	var text string
	for _, w := range []int{1280, 390} {
		h := 900
		if w == 390 && rv.phoneHeight > 0 {
			h = rv.phoneHeight
		}
		br.Run(chromedp.EmulateViewport(int64(w), int64(h)))
		if path != "" {
			br.Run(chromedp.Navigate(e.URL + path))
		} else if len(post) > 0 {
			post[0]()
		}
		br.Run(chromedp.WaitReady(chromedp.CSS("footer")))
		over, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if over > 0 {
			// Name the elements reaching furthest past the edge (the
			// innermost of those ending there), text included: a long
			// word runs out of a box that itself fits.
			wide, _ := chromedp.Run(br.Ctx(), chromedp.Evaluate[string](`(function () {
  var W = document.documentElement.clientWidth, far = [];
  function name(el) { return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "") + " «" + el.textContent.trim().slice(0, 40) + "»"; }
  // An element inside a box that scrolls or clips sideways does not
  // widen the page.
  function contained(el) {
    for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  }
  var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT), n;
  while ((n = walk.nextNode())) {
    var el = n.nodeType === 3 ? n.parentElement : n, r;
    if (n.nodeType === 3) { var rg = document.createRange(); rg.selectNodeContents(n); r = rg.getBoundingClientRect().right; } else { r = n.getBoundingClientRect().right; }
    if (r > W + 1 && !contained(n.nodeType === 3 ? el.firstChild || el : n)) far.push({el: el, r: r, text: n.nodeType === 3});
  }
  // The furthest first; of equals, the innermost (the last in document order).
  far.sort(function (a, b) { return b.r - a.r });
  var out = [], seen = new Set();
  for (var i = 0; i < far.length && out.length < 3; i++) {
    var f = far[i], inner = far.some(function (g) { return g.r >= f.r - 1 && g.el !== f.el && f.el.contains(g.el) });
    if (inner || seen.has(f.el)) continue;
    seen.add(f.el);
    out.push(name(f.el) + (f.text ? " (its text)" : "") + " to " + Math.round(f.r) + " px");
  }
  return out.join("; ");
})()`))
			t.Errorf("%s (%s, %d px) scrolls sideways by %d px: %s", name, lang, w, over, wide)
		}
		// A table cell whose text runs out of it (a header word wider
		// than its column) overlaps its neighbour.
		spill, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[string](`Array.from(document.querySelectorAll("th, td")).filter(function (c) { return c.scrollWidth > c.clientWidth + 1 }).slice(0, 3).map(function (c) { return c.textContent.slice(0, 30) }).join(" | ")`))
		if err != nil {
			t.Fatal(err)
		}
		if spill != "" {
			t.Errorf("%s (%s, %d px): text runs out of table cells: %s", name, lang, w, spill)
		}
		// A cell, button or list squeezed to a character or two a line
		// (Japanese breaks anywhere, so a crowded table stacks its words
		// one character a line instead of overflowing).
		squeezed, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[string](`Array.from(document.querySelectorAll("th, td, button, select")).filter(function (c) {
  var t = c.textContent.trim(), cs = getComputedStyle(c);
  if (t.length < 3 || c.offsetParent === null) return false;
  return c.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) < 2 * parseFloat(cs.fontSize);
}).slice(0, 3).map(function (c) { return c.tagName.toLowerCase() + " «" + c.textContent.trim().slice(0, 20) + "»" }).join(" | ")`))
		if err != nil {
			t.Fatal(err)
		}
		if squeezed != "" {
			t.Errorf("%s (%s, %d px): squeezed to a character a line: %s", name, lang, w, squeezed)
		}
		// No serious or critical axe-core violation. Once a page, at the
		// phone's width: axe reads the document, not the layout, and the
		// few rules that measure (target size, scrollable regions) bite
		// hardest on a phone; twice cost a fifth of the package's time.
		if w == 390 {
			br.CheckAxe(fmt.Sprintf("%s (%s, %d px)", name, lang, w))
		}
		text = br.Text("body")
		// Codes shown as codes (an audit entry's action, in <code> or
		// .mono, and the filter's options) are not catalog keys.
		prose, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[string](`(function () { var b = document.body.cloneNode(true); b.querySelectorAll("code, .mono, option").forEach(function (c) { c.remove() }); return b.textContent })()`))
		if err != nil {
			t.Fatal(err)
		}
		if k := rawKey.FindString(prose); k != "" {
			t.Errorf("%s (%s) shows the key %q", name, lang, k)
		}
		if rv.shots != "" {
			// The window grows to the page's height for the capture: a
			// full-page capture of a page with a scroll bar cuts the
			// bar's width off the right edge.
			full, _ := chromedp.Run(br.Ctx(), chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
			br.Run(chromedp.EmulateViewport(int64(w), int64(max(full, h))))
			png, _ := chromedp.Run(br.Ctx(), chromedp.CaptureScreenshot())
			br.Run(chromedp.EmulateViewport(int64(w), int64(h)))
			os.WriteFile(filepath.Join(rv.shots, fmt.Sprintf("%s-%s-%d.png", name, lang, w)), png, 0o644)
			os.WriteFile(filepath.Join(rv.shots, fmt.Sprintf("%s-%s-%d.txt", name, lang, w)), []byte(text), 0o644)
		}
	}
	return text
}

// login signs in through the login form and waits for the greeting.
func (rv *reviewer) login(br *browsertest.Browser, email, pw string) {
	rv.t.Helper()
	br.Run(chromedp.Navigate(rv.e.URL + "/login"))
	br.Run(chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), pw))
	br.Submit("#login-submit")
	br.Run(chromedp.WaitVisible(chromedp.CSS("#greeting")))
}

// bigMail is a reported mail with more of everything than a page shows:
// 260 recipients of the member, a long subject and link, greetings by
// name and the member's phone number in the body.
func bigMail() string {
	var to []string
	for i := range 260 {
		to = append(to, fmt.Sprintf("Staff %d <staff%03d@yamada-seiki.example.jp>", i, i))
	}
	long := strings.Repeat("請求書のご確認をお願いします", 120)
	return "Received: from mail.bad-example.com (mail.bad-example.com [198.51.100.7])\r\n\tby mx1.example.jp with ESMTP id 1; Tue, 22 Apr 2025 17:20:11 +0900\r\n" +
		"From: Accounts <billing@bad-example.com>\r\n" +
		"To: Taro Yamada <t.yamada@yamada-seiki.example.jp>, " + strings.Join(to, ", ") + "\r\n" +
		"Subject: =?UTF-8?B?" + b64(long) + "?=\r\n" +
		"Date: Tue, 22 Apr 2025 17:20:00 +0900\r\nMessage-ID: <big-1@bad-example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n\r\n" +
		"Dear Taro Yamada,\r\nHi Taro, ヤマダセイキ御中\r\nCall us back at 03-1234-5678 (TYamada).\r\n" +
		"https://bad-example.com/" + strings.Repeat("a", 900) + "?u=t.yamada\r\n"
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
