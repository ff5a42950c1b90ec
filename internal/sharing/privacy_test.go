package sharing

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/mailparse"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/sharing/correlate"
	"mamori/internal/web"
)

// eachWithPath runs fn on SQLite (a file whose path it passes, so the
// file's bytes can be read) and on PostgreSQL when configured (path "").
func eachWithPath(t *testing.T, fn func(t *testing.T, d *db.DB, path string)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "mamori.db")
		d, err := db.OpenSQLite(context.Background(), path, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, d, path)
	})
	t.Run("postgres", func(t *testing.T) { fn(t, dbtest.Postgres(t), "") })
}

// inClear returns the secrets found in clear anywhere in the database:
// in any column of any table (text and binary alike), and on SQLite in
// the bytes of the file and of its write-ahead log, where a value
// overwritten may linger.
func inClear(t *testing.T, d *db.DB, path string, secrets []string) []string {
	t.Helper()
	ctx := context.Background()
	found := map[string]string{}
	look := func(where string, b []byte) {
		for _, s := range secrets {
			if _, seen := found[s]; !seen && bytes.Contains(b, []byte(s)) {
				found[s] = where
			}
		}
	}
	list := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if d.Dialect() == db.Postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := d.QueryContext(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 20 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	for _, table := range tables {
		rows, err := d.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(table, err)
			}
			for i, v := range vals {
				switch v := v.(type) {
				case []byte:
					look(table+"."+cols[i], v)
				case string:
					look(table+"."+cols[i], []byte(v))
				}
			}
		}
		rows.Close()
	}
	if path != "" {
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			look(filepath.Base(f), b)
		}
	}
	var out []string
	for s, where := range found {
		out = append(out, s+" in "+where)
	}
	slices.Sort(out)
	return out
}

// hubMembers makes A, B and C members in good standing with their staff
// named; A reports.
func hubMembers(t *testing.T, h *harness) (staffC string) {
	ctx := context.Background()
	staffC = orgtest.NewUser(t, h.d, "c@member-c.example.jp")
	c := orgtest.NewOrg(t, h.d, "会員C商事", staffC)
	for _, o := range []*org.Org{h.a, h.b, c} {
		AddMember(ctx, h.d, o.ID, h.analyst, h.clock)
		RecordNDA(ctx, h.d, o.ID, h.analyst, NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2027-03-31"}, h.clock)
	}
	for o, u := range map[string]string{h.a.ID: h.staffA, h.b.ID: h.staffB, c.ID: staffC} {
		auth.GrantRole(ctx, h.d, u, web.RoleShareMember)
		AddStaff(ctx, h.d, o, u, h.clock)
	}
	return staffC
}

// shareOf takes a report of A's through the hub: the coordinator prepares
// the share (GREEN, with the form fields given), the reporter approves the
// version it read, the coordinator releases it.
func (h *harness) shareOf(t *testing.T, mail string, form ...string) (rep, shareID string) {
	t.Helper()
	fields := map[string]string{"org": h.a.ID, "summary": "請求書を装うメール", "noticed_at": "2026-11-26T09:30", "recipients": "2"}
	w := h.report(t, h.staffA, fields, mail)
	expect(t, w, http.StatusSeeOther)
	rep = strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/")
	w = h.post(t, "/share/admin/reports/"+rep+"/share", h.analyst)
	expect(t, w, http.StatusSeeOther)
	edit := w.Header().Get("Location")
	expect(t, h.post(t, edit, h.analyst, append([]string{"action", "approval", "title", "請求書を装う", "tlp", "green"}, form...)...), http.StatusSeeOther)
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(h.Get("/share/reports/"+rep, h.staffA).Body.String())
	if m == nil {
		t.Fatal("no version on the approval form")
	}
	expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "approve", "version", m[1]), http.StatusSeeOther)
	expect(t, h.post(t, edit, h.analyst, "action", "release"), http.StatusSeeOther)
	return rep, strings.TrimPrefix(edit, "/share/admin/shares/")
}

// yamadaMail is a lure addressed to A's staff by name, its company by its
// kana reading, with A's phone and fax numbers in the text.
func yamadaMail(subject string) string {
	return "From: Billing <billing@invoice-example.com>\r\n" +
		"To: Taro Yamada <t.yamada@member-a.example.jp>, Hanako Sato <h.sato@member-a.example.jp>\r\n" +
		"Subject: " + subject + "\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"カイインエーデンキ御中\r\nDear Taro Yamada,\r\n\r\nHi Taro, please ask TYamada to pay today: https://invoice-example.com/pay\r\n" +
		"Questions: call 03-1234-5678 or fax ０３（１２３４）５６７９, or Ichiro directly on 09087654321.\r\n"
}

var keyedPseudonym = regexp.MustCompile(`recipient-[0-9a-f]{12}`)

// Two reports of one member with the same recipients: what members see of
// the two shares holds no keyed pseudonym, so nothing links them to one
// company; each share numbers its own recipients. The coordinators keep
// the keyed pseudonym. The member's kana name, phone and fax numbers and
// fused names are gone too. Issue 11, point 7.
func TestMembersSeeNoCommonPseudonym(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		staffC := hubMembers(t, h)
		if _, err := d.ExecContext(ctx, `UPDATE orgs SET name_kana = ? WHERE id = ?`, "カイインエーデンキ", h.a.ID); err != nil {
			t.Fatal(err)
		}
		expect(t, h.post(t, "/share/boundary/"+h.a.Slug, h.staffA, "boundary", "mx.member-a.example.jp", "phones", "03-1234-5678\nFAX 03-1234-5679"), 422, "1行に1つずつ")
		expect(t, h.post(t, "/share/boundary/"+h.a.Slug, h.staffA, "boundary", "mx.member-a.example.jp", "phones", "03-1234-5678\n０３－１２３４－５６７９"), http.StatusSeeOther)
		expect(t, h.Get("/share/boundary/"+h.a.Slug, h.staffA), 200, "03-1234-5679")
		// An internal contact's direct line on A's incident card.
		if _, err := d.ExecContext(ctx, `INSERT INTO incident_cards (org_id, doc, revision, updated_at) VALUES (?, ?, 1, ?)`, h.a.ID,
			`{"v":1,"internal":[{"role":"CSIRT","name":"x","phone":"090-8765-4321","email":""}],"outside":{},"steps":{}}`, h.clock); err != nil {
			t.Fatal(err)
		}

		keyed := mailparse.Pseudonym(PseudonymKey(h.s.Box), "t.yamada@member-a.example.jp")
		// A coordinator copying a keyed pseudonym into the analysis does not
		// show it to members either.
		rep1, id1 := h.shareOf(t, yamadaMail("Invoice 1"), "analysis", "Also sent to "+keyed+".")
		_, id2 := h.shareOf(t, yamadaMail("Invoice 2"))

		pages := map[string]*strings.Builder{}
		for _, who := range []struct{ name, user string }{{"B", h.staffB}, {"C", staffC}} {
			for _, p := range []string{"/share", "/share/shares/" + id1, "/share/shares/" + id2} {
				w := h.Get(p, who.user)
				expect(t, w, 200)
				if pages[p] == nil {
					pages[p] = &strings.Builder{}
				}
				pages[p].WriteString(w.Body.String())
			}
		}
		// The reporter's own view of what is shared is what members see.
		w := h.Get("/share/reports/"+rep1, h.staffA)
		expect(t, w, 200, "recipient-1@redacted.invalid")
		pages["/share/reports/"+rep1] = &strings.Builder{}
		pages["/share/reports/"+rep1].WriteString(w.Body.String())
		for p, b := range pages {
			body := b.String()
			if ks := keyedPseudonym.FindAllString(body, -1); len(ks) > 0 {
				t.Errorf("%s shows keyed pseudonyms %v", p, ks)
			}
			for _, leak := range []string{"t.yamada", "Yamada", "Taro", "h.sato", "Sato", "カイインエーデンキ", "1234-5678", "１２３４", "87654321", "会員A電機"} {
				if strings.Contains(body, leak) {
					t.Errorf("%s shows %q", p, leak)
				}
			}
		}
		for _, id := range []string{id1, id2} {
			body := pages["/share/shares/"+id].String()
			for _, want := range []string{"recipient-1@redacted.invalid", "recipient-2@redacted.invalid", "[recipient-", "[phone]", "[organisation]"} {
				if !strings.Contains(body, want) {
					t.Errorf("share %s does not show %q", id, want)
				}
			}
		}
		if !strings.Contains(pages["/share/shares/"+id1].String(), "Also sent to recipient-") {
			t.Error("the analysis' pseudonym was not numbered")
		}
		// Nothing a member sees of share 1 names a recipient of share 2
		// otherwise than by a number.
		s1 := keyedPseudonym.FindAllString(pages["/share/shares/"+id1].String(), -1)
		s2 := keyedPseudonym.FindAllString(pages["/share/shares/"+id2].String(), -1)
		for _, p := range s1 {
			if slices.Contains(s2, p) {
				t.Errorf("both shares show %s", p)
			}
		}

		// The coordinators keep the keyed pseudonym beside the number.
		w = h.Get("/share/admin/shares/"+id1, h.analyst)
		expect(t, w, 200, keyed, "recipient-1@redacted.invalid", "t.yamada@member-a.example.jp")
		sh, _ := GetShare(ctx, d, id2)
		if err := sh.Open(h.s.Box); err != nil {
			t.Fatal(err)
		}
		hex := strings.TrimSuffix(strings.TrimPrefix(keyed, "recipient-"), "@redacted.invalid")
		if sh.Numbers[hex] == 0 {
			t.Fatalf("numbers %v lack %s", sh.Numbers, hex)
		}
	})
}

// Every original a share keeps is sealed: written through the real flow
// (report, proposal, extra words, a request for changes, release), none
// of the secrets is found in clear in any table, nor in the SQLite file
// and its write-ahead log. Issue 11, point 8.
func TestShareOriginalsSealedAtRest(t *testing.T) {
	eachWithPath(t, func(t *testing.T, d *db.DB, path string) {
		h := newHarness(t, d)
		hubMembers(t, h)
		mail := "Received: from mail.evil-invoice.example (mail.evil-invoice.example [203.0.113.77]) by exch07.corp-a.internal; Thu, 26 Nov 2026 09:12:00 +0900\r\n" +
			"Received: from ws-0147.corp-a.internal ([10.41.7.23]) by exch07.corp-a.internal; Thu, 26 Nov 2026 09:12:30 +0900\r\n" +
			"From: Billing <billing@evil-invoice.example>\r\nTo: Hanako Takahashi <h.takahashi@member-a.example.jp>\r\n" +
			"Subject: Operation Kirishima invoice\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Dear Hanako Takahashi,\r\n\r\nPay at https://evil-invoice.example/pay?sid=Xq7Rk2Pm9Lw4&lang=ja today.\r\n"
		fields := map[string]string{"org": h.a.ID, "summary": "経理の SummarySecret-8812 が開封", "noticed_at": "2026-11-26T09:30", "recipients": "1",
			"actions": "ActionsSecret-4471 のパスワードを変更"}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("mail", "FileSecret-3301.eml")
		fw.Write([]byte(mail))
		mw.Close()
		w := h.Do("POST", "/share/reports/new", h.staffA, &buf, mw.FormDataContentType())
		expect(t, w, http.StatusSeeOther)
		// The reporter and the coordinators read the form and the file name.
		expect(t, h.Get(w.Header().Get("Location"), h.staffA), 200, "SummarySecret-8812", "ActionsSecret-4471", "FileSecret-3301.eml")
		expect(t, h.Get("/share", h.staffA), 200, "SummarySecret-8812")
		expect(t, h.Get("/share/admin/reports", h.analyst), 200, "SummarySecret-8812")
		expect(t, h.Get("/share/admin/reports/"+strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/"), h.analyst), 200,
			"SummarySecret-8812", "ActionsSecret-4471", "FileSecret-3301.eml")
		rep := strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/")
		w = h.post(t, "/share/admin/reports/"+rep+"/share", h.analyst)
		expect(t, w, http.StatusSeeOther)
		edit := w.Header().Get("Location")
		expect(t, h.post(t, edit, h.analyst, "action", "approval", "title", "請求書", "tlp", "green", "redact_terms", "Kirishima"), http.StatusSeeOther)
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "changes", "note", "Please also remove NOTE-5521"), http.StatusSeeOther)
		// The coordinators still read them all.
		expect(t, h.Get(edit, h.analyst), 200, "h.takahashi@member-a.example.jp", "Takahashi", "exch07.corp-a.internal", "10.41.7.23", "Xq7Rk2Pm9Lw4",
			"Kirishima", "NOTE-5521")
		secrets := []string{"h.takahashi@member-a.example.jp", "Takahashi", "exch07.corp-a.internal", "ws-0147", "10.41.7.23", "Xq7Rk2Pm9Lw4", "Kirishima", "NOTE-5521",
			"SummarySecret-8812", "ActionsSecret-4471", "FileSecret-3301"}
		if found := inClear(t, d, path, secrets); len(found) > 0 {
			t.Fatalf("stored in clear: %v", found)
		}
		// Released, the same holds.
		expect(t, h.post(t, edit, h.analyst, "action", "approval", "title", "請求書", "tlp", "green", "redact_terms", "Kirishima"), http.StatusSeeOther)
		m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(h.Get("/share/reports/"+rep, h.staffA).Body.String())
		expect(t, h.post(t, "/share/reports/"+rep+"/answer", h.staffA, "action", "approve", "version", m[1]), http.StatusSeeOther)
		expect(t, h.post(t, edit, h.analyst, "action", "release"), http.StatusSeeOther)
		expect(t, h.Get(edit, h.analyst), 200, "h.takahashi@member-a.example.jp", "Xq7Rk2Pm9Lw4")
		if found := inClear(t, d, path, secrets); len(found) > 0 {
			t.Fatalf("stored in clear after release: %v", found)
		}
		// A sealed value does not open in another share's row.
		var a, b string
		d.QueryRowContext(context.Background(), `SELECT id FROM share_shares`).Scan(&a)
		b = db.NewID()
		var sealed []byte
		d.QueryRowContext(context.Background(), `SELECT sealed_redactions FROM share_shares WHERE id = ?`, a).Scan(&sealed)
		if _, err := h.s.Box.Open(sealRedactions, sealed, []byte(b)); err == nil {
			t.Fatal("a sealed value opens with another row's id")
		}
	})
}

// Shares stored in clear before issue 11 are sealed at start, their
// pseudonyms numbered; the coordinators read the same originals, the
// clear columns are emptied, and on SQLite the file and its log no longer
// hold them. A second run finds nothing to do.
func TestSealLegacyShares(t *testing.T) {
	eachWithPath(t, func(t *testing.T, d *db.DB, path string) {
		h := newHarness(t, d)
		ctx := context.Background()
		hubMembers(t, h)
		rep, err := CreateReport(ctx, d, h.s.Box, h.a.ID, h.staffA, ReportInput{Summary: "s", NoticedAt: "2026-11-26", Recipients: "1"},
			[]MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, h.clock)
		if err != nil {
			t.Fatal(err)
		}
		// What an older server stored of a report: the form and the file
		// name in clear.
		d.ExecContext(ctx, `UPDATE share_reports SET sealed_form = NULL, summary = 'LegacySummaryKappa', actions = 'LegacyActionsLambda' WHERE id = ?`, rep.ID)
		d.ExecContext(ctx, `UPDATE share_report_mails SET sealed_filename = NULL, filename = 'LegacyFileSigma.eml' WHERE report_id = ?`, rep.ID)
		key := PseudonymKey(h.s.Box)
		p1, p2 := mailparse.Pseudonym(key, "legacy.one@member-a.example.jp"), mailparse.Pseudonym(key, "legacy.two@member-a.example.jp")
		hex1 := strings.TrimSuffix(strings.TrimPrefix(p1, "recipient-"), "@redacted.invalid")
		// What an older server stored: everything in clear, keyed
		// pseudonyms in the shared version.
		sanitized := fmt.Sprintf(`[{"subject":"x","recipients":["%s","%s"],"body":"Dear [recipient-%s]"}]`, p2, p1, hex1)
		redactions := `[[{"kind":"recipient_address","field":"headers.To","before":"legacy.one@member-a.example.jp","after":"` + p1 + `","count":1}]]`
		id := db.NewID()
		if _, err := d.ExecContext(ctx, `INSERT INTO share_shares (id, report_id, title, analysis, sanitized, redactions, redact_terms, change_note, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, rep.ID, "t", "see "+p1, sanitized, redactions, "LegacyTermZeta", "LegacyNoteOmega", h.clock, h.clock); err != nil {
			t.Fatal(err)
		}
		secrets := []string{"legacy.one@member-a.example.jp", "LegacyTermZeta", "LegacyNoteOmega", "LegacySummaryKappa", "LegacyActionsLambda", "LegacyFileSigma"}
		if found := inClear(t, d, path, secrets); len(found) < len(secrets) {
			t.Fatalf("the legacy row was not written in clear: %v", found)
		}
		// Before sealing, what members see is already numbered.
		sh, _ := GetShare(ctx, d, id)
		v, err := h.s.shareView(ctx, d, sh)
		if err != nil || len(v.Mails) != 1 || strings.Join(v.Mails[0].Recipients, ",") != "recipient-1@redacted.invalid,recipient-2@redacted.invalid" {
			t.Fatalf("legacy view %+v %v", v, err)
		}
		// The reporter reads its report before the sealing too.
		expect(t, h.Get("/share/reports/"+rep.ID, h.staffA), 200, "LegacySummaryKappa", "LegacyFileSigma.eml")
		n, err := SealLegacy(ctx, d, h.s.Box)
		if err != nil || n != 3 {
			t.Fatalf("sealed %d: %v", n, err)
		}
		if n, err := SealLegacy(ctx, d, h.s.Box); err != nil || n != 0 {
			t.Fatalf("second run sealed %d: %v", n, err)
		}
		sh, _ = GetShare(ctx, d, id)
		sh.OpenShared(h.s.Box)
		if keyedPseudonym.MatchString(sh.Sanitized+sh.Title+sh.Analysis) || !strings.Contains(sh.Sanitized, `"body":"Dear [recipient-2]"`) || sh.Analysis != "see recipient-2@redacted.invalid" {
			t.Fatalf("not numbered: %s %s", sh.Sanitized, sh.Analysis)
		}
		if err := sh.Open(h.s.Box); err != nil {
			t.Fatal(err)
		}
		if len(sh.Redactions) != 1 || sh.Redactions[0][0].Before != "legacy.one@member-a.example.jp" || sh.Redactions[0][0].Shared != "recipient-2@redacted.invalid" ||
			strings.Join(sh.RedactTerms, "|") != "LegacyTermZeta" || sh.ChangeNote != "LegacyNoteOmega" || sh.Numbers[hex1] != 2 {
			t.Fatalf("opened: %+v", sh)
		}
		var clear string
		d.QueryRowContext(ctx, `SELECT s.sanitized || s.redactions || s.redact_terms || s.change_note || r.summary || r.actions || m.filename
			FROM share_shares s JOIN share_reports r ON r.id = s.report_id JOIN share_report_mails m ON m.report_id = r.id WHERE s.id = ?`, id).Scan(&clear)
		if clear != "" {
			t.Fatalf("clear columns keep %q", clear)
		}
		if found := inClear(t, d, path, secrets); len(found) > 0 {
			t.Fatalf("still in clear after sealing: %v", found)
		}
		// The editor and the report pages show them.
		expect(t, h.Get("/share/admin/shares/"+id, h.analyst), 200, "legacy.one@member-a.example.jp", "LegacyTermZeta", "LegacyNoteOmega")
		expect(t, h.Get("/share/admin/reports/"+rep.ID, h.analyst), 200, "LegacySummaryKappa", "LegacyActionsLambda", "LegacyFileSigma.eml")
		expect(t, h.Get("/share/reports/"+rep.ID, h.staffA), 200, "LegacySummaryKappa", "LegacyFileSigma.eml")
	})
}

// The correlation store (plain values, for lookups) holds indicators of
// the attack, not of the member: a lure spoofing the member's staff as
// sender or linking to its portal adds neither value.
func TestIndicatorsLeaveTheMemberOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		hubMembers(t, h)
		mail := "Received: from mail.evil-login.example (mail.evil-login.example [203.0.113.9]) by mx.member-a.example.jp; Thu, 26 Nov 2026 09:12:00 +0900\r\n" +
			"From: CEO <ceo@member-a.example.jp>\r\nTo: t.yamada@member-a.example.jp\r\nSubject: urgent\r\n" +
			"Date: Thu, 26 Nov 2026 09:12:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Log in at https://portal.member-a.example.jp/login then https://evil-login.example/x\r\n"
		fields := map[string]string{"org": h.a.ID, "summary": "s", "noticed_at": "2026-11-26T09:30", "recipients": "1"}
		w := h.report(t, h.staffA, fields, mail)
		expect(t, w, http.StatusSeeOther)
		inds, err := correlate.Stored(context.Background(), d, strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/"))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, in := range inds {
			got = append(got, in.String())
		}
		all := strings.Join(got, " ")
		if strings.Contains(all, "member-a.example.jp") || !strings.Contains(all, "evil-login.example") {
			t.Fatalf("indicators %v", got)
		}
	})
}

// A start that sealed the legacy rows and stopped before rewriting the
// storage (killed, or the rewrite failed) left the originals in free
// pages for good: the next start found nothing to seal and skipped the
// rewrite. The rewrite is now owed until done.
func TestSealLegacyRewriteSurvivesAnInterruption(t *testing.T) {
	eachWithPath(t, func(t *testing.T, d *db.DB, path string) {
		h := newHarness(t, d)
		ctx := context.Background()
		hubMembers(t, h)
		rep, err := CreateReport(ctx, d, h.s.Box, h.a.ID, h.staffA, ReportInput{Summary: "s", NoticedAt: "2026-11-26", Recipients: "1"},
			[]MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, h.clock)
		if err != nil {
			t.Fatal(err)
		}
		// A long legacy form, so the sealed row moves and leaves its old
		// page to the free list.
		secret := "InterruptedSummaryTheta" + strings.Repeat(" padding", 600)
		d.ExecContext(ctx, `UPDATE share_reports SET sealed_form = NULL, summary = ?, actions = 'InterruptedActionsIota' WHERE id = ?`, secret, rep.ID)
		relfile := func() (v int64) {
			if d.Dialect() == db.Postgres {
				d.QueryRowContext(ctx, `SELECT relfilenode FROM pg_class WHERE oid = 'share_reports'::regclass`).Scan(&v)
			}
			return v
		}
		before := relfile()
		// The first start seals the rows and dies before the rewrite.
		owed := func() error {
			_, err := d.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, 'owed') ON CONFLICT (key) DO NOTHING`, sealRewriteKey)
			return err
		}
		if n, err := sealLegacyReports(ctx, d, h.s.Box, owed); err != nil || n != 1 {
			t.Fatalf("sealed %d: %v", n, err)
		}
		// The next start has nothing to seal but rewrites the storage.
		if n, err := SealLegacy(ctx, d, h.s.Box); err != nil || n != 0 {
			t.Fatalf("second start sealed %d: %v", n, err)
		}
		if found := inClear(t, d, path, []string{"InterruptedSummaryTheta", "InterruptedActionsIota"}); len(found) > 0 {
			t.Fatalf("still in clear after the next start: %v", found)
		}
		if d.Dialect() == db.Postgres && relfile() == before {
			t.Fatal("share_reports was not rewritten")
		}
		var owedRows int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = ?`, sealRewriteKey).Scan(&owedRows)
		if owedRows != 0 {
			t.Fatal("the rewrite is still owed after it was done")
		}
		// Done, a later start rewrites nothing.
		before = relfile()
		if n, err := SealLegacy(ctx, d, h.s.Box); err != nil || n != 0 || relfile() != before {
			t.Fatalf("third start: %d %v, rewritten %v", n, err, relfile() != before)
		}
	})
}

// A recipient's address in angle brackets in the body (a quoted header
// line of a hijacked thread) became "<recipient-…>", which the shared
// version's JSON writes as "\u003crecipient-…": the numbering took the
// escape's last letter for part of a word and left the keyed pseudonym,
// the same in every share of the member, on the members' page.
func TestMembersSeeNoKeyedPseudonymAfterAnEscape(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		hubMembers(t, h)
		mail := "From: Billing <billing@invoice-example.com>\r\nTo: Taro Yamada <t.yamada@member-a.example.jp>\r\n" +
			"Subject: Re: invoice\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Please pay today: https://invoice-example.com/pay\r\n\r\n-----Original Message-----\r\n" +
			"From: Taro Yamada <t.yamada@member-a.example.jp>\r\nSent: Wednesday\r\nTo: <h.sato@member-a.example.jp>&<billing@invoice-example.com>\r\n"
		_, id := h.shareOf(t, mail)
		w := h.Get("/share/shares/"+id, h.staffB)
		expect(t, w, 200, "recipient-1@redacted.invalid")
		if ks := keyedPseudonym.FindAllString(w.Body.String(), -1); len(ks) > 0 {
			t.Errorf("members see keyed pseudonyms %v", ks)
		}
	})
}

// Two instances starting at once both run SealLegacy: each row is sealed
// once (by whichever gets it first), neither fails, and the rows open.
func TestSealLegacyTwoInstancesAtOnce(t *testing.T) {
	eachWithPath(t, func(t *testing.T, d *db.DB, path string) {
		h := newHarness(t, d)
		ctx := context.Background()
		hubMembers(t, h)
		var ids []string
		for i := range 5 {
			rep, err := CreateReport(ctx, d, h.s.Box, h.a.ID, h.staffA, ReportInput{Summary: "s", NoticedAt: "2026-11-26", Recipients: "1"},
				[]MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, h.clock)
			if err != nil {
				t.Fatal(err)
			}
			d.ExecContext(ctx, `UPDATE share_reports SET sealed_form = NULL, summary = ?, actions = 'TwoActions' WHERE id = ?`, fmt.Sprintf("TwoSummary-%d", i), rep.ID)
			d.ExecContext(ctx, `UPDATE share_report_mails SET sealed_filename = NULL, filename = 'TwoFile.eml' WHERE report_id = ?`, rep.ID)
			ids = append(ids, rep.ID)
		}
		var wg sync.WaitGroup
		var counts [2]int
		var errs [2]error
		for i := range 2 {
			wg.Go(func() { counts[i], errs[i] = SealLegacy(ctx, d, h.s.Box) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || counts[0]+counts[1] != 10 {
			t.Fatalf("sealed %v: %v", counts, errs)
		}
		for i, id := range ids {
			rep, err := GetReport(ctx, d, "", id)
			if err != nil || rep.Open(h.s.Box) != nil || rep.Summary != fmt.Sprintf("TwoSummary-%d", i) || rep.Mails[0].Name != "TwoFile.eml" {
				t.Fatalf("report %d: %v %+v", i, err, rep)
			}
		}
		if found := inClear(t, d, path, []string{"TwoSummary", "TwoActions", "TwoFile"}); len(found) > 0 {
			t.Fatalf("still in clear: %v", found)
		}
	})
}

// The shared body is cut to maxSharedBody characters before pseudonyms
// are numbered; a cut inside a keyed pseudonym left its first hex digits
// ("recipient-4f1c2"), which numbering does not see, and which are the
// same in every share where that recipient's address ends the text.
func TestBodyCutLeavesNoPartOfAKeyedPseudonym(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		hubMembers(t, h)
		for _, at := range []int{maxSharedBody - 15, maxSharedBody - 10, maxSharedBody - 5} {
			mail := "From: Billing <billing@invoice-example.com>\r\nTo: t.yamada@member-a.example.jp\r\n" +
				"Subject: invoice\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
				strings.Repeat("x", at-1) + " t.yamada@member-a.example.jp and more text after it\r\n"
			_, id := h.shareOf(t, mail)
			sh, err := GetShare(context.Background(), d, id)
			if err != nil || sh.OpenShared(h.s.Box) != nil {
				t.Fatal(err)
			}
			hex := strings.TrimSuffix(strings.TrimPrefix(mailparse.Pseudonym(PseudonymKey(h.s.Box), "t.yamada@member-a.example.jp"), "recipient-"), "@redacted.invalid")
			for _, m := range regexp.MustCompile(`recipient-([0-9a-f]+)`).FindAllStringSubmatch(sh.Sanitized, -1) {
				if len(m[1]) > 1 && strings.HasPrefix(hex, m[1]) {
					t.Errorf("cut at %d: the shared version keeps %q of %s", at, m[0], hex)
				}
			}
		}
	})
}
