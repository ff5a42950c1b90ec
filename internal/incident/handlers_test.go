package incident

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

// Every route states an access rule, and the rules are the intended ones.
func TestRouteAccess(t *testing.T) {
	rt := web.NewRouter(&web.ErrorHandler{})
	(&Service{}).Routes(rt)
	want := map[string]string{
		"GET /orgs/{org}/incident":                  "org_member",
		"GET /orgs/{org}/incident/card":             "org_member",
		"POST /orgs/{org}/incident/card":            "org_member",
		"GET /orgs/{org}/incident/card/print":       "org_member",
		"GET /orgs/{org}/incident/log/new":          "org_member",
		"POST /orgs/{org}/incident/log/new":         "org_member",
		"GET /orgs/{org}/incident/log/{id}":         "org_member",
		"POST /orgs/{org}/incident/log/{id}":        "org_member",
		"POST /orgs/{org}/incident/log/{id}/close":  "org_member",
		"POST /orgs/{org}/incident/log/{id}/reopen": "org_member",
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

// fixture is an organisation with an owner and a member, and another
// organisation with its own member and one incident.
type fixture struct {
	hh                      *harness
	owner, member, outsider string
	o, other                *org.Org
	base                    string
	otherIncident           string
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{hh: newHarness(t, d)}
	f.owner = orgtest.NewUser(t, d, "owner@example.jp")
	f.member = orgtest.NewUser(t, d, "member@example.jp")
	f.outsider = orgtest.NewUser(t, d, "outsider@example.jp")
	f.o = orgtest.NewOrg(t, d, "山田精機", f.owner, f.member)
	f.other = orgtest.NewOrg(t, d, "よその会社", f.outsider)
	f.base = "/orgs/" + f.o.Slug + "/incident"
	i, err := f.hh.s.CreateIncident(context.Background(), nil, f.other.ID, f.outsider, EntryInput{Title: "よその事故", FoundAt: "2025-01-01T09:00"})
	if err != nil {
		t.Fatal(err)
	}
	f.otherIncident = i.ID
	return f
}

func TestAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		hh := f.hh
		own, err := hh.s.CreateIncident(context.Background(), nil, f.o.ID, f.member, EntryInput{Title: "自社の事故", FoundAt: "2025-01-01T09:00"})
		if err != nil {
			t.Fatal(err)
		}
		gets := []string{f.base, f.base + "/card", f.base + "/card/print", f.base + "/log/new", f.base + "/log/" + own.ID}
		for _, p := range gets {
			if w := hh.Get(p, ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
				t.Errorf("anonymous %s: %d %q", p, w.Code, w.Header().Get("Location"))
			}
			expect(t, hh.Get(p, f.outsider), http.StatusNotFound)
			expect(t, hh.Get(p, f.member), http.StatusOK)
			expect(t, hh.Get(p, f.owner), http.StatusOK)
		}
		posts := map[string]url.Values{
			f.base + "/card":                      cardForm(doneCard(), "save", 0),
			f.base + "/log/new":                   entryForm("件名", "2025-01-01T09:00", 0),
			f.base + "/log/" + own.ID:             entryForm("件名", "2025-01-01T09:00", 1),
			f.base + "/log/" + own.ID + "/close":  {},
			f.base + "/log/" + own.ID + "/reopen": {},
		}
		for p, form := range posts {
			expect(t, hh.Post(p, "", form), http.StatusUnauthorized)
			expect(t, hh.Post(p, f.outsider, form), http.StatusNotFound)
		}
		if n := countRows(t, d, "incident_cards"); n != 0 {
			t.Errorf("%d cards written by refused requests", n)
		}
		if i, _ := IncidentByID(context.Background(), d, f.o.ID, own.ID); i.Revision != 1 || !i.Open() || countRows(t, d, "incidents") != 2 {
			t.Errorf("refused requests changed the log: %+v", i)
		}
		// The stylesheet is public and cacheable by its digest.
		w := httptest.NewRecorder()
		hh.s.Render.Static().ServeHTTP(w, httptest.NewRequest("GET", hh.s.Render.AssetURL("incident/card.css"), nil))
		expect(t, w, http.StatusOK, "@page", "size: A4", ".icard-grid")
		if ct, cc := w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"); !strings.HasPrefix(ct, "text/css") || !strings.Contains(cc, "immutable") {
			t.Errorf("stylesheet headers %q %q", ct, cc)
		}
	})
}

// Another organisation's incident ids are not found through one's own
// organisation, and change nothing.
func TestCrossOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		hh := f.hh
		p := f.base + "/log/" + f.otherIncident
		expect(t, hh.Get(p, f.member), http.StatusNotFound)
		expect(t, hh.Get(p+"?lang=en", f.member), http.StatusNotFound, "We could not find that page.")
		expect(t, hh.Post(p, f.member, entryForm("乗っ取り", "2025-01-01T09:00", 1)), http.StatusNotFound)
		expect(t, hh.Post(p+"/close", f.member, url.Values{}), http.StatusNotFound)
		expect(t, hh.Post(p+"/reopen", f.member, url.Values{}), http.StatusNotFound)
		for _, id := range []string{"nope", "0", strings.Repeat("a", 100), "..%2F..%2Fetc"} {
			expect(t, hh.Get(f.base+"/log/"+id, f.member), http.StatusNotFound)
		}
		i, err := IncidentByID(context.Background(), d, f.other.ID, f.otherIncident)
		if err != nil || i.Title != "よその事故" || !i.Open() || i.Revision != 1 {
			t.Errorf("the other organisation's incident changed: %v %+v", err, i)
		}
		// Its list shows nothing of the other organisation.
		expectNot(t, hh.Get(f.base, f.member), "よその事故")
	})
}

func TestCardFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hh := f.hh
		t0 := time.Date(2025, 4, 1, 1, 0, 0, 0, time.UTC)
		hh.s.Now = fixedNow(t0)

		// Nothing yet: the overview asks for the card.
		w := hh.Get(f.base, f.member)
		expect(t, w, http.StatusOK, `id="incident-card-todo"`, "対応カードはまだ作成されていません", "内容を確認して一度保存する",
			"社内の連絡先を少なくとも1人", `id="incident-card-edit"`, "対応カードを作成する", `id="incident-log-empty"`)
		expectNot(t, w, "IT 業者か IPA", "最初の手順")

		// The editor starts from our defaults and stores nothing.
		w = hh.Get(f.base+"/card", f.member)
		expect(t, w, http.StatusOK, `id="incident-card-form"`, `id="incident-card-unsaved"`, `name="revision" value="0"`,
			`<legend>社内の連絡先</legend>`, `<legend>連絡先 1</legend>`, `value="事故対応の責任者"`, `<legend>IPA 相談窓口</legend>`,
			`value="IPA 情報セキュリティ安心相談窓口"`, `value="https://www.ipa.go.jp/security/anshin/"`, `<label for="steps_ransomware">ランサムウェア</label>`,
			"LAN ケーブルを抜き、Wi-Fi を切る", `id="incident-report-ppc"`, "個人情報保護委員会", `inputmode="tel"`, `id="incident-save"`, `id="incident-defaults"`,
			"https://www.npa.go.jp/bureau/cyber/soudan.html", "#9110")
		if n := countRows(t, d, "incident_cards"); n != 0 {
			t.Fatalf("opening the editor stored %d cards", n)
		}
		expect(t, hh.Get(f.base+"/card?lang=en", f.member), http.StatusOK, `value="Incident lead"`, "Ransomware", "Personal Information Protection Commission")

		// Saving the defaults as they are: saved, but no phone yet.
		def := DefaultCard("ja", f.o)
		w = hh.Post(f.base+"/card", f.member, cardForm(def, "save", 0))
		expect(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != f.base {
			t.Errorf("save redirects to %q", loc)
		}
		if ck := w.Result().Cookies(); len(ck) == 0 || !strings.Contains(ck[0].Value, "flash.incident_card_saved") {
			t.Errorf("no flash: %v", ck)
		}
		w = hh.Get(f.base, f.member)
		expect(t, w, http.StatusOK, `id="incident-card-todo"`, "社内の連絡先を少なくとも1人", "対応カードを編集する", "最終更新: 2025年4月1日 10:00（member）")
		expectNot(t, w, "内容を確認して一度保存する")

		// The member adds a phone number: the card is done.
		c := doneCard()
		expect(t, hh.Post(f.base+"/card", f.member, cardForm(c, "save", 1)), http.StatusSeeOther)
		expect(t, hh.Get(f.base, f.owner), http.StatusOK, `id="incident-card-done"`, "準備完了")
		expect(t, hh.Get(f.base+"?lang=en", f.owner), http.StatusOK, "Ready", "Last updated")
		if st, _ := Status(ctx, d, f.o.ID); !st.Done {
			t.Errorf("status %+v", st)
		}
		w = hh.Get(f.base+"/card", f.owner)
		expect(t, w, http.StatusOK, `name="revision" value="2"`, `value="山田 太郎"`, `value="03-1234-5678"`, `value="株式会社サポート"`)
		expectNot(t, w, `id="incident-card-unsaved"`, `id="incident-card-missing"`)

		// "Fill with defaults" refills an emptied situation, saves nothing.
		emptied := c
		emptied.Steps[1] = nil
		emptied.Steps[2] = []string{"自社の手順"}
		w = hh.Post(f.base+"/card", f.owner, cardForm(emptied, "defaults", 2))
		expect(t, w, http.StatusOK, `id="incident-defaults-notice"`, "LAN ケーブルを抜き、Wi-Fi を切る", "\n自社の手順</textarea>")
		if sc, _ := CardFor(ctx, d, f.o.ID); sc.Revision != 2 {
			t.Errorf("defaults saved the card: revision %d", sc.Revision)
		}
		// Saving it emptied: not done any more, and the page says which.
		expect(t, hh.Post(f.base+"/card", f.owner, cardForm(emptied, "save", 2)), http.StatusSeeOther)
		expect(t, hh.Get(f.base, f.owner), http.StatusOK, "「ウイルス感染」の最初の手順")
		expect(t, hh.Get(f.base+"/card", f.owner), http.StatusOK, `id="incident-card-missing"`, "「ウイルス感染」の最初の手順")

		// Two people edit at once: the later save from the old revision is
		// refused with what was typed kept, and goes through when repeated.
		late := c
		late.Notes = "後から保存した人のメモ"
		w = hh.Post(f.base+"/card", f.member, cardForm(late, "save", 2))
		expect(t, w, http.StatusConflict, "ほかの人が保存しました", "後から保存した人のメモ</textarea>", `name="revision" value="3"`)
		if sc, _ := CardFor(ctx, d, f.o.ID); sc.Revision != 3 || sc.Card.Notes != "" {
			t.Errorf("conflicting save stored: %+v", sc)
		}
		expect(t, hh.Post(f.base+"/card", f.member, cardForm(late, "save", 3)), http.StatusSeeOther)
		if sc, _ := CardFor(ctx, d, f.o.ID); sc.Revision != 4 || sc.Card.Notes != late.Notes {
			t.Errorf("repeated save: %+v", sc)
		}
		if n := countAudit(t, d, ActionCardSaved); n != 4 {
			t.Errorf("%d card audit entries, want 4", n)
		}
	})
}

// Bad input gets a clear message in the reader's language, the form again
// with what was typed, and nothing stored.
func TestCardBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hh := f.hh
		good := doneCard()
		expect(t, hh.Post(f.base+"/card", f.member, cardForm(good, "save", 0)), http.StatusSeeOther)

		cases := []struct {
			field, value, ja, en string
		}{
			{"internal_1_phone", "03-1234-5678 内線12", "電話番号は数字とハイフン", "Enter the phone number with digits"},
			{"internal_2_phone", "call me", "電話番号は数字とハイフン", "Enter the phone number with digits"},
			{"internal_1_name", strings.Repeat("名", 101), "100文字以内で、改行や制御文字を含めずに", "Use at most 100 characters, on one line"},
			{"internal_1_email", "taro@", "メールアドレスの形式が正しくありません", "not a valid e-mail address"},
			{"vendor_name", "株式会社\x07サポート", "100文字以内で、改行や制御文字を含めずに", "without control characters"},
			{"vendor_url", "javascript:alert(1)", "http:// または https:// で始まる", "starting with http:// or https://"},
			{"insurer_note", strings.Repeat("備", 201), "200文字以内で", "Use at most 200 characters"},
			{"steps_malware", strings.Repeat("手順\n", 11), "手順は10行まで", "at most 10 lines"},
			{"steps_ransomware", strings.Repeat("長", 201), "1行（1つの手順）は200文字以内", "Keep each line (one step) to 200 characters"},
			{"notes", strings.Repeat("メ", 1001), "1000文字以内で入力してください", "Use at most 1000 characters."},
			{"notes", "ok\x1b[2J", "使えない文字", "characters that cannot be used"},
		}
		for _, tc := range cases {
			for _, lang := range []string{"ja", "en"} {
				form := cardForm(good, "save", 1)
				form.Set(tc.field, tc.value)
				form.Set("vendor_phone", "06-0000-1111") // a good value around the bad one stays as typed too
				msg := tc.ja
				if lang == "en" {
					msg = tc.en
				}
				w := hh.Post(f.base+"/card?lang="+lang, f.member, form)
				expect(t, w, http.StatusUnprocessableEntity, `id="form-error"`, `id="`+tc.field+`-error"`, msg, `aria-invalid="true"`,
					`value="06-0000-1111"`, `value="https://www.ipa.go.jp/security/anshin/"`)
				if strings.Count(w.Body.String(), `class="field-error"`) != 1 {
					t.Errorf("%s: more than one field error", tc.field)
				}
			}
		}
		// Typed values come back escaped, as typed.
		form := cardForm(good, "save", 1)
		form.Set("internal_1_phone", `"><script>alert(1)</script>`)
		w := hh.Post(f.base+"/card", f.member, form)
		expect(t, w, http.StatusUnprocessableEntity, `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`)
		expectNot(t, w, "<script>alert(1)")

		// Broken forms: no revision, a bad revision, an unknown action,
		// invalid UTF-8, a body over the limit.
		for _, mutate := range []func(url.Values){
			func(v url.Values) { v.Del("revision") },
			func(v url.Values) { v.Set("revision", "-1") },
			func(v url.Values) { v.Set("revision", "01") },
			func(v url.Values) { v.Set("action", "delete") },
		} {
			v := cardForm(good, "save", 1)
			mutate(v)
			expect(t, hh.Post(f.base+"/card", f.member, v), http.StatusBadRequest)
		}
		body := cardForm(good, "save", 1).Encode() + "&notes=%FF%FE"
		expect(t, hh.Do("POST", f.base+"/card", f.member, strings.NewReader(body), "application/x-www-form-urlencoded"), http.StatusBadRequest, "文字コード")
		big := cardForm(good, "save", 1)
		big.Set("notes", strings.Repeat("a", webtest.BodyLimit))
		expect(t, hh.Post(f.base+"/card", f.member, big), http.StatusRequestEntityTooLarge)

		sc, err := CardFor(ctx, d, f.o.ID)
		if err != nil || sc.Revision != 1 || sc.Card.Internal[0].Phone != "03-1234-5678" || sc.Card.Notes != "" {
			t.Errorf("refused saves changed the card: %v %+v", err, sc)
		}
		if n := countAudit(t, d, ActionCardSaved); n != 1 {
			t.Errorf("%d card audit entries, want 1", n)
		}
	})
}

func TestPrintPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hh := f.hh
		p := f.base + "/card/print"

		// Never saved: our defaults, with a warning.
		w := hh.Get(p, f.member)
		expect(t, w, http.StatusOK, `id="incident-print-unsaved"`, "未保存（標準の内容）", "山田精機", html.EscapeString(hh.s.Render.AssetURL("incident/card.css")),
			"情報セキュリティ事故 対応カード", "LAN ケーブルを抜き、Wi-Fi を切る（電源は切らない）", `id="incident-card-internal-none"`, "（未記入）", `data-print`)

		hh.s.Now = fixedNow(time.Date(2025, 4, 1, 16, 0, 0, 0, time.UTC)) // 2 April in Japan
		c := doneCard()
		c.Internal[1] = Person{Role: "代理", Name: "佐藤 花子", Phone: "090-8765-4321"}
		c.Outside[1] = Contact{Name: "大阪府警察 サイバー犯罪相談窓口", Phone: "06-0000-0110"}
		c.Steps[4] = []string{"自社の手順その1", "<b>自社の手順その2</b>"}
		c.Notes = "取引先 A 社にも連絡\n二行目"
		if _, err := hh.s.SaveCard(ctx, nil, f.o.ID, f.owner, &c, 0); err != nil {
			t.Fatal(err)
		}
		w = hh.Get(p, f.member)
		expect(t, w, http.StatusOK, `<strong id="incident-card-orgname">山田精機</strong>`, "最終更新 2025年4月2日",
			"<td>山田 太郎</td>", `<td class="icard-phone">03-1234-5678</td>`, "taro@example.jp", "佐藤 花子", "090-8765-4321",
			"IPA 情報セキュリティ安心相談窓口", `href="https://www.ipa.go.jp/security/anshin/" rel="noopener nofollow"`,
			"大阪府警察 サイバー犯罪相談窓口", "06-0000-0110", "株式会社サポート", "06-0000-1111", "契約番号 A-12",
			`id="incident-card-lost_device"`, `id="incident-card-malware"`, `id="incident-card-mis_sent_email"`, `id="incident-card-ransomware"`,
			`id="incident-card-account_takeover"`, "<li>自社の手順その1</li>", "<li>&lt;b&gt;自社の手順その2&lt;/b&gt;</li>",
			"画面を撮影し、時刻と直前にした操作をメモする", `id="incident-card-where"`, "個人情報保護委員会", "取引先 A 社にも連絡\n二行目")
		// Optional contacts left empty are not printed.
		expectNot(t, w, `id="incident-print-unsaved"`, "<b>自社", `<th scope="row">保険会社</th>`, `<th scope="row">弁護士</th>`)
		expect(t, hh.Get(p+"?lang=en", f.member), http.StatusOK, "Information security incident response card", "Last updated 2 April 2025",
			"Internal contacts", "Lost or stolen device", "自社の手順その1", "Where to report")
	})
}

func TestLogFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hh := f.hh
		t0 := time.Date(2025, 6, 10, 3, 0, 0, 0, time.UTC) // 12:00 JST
		hh.s.Now = fixedNow(t0)

		expect(t, hh.Get(f.base+"/log/new", f.member), http.StatusOK, `id="incident-entry-form"`, `value="2025-06-10T12:00"`,
			`<label for="title">件名</label>`, `type="datetime-local"`, `<legend>記録の内容</legend>`)

		// Bad input: clear messages, values kept, nothing stored.
		bad := []struct {
			change      func(url.Values)
			field, want string
		}{
			{func(v url.Values) { v.Set("title", "") }, "title", "件名を入力してください"},
			{func(v url.Values) { v.Set("title", "件名\r\n二行") }, "title", "件名は200文字以内で"},
			{func(v url.Values) { v.Set("title", strings.Repeat("件", 201)) }, "title", "件名は200文字以内で"},
			{func(v url.Values) { v.Set("found_at", "") }, "found_at", "発見した日時を入力してください"},
			{func(v url.Values) { v.Set("found_at", "2025-02-30T10:00") }, "found_at", "日時の形式が正しくありません"},
			{func(v url.Values) { v.Set("found_at", "先週") }, "found_at", "日時の形式が正しくありません"},
			{func(v url.Values) { v.Set("found_at", "2025-06-11T09:00") }, "found_at", "未来の日時は入力できません"},
			{func(v url.Values) { v.Set("description", strings.Repeat("説", 4001)) }, "description", "4000文字以内で入力してください"},
			{func(v url.Values) { v.Set("impact", "\x00") }, "impact", "使えない文字"},
			{func(v url.Values) { v.Set("actions", strings.Repeat("対", 4001)) }, "actions", "4000文字以内"},
		}
		for _, tc := range bad {
			v := entryForm("ウイルス警告", "2025-06-10T09:15", 0)
			tc.change(v)
			w := hh.Post(f.base+"/log/new", f.member, v)
			kept := "経理のパソコン1台</textarea>" // what was typed elsewhere comes back
			if tc.field == "impact" {
				kept = "経理のパソコンで警告が出た</textarea>"
			}
			expect(t, w, http.StatusUnprocessableEntity, `id="form-error"`, `id="`+tc.field+`-error"`, tc.want, kept)
		}
		w := hh.Post(f.base+"/log/new?lang=en", f.member, url.Values{"found_at": {"2025-06-10T09:15"}})
		expect(t, w, http.StatusUnprocessableEntity, "Enter a title.", `value="2025-06-10T09:15"`)
		if n := countRows(t, d, "incidents"); n != 1 {
			t.Fatalf("%d incidents after refused entries (want the fixture's one)", n)
		}

		// Record one.
		w = hh.Post(f.base+"/log/new", f.member, entryForm("ウイルス警告", "2025-06-10T09:15", 0))
		expect(t, w, http.StatusSeeOther)
		entry := w.Header().Get("Location")
		if !strings.HasPrefix(entry, f.base+"/log/") {
			t.Fatalf("redirect %q", entry)
		}
		id := strings.TrimPrefix(entry, f.base+"/log/")
		w = hh.Get(entry, f.owner)
		expect(t, w, http.StatusOK, `<h1 id="incident-entry-title">ウイルス警告</h1>`, "対応中", "2025年6月10日 09:15", `id="incident-close-form"`,
			`name="closed_at" value="2025-06-10T12:00"`, `name="revision" value="1"`, `value="2025-06-10T09:15"`, "経理のパソコンで警告が出た</textarea>", "（member）")
		expectNot(t, w, `id="incident-reopen-form"`)

		// Edit, and a stale edit.
		v := entryForm("ウイルス警告（経理）", "2025-06-10T09:15", 1)
		v.Set("actions", "LAN ケーブルを抜いた\n業者に連絡した")
		expect(t, hh.Post(entry, f.owner, v), http.StatusSeeOther)
		v.Set("actions", "古い画面からの編集")
		w = hh.Post(entry, f.member, v)
		expect(t, w, http.StatusConflict, `id="incident-conflict-notice"`, "ほかの人が保存しました", "古い画面からの編集</textarea>", `name="revision" value="2"`,
			"ウイルス警告（経理）")
		i, _ := IncidentByID(ctx, d, f.o.ID, id)
		if i.Title != "ウイルス警告（経理）" || i.Actions != "LAN ケーブルを抜いた\n業者に連絡した" || i.Revision != 2 {
			t.Errorf("after edits %+v", i)
		}
		// A bad edit keeps the entry.
		v = entryForm("", "2025-06-10T09:15", 2)
		expect(t, hh.Post(entry, f.owner, v), http.StatusUnprocessableEntity, "件名を入力してください")
		expect(t, hh.Post(entry, f.owner, entryForm("x", "2025-06-10T09:15", 0)), http.StatusBadRequest)

		// Close: a bad time is refused, then it closes.
		for at, msg := range map[string]string{"2025-06-10T08:00": "完了日時は発見日時より後に", "2025-06-12T08:00": "未来の日時", "2025-6-1": "日時の形式"} {
			w = hh.Post(entry+"/close", f.member, url.Values{"closed_at": {at}})
			expect(t, w, http.StatusUnprocessableEntity, `id="closed_at-error"`, msg, `value="`+at+`"`, "ウイルス警告（経理）</h1>")
		}
		if i, _ := IncidentByID(ctx, d, f.o.ID, id); !i.Open() {
			t.Fatal("closed by a refused request")
		}
		expect(t, hh.Post(entry+"/close", f.member, url.Values{"closed_at": {"2025-06-10T11:30"}}), http.StatusSeeOther)
		w = hh.Get(entry, f.member)
		expect(t, w, http.StatusOK, "完了", `id="incident-closed-at">2025年6月10日 11:30`, `id="incident-reopen-form"`)
		expectNot(t, w, `id="incident-close-form"`)

		// The overview lists open ones first.
		if _, err := hh.s.CreateIncident(ctx, nil, f.o.ID, f.member, EntryInput{Title: "古い誤送信", FoundAt: "2025-01-05T10:00"}); err != nil {
			t.Fatal(err)
		}
		w = hh.Get(f.base, f.member)
		expect(t, w, http.StatusOK, `id="incident-open-count">対応中: 1件`, "古い誤送信", "ウイルス警告（経理）", "2025年6月10日 11:30")
		if body := w.Body.String(); strings.Index(body, "古い誤送信") > strings.Index(body, "ウイルス警告（経理）") {
			t.Error("the open incident is not listed first")
		}

		// Reopen.
		expect(t, hh.Post(entry+"/reopen", f.member, url.Values{}), http.StatusSeeOther)
		if i, _ := IncidentByID(ctx, d, f.o.ID, id); !i.Open() {
			t.Error("not reopened")
		}
		expect(t, hh.Get(entry+"?lang=en", f.member), http.StatusOK, "Open", "Close the incident", "Japan time")
		for action, want := range map[string]int{ActionCreated: 2 + 1, ActionUpdated: 1, ActionClosed: 1, ActionReopened: 1} {
			if n := countAudit(t, d, action); n != want {
				t.Errorf("%s: %d audit entries, want %d", action, n, want)
			}
		}
	})
}

// Markup typed into the log is stored as typed and shown escaped.
func TestLogEscapes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		hh := f.hh
		v := entryForm(`<img src=x onerror=alert(1)>`, "2025-01-01T09:00", 0)
		v.Set("description", `<script>alert(2)</script>`)
		w := hh.Post(f.base+"/log/new", f.member, v)
		expect(t, w, http.StatusSeeOther)
		for _, p := range []string{f.base, w.Header().Get("Location")} {
			w := hh.Get(p, f.member)
			expect(t, w, http.StatusOK, "&lt;img src=x onerror=alert(1)&gt;")
			expectNot(t, w, "<img src=x", "<script>alert(2)")
		}
	})
}
