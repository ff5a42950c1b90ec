package controls

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

func TestAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		theirs := orgtest.NewOrg(t, d, "よその会社", outsider)
		page := "/orgs/" + o.Slug + "/controls"
		api := "/api/v1/orgs/" + o.Slug + "/controls"
		form := sheetForm(map[string]Answer{"org.1": InPlace}, nil)

		if w := hh.Get(page, ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
			t.Errorf("anonymous: %d %q", w.Code, w.Header().Get("Location"))
		}
		expect(t, hh.Post(page, "", form), http.StatusUnauthorized)
		expect(t, hh.API("GET", api, "", ""), http.StatusUnauthorized, `"code":"unauthorized"`)
		// Another organisation's member: not found, never a hint it exists.
		expect(t, hh.Get(page, outsider), http.StatusNotFound)
		expect(t, hh.Post(page, outsider, form), http.StatusNotFound)
		expect(t, hh.API("GET", api, outsider, ""), http.StatusNotFound, `"code":"not_found"`)
		// A member of this one cannot reach the other's either.
		expect(t, hh.Get("/orgs/"+theirs.Slug+"/controls", member), http.StatusNotFound)
		expect(t, hh.API("GET", "/api/v1/orgs/"+theirs.Slug+"/controls", member, ""), http.StatusNotFound)
		expect(t, hh.Get("/orgs/no-such-org/controls", member), http.StatusNotFound)
		if n := countRows(t, d, "control_answers"); n != 0 {
			t.Fatalf("%d rows written by refused requests", n)
		}

		// Every member, not only the owner, views and answers.
		expect(t, hh.Get(page, member), http.StatusOK, `id="controls-form"`)
		expect(t, hh.Post(page, member, form), http.StatusSeeOther)
		expect(t, hh.Get(page, owner), http.StatusOK, `id="controls-form"`)
		expect(t, hh.API("GET", api, owner, ""), http.StatusOK, `"key":"org.1"`)
		if n := countRows(t, d, "control_answers"); n != 1 {
			t.Fatalf("%d rows after the member's save", n)
		}
	})
}

func TestSheetPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		page := "/orgs/" + o.Slug + "/controls"

		w := hh.Get(page, owner)
		want := []string{"対策状況チェック", `id="controls-progress-text">全50項目のうち0項目に回答済みです。`,
			`id="controls-rule"`, "四捨五入", `id="controls-vuln-paper"`, `id="controls-vuln-none"`, "リスク分析では脆弱性を手入力してください",
			`<input type="radio" name="answer.org.1" value="" checked> 未回答`, `name="answer.org.1" value="in_place">`,
			`<textarea id="note-org-1" name="note.org.1"`, `maxlength="500"`, `<span class="badge">書類</span>`}
		for i, ch := range Chapters() {
			want = append(want, `<form method="post" action="`+page+`#chapter-`+ch.Key+`" novalidate class="section-form" id="chapter-`+ch.Key+`-form"`,
				`<input type="hidden" name="chapter" value="`+ch.Key+`">`, `id="controls-save-`+ch.Key+`"`, `id="controls-summary-`+ch.Key+`"`,
				fmt.Sprintf(`<span class="section-title" id="chapter-%s-title">%d. %s</span>`, ch.Key, i+1, ch.TitleIn("ja")))
		}
		// Items are numbered 1–50 down the sheet; the keys (org.1,
		// my_number.1) stay in field names and ids, never in the text.
		for i, c := range AllControls() {
			want = append(want, `id="control-`+elementID(c.Key)+`"`,
				fmt.Sprintf(`<legend><span class="item-no">%d.</span> %s</legend>`, i+1, c.Text("ja").Statement))
		}
		expect(t, w, http.StatusOK, want...)
		// One chapter open: the first with controls unanswered.
		if n := strings.Count(w.Body.String(), ` open>`); n != 1 || !strings.Contains(w.Body.String(), `<details class="card section" id="chapter-`+Chapters()[0].Key+`" open>`) {
			t.Errorf("%d chapters open, want the first", n)
		}
		if body := w.Body.String(); strings.Contains(body, `<span class="item-no">org.1</span>`) || strings.Contains(body, ">my_number.1<") {
			t.Error("the sheet shows an internal control key as the item number")
		}
		expect(t, hh.Get(page+"?lang=en", owner), http.StatusOK, "Countermeasure check sheet", "0 of 50 controls answered.",
			"Laptops and smartphones taken outside", "rounded half up", "Organisational measures", "Not applicable")
	})
}

func TestSaveFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		page := "/orgs/" + o.Slug + "/controls"

		// mobile: equipment.4 not in place, equipment.6 partial → 2.5 → 3.
		// server: physical.3 in place, infra.4 in place, infra.5 partial → 1.33 → 1.
		answers := map[string]Answer{"equipment.4": NotInPlace, "equipment.6": Partial, "physical.3": InPlace,
			"infra.4": InPlace, "infra.5": Partial, "org.1": NotApplicable}
		w := hh.Post(page, owner, sheetForm(answers, map[string]string{"equipment.4": "来期に<導入>予定", "org.2": "確認中"}))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != page {
			t.Errorf("save without a chapter redirects to %q", loc)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.controls_saved") {
			t.Errorf("no flash: %v", ck)
		}
		recs, err := AnswersFor(ctx, d, o.ID)
		if err != nil || len(recs) != 7 || recs["org.2"].Answer != "" || recs["equipment.4"].Note != "来期に<導入>予定" {
			t.Fatalf("stored %v %+v", err, recs)
		}
		v, _ := Vulnerabilities(ctx, d, o.ID)
		if v[MediumMobile].Value != 3 || v[MediumServer].Value != 1 {
			t.Errorf("vulnerabilities %+v", v)
		}

		w = hh.Get(page, owner)
		expect(t, w, http.StatusOK, "全50項目のうち6項目に回答済みです。",
			`name="answer.equipment.4" value="not_in_place" checked>`, `name="answer.physical.3" value="in_place" checked>`,
			`name="answer.org.2" value="" checked>`, "来期に&lt;導入&gt;予定</textarea>", "確認中</textarea>",
			`<tr id="controls-vuln-mobile">`, `<strong>3</strong> 対策なし`, `<strong>1</strong> 対策済み`,
			"2件の回答の平均から", "該当しない1件は除外")
		expectNot(t, w, "来期に<導入>予定")

		// Changing one answer and clearing another.
		answers["equipment.4"] = InPlace
		delete(answers, "infra.5")
		form := sheetForm(answers, nil)
		form.Set(answerField("infra.5"), "")
		expect(t, hh.Post(page, owner, form), http.StatusSeeOther)
		recs, _ = AnswersFor(ctx, d, o.ID)
		if _, ok := recs["infra.5"]; ok || recs["equipment.4"].Answer != InPlace || recs["equipment.4"].Note != "" {
			t.Errorf("after second save %+v", recs)
		}
		if evs, err := audit.List(ctx, d, audit.Filter{Action: ActionSaved}); err != nil || len(evs) != 2 || evs[0].ActorID != owner {
			t.Errorf("audit entries %v %+v, want 2 by the owner", err, evs)
		}
	})
}

// Each chapter is a form of its own: saving one chapter leaves the
// others as stored, returns to that chapter and says so there; a mistake
// in it shows the other chapters as stored, not emptied.
func TestChapterSave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		page := "/orgs/" + o.Slug + "/controls"
		expect(t, hh.Post(page, owner, sheetForm(map[string]Answer{"org.1": InPlace, "people.1": Partial}, map[string]string{"people.1": "研修は年1回"})), http.StatusSeeOther)

		// What the "org" chapter's form sends: its controls only.
		chapter := func(key string, answers map[string]Answer) url.Values {
			v := url.Values{"chapter": {key}}
			for _, ch := range Chapters() {
				if ch.Key != key {
					continue
				}
				for _, c := range ch.Controls {
					v.Set(answerField(c.Key), string(answers[c.Key]))
					v.Set(noteField(c.Key), "")
				}
			}
			return v
		}
		w := hh.Post(page, owner, chapter("org", map[string]Answer{"org.1": NotInPlace, "org.2": InPlace}))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != page+"?saved=org#chapter-org" {
			t.Errorf("chapter save redirects to %q", loc)
		}
		recs, _ := AnswersFor(ctx, d, o.ID)
		if recs["org.1"].Answer != NotInPlace || recs["org.2"].Answer != InPlace || recs["people.1"].Answer != Partial || recs["people.1"].Note != "研修は年1回" {
			t.Errorf("after the chapter's save %+v", recs)
		}
		expect(t, hh.Get(page+"?saved=people", owner), http.StatusOK, `id="chapter-people-saved"`, "この章の回答を保存しました。",
			`<details class="card section" id="chapter-people" open>`, `<details class="card section" id="chapter-org">`)
		expectNot(t, hh.Get(page+"?saved=nosuch", owner), "-saved\"")

		bad := chapter("org", map[string]Answer{"org.1": InPlace})
		bad.Set(noteField("org.3"), strings.Repeat("長", MaxNoteChars+1))
		expect(t, hh.Post(page, owner, bad), http.StatusUnprocessableEntity, `id="note-org-3-error"`, `<details class="card section" id="chapter-people" open>`,
			`name="answer.org.1" value="in_place" checked>`, `name="answer.people.1" value="partial" checked>`, "研修は年1回</textarea>")
		if recs, _ := AnswersFor(ctx, d, o.ID); recs["org.1"].Answer != NotInPlace {
			t.Errorf("a refused chapter wrote %+v", recs["org.1"])
		}
	})
}

// Bad input gets a clear message in the reader's language, the form comes
// back with what was typed, and nothing is stored.
func TestBadInputChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		page := "/orgs/" + o.Slug + "/controls"
		expect(t, hh.Post(page, owner, sheetForm(map[string]Answer{"org.1": InPlace}, map[string]string{"org.1": "初回"})), http.StatusSeeOther)
		rows, audits := countRows(t, d, "control_answers"), countRows(t, d, "audit_log")

		base := func() map[string][]string {
			return sheetForm(map[string]Answer{"org.1": NotInPlace, "org.3": Partial}, map[string]string{"org.3": "書きかけのメモ"})
		}
		cases := []struct {
			name   string
			edit   func(v map[string][]string)
			status int
			ja, en []string
		}{
			{"unknown answer", func(v map[string][]string) { v["answer.org.2"] = []string{"maybe"} }, http.StatusUnprocessableEntity,
				[]string{`id="control-org-2-error"`, "いずれかを選んでください"}, []string{"Choose one of"}},
			{"unknown control", func(v map[string][]string) { v["answer.org.99"] = []string{"in_place"} }, http.StatusUnprocessableEntity,
				[]string{`id="form-error"`, "チェックシートにない管理策"}, []string{"not on the check sheet"}},
			{"note too long", func(v map[string][]string) { v["note.org.4"] = []string{strings.Repeat("長", MaxNoteChars+1)} }, http.StatusUnprocessableEntity,
				[]string{`id="note-org-4-error"`, "備考は500文字以内で入力してください"}, []string{"500 characters or fewer"}},
			{"control character", func(v map[string][]string) { v["note.org.4"] = []string{"bell\x07here"} }, http.StatusUnprocessableEntity,
				[]string{`id="note-org-4-error"`, "使えない文字"}, []string{"not allowed"}},
			{"answer twice", func(v map[string][]string) { v["answer.org.2"] = []string{"in_place", "partial"} }, http.StatusUnprocessableEntity,
				[]string{"二重に送られました"}, []string{"answered twice"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				v := base()
				c.edit(v)
				w := hh.Post(page, owner, v)
				// The form keeps what was submitted, including the
				// other, valid answers.
				expect(t, w, c.status, append(c.ja, `name="answer.org.1" value="not_in_place" checked>`, "書きかけのメモ</textarea>", `role="alert"`)...)
				expect(t, hh.Post(page+"?lang=en", owner, v), c.status, c.en...)
				if r, a := countRows(t, d, "control_answers"), countRows(t, d, "audit_log"); r != rows || a != audits {
					t.Errorf("rows %d→%d, audit %d→%d", rows, r, audits, a)
				}
				recs, _ := AnswersFor(ctx, d, o.ID)
				if recs["org.1"].Answer != InPlace || recs["org.1"].Note != "初回" {
					t.Errorf("org.1 changed: %+v", recs["org.1"])
				}
			})
		}
		// A body that is not valid UTF-8 is refused before anything else.
		w := hh.Do("POST", page, owner, strings.NewReader("note.org.1=%ff"), "application/x-www-form-urlencoded")
		if w.Code != http.StatusBadRequest {
			t.Errorf("bad encoding: %d", w.Code)
		}
	})
}

func TestAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		hh := newHarness(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		api := "/api/v1/orgs/" + o.Slug + "/controls"

		var empty apiSheet
		w := hh.API("GET", api, owner, "")
		expect(t, w, http.StatusOK)
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("content type %q", ct)
		}
		if err := json.Unmarshal(w.Body.Bytes(), &empty); err != nil {
			t.Fatal(err)
		}
		if len(empty.Controls) != 50 || empty.Answered != 0 || empty.Total != 50 || len(empty.Vulnerability) != 7 ||
			empty.Vulnerability["paper"].Value != 0 || empty.Vulnerability["none"].Basis != BasisNone {
			t.Fatalf("empty sheet %+v", empty)
		}

		answers := map[string]Answer{"assets.3": NotInPlace, "physical.4": NotInPlace, "assets.4": InPlace, "org.1": NotApplicable}
		expect(t, hh.Post("/orgs/"+o.Slug+"/controls", owner, sheetForm(answers, map[string]string{"assets.3": "鍵なし"})), http.StatusSeeOther)
		w = hh.API("GET", api, owner, "")
		expect(t, w, http.StatusOK, `"vulnerability":{`, `"paper":{"value":`)
		var got struct {
			Version       string `json:"version"`
			Answered      int    `json:"answered"`
			Controls      []map[string]any
			Vulnerability map[string]map[string]any
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Answered != 4 || got.Version != ContentVersion() {
			t.Errorf("answered %d version %q", got.Answered, got.Version)
		}
		byKey := map[string]map[string]any{}
		for i, c := range got.Controls {
			if c["key"] != AllControls()[i].Key {
				t.Fatalf("control %d is %v, want %s", i, c["key"], AllControls()[i].Key)
			}
			byKey[c["key"].(string)] = c
		}
		if c := byKey["assets.3"]; c["chapter"] != "assets" || c["answer"] != "not_in_place" || c["note"] != "鍵なし" || c["updated_at"] == nil {
			t.Errorf("assets.3 %v", c)
		}
		if c := byKey["org.2"]; c["answer"] != "" || c["note"] != "" || c["updated_at"] != nil {
			t.Errorf("org.2 %v", c)
		}
		// paper: 3, 3, 1 → 2.33 → 2; removable the same three → 2;
		// cloud: nothing applicable answered.
		paper := got.Vulnerability["paper"]
		if paper["value"] != 2.0 || paper["answered"] != 3.0 || paper["not_applicable"] != 1.0 || paper["basis"] != BasisMean {
			t.Errorf("paper %v", paper)
		}
		if v := got.Vulnerability["cloud"]; v["value"] != 0.0 || v["basis"] != BasisNone {
			t.Errorf("cloud %v", v)
		}
		if v := got.Vulnerability["none"]; v["value"] != 2.0 || v["total"] != 50.0 {
			t.Errorf("none %v", v)
		}
	})
}
