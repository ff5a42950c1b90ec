package org

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/mail"
	"mamori/internal/org/jp"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

// harness serves this package's routes through webtest, with the
// Service at hand for setting up fixtures.
type harness struct {
	*webtest.Harness
	s *Service
}

func newHarness(t *testing.T, d *db.DB) *harness {
	s := newTestService(t, d)
	eh := &web.ErrorHandler{Log: s.Log, Catalog: s.Catalog, Render: s.Render}
	return &harness{Harness: webtest.New(t, d, eh, s.Routes, 0), s: s}
}

var expect = webtest.Expect

func TestCreateOrgForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		u := newUser(t, d, "taro@example.jp", true)
		unverified := newUser(t, d, "new@example.jp", false)

		expect(t, hh.Get("/orgs/new", ""), http.StatusSeeOther)
		expect(t, hh.Get("/orgs/new", unverified), http.StatusOK, `id="verify-first"`)
		expect(t, hh.Post("/orgs/new", unverified, url.Values{"name": {"x"}}), http.StatusForbidden, "メールアドレスの確認")
		expect(t, hh.Get("/orgs/new", u), http.StatusOK, `id="org-form"`, `<option value="13">東京都</option>`, `<option value="I">I: 卸売業，小売業</option>`)
		expect(t, hh.Get("/orgs/new?lang=en", u), http.StatusOK, `<option value="13">Tokyo</option>`, "Register an organisation")

		// Every problem is shown at once, what was typed is kept, nothing stored.
		w := hh.Post("/orgs/new", u, url.Values{"name": {""}, "corporate_number": {"1000012050002"}, "employees": {"たくさん"},
			"prefecture": {"13"}, "name_en": {"Keep Me"}})
		expect(t, w, http.StatusUnprocessableEntity, `id="name-error"`, `id="corporate_number-error"`, `id="employees-error"`,
			`value="Keep Me"`, `<option value="13" selected>`, "チェック用の数字")
		var n int
		d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM orgs`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d orgs stored from a refused form", n)
		}

		w = hh.Post("/orgs/new", u, url.Values{"name": {"<script>alert(1)</script>"}, "name_en": {"Suzuki Trading"}, "industry": {"I"},
			"wholesale": {"1"}, "employees": {"１２０"}, "capital_yen": {"80,000,000"}, "prefecture": {"01"}, "corporate_number": {"7000012050002"}})
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/orgs/suzuki-trading" {
			t.Fatalf("redirect to %q", loc)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.org_created") {
			t.Errorf("no flash: %v", ck)
		}
		o, err := BySlug(context.Background(), d, "suzuki-trading")
		if err != nil || *o.Employees != 120 || *o.CapitalYen != 80_000_000 || !o.Wholesale {
			t.Fatalf("stored %+v %v", o, err)
		}
		w = hh.Get("/orgs/suzuki-trading", u)
		expect(t, w, http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt;", "中小企業者", "卸売業では", "80,000,000円", "中小企業（従業員101人以上）", `id="edit-link"`)
		if strings.Contains(w.Body.String(), "<script>alert(1)") {
			t.Error("name not escaped")
		}
		expect(t, hh.Get("/orgs/suzuki-trading?lang=en", u), http.StatusOK, "SME with 101 or more employees", "Wholesale: an SME")

		// Someone else sees nothing; the edit form is for owners only.
		other := newUser(t, d, "other@example.jp", true)
		expect(t, hh.Get("/orgs/suzuki-trading", other), http.StatusNotFound)
		expect(t, hh.Get("/orgs/suzuki-trading/edit", other), http.StatusNotFound)
		if err := hh.s.AddMember(context.Background(), d, nil, "suzuki-trading", other, RoleMember); err != nil {
			t.Fatal(err)
		}
		expect(t, hh.Get("/orgs/suzuki-trading/edit", other), http.StatusForbidden)
		w = hh.Get("/orgs/suzuki-trading", other)
		if strings.Contains(w.Body.String(), `id="edit-link"`) {
			t.Error("member offered the edit link")
		}

		expect(t, hh.Get("/orgs/suzuki-trading/edit", u), http.StatusOK, `value="Suzuki Trading"`, `value="120"`, `<option value="I" selected>`, `name="wholesale" value="1" checked`)
		w = hh.Post("/orgs/suzuki-trading/edit", u, url.Values{"name": {"鈴木商事"}, "industry": {"G"}, "employees": {"3"}, "corporate_number": {"7000012050002"}})
		expect(t, w, http.StatusSeeOther)
		expect(t, hh.Get("/orgs/suzuki-trading", u), http.StatusOK, "鈴木商事", "小規模企業者")
		// Real estate (K) is "other industries" under the SME Agency's
		// table: 10 employees is a small business (limit 20), and the page
		// says how the split group was judged.
		w = hh.Post("/orgs/suzuki-trading/edit", u, url.Values{"name": {"鈴木不動産"}, "industry": {"K"}, "employees": {"10"}, "corporate_number": {"7000012050002"}})
		expect(t, w, http.StatusSeeOther)
		expect(t, hh.Get("/orgs/suzuki-trading", u), http.StatusOK, `<strong>小規模企業者</strong>`, "製造業・建設業・運輸業その他の業種では", `id="size-split"`, "不動産業は")
		expect(t, hh.Get("/orgs/suzuki-trading?lang=en", u), http.StatusOK, `<strong>Small business`, `Real estate is judged as &#34;other industries&#34;`)
		if o, _ := BySlug(context.Background(), d, "suzuki-trading"); o.SizeClass() != jp.SizeSmallBusiness {
			t.Errorf("K with 10 employees: %q", o.SizeClass())
		}
		expect(t, hh.Post("/orgs/suzuki-trading/edit", u, url.Values{"name": {"x"}, "capital_yen": {"1e9"}}), http.StatusUnprocessableEntity, `id="capital_yen-error"`)

		// A taken corporate number is explained on the field.
		w = hh.Post("/orgs/new", other, url.Values{"name": {"copy"}, "corporate_number": {"7000012050002"}})
		expect(t, w, http.StatusConflict, `id="corporate_number-error"`, "すでに別の組織")
	})
}

func TestDashboardAndList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		u := newUser(t, d, "taro@example.jp", true)
		unverified := newUser(t, d, "new@example.jp", false)

		expect(t, hh.Get("/dashboard", ""), http.StatusSeeOther)
		w := hh.Get("/dashboard", u)
		expect(t, w, http.StatusOK, `id="create-org-link"`, "taro さん")
		if strings.Contains(w.Body.String(), "unverified-banner") {
			t.Error("verified user sees the banner")
		}
		expect(t, hh.Get("/dashboard", unverified), http.StatusOK, `id="unverified-banner"`, `id="create-org-link"`)
		expect(t, hh.Get("/orgs", u), http.StatusOK, `id="no-orgs"`)

		o, err := hh.s.Create(ctx, d, nil, u, CreateInput{Name: "山田製作所", Prefecture: "23", Industry: "E", Employees: ptr(10)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := hh.s.Create(ctx, d, nil, "", CreateInput{Name: "別の会社"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := hh.s.Invite(ctx, d, nil, b.Slug, "taro@example.jp", RoleMember, "ja"); err != nil {
			t.Fatal(err)
		}
		w = hh.Get("/dashboard", u)
		expect(t, w, http.StatusOK, `id="org-card-`+o.Slug+`"`, "愛知県", "製造業", "小規模企業者", "オーナー", `id="pending-invitations"`, "別の会社")
		if strings.Contains(w.Body.String(), `id="create-org-link"`) {
			t.Error("call to action shown to a member")
		}
		expect(t, hh.Get("/orgs?lang=en", u), http.StatusOK, "Aichi", "Manufacturing", "Small business", "Owner")

		// Accepting from the dashboard needs a verified address.
		inv, _ := InvitationsFor(ctx, d, "taro@example.jp", u, hh.s.now())
		expect(t, hh.Post("/dashboard/invitations/"+inv[0].ID+"/accept", unverified, nil), http.StatusForbidden)
		w = hh.Post("/dashboard/invitations/"+inv[0].ID+"/accept", u, nil)
		expect(t, w, http.StatusSeeOther)
		if w.Header().Get("Location") != "/orgs/"+b.Slug {
			t.Errorf("redirect %q", w.Header().Get("Location"))
		}
		expect(t, hh.Get("/orgs/"+b.Slug, u), http.StatusOK, "別の会社")
	})
}

func TestInvitationFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := newUser(t, d, "owner@example.jp", true)
		hanako := newUser(t, d, "hanako@example.jp", true)
		stranger := newUser(t, d, "stranger@example.jp", true)
		o, err := hh.s.Create(ctx, d, nil, owner, CreateInput{Name: "山田商店", NameEn: "Yamada Shoten"})
		if err != nil {
			t.Fatal(err)
		}
		members := "/orgs/" + o.Slug + "/members"
		expect(t, hh.Get(members, owner), http.StatusOK, `id="invite-form"`, `id="no-invitations"`)

		// Bad address: the page comes back with the problem on the field.
		expect(t, hh.Post("/orgs/"+o.Slug+"/invitations", owner, url.Values{"email": {"nope"}, "role": {"member"}}),
			http.StatusUnprocessableEntity, `id="invite-email-error"`, `value="nope"`)
		// Only owners invite.
		if err := hh.s.AddMember(ctx, d, nil, o.Slug, stranger, RoleMember); err != nil {
			t.Fatal(err)
		}
		expect(t, hh.Post("/orgs/"+o.Slug+"/invitations", stranger, url.Values{"email": {"x@example.jp"}, "role": {"member"}}), http.StatusForbidden)
		w := hh.Get(members, stranger)
		expect(t, w, http.StatusOK, `id="leave-org"`)
		if strings.Contains(w.Body.String(), `id="invite-form"`) {
			t.Error("member sees the invite form")
		}
		if err := hh.s.RemoveMember(ctx, d, nil, o.Slug, stranger); err != nil {
			t.Fatal(err)
		}

		w = hh.Post("/orgs/"+o.Slug+"/invitations?lang=en", owner, url.Values{"email": {"Hanako@example.jp"}, "role": {"member"}})
		expect(t, w, http.StatusSeeOther)
		box, _ := mail.List(ctx, d, "hanako@example.jp", 5, 0)
		if len(box) != 1 || !strings.HasPrefix(box[0].Subject, "[mamori] You are invited") {
			t.Fatalf("outbox %+v", box)
		}
		m := linkRe.FindStringSubmatch(box[0].Body)
		if m == nil {
			t.Fatalf("no link in %q", box[0].Body)
		}
		link := "/invitations/" + m[1]
		expect(t, hh.Get(members, owner), http.StatusOK, "hanako@example.jp", `id="invitations-table"`)

		// Anonymous: sees the organisation and is sent to log in, then back.
		expect(t, hh.Get(link, ""), http.StatusOK, "山田商店", `id="invite-login"`, "next=%2finvitations%2f"+m[1], "h***@example.jp")
		expect(t, hh.Post(link, "", nil), http.StatusUnauthorized)
		// The wrong account is told so, and nothing happens.
		expect(t, hh.Get(link, stranger), http.StatusOK, `id="invite-wrong-email"`)
		expect(t, hh.Post(link, stranger, nil), http.StatusForbidden, "別のメールアドレス宛て")
		expect(t, hh.Get(link, hanako), http.StatusOK, `id="invite-accept"`)
		w = hh.Post(link, hanako, nil)
		expect(t, w, http.StatusSeeOther)
		if w.Header().Get("Location") != "/orgs/"+o.Slug {
			t.Errorf("redirect %q", w.Header().Get("Location"))
		}
		expect(t, hh.Get("/orgs/"+o.Slug, hanako), http.StatusOK, "山田商店")
		// Single use, clearly explained.
		expect(t, hh.Get(link, hanako), http.StatusGone, `id="invite-problem"`, "すでに使われています")
		expect(t, hh.Post(link, hanako, nil), http.StatusGone, "すでに使われています")
		expect(t, hh.Get("/invitations/garbage", ""), http.StatusNotFound, "正しくありません")

		// Revocation and expiry.
		_, inv, err := hh.s.Invite(ctx, d, nil, o.Slug, "late@example.jp", RoleMember, "ja")
		if err != nil {
			t.Fatal(err)
		}
		expect(t, hh.Post("/orgs/"+o.Slug+"/invitations/"+inv.ID+"/revoke", hanako, nil), http.StatusForbidden)
		expect(t, hh.Post("/orgs/"+o.Slug+"/invitations/"+inv.ID+"/revoke", owner, nil), http.StatusSeeOther)
		expect(t, hh.Post("/orgs/"+o.Slug+"/invitations/"+inv.ID+"/revoke", owner, nil), http.StatusNotFound)
		tok, _, err := hh.s.Invite(ctx, d, nil, o.Slug, "late@example.jp", RoleMember, "ja")
		if err != nil {
			t.Fatal(err)
		}
		hh.s.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
		expect(t, hh.Get("/invitations/"+tok, ""), http.StatusGone, "有効期限が切れています")
	})
}

func TestMemberManagement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := newUser(t, d, "owner@example.jp", true)
		m := newUser(t, d, "member@example.jp", true)
		o, err := hh.s.Create(ctx, d, nil, owner, CreateInput{Name: "A"})
		if err != nil {
			t.Fatal(err)
		}
		base := "/orgs/" + o.Slug
		if err := hh.s.AddMember(ctx, d, nil, o.Slug, m, RoleMember); err != nil {
			t.Fatal(err)
		}
		expect(t, hh.Get(base+"/members", owner), http.StatusOK, `id="leave-hint"`, "唯一のオーナー")
		expect(t, hh.Post(base+"/members/"+owner+"/role", owner, url.Values{"role": {"member"}}), http.StatusConflict, "最後の有効なオーナー")
		expect(t, hh.Post(base+"/members/"+owner+"/remove", owner, nil), http.StatusConflict, "最後の有効なオーナー")
		expect(t, hh.Post(base+"/leave", owner, nil), http.StatusConflict, "最後の有効なオーナー")
		expect(t, hh.Post(base+"/members/"+owner+"/role", m, url.Values{"role": {"member"}}), http.StatusForbidden)
		expect(t, hh.Post(base+"/members/"+m+"/role", owner, url.Values{"role": {"owner"}}), http.StatusSeeOther)
		// With the other owner's account disabled, the page offers the
		// last active owner no change the rule would refuse, and offers
		// the disabled owner's removal.
		if _, err := d.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, db.Now(), m); err != nil {
			t.Fatal(err)
		}
		page := hh.Get(base+"/members", owner)
		expect(t, page, http.StatusOK, `id="leave-hint"`, `action="/orgs/`+o.Slug+`/members/`+m+`/remove"`)
		if strings.Contains(page.Body.String(), `action="/orgs/`+o.Slug+`/members/`+owner+`/remove"`) {
			t.Error("the last active owner is offered their own removal")
		}
		if _, err := d.ExecContext(ctx, `UPDATE users SET disabled_at = NULL WHERE id = ?`, m); err != nil {
			t.Fatal(err)
		}
		expect(t, hh.Post(base+"/members/"+owner+"/role", owner, url.Values{"role": {"member"}}), http.StatusSeeOther)
		expect(t, hh.Post(base+"/members/"+owner+"/role", owner, url.Values{"role": {"owner"}}), http.StatusForbidden)
		w := hh.Post(base+"/leave", owner, nil)
		expect(t, w, http.StatusSeeOther)
		if w.Header().Get("Location") != "/dashboard" {
			t.Errorf("after leaving: %q", w.Header().Get("Location"))
		}
		expect(t, hh.Get(base, owner), http.StatusNotFound)
		expect(t, hh.Post(base+"/members/nobody/remove", m, nil), http.StatusNotFound)
	})
}

func TestAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		u := newUser(t, d, "api@example.jp", true)
		other := newUser(t, d, "other@example.jp", true)
		unverified := newUser(t, d, "new@example.jp", false)

		expect(t, hh.API("GET", "/api/v1/orgs", "", ""), http.StatusUnauthorized)
		expect(t, hh.API("GET", "/api/v1/orgs", u, ""), http.StatusOK, `"items":[]`)
		expect(t, hh.API("POST", "/api/v1/orgs", unverified, `{"name":"x"}`), http.StatusForbidden)
		w := hh.API("POST", "/api/v1/orgs", u, `{"name":"","corporate_number":"123","prefecture":"48","employees":-1}`)
		expect(t, w, http.StatusBadRequest)
		var e struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(w.Body.Bytes(), &e)
		if e.Error.Code != "invalid" || len(e.Error.Fields) != 4 || e.Error.Fields["corporate_number"] != "法人番号は13桁の数字で入力してください。" {
			t.Errorf("error body %s", w.Body.String())
		}
		expect(t, hh.API("POST", "/api/v1/orgs", u, `{"name":"x","unknown":1}`), http.StatusBadRequest)

		w = hh.API("POST", "/api/v1/orgs", u, `{"name":"テスト株式会社","name_kana":"テストカブシキガイシャ","name_en":"Test KK","corporate_number":"7000012050002",
			"prefecture":"13","industry":"G","wholesale":false,"employees":250,"capital_yen":40000000}`)
		expect(t, w, http.StatusCreated)
		var got map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]any{"slug": "test-kk", "corporate_number": "7000012050002", "employees": 250.0, "capital_yen": 4e7, "size_class": "sme", "industry": "G"} {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		for _, k := range []string{"name", "name_kana", "name_en", "prefecture", "wholesale", "created_at", "updated_at"} {
			if _, ok := got[k]; !ok {
				t.Errorf("missing %s", k)
			}
		}
		if w.Header().Get("Location") != "/api/v1/orgs/test-kk" {
			t.Errorf("location %q", w.Header().Get("Location"))
		}
		expect(t, hh.API("POST", "/api/v1/orgs", other, `{"name":"dup","corporate_number":"7000012050002"}`), http.StatusConflict, `"corporate_number"`)

		expect(t, hh.API("GET", "/api/v1/orgs", u, ""), http.StatusOK, `"slug":"test-kk"`, `"role":"owner"`)
		expect(t, hh.API("GET", "/api/v1/orgs/test-kk", u, ""), http.StatusOK, `"employees":250`)
		expect(t, hh.API("GET", "/api/v1/orgs/test-kk", other, ""), http.StatusNotFound)
		expect(t, hh.API("PATCH", "/api/v1/orgs/test-kk", other, `{"name":"mine"}`), http.StatusNotFound)
		expect(t, hh.API("GET", "/api/v1/orgs/test-kk/members", u, ""), http.StatusOK, `"email":"api@example.jp"`, `"role":"owner"`)

		// PATCH: absent fields stay, null clears.
		w = hh.API("PATCH", "/api/v1/orgs/test-kk", u, `{"employees":null,"name_en":"Renamed"}`)
		expect(t, w, http.StatusOK, `"employees":null`, `"name_en":"Renamed"`, `"capital_yen":40000000`, `"slug":"test-kk"`, `"size_class":"sme"`)
		expect(t, hh.API("PATCH", "/api/v1/orgs/test-kk", u, `{"name":null}`), http.StatusBadRequest, `"name"`)
		expect(t, hh.API("PATCH", "/api/v1/orgs/test-kk", u, `{"corporate_number":null}`), http.StatusOK, `"corporate_number":null`)
		if err := hh.s.AddMember(context.Background(), d, nil, "test-kk", other, RoleMember); err != nil {
			t.Fatal(err)
		}
		expect(t, hh.API("GET", "/api/v1/orgs/test-kk", other, ""), http.StatusOK)
		expect(t, hh.API("PATCH", "/api/v1/orgs/test-kk", other, `{"name":"mine"}`), http.StatusForbidden)
	})
}

// Every route states an access rule, and the rules are the intended ones.
func TestRouteAccess(t *testing.T) {
	eh := &web.ErrorHandler{}
	rt := web.NewRouter(eh)
	(&Service{}).Routes(rt)
	want := map[string]string{
		"GET /dashboard": "logged_in", "POST /dashboard/invitations/{id}/accept": "logged_in",
		"GET /orgs": "logged_in", "GET /orgs/new": "logged_in", "POST /orgs/new": "logged_in",
		"GET /orgs/{org}": "org_member", "GET /orgs/{org}/edit": "org_owner", "POST /orgs/{org}/edit": "org_owner",
		"GET /orgs/{org}/members": "org_member", "POST /orgs/{org}/invitations": "org_owner",
		"POST /orgs/{org}/invitations/{id}/revoke": "org_owner", "POST /orgs/{org}/members/{user}/role": "org_owner",
		"POST /orgs/{org}/members/{user}/remove": "org_owner", "POST /orgs/{org}/leave": "org_member",
		"GET /invitations/{token}": "public", "POST /invitations/{token}": "logged_in",
		"GET /api/v1/orgs": "logged_in", "POST /api/v1/orgs": "logged_in", "GET /api/v1/orgs/{org}": "org_member",
		"PATCH /api/v1/orgs/{org}": "org_owner", "GET /api/v1/orgs/{org}/members": "org_member",
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
