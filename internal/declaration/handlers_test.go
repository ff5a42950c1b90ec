package declaration

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
)

func TestPrinciplesPagePublic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		w := hh.Get("/principles", "")
		expect(t, w, http.StatusOK, `<h1 id="principles-title">セキュリティの5つの基本</h1>`, `id="principle-5"`, "今週やること",
			"OS とソフトウェアの更新を後回しにしない", "NAS", `id="principles-login"`, `id="principles-signup"`, "情報セキュリティ5か条")
		expectNot(t, w, "SECURITY ACTION")
		for i := 1; i <= NumPrinciples; i++ {
			for _, want := range []string{`<h2 id="principle-` + string(rune('0'+i)) + `-title">`, `href="#principle-` + string(rune('0'+i)) + `"`} {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("principle %d: lacks %q", i, want)
				}
			}
		}
		if n := strings.Count(w.Body.String(), "<li>"); n < 5*3 {
			t.Errorf("only %d list items", n)
		}
		expect(t, hh.Get("/principles?lang=en", ""), http.StatusOK, "The five security basics", "What to do this week",
			"Never put off updating operating systems and software", "Learn about current threats and attack methods")

		// A logged-in member is offered their organisations' pages.
		u := orgtest.NewUser(t, d, "taro@example.jp")
		o := orgtest.NewOrg(t, d, "山田商店", u)
		expect(t, hh.Get("/principles", u), http.StatusOK, `href="/orgs/`+o.Slug+`/declaration"`, "「山田商店」の自己宣言")
		lone := orgtest.NewUser(t, d, "lone@example.jp")
		expect(t, hh.Get("/principles", lone), http.StatusOK, `id="principles-register-org"`)
	})
}

func TestDeclareFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機株式会社", owner, member)
		orgtest.NewOrg(t, d, "よその会社", outsider)
		base := "/orgs/" + o.Slug + "/declaration"

		// Not declared: members see the status; only owners get the button.
		expect(t, hh.Get(base, owner), http.StatusOK, `id="declaration-none"`, "まだ宣言していません", `id="declare-one-star"`)
		w := hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="declaration-none"`, `id="owner-only-hint"`)
		expectNot(t, w, `id="declare-one-star"`)
		expect(t, hh.Get(base+"?lang=en", member), http.StatusOK, "Not declared yet", "Security self-declaration")

		// Access: anonymous → login, outsider → 404, member → 403.
		for _, p := range []string{base, base + "/one-star"} {
			if w := hh.Get(p, ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
				t.Errorf("anonymous %s: %d %q", p, w.Code, w.Header().Get("Location"))
			}
			expect(t, hh.Get(p, outsider), http.StatusNotFound)
		}
		expect(t, hh.Get(base+"/one-star", member), http.StatusForbidden)
		expect(t, hh.Post(base+"/one-star", member, fullForm("メンバー")), http.StatusForbidden)
		expect(t, hh.Post(base+"/one-star", outsider, fullForm("よそ者")), http.StatusNotFound)
		expect(t, hh.Post(base+"/one-star", "", fullForm("匿名")), http.StatusUnauthorized)

		// The form: five principles, each with a required checkbox.
		w = hh.Get(base+"/one-star", owner)
		expect(t, w, http.StatusOK, `id="one-star-form"`, `name="commit_1" value="1" required`, `name="commit_5" value="1" required`,
			`id="declarant_name" name="declarant_name" value="owner"`, `id="declarant_title"`, `name="authorised" value="1" required`,
			"私たちはこれに取り組みます", "私はこの組織を代表して宣言する権限を持っています")
		expect(t, hh.Get(base+"/one-star?lang=en", owner), http.StatusOK, "We commit to this", "I am authorised to declare for this organisation")

		// Missing a principle: shown again with what was typed, nothing stored.
		f := fullForm("山田 太郎")
		f.Del("commit_4")
		w = hh.Post(base+"/one-star", owner, f)
		expect(t, w, http.StatusUnprocessableEntity, `id="commit_4-error"`, `value="山田 太郎"`, `name="commit_1" value="1" required checked`)
		expectNot(t, w, `id="commit_1-error"`, `id="authorised-error"`)
		// A checkbox with another value does not count.
		f = fullForm("山田 太郎")
		f.Set("commit_2", "on")
		expect(t, hh.Post(base+"/one-star", owner, f), http.StatusUnprocessableEntity, `id="commit_2-error"`)
		// Missing confirmation.
		f = fullForm("山田 太郎")
		f.Del("authorised")
		expect(t, hh.Post(base+"/one-star", owner, f), http.StatusUnprocessableEntity, `id="authorised-error"`, "権限があることを確認")
		// Missing and oversized names.
		expect(t, hh.Post(base+"/one-star", owner, fullForm("")), http.StatusUnprocessableEntity, `id="declarant_name-error"`, "氏名を入力してください")
		w = hh.Post(base+"/one-star?lang=en", owner, fullForm(strings.Repeat("a", 1<<20)))
		expect(t, w, http.StatusUnprocessableEntity, `id="declarant_name-error"`, "at most 100 characters")
		// Invalid UTF-8 is refused by ParseForm before anything else.
		body := fullForm("x").Encode() + "&declarant_title=%FF%FE"
		expect(t, hh.Do("POST", base+"/one-star", owner, strings.NewReader(body), "application/x-www-form-urlencoded"),
			http.StatusBadRequest, "文字コード")
		if n := countRows(t, d, "declarations"); n != 0 {
			t.Fatalf("%d declarations stored from refused forms", n)
		}

		// Success: redirect with flash, status shows ★, number, declarant.
		w = hh.Post(base+"/one-star", owner, fullForm("山田 太郎"))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != base {
			t.Errorf("redirect to %q", loc)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.decl_declared") {
			t.Errorf("no flash: %v", ck)
		}
		dec, err := ForOrg(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		w = hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="declaration-status"`, "★", "一つ星", `id="declaration-number">`+dec.Number+`<`,
			"山田 太郎 (代表取締役)", `id="declaration-account">owner<`, `id="declaration-history-table"`, "宣言", "山田精機株式会社")
		expectNot(t, w, `id="declare-one-star"`)
		expect(t, hh.Get(base+"?lang=en", owner), http.StatusOK, "One star", "Declaration number", "Declared", "What we committed to")

		// Declaring again: the form page explains, the post is a conflict.
		w = hh.Get(base+"/one-star", owner)
		expect(t, w, http.StatusOK, `id="already-declared"`, dec.Number)
		expectNot(t, w, `id="one-star-form"`)
		w = hh.Post(base+"/one-star", owner, fullForm("山田 太郎"))
		expect(t, w, http.StatusConflict, `id="form-error"`, "すでに自己宣言しています（宣言番号 "+dec.Number+"）")
		if n := countRows(t, d, "declaration_events"); n != 1 {
			t.Errorf("%d events", n)
		}
	})
}

// The XSS-shaped declarant name is escaped on every page that shows it.
func TestDeclarantEscaped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "<b>会社</b>", owner)
		base := "/orgs/" + o.Slug + "/declaration"
		expect(t, hh.Post(base+"/one-star", owner, fullForm(`<script>alert(1)</script>`)), http.StatusSeeOther)
		w := hh.Get(base, owner)
		expect(t, w, http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;会社&lt;/b&gt;")
		expectNot(t, w, "<script>alert(1)", "<b>会社")
	})
}

// Every route states an access rule, and the rules are the intended ones.
func TestRouteAccess(t *testing.T) {
	rt := web.NewRouter(&web.ErrorHandler{})
	(&Service{}).Routes(rt)
	want := map[string]string{
		"GET /principles":                           "public",
		"GET /orgs/{org}/declaration":               "org_member",
		"GET /orgs/{org}/declaration/one-star":      "org_owner",
		"POST /orgs/{org}/declaration/one-star":     "org_owner",
		"GET /orgs/{org}/declaration/two-stars":     "org_owner",
		"POST /orgs/{org}/declaration/two-stars":    "org_owner",
		"POST /orgs/{org}/declaration/withdraw":     "org_owner",
		"POST /orgs/{org}/declaration/refresh-name": "org_owner",
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
