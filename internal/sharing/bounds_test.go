package sharing

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/mailparse"
	"mamori/internal/web"
)

// hub makes members A and B (NDAs, staff, one SIG with both) for the
// tests below, and returns the SIG's id.
func (h *harness) hub(t *testing.T) string {
	ctx := context.Background()
	for o, u := range map[string]string{h.a.ID: h.staffA, h.b.ID: h.staffB} {
		AddMember(ctx, h.d, o, h.analyst, h.clock)
		RecordNDA(ctx, h.d, o, h.analyst, NDAInput{SignedOn: "2026-04-01", ExpiresOn: "2027-03-31"}, h.clock)
		auth.GrantRole(ctx, h.d, u, web.RoleShareMember)
		AddStaff(ctx, h.d, o, u, h.clock)
	}
	sig, err := CreateSIG(ctx, h.d, "", SIGInput{Name: "製造業SIG"}, h.clock)
	if err != nil {
		t.Fatal(err)
	}
	SetSIGMember(ctx, h.d, sig.ID, h.a.ID, true, h.clock)
	SetSIGMember(ctx, h.d, sig.ID, h.b.ID, true, h.clock)
	return sig.ID
}

// hugeMail is a lure with a Subject of n bytes, 300 recipients and 600
// links of about 1.5 KB each.
func hugeMail(n int) string {
	var b strings.Builder
	b.WriteString("From: Billing <billing@evil.example>\r\nTo: ")
	for i := range 300 {
		if i > 0 {
			b.WriteString(",\r\n ")
		}
		fmt.Fprintf(&b, "user%03d@member-a.example.jp", i)
	}
	b.WriteString("\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\nSubject: ")
	b.WriteString(strings.Repeat("Invoice overdue payment ", n/24))
	b.WriteString("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease pay:\r\n")
	for i := range 600 {
		fmt.Fprintf(&b, "https://evil%d.example/pay/%s\r\n", i, strings.Repeat("a", 1500))
	}
	return b.String()
}

// TestPagesOfAHugeMailAreBounded reports a mail with a 4 MB Subject, 300
// recipients and 600 long links, and reads it on every page that shows
// it: the coordinators' review page, the share editor, the reporting
// member's approval page and another member's share page. Each stays
// under 256 KB of HTML (before, the review page carried the whole
// Subject: 48 MB for a 24 MB one), says what it left out, and the review
// page links the raw mail, which holds all of it.
func TestPagesOfAHugeMailAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads a 5 MB mail")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		sig := h.hub(t)
		raw := hugeMail(4 << 20)
		fields := map[string]string{"org": h.a.ID, "summary": "巨大な件名", "noticed_at": "2026-11-26T09:30", "recipients": "300"}
		w := h.report(t, h.staffA, fields, raw)
		expect(t, w, http.StatusSeeOther)
		rep := strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/")
		r, err := GetReport(ctx, d, "", rep)
		if err != nil {
			t.Fatal(err)
		}
		const limit = 256 << 10
		bounded := func(name string, w *httptest.ResponseRecorder, contains ...string) {
			t.Helper()
			expect(t, w, 200, contains...)
			t.Logf("%s: %d bytes of HTML", name, w.Body.Len())
			if w.Body.Len() > limit {
				t.Errorf("%s is %d bytes of HTML for a %d-byte mail", name, w.Body.Len(), len(raw))
			}
		}
		bounded("review page", h.Get("/share/admin/reports/"+rep, h.analyst),
			"Subject header is ", "only its first 65536 bytes were read", `class="notice mail-cut"`, `data-list="urls"`, `data-list="to"`,
			"URLは 600 件中 50 件を表示", `href="/share/admin/reports/`+rep+`/mails/`+r.Mails[0].ID+`" class="shown-more"`)
		// The raw mail holds everything.
		if w := h.Get("/share/admin/reports/"+rep+"/mails/"+r.Mails[0].ID, h.analyst); w.Body.Len() != len(raw) {
			t.Fatalf("raw mail of %d bytes, want %d", w.Body.Len(), len(raw))
		}

		w = h.post(t, "/share/admin/reports/"+rep+"/share", h.analyst)
		expect(t, w, http.StatusSeeOther)
		edit := w.Header().Get("Location")
		bounded("share editor", h.Get(edit, h.analyst), `class="notice mail-cut"`, `href="/share/admin/reports/`+rep+`#mails-title" class="shown-more"`)
		expect(t, h.post(t, edit, h.analyst, "action", "approval", "title", "巨大な件名のメール", "tlp", "amber", "sig", sig), http.StatusSeeOther)
		bounded("member's report page", h.Get("/share/reports/"+rep, h.staffA), "共有する版の確認", `class="notice mail-cut"`, "残りは事務局が持っています")
	})
}

// TestParseGateBoundsConcurrentParses holds the parses of uploads open
// and counts them: with two slots, two run while the others wait; a
// request that waits past ParseWait is answered 503 with the translated
// message and nothing stored; once the slots free up, waiting uploads
// go through, and no more than two parses ever ran at once.
func TestParseGateBoundsConcurrentParses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		h.hub(t)
		h.s.MaxParses = 2
		h.s.ParseWait = time.Hour
		g := h.s.parses()
		entered := make(chan struct{}, 16)
		release := make(chan struct{})
		g.parse = func(b []byte, o mailparse.Options) (*mailparse.Message, error) {
			entered <- struct{}{}
			<-release
			return mailparse.ParseBytes(b, o)
		}
		fields := map[string]string{"org": h.a.ID, "summary": "同時の報告", "noticed_at": "2026-11-26T09:30", "recipients": "1"}
		upload := func(n int) <-chan int {
			out := make(chan int, n)
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() { out <- h.report(t, h.staffA, fields, sampleMail).Code })
			}
			go func() { wg.Wait(); close(out) }()
			return out
		}
		waitFor := func(what string, cond func() bool) {
			t.Helper()
			for i := 0; !cond(); i++ {
				if i > 60000 {
					t.Fatalf("never: %s", what)
				}
				time.Sleep(time.Millisecond)
			}
		}

		// Five uploads: two parse, three wait for a slot.
		codes := upload(5)
		<-entered
		<-entered
		waitFor("three uploads waiting", func() bool { return g.waiting.Load() == 3 })
		if n := g.running.Load(); n != 2 {
			t.Fatalf("%d parses running with two slots", n)
		}
		close(release)
		for c := range codes {
			if c != http.StatusSeeOther {
				t.Errorf("an upload that waited its turn got %d", c)
			}
		}
		if p := g.peak.Load(); p != 2 {
			t.Errorf("%d parses ran at once with two slots", p)
		}

		// A request that cannot get a slot in time: 503, translated,
		// nothing stored.
		var before, after int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports`).Scan(&before)
		held := make(chan struct{})
		var wg sync.WaitGroup
		for range 2 {
			_, rel, err := g.hold(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() { <-held; rel() })
		}
		h.s.ParseWait, g.wait = time.Millisecond, time.Millisecond
		w := h.report(t, h.staffA, fields, sampleMail)
		expect(t, w, http.StatusServiceUnavailable, "混み合っています", "同時の報告")
		if w.Header().Get("Retry-After") == "" {
			t.Error("no Retry-After on 503")
		}
		expect(t, h.Get("/share/admin/reports/"+mustReportID(t, d)+"?lang=en", h.analyst), http.StatusServiceUnavailable, "The hub is busy")
		close(held)
		wg.Wait()
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports`).Scan(&after)
		if after != before {
			t.Errorf("a refused upload stored a report (%d → %d)", before, after)
		}
		if g.running.Load() != 0 || len(g.slots) != 0 {
			t.Errorf("slots not given back: %d running, %d held", g.running.Load(), len(g.slots))
		}
	})
}

func mustReportID(t *testing.T, d *db.DB) string {
	rs, err := Reports(context.Background(), d, ReportFilter{Limit: 1})
	if err != nil || len(rs) == 0 {
		t.Fatal("no report", err)
	}
	return rs[0].ID
}

// TestBoundedView checks the display bounds on one message: long values
// keep their start and end, lists are cut and counted, and an
// attachment's warnings come from its whole name, even when the part
// that gives it away is left out of what is shown.
func TestBoundedView(t *testing.T) {
	m := &mailparse.Message{Subject: strings.Repeat("件", 5000)}
	for i := range 2000 {
		m.URLs = append(m.URLs, fmt.Sprintf("https://e%d.example/", i))
	}
	sneaky := "請求書" + strings.Repeat("_", 400) + "\u202e" + strings.Repeat("x", 400) + "fdp.exe"
	var entries []mailparse.Attachment
	for i := range 1000 {
		entries = append(entries, mailparse.Attachment{Name: fmt.Sprintf("doc%04d.pdf", i)})
	}
	m.Attachments = []mailparse.Attachment{{Name: sneaky, Entries: entries}, {Name: "b.zip", Entries: entries}}
	v := boundedView(m)
	if n := len([]rune(v.Subject)); n > maxShownSubject+3 || !strings.HasPrefix(v.Subject, "件件") || !strings.HasSuffix(v.Subject, "件件") {
		t.Errorf("subject of %d characters shown", n)
	}
	if len(m.Subject) != 3*5000 {
		t.Error("the message itself was changed")
	}
	if len(v.Links) != maxShownItems {
		t.Errorf("%d links shown", len(v.Links))
	}
	a := v.Attachments[0]
	if !strings.HasSuffix(a.Name, "fdp.exe") || strings.Contains(a.Name, "\u202e") || !strings.Contains(strings.Join(a.Warnings, ","), "bidi") {
		t.Errorf("shown name %q, warnings %v", a.Name, a.Warnings)
	}
	shown := len(v.Attachments[0].Entries) + len(v.Attachments[1].Entries)
	want := map[string][2]int{"urls": {maxShownItems, 2000}, "entries": {maxShownEntries, 2000}}
	for _, c := range v.Cuts {
		if w, ok := want[c.Key]; !ok || w != [2]int{c.Shown, c.Total} {
			t.Errorf("cut %+v", c)
		}
		delete(want, c.Key)
	}
	if len(want) > 0 || shown != maxShownEntries || v.Clipped != 2 {
		t.Errorf("cuts %+v missing %v; %d entries shown, %d values clipped", v.Cuts, want, shown, v.Clipped)
	}
}

// TestReportListsShowHeadlines: a member may write 4,000 characters of
// summary; the lists (the coordinators' queue, the member's start page,
// the review page's links) show its first line, shortened, and the
// report's own page shows it whole.
func TestReportListsShowHeadlines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.hub(t)
		long := strings.Repeat("長", 1500)
		summary := "請求書を装うメール" + long + "\n" + strings.Repeat("詳細", 900)
		fields := map[string]string{"org": h.a.ID, "summary": summary, "noticed_at": "2026-11-26T09:30", "recipients": "1"}
		w := h.report(t, h.staffA, fields, sampleMail)
		expect(t, w, http.StatusSeeOther)
		for _, page := range []*httptest.ResponseRecorder{h.Get("/share/admin/reports", h.analyst), h.Get("/share", h.staffA)} {
			expect(t, page, 200, "請求書を装うメール長長")
			expectNot(t, page, long, "詳細詳細")
		}
		expect(t, h.Get(w.Header().Get("Location"), h.staffA), 200, long, strings.Repeat("詳細", 900))
	})
}

// TestRelatedReportsAreBounded: two reports of one campaign may share
// thousands of indicators; the review page lists 20 per related report
// and counts the rest.
func TestRelatedReportsAreBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.hub(t)
		var b strings.Builder
		b.WriteString("From: Billing <billing@evil.example>\r\nTo: t@member-a.example.jp\r\nSubject: pay\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\n\r\n")
		for i := range 100 {
			fmt.Fprintf(&b, "https://host%d.evil%d.example/pay\r\n", i, i)
		}
		fields := map[string]string{"org": h.a.ID, "summary": "同じ攻撃", "noticed_at": "2026-11-26T09:30", "recipients": "1"}
		expect(t, h.report(t, h.staffA, fields, b.String()), http.StatusSeeOther)
		w := h.report(t, h.staffA, fields, b.String())
		expect(t, w, http.StatusSeeOther)
		rep := strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/")
		page := h.Get("/share/admin/reports/"+rep, h.analyst)
		expect(t, page, 200, `class="hint shared-more"`, "ほか 81 件")
		if n := strings.Count(page.Body.String(), ".example</span><br>"); n != maxShownShared {
			t.Errorf("%d shared indicators shown, want %d", n, maxShownShared)
		}
	})
}

// blockingWriter holds the first Write of a response until released: a
// client reading slowly.
type blockingWriter struct {
	*httptest.ResponseRecorder
	writing, release chan struct{}
	once             sync.Once
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.once.Do(func() { close(b.writing); <-b.release })
	return b.ResponseRecorder.Write(p)
}

// The editor's save with new words to remove parses under a slot; when
// the form is refused the editor page is written back. It was written
// with the slot still held, so a coordinator's slow connection (the
// server's write timeout is two minutes) kept uploads waiting and then
// refused with 503. The slot is given back before anything is written.
func TestParseSlotIsNotHeldWhileWriting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.hub(t)
		h.s.MaxParses = 1
		fields := map[string]string{"org": h.a.ID, "summary": "s", "noticed_at": "2026-11-26T09:30", "recipients": "1"}
		w := h.report(t, h.staffA, fields, sampleMail)
		expect(t, w, http.StatusSeeOther)
		rep := strings.TrimPrefix(w.Header().Get("Location"), "/share/reports/")
		w = h.post(t, "/share/admin/reports/"+rep+"/share", h.analyst)
		expect(t, w, http.StatusSeeOther)
		edit := w.Header().Get("Location")

		form := url.Values{"action": {"save"}, "title": {"t"}, "tlp": {"no-such-tlp"}, "redact_terms": {"NewWord"}}
		r := httptest.NewRequest("POST", edit, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Test-User", h.analyst)
		bw := &blockingWriter{ResponseRecorder: httptest.NewRecorder(), writing: make(chan struct{}), release: make(chan struct{})}
		done := make(chan struct{})
		go func() { defer close(done); h.ServeHTTP(bw, r) }()
		<-bw.writing
		held := len(h.s.parses().slots)
		close(bw.release)
		<-done
		expect(t, bw.ResponseRecorder, http.StatusUnprocessableEntity)
		if held != 0 {
			t.Errorf("%d parse slot(s) held while the page was written", held)
		}
	})
}
