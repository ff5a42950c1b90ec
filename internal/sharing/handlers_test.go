package sharing

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/i18n"
	"mamori/internal/jobs"
	"mamori/internal/mail"
	"mamori/internal/mailparse"
	"mamori/internal/masterkey"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/sharing/correlate"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

type harness struct {
	*webtest.Harness
	s                       *Service
	d                       *db.DB
	analyst, staffA, staffB string
	a, b                    *org.Org
	clock                   time.Time
}

func newHarness(t *testing.T, d *db.DB) *harness {
	cat := orgtest.Catalog(t, Locales())
	rd, log := webtest.Pages(t, cat, "sharing", Templates)
	box, _ := masterkey.New(bytes.Repeat([]byte{3}, 32))
	h := &harness{d: d, clock: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	mailer := mail.New(d, jobs.New(d, log), "", "mamori <no-reply@example.jp>")
	orgs := &org.Service{DB: d, Mail: mailer, Catalog: cat, Render: rd, Log: log}
	h.s = &Service{DB: d, Log: log, Catalog: cat, Render: rd, Box: box, Orgs: orgs, Now: func() time.Time { return h.clock },
		Mail: mailer, BaseURL: "https://mamori.example"}
	orgs.Accepted = h.s.InvitationAccepted
	h.Harness = webtest.Serve(t, d, cat, rd, log, h.s.Routes, MaxUploadBytes)
	ctx := context.Background()
	h.analyst = orgtest.NewUser(t, d, "analyst@example.jp")
	auth.GrantRole(ctx, d, h.analyst, web.RoleAnalyst)
	h.staffA, h.staffB = orgtest.NewUser(t, d, "a@member-a.example.jp"), orgtest.NewUser(t, d, "b@member-b.example.jp")
	h.a = orgtest.NewOrg(t, d, "会員A電機", h.staffA)
	h.b = orgtest.NewOrg(t, d, "会員B重工", h.staffB)
	return h
}

func (h *harness) post(t *testing.T, path, user string, kv ...string) *httptest.ResponseRecorder {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return h.Post(path, user, v)
}

// report posts the report form with mail files.
func (h *harness) report(t *testing.T, user string, fields map[string]string, mails ...string) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for i, m := range mails {
		fw, _ := mw.CreateFormFile("mail", "suspicious-"+string(rune('0'+i))+".eml")
		fw.Write([]byte(m))
	}
	mw.Close()
	return h.Do("POST", "/share/reports/new", user, &buf, mw.FormDataContentType())
}

var (
	expect    = webtest.Expect
	expectNot = webtest.ExpectNot
)

func TestCoordinatorAndMemberFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()

		// The coordinator adds both organisations, records NDAs, makes a
		// SIG and names the staff.
		expect(t, h.post(t, "/share/admin/members", h.analyst, "org", "no-such-org"), 422, "組織が見つかりません")
		expect(t, h.post(t, "/share/admin/members", h.analyst, "org", "https://mamori.example/orgs/"+h.a.Slug), http.StatusSeeOther)
		expect(t, h.post(t, "/share/admin/members", h.analyst, "org", h.b.Slug), http.StatusSeeOther)
		expect(t, h.Get("/share/admin", h.analyst), 200, "会員A電機", "NDA 未締結")
		base := "/share/admin/members/" + h.a.Slug
		expect(t, h.post(t, base+"/ndas", h.analyst, "signed_on", "2026-04-01", "expires_on", "2026-03-01"), 422, "有効期限は締結日以降")
		expect(t, h.post(t, base+"/ndas", h.analyst, "signed_on", "2026-04-01", "expires_on", "2026-12-31", "reference", "NDA-A"), http.StatusSeeOther)
		expect(t, h.post(t, "/share/admin/members/"+h.b.Slug+"/ndas", h.analyst, "signed_on", "2026-04-01", "expires_on", "2027-03-31"), http.StatusSeeOther)
		expect(t, h.post(t, "/share/admin/sigs/new", h.analyst, "name", "電機SIG", "description", "電機・重工"), http.StatusSeeOther)
		sigs, _ := SIGs(ctx, d)
		expect(t, h.post(t, base+"/sigs", h.analyst, "sig", sigs[0].ID), http.StatusSeeOther)
		expect(t, h.post(t, base+"/sigs", h.analyst, "sig", "nope"), 422)
		// An address outside the company: the coordinators only ask; the
		// company's owner decides, and only its approval sends the
		// organisation's invitation. Accepting it makes staff.
		expect(t, h.post(t, base+"/staff", h.analyst, "email", "new.staff@member-a.example.jp"), http.StatusSeeOther)
		expect(t, h.Get(base, h.analyst), 200, "組織の承認または招待の受諾待ち", "new.staff@member-a.example.jp")
		var invitations int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_invitations WHERE email = ?`, "new.staff@member-a.example.jp").Scan(&invitations)
		if invitations != 0 {
			t.Fatal("the coordinators' request invited someone into the company")
		}
		reqs := "/orgs/" + h.a.Slug + "/hub-staff"
		expect(t, h.Get(reqs, h.staffA), 200, "情報共有の担当者の依頼", "new.staff@member-a.example.jp")
		expect(t, h.post(t, "/share/admin/members/"+h.a.Slug+"/staff", h.analyst, "email", "unwanted@elsewhere.example"), http.StatusSeeOther)
		expect(t, h.post(t, reqs, h.staffA, "action", "decline", "email", "unwanted@elsewhere.example"), http.StatusSeeOther)
		expect(t, h.post(t, reqs, h.staffA, "action", "approve", "email", "unwanted@elsewhere.example"), http.StatusNotFound)
		expect(t, h.post(t, reqs, h.staffA, "action", "approve", "email", "new.staff@member-a.example.jp"), http.StatusSeeOther)
		expectNot(t, h.Get(reqs, h.staffA), "new.staff@member-a.example.jp")
		newcomer := orgtest.NewUser(t, d, "new.staff@member-a.example.jp")
		var invID string
		d.QueryRowContext(ctx, `SELECT id FROM org_invitations WHERE email = ?`, "new.staff@member-a.example.jp").Scan(&invID)
		if _, err := h.s.Orgs.AcceptInvitationByID(ctx, d, nil, invID, newcomer, "new.staff@member-a.example.jp"); err != nil {
			t.Fatal(err)
		}
		if st, _ := StaffOf(ctx, d, h.a.ID); len(st) != 1 || st[0].UserID != newcomer {
			t.Fatalf("staff after accepting: %+v", st)
		}
		expectNot(t, h.Get(base, h.analyst), "組織の承認または招待の受諾待ち")
		expect(t, h.post(t, base+"/staff", h.analyst, "email", "not an address"), 422)
		expect(t, h.post(t, base+"/staff", h.analyst, "email", "A@member-a.example.jp"), http.StatusSeeOther)
		expect(t, h.post(t, "/share/admin/members/"+h.b.Slug+"/staff", h.analyst, "email", "b@member-b.example.jp"), http.StatusSeeOther)
		w := h.Get(base+"?lang=en", h.analyst)
		expect(t, w, 200, "NDA valid until 2026-12-31", "a@member-a.example.jp", `id="sig-`+sigs[0].ID+`" checked`)

		// Member A declares its boundary and reports a mail.
		expect(t, h.post(t, "/share/boundary/"+h.a.Slug, h.staffA, "boundary", "mx.member-a.example.jp\nnot a host"), 422, "1行に1つずつ")
		expect(t, h.post(t, "/share/boundary/"+h.a.Slug, h.staffA, "boundary", "mx.member-a.example.jp\n192.0.2.0/24"), http.StatusSeeOther)
		expect(t, h.post(t, "/share/boundary/"+h.a.Slug, h.staffB, "boundary", "x.example.jp"), http.StatusNotFound)
		fields := map[string]string{"org": h.a.ID, "summary": "請求書を装ったメール", "noticed_at": "2026-11-26T09:30", "recipients": "3", "actions": "開封なし"}
		w = h.report(t, h.staffA, fields, sampleMail)
		expect(t, w, http.StatusSeeOther)
		loc := w.Header().Get("Location")
		expect(t, h.Get(loc, h.staffA), 200, "受付済み", "請求書を装ったメール")
		// Member B never sees A's report, nor can it report for A.
		expect(t, h.Get(loc, h.staffB), http.StatusNotFound)
		fieldsB := map[string]string{"org": h.a.ID, "summary": "x", "noticed_at": "2026-11-26T09:30", "recipients": "1"}
		expect(t, h.report(t, h.staffB, fieldsB, sampleMail), 422, "報告する組織を選んでください")
		// Bad uploads: a photo, nothing, with the form kept.
		expect(t, h.report(t, h.staffA, fields, "\xff\xd8\xff\xe0 JFIF"), 422, "メールとして読めないファイル", "請求書を装ったメール")
		// Too many files, or a flood of tiny fields: refused, nothing kept.
		var reportsBefore, reportsAfter int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports`).Scan(&reportsBefore)
		twelve := make([]string, 12)
		for i := range twelve {
			twelve[i] = sampleMail
		}
		expect(t, h.report(t, h.staffA, fields, twelve...), 422, "10個まで")
		flood := map[string]string{}
		for k, v := range fields {
			flood[k] = v
		}
		for i := range 500 {
			flood["x"+strconv.Itoa(i)] = "y"
		}
		expect(t, h.report(t, h.staffA, flood, sampleMail), http.StatusBadRequest)
		// Text that is not UTF-8 is refused as forms refuse it, not stored
		// with the bad bytes dropped.
		badText := map[string]string{"org": h.a.ID, "summary": "請求書\xffを装ったメール", "noticed_at": "2026-11-26T09:30", "recipients": "3"}
		expect(t, h.report(t, h.staffA, badText, sampleMail), http.StatusBadRequest, "UTF-8")
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports`).Scan(&reportsAfter)
		if reportsAfter != reportsBefore {
			t.Fatal("a refused report was stored")
		}
		expect(t, h.report(t, h.staffA, fields), 422, "1つ以上添付してください")
		if rs, _ := Reports(ctx, d, ReportFilter{}); len(rs) != 1 {
			t.Fatalf("%d reports stored", len(rs))
		}

		// The coordinator sees the report and who sent it; opening the raw
		// mail is logged.
		rep := strings.TrimPrefix(loc, "/share/reports/")
		// The queue counts the report's mail (it said 0: the list does not
		// load the mails).
		expect(t, h.Get("/share/admin/reports", h.analyst), 200, "会員A電機", "請求書を装ったメール", `class="mail-count">1<`)
		w = h.Get("/share/admin/reports/"+rep, h.analyst)
		expect(t, w, 200, "会員A電機", "mx.member-a.example.jp")
		r, _ := GetReport(ctx, d, "", rep)
		w = h.Get("/share/admin/reports/"+rep+"/mails/"+r.Mails[0].ID, h.analyst)
		expect(t, w, 200, "billing@example.com")
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_id = ?`, ActionRawMailViewed, rep).Scan(&n)
		if n != 2 { // the report page (its unsanitised extract) and the download
			t.Fatalf("raw views audited %d times, want 2", n)
		}
		// Staff never reach the coordinators' pages (the router's rule),
		// nor the raw mail.
		expect(t, h.Get("/share/admin/reports/"+rep+"/mails/"+r.Mails[0].ID, h.staffA), http.StatusForbidden)

		// When A's NDA lapses, A can no longer report; B still can.
		h.clock = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) // 09:00 on 1 January in Japan
		expect(t, h.Get("/share", h.staffA), 200, "NDA が有効でないため")
		expect(t, h.Get("/share/reports/new", h.staffA), http.StatusSeeOther)
		expect(t, h.report(t, h.staffA, fields, sampleMail), http.StatusSeeOther)
		if rs, _ := Reports(ctx, d, ReportFilter{}); len(rs) != 1 {
			t.Fatal("a member without a current NDA reported")
		}
		expect(t, h.Get("/share/reports/new", h.staffB), 200, "不審メールを報告")
		// A renewal restores it.
		expect(t, h.post(t, base+"/ndas", h.analyst, "signed_on", "2027-01-01", "expires_on", "2027-12-31"), http.StatusSeeOther)
		expect(t, h.Get("/share/reports/new", h.staffA), 200)

		// Removing A's staff takes the role away.
		expect(t, h.post(t, base+"/staff/"+h.staffA+"/remove", h.analyst), http.StatusSeeOther)
		expect(t, h.Get("/share", h.staffA), http.StatusForbidden)
		expect(t, h.post(t, base+"/staff/"+h.staffA+"/remove", h.analyst), http.StatusNotFound)
		// An organisation that is not a member is not found in the admin.
		outsider := orgtest.NewOrg(t, d, "部外者", h.staffA)
		expect(t, h.Get("/share/admin/members/"+outsider.Slug, h.analyst), http.StatusNotFound)
		expect(t, h.post(t, base+"/leave", h.analyst), http.StatusSeeOther)
		expect(t, h.post(t, base+"/leave", h.analyst), http.StatusConflict)
	})
}

func TestFiguresPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		// A new installation already shows IPA's published J-CSIP figures.
		expect(t, h.Get("/share/admin/figures", h.analyst), 200, `id="fy-2015"`, "1,092", "公表値", "IPA が公表した J-CSIP の実績", `id="figures-source"`, "標的型サイバー攻撃の脅威と対策")
		expect(t, h.post(t, "/share/admin/figures/history", h.analyst, "fy", "2014", "metric", "reports", "value", "1"), 422, "IPA の公表値が組み込まれている")
		expect(t, h.post(t, "/share/admin/figures/history", h.analyst, "fy", "2011", "metric", "reports", "value", "120", "note", "記録簿"), http.StatusSeeOther)
		expect(t, h.post(t, "/share/admin/figures/history", h.analyst, "fy", "1999", "metric", "reports", "value", "x"), 422, "2000年度から", "0以上の整数")
		w := h.Get("/share/admin/figures?lang=en", h.analyst)
		expect(t, w, 200, `id="fy-2015"`, "1,092", "—", `data-fy="2015" data-kind="reports" data-value="1092"`, `data-fy="2012" data-kind="shares" data-value="160"`,
			"published", "J-CSIP figures published by IPA", `id="fy-2011"`, "recorded", "記録簿")
		for fy, v := range map[int][2]int{2012: {246, 160}, 2013: {385, 180}, 2014: {626, 195}, 2015: {1092, 133}} {
			expect(t, w, 200, fmt.Sprintf(`data-fy="%d" data-kind="reports" data-value="%d"`, fy, v[0]), fmt.Sprintf(`data-fy="%d" data-kind="shares" data-value="%d"`, fy, v[1]))
		}
		expect(t, h.Get("/share/admin/figures", h.staffA), http.StatusForbidden)
	})
}

// TestShareFlow: a member reports a real-looking mail; the coordinator
// prepares the share, whose sanitised version names neither the recipient
// nor the reporter; the reporter asks for a change, then approves; the
// release reaches the SIG's other member (by mail too), who records a
// sighting; a member outside the SIG never sees it.
func TestShareFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		raw, err := os.ReadFile("testdata/zip-quote.eml")
		if err != nil {
			t.Fatal(err)
		}
		staffC := orgtest.NewUser(t, d, "c@member-c.example.jp")
		c := orgtest.NewOrg(t, d, "会員C商事", staffC)
		for _, o := range []*org.Org{h.a, h.b, c} {
			AddMember(ctx, d, o.ID, h.analyst, h.clock)
			RecordNDA(ctx, d, o.ID, h.analyst, NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2027-03-31"}, h.clock)
		}
		for o, u := range map[string]string{h.a.ID: h.staffA, h.b.ID: h.staffB, c.ID: staffC} {
			auth.GrantRole(ctx, d, u, web.RoleShareMember)
			AddStaff(ctx, d, o, u, h.clock)
		}
		sig, _ := CreateSIG(ctx, d, "", SIGInput{Name: "製造業SIG"}, h.clock)
		SetSIGMember(ctx, d, sig.ID, h.a.ID, true, h.clock)
		SetSIGMember(ctx, d, sig.ID, h.b.ID, true, h.clock)
		SetBoundary(ctx, d, h.a.ID, "mx1.example.jp")

		fields := map[string]string{"org": h.a.ID, "summary": "見積書を装う ZIP 付きメール", "noticed_at": "2026-11-26T09:30", "recipients": "1"}
		w := h.report(t, h.staffA, fields, string(raw))
		expect(t, w, http.StatusSeeOther)
		rep := strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/")
		// The coordinator sees the unsanitised extract, with the recipient.
		expect(t, h.Get("/share/admin/reports/"+rep, h.analyst), 200, "h.sato@example.jp", "見積書_20250422.zip", "Denbun Mailer",
			// The ZIP's program posing as a PDF is pointed out.
			`<bdi>docs/契約書.pdf.exe</bdi>`, `data-warn="executable">プログラム・スクリプト`, `data-warn="double_extension">文書を装う二重拡張子`)
		w = h.post(t, "/share/admin/reports/"+rep+"/share", h.analyst)
		expect(t, w, http.StatusSeeOther)
		edit := w.Header().Get("Location")
		shareID := strings.TrimPrefix(edit, "/share/admin/shares/")
		var viewsBefore, viewsAfter int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_id = ?`, ActionRawMailViewed, rep).Scan(&viewsBefore)
		expect(t, h.Get(edit, h.analyst), 200, "受信者のアドレス", "h.sato@example.jp", "recipient-")
		// The redaction table shows the originals: recorded as a raw view.
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_id = ?`, ActionRawMailViewed, rep).Scan(&viewsAfter)
		if viewsAfter != viewsBefore+1 {
			t.Fatalf("raw views %d → %d", viewsBefore, viewsAfter)
		}
		sh, _ := GetShare(ctx, d, shareID)
		sh.OpenShared(h.s.Box)
		for _, secret := range []string{"h.sato@example.jp", "佐藤", "a@member-a.example.jp", "会員A電機", "mx1.example.jp"} {
			if strings.Contains(sh.Sanitized, secret) {
				t.Errorf("the proposed share holds %q", secret)
			}
		}
		if !strings.Contains(sh.Sanitized, "tanaka@quote-example.co.jp") || !strings.Contains(sh.Sanitized, "お見積書をお送りします") {
			t.Fatal("the sender (an indicator) or the body's text was removed")
		}
		// The editor starts from what the mail carries: a ZIP, no link.
		if sh.Lure != "attachment" || strings.Join(sh.AttachmentTypes, ",") != "zip" {
			t.Fatalf("proposed lure %q, types %q", sh.Lure, sh.AttachmentTypes)
		}
		expect(t, h.Get(edit, h.analyst), 200, `<option value="attachment" selected>`, `value="zip"`)
		// Incomplete: AMBER with no SIG.
		expect(t, h.post(t, edit, h.analyst, "action", "approval", "title", "見積書を装う PPAP", "tlp", "amber"), 422, "共有先の SIG")
		expect(t, h.post(t, edit, h.analyst, "action", "approval", "title", "見積書を装う PPAP", "tlp", "amber", "sig", sig.ID,
			"lure", "attachment", "attachment_types", "zip", "analysis", "パスワード別送の ZIP。中身は exe。", "redact_terms", "田中"), http.StatusSeeOther)
		sh, _ = GetShare(ctx, d, shareID)
		sh.OpenShared(h.s.Box)
		if strings.Contains(sh.Sanitized, "田中") {
			t.Fatal("an extra redaction term was left in")
		}
		// The reporter sees the proposal and asks for a change.
		expect(t, h.Get("/share/reports/"+rep, h.staffA), 200, "共有する版の確認", "TLP:AMBER")
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "changes"), 422, "どこを直してほしいか")
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffB, "action", "approve"), http.StatusNotFound)
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "changes", "note", "件名の日付を消してください"), http.StatusSeeOther)
		expect(t, h.Get(edit, h.analyst), 200, "件名の日付を消してください")
		expect(t, h.post(t, edit, h.analyst, "action", "approval", "title", "見積書を装う PPAP", "tlp", "amber", "sig", sig.ID, "redact_terms", "田中"), http.StatusSeeOther)
		expect(t, h.post(t, edit, h.analyst, "action", "release"), 409, "承認がまだです")
		// The reporter approves the version it read: if the coordinator
		// edits meanwhile, that approval is refused and the page shown
		// again; a stale page (no version) approves nothing either.
		version := func() string {
			m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(h.Get("/share/reports/"+rep, h.staffA).Body.String())
			if m == nil {
				t.Fatal("no version on the approval form")
			}
			return m[1]
		}
		read := version()
		// A member that left sees its report but not the proposal (the
		// coordinators' analysis is shared information), and cannot
		// approve; rejoining restores both.
		RemoveMember(ctx, d, h.a.ID, h.clock)
		w = h.Get("/share/reports/"+rep, h.staffA)
		expect(t, w, 200, `id="report-standing"`)
		expectNot(t, w, "共有する版の確認", "パスワード別送")
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "approve", "version", read), http.StatusSeeOther)
		if r, _ := GetReport(ctx, d, "", rep); r.Status != StatusApproval {
			t.Fatalf("a former member answered: %s", r.Status)
		}
		AddMember(ctx, d, h.a.ID, "", h.clock)
		h.clock = h.clock.Add(time.Minute)
		expect(t, h.post(t, edit, h.analyst, "action", "approval", "title", "見積書を装う PPAP 型メール", "tlp", "amber", "sig", sig.ID, "redact_terms", "田中"), http.StatusSeeOther)
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "approve", "version", read), 409, "開いた後で共有版が変更されました")
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "approve"), 409)
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "approve", "version", version()), http.StatusSeeOther)
		// Approved: the reporter is no longer asked; the coordinators are
		// told a share waits for release.
		noticeKeys := func(v *web.Viewer) map[string]any {
			ns, err := h.s.Notices(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]any{}
			for _, n := range ns {
				out[n.Key] = n.Args[0]
			}
			return out
		}
		if got := noticeKeys(&web.Viewer{UserID: h.staffA, Roles: []string{web.RoleShareMember}, Orgs: []web.Membership{{OrgID: h.a.ID}}}); got["sharing.notice.approval"] != nil {
			t.Fatalf("the reporter is still asked: %v", got)
		}
		if got := noticeKeys(&web.Viewer{UserID: h.analyst, Roles: []string{web.RoleAnalyst}}); got["sharing.notice.pending"] != i18n.Count(1) {
			t.Fatalf("coordinator notices %v", got)
		}
		// One person on the staff of both A and B.
		both := orgtest.NewUser(t, d, "both@example.jp")
		for _, o := range []*org.Org{h.a, h.b} {
			if err := (&org.Service{DB: d}).AddMember(ctx, d, nil, o.Slug, both, org.RoleMember); err != nil {
				t.Fatal(err)
			}
			expect(t, h.post(t, "/share/admin/members/"+o.Slug+"/staff", h.analyst, "email", "both@example.jp"), http.StatusSeeOther)
		}
		expect(t, h.post(t, edit, h.analyst, "action", "release"), http.StatusSeeOther)

		// B (same SIG) was mailed and sees it, without A's identity or the
		// recipient; C (other SIG) sees nothing.
		var mails int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ? AND body LIKE ?`, "b@member-b.example.jp", "%/share/shares/"+shareID+"%").Scan(&mails)
		if mails != 1 {
			t.Fatalf("B was mailed %d times", mails)
		}
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ?`, "c@member-c.example.jp").Scan(&mails)
		if mails != 0 {
			t.Fatal("C was mailed")
		}
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ?`, "both@example.jp").Scan(&mails)
		if mails != 1 {
			t.Fatalf("staff of two members got %d mails, want one", mails)
		}
		w = h.Get("/share/shares/"+shareID, h.staffB)
		expect(t, w, 200, "見積書を装う PPAP", "TLP:AMBER", "tanaka@quote-example.co.jp", "受け取った組織の数は 3 組織以上")
		expectNot(t, w, "会員A電機", "h.sato@example.jp", "a@member-a.example.jp", "佐藤")
		expect(t, h.Get("/share", h.staffB), 200, "見積書を装う PPAP")
		expect(t, h.Get("/share/shares/"+shareID, staffC), http.StatusNotFound)
		expectNot(t, h.Get("/share", staffC), "見積書を装う PPAP")
		expect(t, h.post(t, "/share/shares/"+shareID+"/sighting", staffC), http.StatusNotFound)
		// B records a sighting; the count stays hidden below three.
		expect(t, h.post(t, "/share/shares/"+shareID+"/sighting", h.staffB), http.StatusSeeOther)
		expect(t, h.Get("/share/shares/"+shareID, h.staffB), 200, "記録済み")
		if n, _, _ := Sightings(ctx, d, shareID, h.b.ID); n != 1 {
			t.Fatalf("sightings %d", n)
		}
		// Released: no more edits. Withdrawn: gone for members, kept on
		// record for the coordinators.
		expect(t, h.post(t, edit, h.analyst, "action", "save", "title", "x", "tlp", "red"), 409)
		expect(t, h.post(t, edit, h.analyst, "action", "withdraw"), http.StatusSeeOther)
		expect(t, h.Get(edit, h.analyst), 200, `id="share-withdrawn"`)
		expect(t, h.Get("/share/shares/"+shareID, h.staffB), http.StatusNotFound)
		expectNot(t, h.Get("/share", h.staffB), "見積書を装う PPAP")
		expect(t, h.post(t, edit, h.analyst, "action", "withdraw"), 409)
	})
}

func TestWarningList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		expect(t, h.Get("/share/admin/warnings", h.analyst), 200, "gmail.com", "組み込み: フリーメール")
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "kind", "url_host", "value", "Bit.LY", "note", "短縮 URL"), http.StatusSeeOther)
		expect(t, h.Get("/share/admin/warnings", h.analyst), 200, "bit.ly", "短縮 URL")
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "kind", "attachment_sha256", "value", "not-a-hash"), 422, "この種類の値として読めません")
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "kind", "colour", "value", "x"), 422, "種類を選んでください")
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "action", "remove", "kind", "url_host", "value", "bit.ly"), http.StatusSeeOther)
		expectNot(t, h.Get("/share/admin/warnings", h.analyst), "短縮 URL")
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "action", "remove", "kind", "url_host", "value", "bit.ly"), http.StatusNotFound)
		// A mailer and subject pair, typed as the form says with a subject
		// as received: stored as the template a mail would give, shown
		// and removed in the typed form.
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "kind", "mailer_subject", "value", "Denbun Mailer 5.2 | Re: 請求書 No.12345 (2026/11/26)"), http.StatusSeeOther)
		w := h.Get("/share/admin/warnings", h.analyst)
		expect(t, w, 200, "Denbun Mailer 5.2 | 請求書 no.# (#/#/#)")
		expectNot(t, w, "\ufffd")
		if in, ok := correlate.MailerSubjectOf("Denbun Mailer 5.2", "請求書 No.99 (2027/01/05)"); !ok {
			t.Fatal("no indicator")
		} else if ws, _ := correlate.Warnings(context.Background(), d); !slices.ContainsFunc(ws, func(x correlate.Warning) bool { return x.Kind == in.Kind && x.Value == in.Value }) {
			t.Fatalf("the entry does not match the mail's indicator %q", in.Value)
		}
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "kind", "mailer_subject", "value", "just a subject"), 422)
		expect(t, h.post(t, "/share/admin/warnings", h.analyst, "action", "remove", "kind", "mailer_subject", "value", "Denbun Mailer 5.2 | 請求書 no.# (#/#/#)"), http.StatusSeeOther)
		expectNot(t, h.Get("/share/admin/warnings", h.analyst), "Denbun Mailer 5.2")
		expect(t, h.Get("/share/admin/warnings", h.staffA), http.StatusForbidden)
	})
}

// The reporting member's own name is removed from what is shared: a lure
// addressed to the company by name says who reported it.
func TestProposeRemovesReportingOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		now := h.clock
		if err := AddMember(ctx, d, h.a.ID, "", now); err != nil {
			t.Fatal(err)
		}
		mail := "From: 営業部 <sales@quote-example.co.jp>\r\nTo: yamada@member-a.example.jp\r\n" +
			"Subject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("【会員A電機様】お見積りの件")) + "?=\r\n" +
			"Date: Thu, 26 Nov 2026 09:12:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"会員A電機株式会社 御中\r\n\r\n先日の件、資料をお送りします。\r\n"
		rep, err := CreateReport(ctx, d, h.s.Box, h.a.ID, h.staffA, ReportInput{Summary: "s", NoticedAt: "2026-11-26", Recipients: "1"},
			[]MailFile{{Name: "a.eml", Body: []byte(mail)}}, now)
		if err != nil {
			t.Fatal(err)
		}
		if rep, err = GetReport(ctx, d, "", rep.ID); err != nil {
			t.Fatal(err)
		}
		m, _ := GetMember(ctx, d, h.a.ID, now)
		p, err := h.s.propose(ctx, d, rep, m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p.Sanitized, "会員A電機") || !strings.Contains(p.Sanitized, "[organisation]") || !strings.Contains(p.Sanitized, "資料をお送りします") {
			t.Fatalf("shared version:\n%s", p.Sanitized)
		}
		if !slices.ContainsFunc(p.Redactions[0], func(r Redaction) bool { return r.Kind == mailparse.KindOrganisation }) {
			t.Fatalf("redactions: %+v", p.Redactions)
		}

		// An HTML-only mail with the recipient's name split over tags.
		html := "From: a@evil.example\r\nTo: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("山田太郎")) + "?= <yamada@member-a.example.jp>\r\n" +
			"Subject: x\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
			"<p><span>山田</span><span>太郎</span>様</p><p>請求書をご確認ください。</p>\r\n"
		rep2, err := CreateReport(ctx, d, h.s.Box, h.a.ID, h.staffA, ReportInput{Summary: "s", NoticedAt: "2026-11-26", Recipients: "1"},
			[]MailFile{{Name: "b.eml", Body: []byte(html)}}, now)
		if err != nil {
			t.Fatal(err)
		}
		rep2, _ = GetReport(ctx, d, "", rep2.ID)
		if p, err = h.s.propose(ctx, d, rep2, m, nil); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p.Sanitized, "山田") || !strings.Contains(p.Sanitized, "請求書をご確認ください") {
			t.Fatalf("HTML-only share:\n%s", p.Sanitized)
		}
	})
}

// Staff act for the members the coordinators named them for, not for
// every organisation they happen to belong to; removing them from one
// member leaves the others.
func TestStaffIsNamedPerMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		for _, o := range []*org.Org{h.a, h.b} {
			AddMember(ctx, d, o.ID, h.analyst, h.clock)
			RecordNDA(ctx, d, o.ID, h.analyst, NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2027-03-31"}, h.clock)
		}
		x := orgtest.NewUser(t, d, "x@consultant.example.jp")
		orgs := &org.Service{DB: d}
		if err := orgs.AddMember(ctx, d, nil, h.b.Slug, x, org.RoleMember); err != nil {
			t.Fatal(err)
		}
		expect(t, h.post(t, "/share/admin/members/"+h.b.Slug+"/staff", h.analyst, "email", "x@consultant.example.jp"), http.StatusSeeOther)
		rep, err := CreateReport(ctx, d, h.s.Box, h.a.ID, h.staffA, ReportInput{Summary: "A社の報告", NoticedAt: "2026-11-26", Recipients: "1"},
			[]MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, h.clock)
		if err != nil {
			t.Fatal(err)
		}
		// A's owner brings X into A for something else entirely.
		if err := orgs.AddMember(ctx, d, nil, h.a.Slug, x, org.RoleMember); err != nil {
			t.Fatal(err)
		}
		expect(t, h.Get("/share/reports/"+rep.ID, x), http.StatusNotFound)
		expect(t, h.post(t, "/share/boundary/"+h.a.Slug, x, "boundary", "evil.example"), http.StatusNotFound)
		expectNot(t, h.Get("/share", x), "会員A電機")
		if m, _ := GetMember(ctx, d, h.a.ID, h.clock); len(m.Boundary) != 0 {
			t.Fatal("X changed A's boundary")
		}
		// Named for A too, then removed from A: X still acts for B.
		expect(t, h.post(t, "/share/admin/members/"+h.a.Slug+"/staff", h.analyst, "email", "x@consultant.example.jp"), http.StatusSeeOther)
		expect(t, h.Get("/share/reports/"+rep.ID, x), http.StatusOK, "A社の報告")
		expect(t, h.post(t, "/share/admin/members/"+h.a.Slug+"/staff/"+x+"/remove", h.analyst), http.StatusSeeOther)
		expect(t, h.Get("/share/reports/"+rep.ID, x), http.StatusNotFound)
		if st, _ := StaffOf(ctx, d, h.b.ID); len(st) != 1 || st[0].UserID != x {
			t.Fatalf("B's staff after X left A's: %+v", st)
		}

		// Naming an account that is not the company's member invites it
		// through the company; a coordinator cannot be named at all, nor
		// accept a staff invitation sent to it: it would become a member
		// of the company's own pages.
		expect(t, h.post(t, "/share/admin/members/"+h.a.Slug+"/staff", h.analyst, "email", "analyst@example.jp"), 422, "担当者になれません")
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		expect(t, h.post(t, "/share/admin/members/"+h.a.Slug+"/staff", h.analyst, "email", "outsider@example.jp"), http.StatusSeeOther)
		if p, _ := PendingStaff(ctx, d, h.a.ID); len(p) != 1 || p[0] != "outsider@example.jp" {
			t.Fatalf("pending staff %q", p)
		}
		// The owner approves; the address then turns out to be a coordinator's.
		expect(t, h.post(t, "/orgs/"+h.a.Slug+"/hub-staff", h.staffA, "action", "approve", "email", "outsider@example.jp"), http.StatusSeeOther)
		auth.GrantRole(ctx, d, outsider, web.RoleAnalyst)
		var invID string
		d.QueryRowContext(ctx, `SELECT id FROM org_invitations WHERE email = ?`, "outsider@example.jp").Scan(&invID)
		if invID == "" {
			t.Fatal("the owner's approval sent no invitation")
		}
		if _, err := h.s.Orgs.AcceptInvitationByID(ctx, d, nil, invID, outsider, "outsider@example.jp"); err == nil {
			t.Fatal("a coordinator accepted a staff invitation")
		}
		var in int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_members WHERE org_id = ? AND user_id IN (?, ?)`, h.a.ID, h.analyst, outsider).Scan(&in)
		if in != 0 {
			t.Fatal("a coordinator became a member of A")
		}
	})
}

// A stored mail that cannot be opened (a damaged row, a changed key)
// shows the coordinator why in words, never the internal error text.
func TestUnreadableStoredMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		AddMember(ctx, d, h.a.ID, h.analyst, h.clock)
		rep, err := CreateReport(ctx, d, h.s.Box, h.a.ID, h.staffA, ReportInput{Summary: "s", NoticedAt: "2026-11-26", Recipients: "1"},
			[]MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, h.clock)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE share_report_mails SET sealed = ? WHERE report_id = ?`, []byte("damaged"), rep.ID); err != nil {
			t.Fatal(err)
		}
		w := h.Get("/share/admin/reports/"+rep.ID, h.analyst)
		expect(t, w, 200, "サーバー側の問題です")
		expectNot(t, w, "masterkey", "cannot open")
	})
	for err, want := range map[error]string{mailparse.ErrNotMail: "sharing.mail_reason.not_mail", mailparse.ErrTooLarge: "sharing.mail_reason.too_large",
		fmt.Errorf("wrapped: %w", mailparse.ErrOutlookMsg): "sharing.mail_reason.outlook_msg", errors.New("sql: connection refused"): "sharing.mail_reason.internal"} {
		if got := unreadableReason(err); got != want {
			t.Errorf("%v: %s, want %s", err, got, want)
		}
	}
}

// Requests, approvals and invitations stay tied together: a re-request
// needs the owner again, only the invitation an approval sent makes
// staff, and a company that left the hub is asked nothing.
func TestStaffRequestsLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		AddMember(ctx, d, h.a.ID, h.analyst, h.clock)
		RecordNDA(ctx, d, h.a.ID, h.analyst, NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2027-03-31"}, h.clock)
		staff := "/share/admin/members/" + h.a.Slug + "/staff"
		reqs := "/orgs/" + h.a.Slug + "/hub-staff"
		expect(t, h.post(t, staff, h.analyst, "email", "p1@partner.example.jp"), http.StatusSeeOther)
		expect(t, h.post(t, reqs, h.staffA, "action", "approve", "email", "p1@partner.example.jp"), http.StatusSeeOther)
		// The owner revokes that invitation and later invites p1 as an
		// ordinary member: accepting does not make hub staff.
		var first string
		d.QueryRowContext(ctx, `SELECT id FROM org_invitations WHERE email = ?`, "p1@partner.example.jp").Scan(&first)
		d.ExecContext(ctx, `UPDATE org_invitations SET revoked_at = ? WHERE id = ?`, h.clock, first)
		_, inv, err := h.s.Orgs.Invite(ctx, d, nil, h.a.Slug, "p1@partner.example.jp", org.RoleMember, "ja")
		if err != nil {
			t.Fatal(err)
		}
		p1 := orgtest.NewUser(t, d, "p1@partner.example.jp")
		if _, err := h.s.Orgs.AcceptInvitationByID(ctx, d, nil, inv.ID, p1, "p1@partner.example.jp"); err != nil {
			t.Fatal(err)
		}
		if st, _ := StaffOf(ctx, d, h.a.ID); len(st) != 0 {
			t.Fatalf("an ordinary invitation made hub staff: %+v", st)
		}
		// Asking again needs the owner again.
		expect(t, h.post(t, staff, h.analyst, "email", "p2@partner.example.jp"), http.StatusSeeOther)
		expect(t, h.post(t, reqs, h.staffA, "action", "approve", "email", "p2@partner.example.jp"), http.StatusSeeOther)
		expect(t, h.post(t, staff, h.analyst, "email", "p2@partner.example.jp"), http.StatusSeeOther)
		expect(t, h.Get(reqs, h.staffA), 200, "p2@partner.example.jp")
		// The company leaves the hub: nothing to approve any more.
		RemoveMember(ctx, d, h.a.ID, h.clock)
		expectNot(t, h.Get(reqs, h.staffA), "p2@partner.example.jp")
		expect(t, h.post(t, reqs, h.staffA, "action", "approve", "email", "p2@partner.example.jp"), http.StatusNotFound)
	})
}

// TestStaffApprovalFollowsOwner: a staff invitation approved by an owner
// goes out in that owner's name. It works while the owner is still an
// owner; when the approving owner is removed it is withdrawn like the
// owner's other invitations, and its acceptance lets nobody in.
func TestStaffApprovalFollowsOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		AddMember(ctx, d, h.a.ID, h.analyst, h.clock)
		RecordNDA(ctx, d, h.a.ID, h.analyst, NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2027-03-31"}, h.clock)
		second := orgtest.NewUser(t, d, "second@member-a.example.jp")
		if err := h.s.Orgs.AddMember(ctx, d, nil, h.a.Slug, second, org.RoleOwner); err != nil {
			t.Fatal(err)
		}
		staff := "/share/admin/members/" + h.a.Slug + "/staff"
		reqs := "/orgs/" + h.a.Slug + "/hub-staff"
		invID := func(email string) string {
			var id string
			d.QueryRowContext(ctx, `SELECT id FROM org_invitations WHERE email = ? ORDER BY created_at DESC LIMIT 1`, email).Scan(&id)
			return id
		}
		// Approved by the owner who stays: accepted, it makes staff.
		expect(t, h.post(t, staff, h.analyst, "email", "s1@partner.example.jp"), http.StatusSeeOther)
		expect(t, h.post(t, reqs, h.staffA, "action", "approve", "email", "s1@partner.example.jp"), http.StatusSeeOther)
		s1 := orgtest.NewUser(t, d, "s1@partner.example.jp")
		if _, err := h.s.Orgs.AcceptInvitationByID(ctx, d, nil, invID("s1@partner.example.jp"), s1, "s1@partner.example.jp"); err != nil {
			t.Fatalf("a current owner's staff invitation: %v", err)
		}
		if st, _ := StaffOf(ctx, d, h.a.ID); len(st) != 1 {
			t.Fatalf("staff after acceptance: %+v", st)
		}
		// Approved by the owner who is then removed: withdrawn.
		expect(t, h.post(t, staff, h.analyst, "email", "s2@partner.example.jp"), http.StatusSeeOther)
		expect(t, h.post(t, reqs, second, "action", "approve", "email", "s2@partner.example.jp"), http.StatusSeeOther)
		if err := h.s.Orgs.RemoveMember(ctx, d, nil, h.a.Slug, second); err != nil {
			t.Fatal(err)
		}
		s2 := orgtest.NewUser(t, d, "s2@partner.example.jp")
		if _, err := h.s.Orgs.AcceptInvitationByID(ctx, d, nil, invID("s2@partner.example.jp"), s2, "s2@partner.example.jp"); err == nil {
			t.Fatal("the removed owner's staff invitation was accepted")
		}
		if st, _ := StaffOf(ctx, d, h.a.ID); len(st) != 1 {
			t.Fatalf("staff after the refused acceptance: %+v", st)
		}
	})
}

// TestStaffRequestFollowsCoordinator: a staff request speaks for the
// coordinator who made it. Once that account no longer coordinates the
// hub (role revoked or account disabled), the request is neither shown to
// the owners nor approvable, and an invitation it led to no longer makes
// anyone the member's staff: a coordinator taken off the hub keeps no way
// to bring an address of its own into a company and its hub reports.
func TestStaffRequestFollowsCoordinator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		AddMember(ctx, d, h.a.ID, h.analyst, h.clock)
		RecordNDA(ctx, d, h.a.ID, h.analyst, NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2027-03-31"}, h.clock)
		staff := "/share/admin/members/" + h.a.Slug + "/staff"
		reqs := "/orgs/" + h.a.Slug + "/hub-staff"
		// Requested, then the coordinator is taken off the hub.
		expect(t, h.post(t, staff, h.analyst, "email", "r1@partner.example.jp"), http.StatusSeeOther)
		if _, err := auth.RevokeRole(ctx, d, h.analyst, web.RoleAnalyst); err != nil {
			t.Fatal(err)
		}
		if pending, _ := staffRequests(ctx, d, h.a.ID); len(pending) != 0 {
			t.Fatalf("a former coordinator's request is shown to the owners: %+v", pending)
		}
		if r := h.post(t, reqs, h.staffA, "action", "approve", "email", "r1@partner.example.jp"); r.Code == http.StatusSeeOther {
			t.Fatal("a former coordinator's request was approved")
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_invitations WHERE email = ?`, "r1@partner.example.jp").Scan(&n)
		if n != 0 {
			t.Fatal("a former coordinator's request sent an invitation")
		}

		// Requested and approved, then the coordinator is taken off the
		// hub before the invitation is accepted.
		auth.GrantRole(ctx, d, h.analyst, web.RoleAnalyst)
		expect(t, h.post(t, staff, h.analyst, "email", "r2@partner.example.jp"), http.StatusSeeOther)
		expect(t, h.post(t, reqs, h.staffA, "action", "approve", "email", "r2@partner.example.jp"), http.StatusSeeOther)
		d.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, db.Now(), h.analyst)
		var id string
		d.QueryRowContext(ctx, `SELECT id FROM org_invitations WHERE email = ?`, "r2@partner.example.jp").Scan(&id)
		r2 := orgtest.NewUser(t, d, "r2@partner.example.jp")
		h.s.Orgs.AcceptInvitationByID(ctx, d, nil, id, r2, "r2@partner.example.jp")
		if st, _ := StaffOf(ctx, d, h.a.ID); len(st) != 0 {
			t.Fatalf("a disabled coordinator's request made staff: %+v", st)
		}
	})
}
