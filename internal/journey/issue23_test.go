package journey_test

import (
	"context"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/auth/totp"
	"mamori/internal/browsertest"
	"mamori/internal/db/dbtest"
	"mamori/internal/declaration"
	"mamori/internal/org"
	"mamori/internal/web"
)

// TestBrowserIssue23Pages walks the pages the second hardening work
// changed (issue 23), in Japanese and English, at a laptop's width and a
// phone's, with the checks of TestBrowserIssue11Pages: an address sign-up
// refuses, second-factor enrolment behind the password, the outbox
// masking other people's link secrets, an invitation ended by its
// inviter's removal, the last active owner kept, and a withdrawn
// declaration's public page. MAMORI_REVIEW_SHOTS saves what was seen.
func TestBrowserIssue23Pages(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) { walkIssue23Pages(t, lang) })
	}
}

// acceptConfirm answers the next confirmation dialogs (forms with
// data-confirm) with "OK".
func acceptConfirm(t *testing.T, br *browsertest.Browser) {
	t.Helper()
	if _, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[bool](`window.confirm = function () { return true }; true`)); err != nil {
		t.Fatal(err)
	}
}

func walkIssue23Pages(t *testing.T, lang string) {
	e := apptest.Start(t, dbtest.SQLite(t))
	ctx := context.Background()
	rv := newReviewer(t, e, lang)
	look, login := rv.look, rv.login
	p := e.App.Catalog.Printer(lang)
	newBrowser := func() *browsertest.Browser {
		return browsers.New(t, browsertest.WithLang(lang), browsertest.WithTimeout(5*time.Minute))
	}
	// has fails the walk when the page text lacks the catalog's message.
	has := func(page, text, key string, args ...any) {
		t.Helper()
		if want := p.T(key, args...); !strings.Contains(text, want) {
			t.Errorf("%s (%s) does not say %q:\n%s", page, lang, want, text)
		}
	}

	admin := e.CreateUser("admin@example.jp", "admin password 1", web.RoleOperatorAdmin)
	ownerA := e.CreateUser("owner-a@yamada-seiki.example.jp", "owner a pw 123")
	ownerB := e.CreateUser("owner-b@yamada-seiki.example.jp", "owner b pw 123")
	ownerC := e.CreateUser("owner-c@member-c.example.jp", "owner c pw 123")
	ownerD := e.CreateUser("owner-d@member-c.example.jp", "owner d pw 123")
	enrolling := e.CreateUser("mfa@example.jp", "mfa user pw 12")
	x, err := e.App.Orgs.Create(ctx, e.DB, nil, ownerA.ID, org.CreateInput{Name: "山田精機株式会社", Prefecture: "13"})
	if err != nil {
		t.Fatal(err)
	}
	y, err := e.App.Orgs.Create(ctx, e.DB, nil, ownerC.ID, org.CreateInput{Name: "会員C工業株式会社"})
	if err != nil {
		t.Fatal(err)
	}
	z, err := e.App.Orgs.Create(ctx, e.DB, nil, ownerB.ID, org.CreateInput{Name: "みなと精工株式会社", Prefecture: "14", CorporateNumber: "7000012050002"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ slug, user string }{{x.Slug, ownerB.ID}, {y.Slug, ownerD.ID}} {
		if err := e.App.Orgs.AddMember(ctx, e.DB, nil, m.slug, m.user, org.RoleOwner); err != nil {
			t.Fatal(err)
		}
	}

	// 1. Sign-up with an address whose mail would go elsewhere: the
	// field says so, nothing is stored and no mail leaves.
	anon := newBrowser()
	anon.Run(chromedp.Navigate(e.URL + "/signup"))
	anon.Run(chromedp.SendKeys(chromedp.CSS("#email"), "victim@example.jp(x)"), chromedp.SendKeys(chromedp.CSS("#name"), "Look Alike"),
		chromedp.SendKeys(chromedp.CSS("#password"), "look alike pw 1"), chromedp.SendKeys(chromedp.CSS("#password_confirm"), "look alike pw 1"))
	anon.Submit("#signup-submit")
	look(anon, "signup-address", "", func() {})
	if msg := anon.Text("#email-error"); msg == "" {
		t.Errorf("signup (%s): no message at the address", lang)
	}
	if n := e.Count(`SELECT COUNT(*) FROM users WHERE email LIKE 'victim%'`); n != 0 {
		t.Errorf("signup (%s) stored %d accounts for victim@example.jp(x)", lang, n)
	}
	if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr LIKE 'victim%'`); n != 0 {
		t.Errorf("signup (%s) queued %d mails for victim@example.jp(x)", lang, n)
	}

	// 2. Switching the second factor on asks for the current password.
	mb := newBrowser()
	login(mb, enrolling.Email, "mfa user pw 12")
	mb.Run(chromedp.Navigate(e.URL + "/settings"))
	mb.Submit("#mfa-setup")
	look(mb, "mfa-setup", "", func() {})
	code := func() string {
		t.Helper()
		c, err := totp.Code(e.TOTPSecret(enrolling.ID), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mb.Run(chromedp.SendKeys(chromedp.CSS("#code"), code()), chromedp.SendKeys(chromedp.CSS("#mfa_password"), "not my password"))
	mb.Submit("#mfa-enable")
	look(mb, "mfa-wrong-password", "", func() {})
	has("mfa-wrong-password", mb.Text("#current-password-error"), "auth.current_password_wrong")
	if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, enrolling.ID); n != 0 {
		t.Fatalf("mfa (%s): a wrong password switched the factor on", lang)
	}
	mb.Run(chromedp.SendKeys(chromedp.CSS("#code"), code()), chromedp.SendKeys(chromedp.CSS("#mfa_password"), "mfa user pw 12"))
	mb.Submit("#mfa-enable")
	look(mb, "mfa-codes", "", func() {})
	has("mfa-codes", mb.Text("#mfa-enabled"), "auth.mfa_enabled_now")
	if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, enrolling.ID); n != 1 {
		t.Errorf("mfa (%s): the password and code did not switch the factor on", lang)
	}
	look(mb, "settings-mfa-on", "/settings")

	// 4. An owner invites an address as owner and is then removed by the
	// other owner: the invitation has ended.
	ab := newBrowser()
	login(ab, ownerA.Email, "owner a pw 123")
	ab.Run(chromedp.Navigate(e.URL + "/orgs/" + x.Slug + "/members"))
	ab.Run(chromedp.SendKeys(chromedp.CSS("#invite-email"), "newcomer@example.jp"), chromedp.SetValue(chromedp.CSS("#invite-role"), org.RoleOwner))
	ab.Submit("#invite-submit")
	look(ab, "members-invited", "", func() {})
	invite := e.LastMailLink("newcomer@example.jp")
	bb := newBrowser()
	login(bb, ownerB.Email, "owner b pw 123")
	bb.Run(chromedp.Navigate(e.URL + "/orgs/" + x.Slug + "/members"))
	acceptConfirm(t, bb)
	bb.Submit("#member-" + ownerA.ID + ` form[action$="/remove"] button`)
	look(bb, "members-owner-removed", "", func() {})
	if n := e.Count(`SELECT COUNT(*) FROM org_members WHERE user_id = ?`, ownerA.ID); n != 0 {
		t.Fatalf("owner A (%s) still a member", lang)
	}
	text := look(anon, "invitation-ended", invite)
	has("invitation-ended", text, "invite.revoked")
	if res := e.Do(e.Client(), "GET", invite, nil, map[string]string{"Accept-Language": lang}); res.Status != 410 {
		t.Errorf("ended invitation (%s) answered %d, want 410", lang, res.Status)
	}

	// 3. The outbox: other people's link secrets masked, the
	// administrator's own mail whole.
	e.Post(e.Client(), "/password/forgot", url.Values{"email": {ownerC.Email}})
	e.Post(e.Client(), "/signup", url.Values{"email": {"new.user@example.jp"}, "password": {"new user pw 123"}, "password_confirm": {"new user pw 123"}})
	e.Post(e.Client(), "/password/forgot", url.Values{"email": {admin.Email}})
	ad := newBrowser()
	login(ad, admin.Email, "admin password 1")
	text = look(ad, "outbox", "/admin/outbox")
	for _, to := range []string{ownerC.Email, "new.user@example.jp", "newcomer@example.jp"} {
		if secret := path.Base(e.LastMailLink(to)); strings.Contains(text, secret) {
			t.Errorf("outbox (%s) shows the link secret of the mail to %s", lang, to)
		}
	}
	if own := e.LastMailLink(admin.Email); !strings.Contains(text, own) {
		t.Errorf("outbox (%s) does not show the administrator's own link %s", lang, own)
	}

	// 5. The last active owner: owner D disabled by the operator, owner C
	// cannot be disabled, leave, be demoted or be removed.
	disable := func(u string) {
		ad.Run(chromedp.Navigate(e.URL + "/admin/users/" + u))
		ad.Submit(`form[action$="/status"] button`)
	}
	disable(ownerD.ID)
	if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND disabled_at IS NOT NULL`, ownerD.ID); n != 1 {
		t.Fatalf("owner D (%s) not disabled", lang)
	}
	disable(ownerC.ID)
	look(ad, "admin-disable-last-owner", "", func() {})
	// The refusal is explained on the account's page, not an error page.
	has("admin-disable-last-owner", ad.Text("#form-error"), "admin.last_org_owner", y.Name)
	if h := ad.Text("h1"); h != ownerC.Email {
		t.Errorf("admin-disable-last-owner (%s): the page is %q, not owner C's", lang, h)
	}
	cb := newBrowser()
	login(cb, ownerC.Email, "owner c pw 123")
	members := "/orgs/" + y.Slug + "/members"
	look(cb, "members-disabled-owner", members)
	// The disabled owner is marked, so the refusals below read true.
	has("members-disabled-owner", cb.Text("#member-disabled-"+ownerD.ID), "org.member_disabled")
	// The last active owner is offered no change the rule would refuse
	// (the refusals themselves: TestLastActiveOwnerKept), and the
	// disabled owner's removal is offered.
	has("members-disabled-owner", cb.Text("#leave-hint"), "org.leave_sole_owner")
	for _, sel := range []string{"#leave-org", "#member-" + ownerC.ID + ` form[action$="/remove"]`, "#member-" + ownerC.ID + ` form[action$="/role"]`} {
		if absent, err := chromedp.Run(cb.Ctx(), chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote(sel)+`) === null`)); err != nil || !absent {
			t.Errorf("members-disabled-owner (%s): the last active owner is offered %s", lang, sel)
		}
	}
	if present, err := chromedp.Run(cb.Ctx(), chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote("#member-"+ownerD.ID+` form[action$="/remove"]`)+`) !== null`)); err != nil || !present {
		t.Errorf("members-disabled-owner (%s): the disabled owner's removal is not offered", lang)
	}
	if n := e.Count(`SELECT COUNT(*) FROM org_members WHERE user_id = ? AND role = 'owner'`, ownerC.ID); n != 1 {
		t.Fatalf("owner C (%s) is no longer an owner", lang)
	}

	// 6. A withdrawn declaration's public page.
	dec, err := e.App.Decl.DeclareOneStar(ctx, nil, z.ID, z.Name, ownerB.ID, declaration.OneStarInput{
		Commit: [declaration.NumPrinciples]bool{true, true, true, true, true}, DeclarantName: "港 花子", DeclarantTitle: "代表取締役", Authorised: true})
	if err != nil {
		t.Fatal(err)
	}
	bb.Run(chromedp.Navigate(e.URL + "/orgs/" + z.Slug + "/declaration"))
	acceptConfirm(t, bb)
	bb.Run(chromedp.SendKeys(chromedp.CSS("#withdraw-reason"), "事業譲渡のため"))
	bb.Submit("#withdraw")
	look(bb, "declaration-withdrawn", "", func() {})
	text = look(anon, "verify-withdrawn", "/v/"+dec.Number)
	has("verify-withdrawn", text, "registry.verify_withdrawn")

	for _, br := range []*browsertest.Browser{anon, mb, ab, bb, ad, cb} {
		// Pages answered 4xx on purpose are logged as failed loads;
		// scripts' errors are not expected.
		for _, m := range br.ConsoleErrors() {
			if !strings.Contains(m.Text, "Failed to load resource") {
				t.Errorf("console error: %v", m)
			}
		}
	}
}
