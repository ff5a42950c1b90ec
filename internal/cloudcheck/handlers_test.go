package cloudcheck

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

// Every route states an access rule, and the rules are the intended ones.
func TestRouteAccess(t *testing.T) {
	rt := web.NewRouter(&web.ErrorHandler{})
	(&Service{}).Routes(rt)
	want := map[string]string{
		"GET /orgs/{org}/cloud":               "org_member",
		"GET /orgs/{org}/cloud/new":           "org_member",
		"POST /orgs/{org}/cloud/new":          "org_member",
		"POST /orgs/{org}/cloud/none":         "org_member",
		"GET /orgs/{org}/cloud/{id}":          "org_member",
		"POST /orgs/{org}/cloud/{id}":         "org_member",
		"GET /orgs/{org}/cloud/{id}/edit":     "org_member",
		"POST /orgs/{org}/cloud/{id}/edit":    "org_member",
		"POST /orgs/{org}/cloud/{id}/delete":  "org_member",
		"POST /orgs/{org}/cloud/{id}/restore": "org_member",
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

func TestAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		orgtest.NewOrg(t, d, "よその会社", outsider)
		c, err := hh.s.Create(ctx, nil, o.ID, owner, Input{Name: "メール"})
		if err != nil {
			t.Fatal(err)
		}
		base := "/orgs/" + o.Slug + "/cloud"
		svc := base + "/" + c.ID

		for _, p := range []string{base, base + "/new", svc, svc + "/edit"} {
			if w := hh.Get(p, ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
				t.Errorf("anonymous %s: %d %q", p, w.Code, w.Header().Get("Location"))
			}
			expect(t, hh.Get(p, outsider), http.StatusNotFound)
			expect(t, hh.Get(p, member), http.StatusOK)
		}
		posts := map[string]url.Values{
			base + "/new":    serviceForm("x", "", "", ""),
			base + "/none":   {"none": {"1"}},
			svc:              checkForm(allAnswers(Yes)),
			svc + "/edit":    serviceForm("x", "", "", ""),
			svc + "/delete":  {},
			svc + "/restore": {},
		}
		for p, form := range posts {
			expect(t, hh.Post(p, outsider, form), http.StatusNotFound)
			expect(t, hh.Post(p, "", form), http.StatusUnauthorized)
		}
		if countRows(t, d, "cloud_services") != 1 || countRows(t, d, "cloud_answers") != 0 || countRows(t, d, "cloud_none") != 0 {
			t.Fatal("refused requests wrote rows")
		}
		if got, _ := Get(ctx, d, o.ID, c.ID); got.Name != "メール" || got.DeletedAt != nil {
			t.Fatalf("refused requests changed the service: %+v", got)
		}
	})
}

// A service of another organisation is not found through one's own
// organisation either: every query is scoped by organisation.
func TestCrossOrgNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		alice := orgtest.NewUser(t, d, "alice@example.jp")
		bob := orgtest.NewUser(t, d, "bob@example.jp")
		mine := orgtest.NewOrg(t, d, "山田精機", alice)
		theirs := orgtest.NewOrg(t, d, "よその会社", bob)
		c, err := hh.s.Create(ctx, nil, theirs.ID, bob, Input{Name: "よそのメール"})
		if err != nil {
			t.Fatal(err)
		}
		deleted, err := hh.s.Create(ctx, nil, theirs.ID, bob, Input{Name: "よその削除済み"})
		if err != nil {
			t.Fatal(err)
		}
		if err := hh.s.Delete(ctx, nil, theirs.ID, bob, deleted.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{c.ID, deleted.ID, "no-such-id"} {
			p := "/orgs/" + mine.Slug + "/cloud/" + id
			expect(t, hh.Get(p, alice), http.StatusNotFound, "見つかりません")
			expect(t, hh.Get(p+"/edit", alice), http.StatusNotFound)
			expect(t, hh.Post(p, alice, checkForm(allAnswers(Yes))), http.StatusNotFound)
			expect(t, hh.Post(p+"/edit", alice, serviceForm("乗っ取り", "", "", "")), http.StatusNotFound)
			expect(t, hh.Post(p+"/delete", alice, nil), http.StatusNotFound)
			expect(t, hh.Post(p+"/restore", alice, nil), http.StatusNotFound)
		}
		// Their own deleted service is not found until restored.
		expect(t, hh.Get("/orgs/"+theirs.Slug+"/cloud/"+deleted.ID, bob), http.StatusNotFound)
		if got, _ := Get(ctx, d, theirs.ID, c.ID); got.Name != "よそのメール" || got.DeletedAt != nil || countRows(t, d, "cloud_answers") != 0 {
			t.Errorf("changed through another organisation: %+v", got)
		}
		if got, _ := Get(ctx, d, theirs.ID, deleted.ID); got.DeletedAt == nil {
			t.Error("restored through another organisation")
		}
		expectNot(t, hh.Get("/orgs/"+mine.Slug+"/cloud", alice), "よその")
	})
}

func TestInventoryAndCheckFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		hh.s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		customers := newAsset(t, d, o.ID, "顧客台帳")
		drawings := newAsset(t, d, o.ID, "設計図面")
		base := "/orgs/" + o.Slug + "/cloud"

		// Nothing listed yet: the empty state and the "no cloud" choice.
		w := hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="cloud-empty"`, `id="cloud-status-empty"`, `id="cloud-none-record"`, `href="`+base+`/new"`)
		expectNot(t, w, `id="cloud-inventory-table"`)
		expect(t, hh.Get(base+"?lang=en", member), http.StatusOK, "Cloud services check", "We use no cloud services")

		// The form offers the ledger's standing assets as checkboxes.
		w = hh.Get(base+"/new", member)
		expect(t, w, http.StatusOK, `id="cloud-service-form"`, `<label for="name">`, `<fieldset class="card" id="cloud-assets">`,
			`<legend>このサービスに保存している情報資産</legend>`, `name="assets" value="`+customers+`"`, "顧客台帳", "設計図面")
		expectNot(t, w, `id="cloud-delete"`)

		w = hh.Post(base+"/new", member, serviceForm("オンラインストレージ", "A社", "図面の共有", "https://storage.example.jp/", drawings))
		expect(t, w, http.StatusSeeOther)
		list, _ := List(ctx, d, o.ID, false)
		if len(list) != 1 {
			t.Fatalf("%d services", len(list))
		}
		c := list[0]
		svc := base + "/" + c.ID
		if loc := w.Header().Get("Location"); loc != svc {
			t.Errorf("create redirects to %q", loc)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.cloud_created") {
			t.Errorf("no flash: %v", ck)
		}

		// The check sheet: three groups, fourteen points, four choices each.
		w = hh.Get(svc, member)
		expect(t, w, http.StatusOK, `<h1 id="cloud-service-name">オンラインストレージ</h1>`, `id="cloud-due-notice"`,
			`<form method="post" action="`+svc+`#cloud-group-A" novalidate class="card section-form" id="cloud-group-A"`, `<input type="hidden" name="group" value="C">`,
			`id="cloud-check-save-B"`, `<legend id="cloud-group-A-title">A. 利用範囲</legend>`, `<legend id="cloud-group-B-title">B. 利用の準備</legend>`, `<legend id="cloud-group-C-title">C. 事業者の提供条件</legend>`,
			`<fieldset class="item" id="cloud-point-1">`, `<fieldset class="item" id="cloud-point-14">`,
			`<input type="radio" name="p1" value="yes" id="p1-yes">`, `<input type="radio" name="p14" value="na" id="p14-na">`,
			`<input type="radio" name="p7" value="" id="p7-open" checked>`, `<label for="note9">`, `<textarea id="note9" name="note9"`,
			`href="/orgs/`+o.Slug+`/assets/`+drawings+`"`, "設計図面", `rel="noopener noreferrer nofollow"`, "0項目に回答済み",
			Points("ja")[0].Question, Points("ja")[13].Guidance, `id="cloud-todo-none"`)
		if n := strings.Count(w.Body.String(), `type="radio"`); n != 4*NumPoints {
			t.Errorf("%d radio buttons", n)
		}
		expect(t, hh.Get(svc+"?lang=en", member), http.StatusOK, "A. Scope of use", "B. Preparation", "C. Provider conditions",
			Points("en")[6].Question, "Not answered yet", "Not applicable")
		// Point 10 asks about failure frequency too (IPA's 障害発生頻度).
		expect(t, hh.Get(svc, member), http.StatusOK, "止まることがどのくらいの頻度であるか", "障害履歴のページ")
		expect(t, hh.Get(svc+"?lang=en", member), http.StatusOK, "how often it fails", "incident history page")

		// A partial save.
		in := AnswersInput{}
		in[0] = AnswerInput{Answer: "yes", Note: "ルール: 共有は社内のみ"}
		in[4] = AnswerInput{Answer: "no"}
		w = hh.Post(svc, member, checkForm(in))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != svc+"#cloud-summary" {
			t.Errorf("save redirects to %q", loc)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.cloud_answers_saved") {
			t.Errorf("no flash: %v", ck)
		}
		w = hh.Get(svc, member)
		expect(t, w, http.StatusOK, `<input type="radio" name="p1" value="yes" id="p1-yes" checked>`, `<input type="radio" name="p5" value="no" id="p5-no" checked>`,
			"ルール: 共有は社内のみ</textarea>", "14項目中2項目に回答済み", `id="cloud-todo-5"`, `href="#cloud-point-5"`,
			`<tr id="cloud-summary-A"><th scope="row"><a href="#cloud-group-A">A. 利用範囲</a></th><td>1</td><td>0</td><td>0</td><td>3</td></tr>`)

		// One group's form: its points change, the others keep what is
		// stored; the page returns to the group and says so there.
		group := url.Values{"group": {"B"}, "p5": {"yes"}, "note5": {""}, "p6": {"na"}, "note6": {"社外持ち出しなし"}, "p7": {""}, "note7": {""}, "p8": {""}, "note8": {""}}
		w = hh.Post(svc, member, group)
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != svc+"?saved=B#cloud-group-B" {
			t.Errorf("group save redirects to %q", loc)
		}
		expect(t, hh.Get(svc+"?saved=B", member), http.StatusOK, `id="cloud-group-B-saved"`, `name="p1" value="yes" id="p1-yes" checked>`,
			"ルール: 共有は社内のみ</textarea>", `name="p5" value="yes" id="p5-yes" checked>`, "社外持ち出しなし</textarea>", "14項目中3項目に回答済み")
		// A mistake in the group shows the other groups as stored.
		group.Set("p7", "maybe")
		expect(t, hh.Post(svc, member, group), http.StatusUnprocessableEntity, `id="p7-error"`, `name="p1" value="yes" id="p1-yes" checked>`, "ルール: 共有は社内のみ</textarea>")
		// Back to where the rest of this test expects it.
		group = url.Values{"group": {"B"}, "p5": {"no"}}
		expect(t, hh.Post(svc, member, group), http.StatusSeeOther)

		// The inventory and the summary across services.
		w = hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="cloud-row-`+c.ID+`"`, "A社", "図面の共有", `id="cloud-due-`+c.ID+`"`, `id="cloud-due-list"`,
			`id="cloud-overview-`+c.ID+`-A">はい 1・いいえ 0・該当しない 0・未回答 3<`, `id="cloud-overview-`+c.ID+`-B">はい 0・いいえ 1・該当しない 0・未回答 3<`,
			"対応すべきこと 1件", `id="cloud-status-open"`, "登録1件のうち、すべて回答済み0件、確認が必要1件です。")
		expectNot(t, w, `id="cloud-none"`, `id="cloud-deleted"`)

		// Completing the check.
		full := allAnswers(Yes, 5)
		full[0] = in[0]
		w = hh.Post(svc, member, checkForm(full))
		expect(t, w, http.StatusSeeOther)
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.cloud_check_completed") {
			t.Errorf("no flash: %v", ck)
		}
		w = hh.Get(svc, member)
		expect(t, w, http.StatusOK, "14項目中14項目に回答済み — すべて回答済み", `id="cloud-last-check">2025年4月1日<`, "2026年4月1日まで")
		expectNot(t, w, `id="cloud-due-notice"`)
		w = hh.Get(base, member)
		// Point 5 is answered "no": the finished check says it is left to do
		// instead of claiming nothing needs attention.
		expect(t, w, http.StatusOK, `id="cloud-status-done"`, "2025年4月1日", "2026年4月1日まで",
			"確認済み：登録した1件すべての確認が済みました。「いいえ」と回答した対応すべきことが1件残っています。", `class="card notice" id="cloud-status"`)
		expectNot(t, w, `id="cloud-due-list"`, `id="cloud-due-`+c.ID+`"`, "対応すべきことはありません")
		expect(t, hh.Get(base+"?lang=en", member), http.StatusOK, "Still to do: 1 (points answered")
		if st, _ := Status(ctx, d, o.ID, t0); !st.Done {
			t.Errorf("status %+v", st)
		}

		// A year and a day later, the list and the sheet say it is due.
		hh.s.Now = fixedNow(t0.Add(366 * 24 * time.Hour))
		expect(t, hh.Get(base, member), http.StatusOK, `id="cloud-due-`+c.ID+`"`, `id="cloud-due-list"`, "最後の完了：2025年4月1日")
		expect(t, hh.Get(svc, member), http.StatusOK, `id="cloud-due-notice"`, "最後に確認を完了したのは2025年4月1日")
		expect(t, hh.Get(svc+"?lang=en", member), http.StatusOK, "The last complete check was on 1 April 2025")

		// Edit: the form shows the stored values; the update keeps answers.
		w = hh.Get(svc+"/edit", member)
		expect(t, w, http.StatusOK, `value="オンラインストレージ"`, `value="A社"`, "\n図面の共有</textarea>",
			`value="`+drawings+`" id="asset-`+drawings+`" checked>`, `id="cloud-delete"`, "data-confirm=")
		expectNot(t, w, `value="`+customers+`" id="asset-`+customers+`" checked>`)
		w = hh.Post(svc+"/edit", member, serviceForm("ストレージ（全社）", "A社", "図面と見積書", "", customers, drawings))
		expect(t, w, http.StatusSeeOther)
		got, _ := Get(ctx, d, o.ID, c.ID)
		if got.Name != "ストレージ（全社）" || got.URL != "" || got.CompletedAt == nil {
			t.Errorf("after edit %+v", got)
		}
		if refs, _ := AssetsOf(ctx, d, o.ID, c.ID); len(refs) != 2 {
			t.Errorf("assets after edit %v", refs)
		}

		// Delete and restore.
		w = hh.Post(svc+"/delete", member, nil)
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != base {
			t.Errorf("delete redirects to %q", loc)
		}
		w = hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="cloud-deleted-`+c.ID+`"`, `action="`+svc+`/restore"`, `id="cloud-empty"`)
		expect(t, hh.Get(svc, member), http.StatusNotFound)
		expect(t, hh.Post(svc+"/restore", member, nil), http.StatusSeeOther)
		expect(t, hh.Get(svc, member), http.StatusOK, "ストレージ（全社）", `<input type="radio" name="p5" value="no" id="p5-no" checked>`)
		if countAudit(t, d, ActionCreated) != 1 || countAudit(t, d, ActionCompleted) != 1 || countAudit(t, d, ActionDeleted) != 1 || countAudit(t, d, ActionRestored) != 1 {
			t.Error("audit entries missing")
		}
	})
}

func TestNoCloudFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		hh.s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		base := "/orgs/" + o.Slug + "/cloud"

		expect(t, hh.Post(base+"/none", member, url.Values{"none": {"yes"}}), http.StatusBadRequest)
		expect(t, hh.Post(base+"/none", member, nil), http.StatusBadRequest)
		w := hh.Post(base+"/none", member, url.Values{"none": {"1"}})
		expect(t, w, http.StatusSeeOther)
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.cloud_none_recorded") {
			t.Errorf("no flash: %v", ck)
		}
		expect(t, hh.Get(base, member), http.StatusOK, `id="cloud-status-done"`, `id="cloud-none-recorded"`, "2025年4月1日に記録", `id="cloud-none-clear"`)
		expect(t, hh.Post(base+"/none", member, url.Values{"none": {"0"}}), http.StatusSeeOther)
		if st, _ := Status(ctx, d, o.ID, t0); st.NoCloud || st.Done {
			t.Errorf("after taking it back %+v", st)
		}
		expect(t, hh.Post(base+"/none", member, url.Values{"none": {"1"}}), http.StatusSeeOther)

		// Adding a service takes the statement back.
		expect(t, hh.Post(base+"/new", member, serviceForm("メール", "", "", "")), http.StatusSeeOther)
		w = hh.Get(base, member)
		expect(t, w, http.StatusOK, `id="cloud-status-open"`)
		expectNot(t, w, `id="cloud-none"`)
		// With a service listed, the statement is refused with a clear message.
		expect(t, hh.Post(base+"/none", member, url.Values{"none": {"1"}}), http.StatusConflict, "先にサービスを削除してください")
		expect(t, hh.Post(base+"/none?lang=en", member, url.Values{"none": {"1"}}), http.StatusConflict, "Delete them first")
		if _, err := NoCloudSince(ctx, d, o.ID); err == nil {
			t.Error("statement stored beside a service")
		}
	})
}

// Bad input: a clear message in the reader's language, the form again
// with what was typed, nothing stored.
func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		other := orgtest.NewUser(t, d, "other@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		x := orgtest.NewOrg(t, d, "よその会社", other)
		mine := newAsset(t, d, o.ID, "顧客台帳")
		theirs := newAsset(t, d, x.ID, "よその資産")
		base := "/orgs/" + o.Slug + "/cloud"

		// The service form.
		w := hh.Post(base+"/new", owner, serviceForm("", "A社", "共有用", "javascript:alert(1)", mine))
		expect(t, w, http.StatusUnprocessableEntity, `id="form-error"`, `id="name-error"`, "サービスの名前を入力してください", `id="url-error"`,
			"http または https", `value="A社"`, "\n共有用</textarea>", `value="javascript:alert(1)"`,
			`value="`+mine+`" id="asset-`+mine+`" checked>`, `aria-invalid="true" aria-describedby="name-error"`)
		w = hh.Post(base+"/new?lang=en", owner, serviceForm("メール", "", "", "", mine, theirs))
		expect(t, w, http.StatusUnprocessableEntity, `id="assets-error"`, "not in your asset ledger", `value="メール"`)
		expectNot(t, w, theirs)
		expect(t, hh.Post(base+"/new", owner, serviceForm(strings.Repeat("名", MaxName+1), "", "", "")), http.StatusUnprocessableEntity, "200文字以内")
		if n := countRows(t, d, "cloud_services"); n != 0 {
			t.Fatalf("%d services from refused forms", n)
		}

		c, err := hh.s.Create(ctx, nil, o.ID, owner, Input{Name: "メール"})
		if err != nil {
			t.Fatal(err)
		}
		svc := base + "/" + c.ID
		w = hh.Post(svc+"/edit", owner, serviceForm(" ", "", "", "", theirs))
		expect(t, w, http.StatusUnprocessableEntity, `id="name-error"`, `id="assets-error"`, `id="cloud-delete"`)
		if got, _ := Get(ctx, d, o.ID, c.ID); got.Name != "メール" {
			t.Errorf("refused edit stored %+v", got)
		}

		// The check form: an unknown answer, an over-long note.
		in := allAnswers(Yes)
		in[2].Answer = "maybe"
		in[3].Note = "残しておくメモ"
		in[8].Note = strings.Repeat("長", MaxNote+1)
		w = hh.Post(svc, owner, checkForm(in))
		expect(t, w, http.StatusUnprocessableEntity, `id="form-error"`, `id="p3-error"`, "「はい」「いいえ」「該当しない」「未回答」のいずれか",
			`id="note9-error"`, "1000文字以内", "\n残しておくメモ</textarea>", `<input type="radio" name="p1" value="yes" id="p1-yes" checked>`,
			`<fieldset class="item" id="cloud-point-3" aria-invalid="true" aria-describedby="p3-error">`)
		expectNot(t, w, `name="p3" value="yes" id="p3-yes" checked`, `name="p3" value="" id="p3-open" checked`)
		expect(t, hh.Post(svc+"?lang=en", owner, checkForm(in)), http.StatusUnprocessableEntity, "Choose one of Yes, No, Not applicable or Not answered yet.",
			"Use at most 1000 characters.")
		if n := countRows(t, d, "cloud_answers"); n != 0 {
			t.Fatalf("%d answers stored from a refused form", n)
		}
		if got, _ := Get(ctx, d, o.ID, c.ID); got.CompletedAt != nil {
			t.Error("refused form completed the check")
		}

		// Over the body limit, and broken encodings.
		big := checkForm(allAnswers(Yes))
		big.Set("note1", strings.Repeat("a", webtest.BodyLimit))
		expect(t, hh.Post(svc, owner, big), http.StatusRequestEntityTooLarge)
		body := checkForm(allAnswers(Yes)).Encode() + "&note2=%FF%FE"
		expect(t, hh.Do("POST", svc, owner, strings.NewReader(body), "application/x-www-form-urlencoded"), http.StatusBadRequest, "文字コード")
		if n := countRows(t, d, "cloud_answers"); n != 0 {
			t.Fatalf("%d answers stored from refused bodies", n)
		}
	})
}

// Markup is stored as typed and shown escaped everywhere.
func TestMarkupEscaped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, `<b>会社</b>`, owner)
		a := newAsset(t, d, o.ID, `<img src=x onerror=alert(1)>`)
		base := "/orgs/" + o.Slug + "/cloud"
		w := hh.Post(base+"/new", owner, serviceForm(`<script>alert(2)</script>`, `"><iframe>`, "a\n<b>b</b>", `https://example.jp/?q="><script>`, a))
		expect(t, w, http.StatusSeeOther)
		list, _ := List(ctx, d, o.ID, false)
		if len(list) != 1 || list[0].Name != `<script>alert(2)</script>` {
			t.Fatalf("not stored verbatim: %+v", list)
		}
		svc := base + "/" + list[0].ID
		in := allAnswers(Yes)
		in[0].Note = `</textarea><script>alert(3)</script>`
		expect(t, hh.Post(svc, owner, checkForm(in)), http.StatusSeeOther)
		for _, p := range []string{base, svc, svc + "/edit"} {
			w := hh.Get(p, owner)
			expect(t, w, http.StatusOK, "&lt;script&gt;alert(2)&lt;/script&gt;")
			expectNot(t, w, "<script>alert", "<img src=x", "<iframe", "<b>会社", "<b>b</b>")
		}
		expect(t, hh.Get(svc, owner), http.StatusOK, "&lt;/textarea&gt;&lt;script&gt;alert(3)", "a<br>&lt;b&gt;b&lt;/b&gt;")
	})
}
