package assets

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"mamori/internal/assets/ledgerfile"
	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

// seedLedger fills the organisation's ledger with assets covering every
// kind of value: personal data kinds, media, overrides, treatments, text
// that looks like a formula, a multi-line note.
func seedLedger(t *testing.T, h *harness) {
	answerAll(t, h.d, h.org.ID, h.owner, controls.Partial)
	h.add(t, h.org.ID, Input{BusinessArea: "営業", Name: "顧客名簿", PersonalData: "personal", C: "2", I: "2", A: "1", Medium: "office_pc",
		Storage: "共有フォルダ", Threat: "3", Treatment: "reduce", TreatmentOwner: "山田", TreatmentDue: "2027-03-31", RegisteredOn: "2026-04-01"})
	h.add(t, h.org.ID, Input{BusinessArea: "総務", Name: "給与台帳", PersonalData: "my_number", C: "3", I: "3", A: "2", Medium: "paper",
		Threat: "2", Vulnerability: "3", VulnerabilityReason: "鍵のない棚", Notes: "年末調整で使う\n5年保存", Retention: "7年"})
	h.add(t, h.org.ID, Input{Name: "=SUM(A1)", C: "1", I: "1", A: "1", Users: "+全員", Department: "@管理"})
}

func (h *harness) importAPI(t *testing.T, body []byte, query string) (int, apiImportResult) {
	t.Helper()
	w := h.Do("POST", "/api/v1/orgs/"+h.org.Slug+"/assets/import"+query, h.member, bytes.NewReader(body), "application/octet-stream")
	var res apiImportResult
	if w.Code == 200 || w.Code == 422 && strings.Contains(query, "strict") {
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
	}
	return w.Code, res
}

func TestExportImportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		seedLedger(t, h)
		before, _ := List(context.Background(), d, h.org.ID, Filter{})
		for _, c := range []struct{ path, lang string }{{"assets.xlsx", ""}, {"assets.csv", ""}, {"assets.xlsx", "?lang=en"}, {"assets.csv", "?lang=en"}} {
			w := h.Get("/api/v1/orgs/"+h.org.Slug+"/"+c.path+c.lang, h.member)
			expect(t, w, 200)
			if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
				t.Fatalf("%s: Content-Disposition %q", c.path, cd)
			}
			code, res := h.importAPI(t, w.Body.Bytes(), "?dry_run=1")
			if code != 200 || res.Add != 0 || res.Change != 0 || res.Unchanged != 3 || len(res.Reject) != 0 || res.Applied {
				t.Fatalf("%s%s re-import: %d %+v", c.path, c.lang, code, res)
			}
			// Applying an unchanged file changes nothing either.
			if code, res = h.importAPI(t, w.Body.Bytes(), ""); code != 200 || !res.Applied || res.Unchanged != 3 {
				t.Fatalf("apply unchanged: %+v", res)
			}
		}
		after, _ := List(context.Background(), d, h.org.ID, Filter{})
		for i := range before {
			if *before[i] != *after[i] {
				t.Fatalf("round trip changed an asset:\n%+v\n%+v", before[i], after[i])
			}
		}

		// Edit one rating in the workbook as a spreadsheet user would.
		w := h.Get("/api/v1/orgs/"+h.org.Slug+"/assets.xlsx", h.member)
		f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetName(0)
		col, _ := excelize.ColumnNumberToName(ledgerfile.Index("confidentiality") + 1)
		if err := f.SetCellInt(sheet, col+"2", 3); err != nil {
			t.Fatal(err)
		}
		var edited bytes.Buffer
		if err := f.Write(&edited); err != nil {
			t.Fatal(err)
		}
		code, res := h.importAPI(t, edited.Bytes(), "?dry_run=1")
		if code != 200 || res.Change != 1 || res.Unchanged != 2 || res.Add != 0 {
			t.Fatalf("edited dry run: %+v", res)
		}
		if a, _ := Get(context.Background(), d, h.org.ID, before[0].ID); a.C != 2 {
			t.Fatal("a dry run wrote")
		}
		if code, res = h.importAPI(t, edited.Bytes(), ""); code != 200 || res.Change != 1 {
			t.Fatalf("edited apply: %+v", res)
		}
		if a, _ := Get(context.Background(), d, h.org.ID, before[0].ID); a.C != 3 || a.Importance().Value != 3 {
			t.Fatalf("after import: %+v", a)
		}
	})
}

func TestImportRejects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		seedLedger(t, h)
		theirs := h.add(t, h.other.ID, Input{Name: "よその台帳", C: "1", I: "1", A: "1"})
		csv := "情報資産の名称,個人情報の種類,機密性,完全性,可用性,登録日,脆弱性,管理ID\r\n" +
			"新しい資産,個人情報,1,2,3,2026/05/01,,\r\n" + // line 2: added
			",なし,1,1,1,,,\r\n" + // line 3: no name
			"評価が変,住所録,4,1,x,2026-02-30,,\r\n" + // line 4: four bad cells
			"よそ,なし,1,1,1,,,\r\n" + // line 5: fine, added
			"乗っ取り,なし,1,1,1,,," + theirs.ID + "\r\n" + // line 6: another org's id
			"理由なし,なし,1,1,1,,1,\r\n" // line 7: override without reason
		code, res := h.importAPI(t, []byte(csv), "?dry_run=1")
		if code != 200 || res.Add != 2 || res.Change != 0 {
			t.Fatalf("plan: %d %+v", code, res)
		}
		got := map[string]string{}
		for _, r := range res.Reject {
			got[strings.Join([]string{itoa(r.Row), r.Column}, ":")] = r.Reason
		}
		want := map[string]string{
			"3:情報資産の名称":  "情報資産の名称を入力してください",
			"4:個人情報の種類":  "個人情報の種類",
			"4:機密性":      "1・2・3",
			"4:可用性":      "1・2・3",
			"4:登録日":      "2026-04-01",
			"6:管理ID":     "この組織の台帳にありません",
			"7:脆弱性の変更理由": "理由を書いてください",
		}
		for k, v := range want {
			if !strings.Contains(got[k], v) {
				t.Errorf("reject %s: %q, want it to mention %q (all: %v)", k, got[k], v, got)
			}
		}
		if len(res.Reject) != len(want) {
			t.Errorf("rejects %v", got)
		}
		// English reasons for English users.
		w := h.Do("POST", "/api/v1/orgs/"+h.org.Slug+"/assets/import?dry_run=1&lang=en", h.member, strings.NewReader(csv), "text/csv")
		expect(t, w, 200, "Enter the name of the information asset")

		// All or nothing: with strict=1 a file with rejects writes nothing
		// and says so (422, the plan in the body); a flag that is neither
		// yes nor no is refused before anything is read.
		n0 := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID)
		if code, res = h.importAPI(t, []byte(csv), "?strict=1"); code != 422 || res.Applied || res.Add != 2 || len(res.Reject) != len(want) {
			t.Fatalf("strict: %d %+v", code, res)
		}
		// A dry run writes nothing either way: strict does not turn it into a refusal.
		if code, res = h.importAPI(t, []byte(csv), "?dry_run=1&strict=1"); code != 200 || res.Applied || len(res.Reject) != len(want) {
			t.Fatalf("dry run with strict: %d %+v", code, res)
		}
		for _, q := range []string{"?dry_run=yes", "?strict=please"} {
			expect(t, h.Do("POST", "/api/v1/orgs/"+h.org.Slug+"/assets/import"+q, h.member, strings.NewReader(csv), "text/csv"), 400, "1か0")
		}
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID); n != n0 {
			t.Fatalf("a refused import wrote: %d → %d", n0, n)
		}

		// Applying adds the good rows only, in one go.
		if code, res = h.importAPI(t, []byte(csv), ""); code != 200 || res.Add != 2 {
			t.Fatalf("apply: %+v", res)
		}
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID); n != n0+2 {
			t.Fatalf("assets %d → %d", n0, n)
		}
		if a, _ := Get(context.Background(), d, h.other.ID, theirs.ID); a.Name != "よその台帳" {
			t.Fatal("another organisation's asset changed")
		}

		// Files that are not ledgers: a clear message, nothing stored.
		n1 := h.count(t, `SELECT COUNT(*) FROM assets`)
		for _, c := range []struct {
			body   string
			status int
			msg    string
		}{
			{"PK\x03\x04garbage that is not a zip", 400, "ファイルを読み取れませんでした"},
			{"a,b,c\r\n1,2,3\r\n", 400, "見出しの行が見つかりません"},
			{"", 422, ""},
		} {
			w := h.Do("POST", "/api/v1/orgs/"+h.org.Slug+"/assets/import", h.member, strings.NewReader(c.body), "text/csv")
			if c.msg != "" {
				expect(t, w, c.status, c.msg)
			} else if w.Code < 400 {
				t.Fatalf("empty body accepted: %d", w.Code)
			}
		}
		if n := h.count(t, `SELECT COUNT(*) FROM assets`); n != n1 {
			t.Fatal("a refused file stored something")
		}
	})
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n))) }

// upload posts a file through the browser's import form.
func (h *harness) upload(t *testing.T, user, name string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(body)
	mw.Close()
	return h.Do("POST", "/orgs/"+h.org.Slug+"/assets/import", user, &buf, mw.FormDataContentType())
}

var planField = regexp.MustCompile(`name="plan" value="([0-9a-f]+)"`)

func TestImportPreviewAndConfirm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		seedLedger(t, h)
		ctx := context.Background()
		list, _ := List(ctx, d, h.org.ID, Filter{})
		csv := "情報資産の名称,機密性,完全性,可用性,管理ID\r\n顧客名簿,3,2,1," + list[0].ID + "\r\n見積書,2,2,2,\r\n"

		w := h.upload(t, h.member, "台帳.csv", []byte(csv))
		expect(t, w, http.StatusSeeOther)
		loc := w.Header().Get("Location")
		if !strings.HasPrefix(loc, "/orgs/"+h.org.Slug+"/asset-imports/") {
			t.Fatalf("redirect %q", loc)
		}
		// The preview shows what would happen; nothing is written yet.
		w = h.Get(loc, h.member)
		expect(t, w, 200, "追加 1 件、変更 1 件、変更なし 0 件", "台帳.csv", "見積書", "機密性")
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID); n != 3 {
			t.Fatal("preview wrote")
		}
		hash := planField.FindStringSubmatch(w.Body.String())[1]
		// Another member cannot see or confirm this upload.
		expect(t, h.Get(loc, h.owner), http.StatusNotFound)
		// Confirming an upload that is not one's own (or no longer there)
		// applies nothing and goes back to the ledger.
		expect(t, h.Post(loc, h.owner, map[string][]string{"action": {"apply"}, "plan": {hash}}), http.StatusSeeOther)
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID); n != 3 {
			t.Fatal("another member's confirmation wrote")
		}

		// The ledger changes meanwhile: confirming shows the new plan
		// instead of applying an import nobody reviewed.
		if _, err := Update(ctx, d, h.org.ID, list[0].ID, Input{Name: "顧客名簿", C: "3", I: "2", A: "1"}, h.s.now()); err != nil {
			t.Fatal(err)
		}
		w = h.Post(loc, h.member, map[string][]string{"action": {"apply"}, "plan": {hash}})
		expect(t, w, http.StatusConflict, "もう一度確認してください", "追加 1 件、変更 0 件、変更なし 1 件")
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID); n != 3 {
			t.Fatal("a stale confirmation wrote")
		}
		hash = planField.FindStringSubmatch(w.Body.String())[1]
		expect(t, h.Post(loc, h.member, map[string][]string{"action": {"apply"}, "plan": {hash}}), http.StatusSeeOther)
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID); n != 4 {
			t.Fatalf("after confirm: %d assets", n)
		}
		if n := h.count(t, `SELECT COUNT(*) FROM asset_imports`); n != 0 {
			t.Fatal("the upload was kept after confirming")
		}
		if n := h.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, ActionImported); n != 1 {
			t.Fatal("no audit entry")
		}
		expect(t, h.Get(loc, h.member), http.StatusNotFound)

		// Cancel throws the upload away.
		loc = h.upload(t, h.member, "x.csv", []byte(csv)).Header().Get("Location")
		expect(t, h.Post(loc, h.member, map[string][]string{"action": {"cancel"}}), http.StatusSeeOther)
		if n := h.count(t, `SELECT COUNT(*) FROM asset_imports`); n != 0 {
			t.Fatal("cancel kept the upload")
		}

		// Refusals in the user's language, on the form.
		expect(t, h.upload(t, h.member, "scan.pdf", []byte("%PDF-1.7 \x00\x01\x02")), 422, "ファイルを読み取れませんでした")
		expect(t, h.Do("POST", "/orgs/"+h.org.Slug+"/assets/import?lang=en", h.member, strings.NewReader("a=b"), "application/x-www-form-urlencoded"), 422, "Choose a file to import")
		big := bytes.Repeat([]byte("a"), MaxImportBytes+10)
		expect(t, h.upload(t, h.member, "big.csv", big), http.StatusRequestEntityTooLarge, "20 MB")
	})
}

// A ledger kept in IPA's risk analysis workbook, with its two-row header
// and the three ○ flag columns for personal data, imports with the kinds
// the flags give; a flag cell that is no mark is rejected by name.
func TestImportIPAWorkbookLayout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		csv := "情報資産管理台帳\r\n" +
			"No.,業務分類,情報資産名称,媒体・保存先,個人情報の種類,,,評価値,,,重要度\r\n" +
			",,,,個人情報,要配慮個人情報,特定個人情報,機密性,完全性,可用性,\r\n" +
			"1,営業,顧客名簿,社内サーバ,○,,,2,2,2,3\r\n" +
			"2,人事,従業員マイナンバー,金庫,○,,○,1,1,1,3\r\n" +
			"3,人事,健康診断の結果,書類,,○,,1,1,1,3\r\n" +
			"4,営業,見積書,PC,,,,2,2,1,2\r\n" +
			"5,営業,名刺,机,たぶん,,,1,1,1,1\r\n" +
			"6,営業,名簿2,机,○,,None,1,1,1,1\r\n" + // a word in a flag column never reads as a kind
			"7,営業,名簿3,机,,,個人情報,1,1,9,1\r\n"
		code, res := h.importAPI(t, []byte(csv), "")
		if code != 200 || res.Add != 4 || len(res.Reject) != 4 {
			t.Fatalf("import: %d %+v", code, res)
		}
		// Row 10: the bad flag and the bad rating are both reported.
		if r := res.Reject[1]; r.Row != 9 || r.Value != "None" {
			t.Errorf("reject %+v", r)
		}
		if r := res.Reject[2]; r.Row != 10 || r.Value != "個人情報" || r.Column != "個人情報の種類" {
			t.Errorf("reject %+v", r)
		}
		if r := res.Reject[3]; r.Row != 10 || r.Value != "9" || r.Column != "可用性" {
			t.Errorf("reject %+v", r)
		}
		if r := res.Reject[0]; r.Row != 8 || r.Column != "個人情報の種類" || r.Value != "たぶん" || !strings.Contains(r.Reason, "○") {
			t.Errorf("reject %+v", r)
		}
		for name, kind := range map[string]string{"顧客名簿": "personal", "従業員マイナンバー": "my_number", "健康診断の結果": "sensitive", "見積書": "none"} {
			if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ? AND name = ? AND personal_data = ? AND confidentiality > 0`, h.org.ID, name, kind); n != 1 {
				t.Errorf("%s not stored as %s", name, kind)
			}
		}
	})
}

// A confirmation sent twice at once (a double click), or two at once
// from two tabs, applies the import once: the second waits for the first
// and finds nothing left to apply. Positions stay distinct.
func TestImportConfirmedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		csv := "情報資産の名称,機密性,完全性,可用性\r\n新しい資産A,1,1,1\r\n新しい資産B,2,2,2\r\n"
		w := h.upload(t, h.member, "台帳.csv", []byte(csv))
		loc := w.Header().Get("Location")
		hash := planField.FindStringSubmatch(h.Get(loc, h.member).Body.String())[1]
		var wg sync.WaitGroup
		codes := make([]int, 4)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = h.Post(loc, h.member, map[string][]string{"action": {"apply"}, "plan": {hash}}).Code
			}()
		}
		wg.Wait()
		for _, c := range codes {
			if c != http.StatusSeeOther {
				t.Errorf("confirmation answered %d", c)
			}
		}
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, h.org.ID); n != 2 {
			t.Fatalf("%d assets after four confirmations of a two-row import", n)
		}
		if n := h.count(t, `SELECT COUNT(DISTINCT position) FROM assets WHERE org_id = ?`, h.org.ID); n != 2 {
			t.Fatalf("positions shared: %d distinct", n)
		}
		if n := h.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, ActionImported); n != 1 {
			t.Fatalf("%d import audit entries", n)
		}
	})
}

// The vulnerability column: a 0 is a bad rating even where the check has
// no value for the medium, and a file without the reason column keeps a
// hand-set override's stored reason.
func TestImportVulnerabilityCells(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.add(t, h.org.ID, Input{Name: "設計図", C: "3", I: "3", A: "2", Medium: "server", Threat: "2", Vulnerability: "3", VulnerabilityReason: "鍵なし"})
		code, res := h.importAPI(t, []byte("情報資産の名称,脆弱性,管理ID\r\n設計図,3,"+a.ID+"\r\n"), "?dry_run=1")
		if code != 200 || res.Unchanged != 1 || len(res.Reject) != 0 {
			t.Fatalf("same value without the reason column: %d %+v", code, res)
		}
		code, res = h.importAPI(t, []byte("情報資産の名称,脆弱性,管理ID\r\n設計図,0,"+a.ID+"\r\n新規,0,\r\n"), "")
		zeros := 0
		for _, r := range res.Reject {
			if r.Column == "脆弱性" && r.Value == "0" {
				zeros++
			}
		}
		if code != 200 || zeros != 2 || res.Add+res.Change != 0 {
			t.Fatalf("a 0 vulnerability: %d %+v", code, res)
		}
		if got, _ := Get(context.Background(), d, h.org.ID, a.ID); got.Vulnerability != 3 || got.VulnerabilityReason != "鍵なし" {
			t.Fatalf("the override was changed: %d %q", got.Vulnerability, got.VulnerabilityReason)
		}
	})
}

// A ledger kept in IPA's workbook goes back out in IPA's shape: imported
// from IPA's sheet, exported in IPA's layout and imported again (into
// another organisation, since IPA's sheet has no mamori ID to match), it
// gives the same assets in every column IPA's sheet has.
func TestIPALayoutRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		ipa := "情報資産管理台帳\r\n\r\n" +
			"No.,業務分類,情報資産名称,備考,利用者範囲,管理部署,媒体・保存先,個人情報の種類,,,評価値,,,重要度,保存期限,登録日\r\n" +
			",,,,,,,個人情報,要配慮個人情報,特定個人情報,機密性,完全性,可用性,,,\r\n" +
			"1,営業,顧客名簿,,営業部,営業部,社内サーバ,○,,,3,2,2,3,5年,2024-04-01\r\n" +
			"2,人事,従業員マイナンバー,\"金庫\n鍵は総務\",人事担当,総務部,金庫(書類),○,,〇,3,3,2,3,,\r\n" +
			"3,人事,健康診断の結果,,人事担当,総務部,書類,,◯,,3,2,1,3,,\r\n" +
			"4,営業,=見積書,,全員,営業部,PC,,,,2,2,1,2,,\r\n"
		if code, res := h.importAPI(t, []byte(ipa), ""); code != 200 || res.Add != 4 || len(res.Reject) != 0 {
			t.Fatalf("IPA import: %d %+v", code, res)
		}
		first, err := List(ctx, d, h.org.ID, Filter{})
		if err != nil || len(first) != 4 {
			t.Fatalf("imported %d %v", len(first), err)
		}
		second := orgtest.NewOrg(t, d, "二番目株式会社", h.member)
		for _, c := range []struct{ path, lang, head string }{
			{"assets.xlsx?layout=ipa", "", ""}, {"assets.csv?layout=ipa", "", "情報資産名称"},
			{"assets.xlsx?layout=ipa&lang=en", "en", ""}, {"assets.csv?layout=ipa&lang=en", "en", "Information asset"},
		} {
			w := h.Get("/api/v1/orgs/"+h.org.Slug+"/"+c.path, h.member)
			expect(t, w, 200, c.head)
			if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, "-assets-ipa-") {
				t.Fatalf("%s: Content-Disposition %q", c.path, cd)
			}
			if strings.Contains(w.Body.String(), "媒体の種類") || strings.Contains(w.Body.String(), "管理ID") {
				t.Fatalf("%s: IPA's layout has mamori's columns", c.path)
			}
			tb, err := ledgerfile.Read(bytes.NewReader(w.Body.Bytes()), MaxImportBytes)
			if err != nil || !tb.PersonalFlags {
				t.Fatalf("%s: %v, flags %v", c.path, err, tb.PersonalFlags)
			}
			if _, err := d.ExecContext(ctx, `DELETE FROM assets WHERE org_id = ?`, second.ID); err != nil {
				t.Fatal(err)
			}
			res := h.Do("POST", "/api/v1/orgs/"+second.Slug+"/assets/import", h.member, bytes.NewReader(w.Body.Bytes()), "application/octet-stream")
			expect(t, res, 200, `"add":4`, `"reject":[]`)
			again, err := List(ctx, d, second.ID, Filter{})
			if err != nil || len(again) != 4 {
				t.Fatalf("%s: re-imported %d %v", c.path, len(again), err)
			}
			for i, a := range first {
				b := again[i]
				if a.BusinessArea != b.BusinessArea || a.Name != b.Name || a.Notes != b.Notes || a.Users != b.Users || a.Department != b.Department ||
					a.Storage != b.Storage || a.PersonalData != b.PersonalData || a.C != b.C || a.I != b.I || a.A != b.A ||
					a.Retention != b.Retention || a.RegisteredOn != b.RegisteredOn || a.Position != b.Position {
					t.Errorf("%s: asset %d\n%+v\n%+v", c.path, i+1, a, b)
				}
			}
		}
		expect(t, h.Get("/api/v1/orgs/"+h.org.Slug+"/assets.xlsx?layout=other", h.member), 400)
		// The ledger page offers both layouts.
		expect(t, h.Get("/orgs/"+h.org.Slug+"/assets", h.member), 200, `id="asset-export-ipa-xlsx"`, `assets.xlsx?layout=ipa`, `assets.csv?layout=ipa`, "IPA の台帳の形式")
	})
}
