package policy

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
)

func TestAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		orgtest.NewOrg(t, d, "よその会社", outsider)
		base := "/orgs/" + o.Slug + "/policy"

		for _, p := range []string{base, base + "/edit"} {
			if w := hh.Get(p, ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
				t.Errorf("anonymous %s: %d %q", p, w.Code, w.Header().Get("Location"))
			}
			expect(t, hh.Get(p, outsider), http.StatusNotFound)
		}
		expect(t, hh.Get(base+"/edit", member), http.StatusForbidden)
		expect(t, hh.Post(base+"/edit", member, editForm(fullInput("ja"), "publish")), http.StatusForbidden)
		expect(t, hh.Post(base+"/external", member, map[string][]string{"external_url": {"https://example.jp/"}}), http.StatusForbidden)
		expect(t, hh.Post(base+"/edit", outsider, editForm(fullInput("ja"), "save")), http.StatusNotFound)
		expect(t, hh.Post(base+"/external", outsider, map[string][]string{"external_url": {"https://example.jp/"}}), http.StatusNotFound)
		expect(t, hh.Post(base+"/edit", "", editForm(fullInput("ja"), "save")), http.StatusUnauthorized)
		if n := countRows(t, d, "policy_drafts") + countRows(t, d, "policy_versions"); n != 0 {
			t.Fatalf("%d rows written by refused requests", n)
		}

		// Members see the status; only owners get the edit link.
		w := hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="policy-none"`, "まだ公開していません", `id="policy-owner-only-hint"`)
		expectNot(t, w, `id="policy-edit"`)
		expect(t, hh.Get(base, owner), http.StatusOK, `id="policy-edit"`, `href="/orgs/`+o.Slug+`/policy/edit"`)
		expect(t, hh.Get(base+"?lang=en", member), http.StatusOK, "Not published yet", "Basic information security policy")

		// Public pages: nothing published, unknown organisation, bad versions.
		for _, p := range []string{"/p/" + o.Slug + "/policy", "/p/" + o.Slug + "/policy/1", "/p/no-such-org/policy", "/p/no-such-org/policy/1"} {
			expect(t, hh.Get(p, ""), http.StatusNotFound)
		}
	})
}

func TestEditorFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		t0 := time.Date(2025, 4, 1, 1, 0, 0, 0, time.UTC)
		hh.s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機株式会社", owner, member)
		base := "/orgs/" + o.Slug + "/policy"
		pub := "/p/" + o.Slug + "/policy"

		// First open: a draft from the template with the company's name.
		w := hh.Get(base+"/edit", owner)
		expect(t, w, http.StatusOK, `id="policy-form"`, `<textarea id="h1" name="h1"`, `<textarea id="h5" name="h5"`, "1. 経営者の責任",
			"5. 違反及び事故への対応", "山田精機株式会社は、お客様", `<option value="ja" lang="ja" selected>`, `id="policy-reset"`,
			`id="policy-preview-button"`, `id="policy-publish"`, `id="policy-save"`, `id="policy-external-form"`)
		dr, err := DraftFor(ctx, d, o.ID)
		if err != nil || dr.Lang != "ja" || !strings.HasPrefix(dr.Intro, "山田精機株式会社は") {
			t.Fatalf("draft %v %+v", err, dr)
		}
		expect(t, hh.Get(base+"/edit?lang=en", owner), http.StatusOK, "1. Management&#39;s responsibility", "Write the basic policy")

		// Save keeps the draft and comes back to the editor.
		in := fullInput("ja")
		in.Intro = "{company}の方針です。\n\n二段落目。"
		w = hh.Post(base+"/edit", owner, editForm(in, "save"))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != base+"/edit" {
			t.Errorf("save redirects to %q", loc)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.policy_saved") {
			t.Errorf("no flash: %v", ck)
		}
		if dr, _ := DraftFor(ctx, d, o.ID); dr.Intro != in.Intro || dr.Representative != "山田 太郎" {
			t.Errorf("saved draft %+v", dr)
		}

		// Preview renders without saving, placeholders filled.
		pv := in
		pv.Sections[0] = "プレビューだけの文"
		w = hh.Post(base+"/edit", owner, editForm(pv, "preview"))
		expect(t, w, http.StatusOK, `id="policy-preview"`, "<p>山田精機株式会社の方針です。</p>", "<p>二段落目。</p>",
			`<h3 id="policy-section-1-title">1. 経営者の責任</h3>`, "<p>プレビューだけの文</p>", "制定日", "2025年4月1日", "代表取締役 山田 太郎",
			"\nプレビューだけの文</textarea>")
		if dr, _ := DraftFor(ctx, d, o.ID); dr.Sections[0] != in.Sections[0] {
			t.Error("preview saved the draft")
		}

		// Reset refills from the template in the chosen language, keeps
		// the signer, saves nothing.
		rs := in
		rs.Lang = "en"
		w = hh.Post(base+"/edit", owner, editForm(rs, "reset"))
		expect(t, w, http.StatusOK, `id="policy-reset-notice"`, "山田精機株式会社 regards the information", `<option value="en" lang="en" selected>`,
			`value="山田 太郎"`, `value="代表取締役"`)
		if dr, _ := DraftFor(ctx, d, o.ID); dr.Lang != "ja" || dr.Intro != in.Intro {
			t.Error("reset saved the draft")
		}
		rs.Lang = "fr"
		expect(t, hh.Post(base+"/edit", owner, editForm(rs, "reset")), http.StatusUnprocessableEntity, `id="lang-error"`)
		expect(t, hh.Post(base+"/edit", owner, editForm(in, "delete")), http.StatusBadRequest)

		// Publishing an incomplete policy shows every problem.
		bad := in
		bad.Sections[2], bad.Representative = "", ""
		w = hh.Post(base+"/edit", owner, editForm(bad, "publish"))
		expect(t, w, http.StatusUnprocessableEntity, `id="h3-error"`, `id="representative-error"`, "代表者の氏名を入力してください")
		expectNot(t, w, `id="h1-error"`)

		// Publish: the next version, then the public page.
		w = hh.Post(base+"/edit", owner, editForm(in, "publish"))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != pub {
			t.Errorf("publish redirects to %q", loc)
		}
		w = hh.Get(pub, "")
		expect(t, w, http.StatusOK, `<article class="policy" id="policy-document" lang="ja"`, `<h1 id="policy-title">情報セキュリティ基本方針</h1>`,
			"<p>山田精機株式会社の方針です。</p>", `<h2 id="policy-section-1-title">1. 経営者の責任</h2>`, `<h2 id="policy-section-5-title">5. 違反及び事故への対応</h2>`,
			"<p>本文 incidents</p>", `<dd id="policy-date">2025年4月1日</dd>`, `<dd id="policy-company"><bdi>山田精機株式会社</bdi></dd>`,
			`<dd id="policy-representative"><bdi>代表取締役 山田 太郎</bdi></dd>`, "制定日", "data-print", "print.css")
		expectNot(t, w, `id="policy-old-version"`, "{company}")
		// The reader's language changes the page around the policy, not
		// the policy.
		expect(t, hh.Get(pub+"?lang=en", ""), http.StatusOK, "Version 1, published on mamori.", "1. 経営者の責任")

		// A second version in English; the first stays viewable.
		hh.s.Now = fixedNow(t0.Add(40 * 24 * time.Hour))
		en := fullInput("en")
		en.Intro = "{company} cares."
		en.RepresentativeTitle = "President"
		expect(t, hh.Post(base+"/edit", owner, editForm(en, "publish")), http.StatusSeeOther)
		expect(t, hh.Get(pub, ""), http.StatusOK, `lang="en"`, "<p>山田精機株式会社 cares.</p>", "1. Management&#39;s responsibility",
			"Revised", "11 May 2025", "山田 太郎, President", "第2版")
		w = hh.Get(pub+"/1", "")
		expect(t, w, http.StatusOK, `id="policy-old-version"`, "第1版", `href="`+pub+`"`, "<p>山田精機株式会社の方針です。</p>", "2025年4月1日")
		expect(t, hh.Get(pub+"/2", ""), http.StatusOK, "cares.")
		for _, p := range []string{pub + "/3", pub + "/0", pub + "/01", pub + "/x", pub + "/-1"} {
			expect(t, hh.Get(p, ""), http.StatusNotFound)
		}

		// Members see the current version and the list.
		w = hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="policy-current"`, `id="policy-current-version">第2版<`, `id="policy-public-link" href="`+pub+`"`,
			`id="policy-version-1"`, `id="policy-version-2"`, `href="`+pub+`/1"`, "owner")
		expect(t, hh.Get(base+"?lang=en", member), http.StatusOK, "Version 2", "All versions", "Published on mamori")
	})
}

func TestExternalURL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		base := "/orgs/" + o.Slug + "/policy"
		pub := "/p/" + o.Slug + "/policy"
		form := func(u string) map[string][]string { return map[string][]string{"external_url": {u}} }

		for u, msg := range map[string]string{
			"javascript:alert(1)":                            "http または https で始まる",
			"ftp://example.jp/policy":                        "http または https で始まる",
			"https://example.jp/" + strings.Repeat("a", 500): "500文字以内",
			"https://exa mple.jp/":                           "URL の形式が正しくありません",
		} {
			w := hh.Post(base+"/external", owner, form(u))
			expect(t, w, http.StatusUnprocessableEntity, `id="external_url-error"`, msg, `id="policy-form"`, "1. 経営者の責任")
		}
		if n := countRows(t, d, "policy_versions"); n != 0 {
			t.Fatalf("%d versions from refused URLs", n)
		}
		w := hh.Post(base+"/external", owner, form("https://example.jp/security?a=1&b=2"))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != base {
			t.Errorf("redirect %q", loc)
		}
		w = hh.Get(pub, "")
		expect(t, w, http.StatusOK, `<a id="policy-external-link" href="https://example.jp/security?a=1&amp;b=2" rel="noopener nofollow">`, "山田精機の情報セキュリティ基本方針", "第1版")
		expectNot(t, w, `id="policy-document"`)
		expect(t, hh.Get(pub+"/1?lang=en", ""), http.StatusOK, "Basic information security policy of 山田精機", "as version 1")
		expect(t, hh.Get(base, owner), http.StatusOK, "外部の URL", `rel="noopener nofollow"`)
		expect(t, hh.Get(base+"/edit", owner), http.StatusOK, `id="policy-edit-latest"`, "第1版")
	})
}

// Hostile input: oversized bodies, markup and broken encodings.
func TestHostileInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, `<b>会社</b>`, owner)
		base := "/orgs/" + o.Slug + "/policy"

		// 1 MB in one section: the body limit refuses the request.
		in := fullInput("ja")
		in.Sections[0] = strings.Repeat("a", 1<<20)
		expect(t, hh.Post(base+"/edit", owner, editForm(in, "save")), http.StatusRequestEntityTooLarge, "送信されたデータが大きすぎます")
		// Within the body limit but over the section limit: the length message.
		in.Sections[0] = strings.Repeat("長", MaxSectionChars+1)
		expect(t, hh.Post(base+"/edit?lang=en", owner, editForm(in, "publish")), http.StatusUnprocessableEntity, `id="h1-error"`, "Use at most 4000 characters")
		// A short body that {company} would push over the limit.
		long := orgtest.NewOrg(t, d, strings.Repeat("長", 50), owner)
		in.Sections[0] = strings.Repeat("{company}", 100)
		expect(t, hh.Post("/orgs/"+long.Slug+"/policy/edit", owner, editForm(in, "publish")), http.StatusUnprocessableEntity, `id="h1-error"`)
		// Invalid UTF-8 is refused before anything else.
		body := editForm(fullInput("ja"), "save").Encode() + "&h2=%FF%FE"
		expect(t, hh.Do("POST", base+"/edit", owner, strings.NewReader(body), "application/x-www-form-urlencoded"), http.StatusBadRequest, "文字コード")
		if n := countRows(t, d, "policy_versions"); n != 0 {
			t.Fatalf("%d versions stored from refused forms", n)
		}

		// Markup is stored as typed and shown escaped everywhere.
		in = fullInput("ja")
		in.Intro = `<script>alert(1)</script>` + "\n" + `<img src=x onerror=alert(2)>`
		in.Sections[1] = `"><iframe src="javascript:alert(3)">`
		in.Representative = `<b>太郎</b>`
		expect(t, hh.Post(base+"/edit", owner, editForm(in, "publish")), http.StatusSeeOther)
		v, err := Latest(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Intro != in.Intro || v.Sections[1] != in.Sections[1] || v.Representative != in.Representative {
			t.Errorf("not stored verbatim: %+v", v)
		}
		for _, p := range []string{"/p/" + o.Slug + "/policy", base + "/edit"} {
			w := hh.Get(p, owner)
			expect(t, w, http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;iframe", "&lt;b&gt;")
			expectNot(t, w, "<script>alert", "<img src=x", "<iframe", "<b>太郎", "<b>会社")
		}
		expect(t, hh.Post(base+"/edit", owner, editForm(in, "preview")), http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt;<br>&lt;img")
	})
}

// Every route states an access rule, and the rules are the intended ones.
func TestRouteAccess(t *testing.T) {
	rt := web.NewRouter(&web.ErrorHandler{})
	(&Service{}).Routes(rt)
	want := map[string]string{
		"GET /orgs/{org}/policy":           "org_member",
		"GET /orgs/{org}/policy/edit":      "org_owner",
		"POST /orgs/{org}/policy/edit":     "org_owner",
		"POST /orgs/{org}/policy/external": "org_owner",
		"GET /p/{slug}/policy":             "public",
		"GET /p/{slug}/policy/{version}":   "public",
	}
	got := map[string]string{}
	for _, r := range rt.Routes() {
		got[r.Method+" "+r.Path] = r.Access.Name
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: access %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("routes %v", got)
	}
}

// TestEnglishNameAndNextStep: a policy in English names the company by
// its recorded English name (draft, preview, published version), one in
// Japanese by its registered name; after publishing, the owner goes on to
// the two-star declaration while it is still to be made.
func TestEnglishNameAndNextStep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機株式会社", owner)
		if _, err := d.ExecContext(ctx, `UPDATE orgs SET name_en = ? WHERE id = ?`, "Yamada Seiki Co., Ltd.", o.ID); err != nil {
			t.Fatal(err)
		}
		base := "/orgs/" + o.Slug + "/policy"
		next := ""
		hh.s.NextStep = func(ctx context.Context, got *org.Org) (string, error) {
			if got.ID != o.ID {
				t.Errorf("next step asked for %s", got.Slug)
			}
			return next, nil
		}

		// The first draft in English starts with the English name.
		expect(t, hh.Get(base+"/edit?lang=en", owner), http.StatusOK, "Yamada Seiki Co., Ltd. regards the information")
		in := fullInput("en")
		in.Intro = "{company} protects the information it holds."
		w := hh.Post(base+"/edit", owner, editForm(in, "reset"))
		expect(t, w, http.StatusOK, "Yamada Seiki Co., Ltd. regards the information")
		w = hh.Post(base+"/edit", owner, editForm(in, "preview"))
		expect(t, w, http.StatusOK, "<p>Yamada Seiki Co., Ltd. protects the information it holds.</p>")

		// Publishing while two stars are still to be declared leads there.
		next = "/orgs/" + o.Slug + "/declaration/two-stars"
		w = hh.Post(base+"/edit", owner, editForm(in, "publish"))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != next {
			t.Errorf("publish redirects to %q, want %q", loc, next)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.policy_published_next") {
			t.Errorf("no flash: %v", ck)
		}
		v, err := Latest(ctx, d, o.ID)
		if err != nil || v.OrgName != "Yamada Seiki Co., Ltd." || v.Intro != "Yamada Seiki Co., Ltd. protects the information it holds." {
			t.Fatalf("English version %v %+v", err, v)
		}
		expect(t, hh.Get("/p/"+o.Slug+"/policy", ""), http.StatusOK, "Yamada Seiki Co., Ltd.")

		// In Japanese the registered name; once two stars stand, the
		// public policy as before.
		next = ""
		ja := fullInput("ja")
		ja.Intro = "{company}は情報を守ります。"
		w = hh.Post(base+"/edit", owner, editForm(ja, "publish"))
		if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/p/"+o.Slug+"/policy" {
			t.Errorf("publish redirects to %d %q", w.Code, loc)
		}
		if v, _ := Latest(ctx, d, o.ID); v.OrgName != "山田精機株式会社" || v.Intro != "山田精機株式会社は情報を守ります。" {
			t.Fatalf("Japanese version %+v", v)
		}

		// Recording an external policy leads on the same way.
		next = "/orgs/" + o.Slug + "/declaration/two-stars"
		w = hh.Post(base+"/external", owner, url.Values{"external_url": {"https://yamada.example/policy"}})
		if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != next {
			t.Errorf("external redirects to %d %q", w.Code, loc)
		}
	})
}
