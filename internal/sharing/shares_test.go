package sharing

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/mailparse"
	"mamori/internal/masterkey"
	"mamori/internal/org/orgtest"
)

func TestShareLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
		box, _ := masterkey.New(bytes.Repeat([]byte{9}, 32))
		u := orgtest.NewUser(t, d, "u@example.jp")
		orgs := map[string]string{}
		for _, name := range []string{"reporter", "insig", "outsig", "lapsed"} {
			o := orgtest.NewOrg(t, d, name, u)
			orgs[name] = o.ID
			AddMember(ctx, d, o.ID, "", now)
			expires := "2027-03-31"
			if name == "lapsed" {
				expires = "2026-10-31"
			}
			RecordNDA(ctx, d, o.ID, "", NDAInput{SignedOn: "2026-04-01", ExpiresOn: expires}, now)
		}
		sig, _ := CreateSIG(ctx, d, "", SIGInput{Name: "電機"}, now)
		for _, k := range []string{"reporter", "insig", "lapsed"} {
			SetSIGMember(ctx, d, sig.ID, orgs[k], true, now)
		}
		rep, err := CreateReport(ctx, d, box, orgs["reporter"], u, ReportInput{Summary: "s", NoticedAt: "2026-11-26", Recipients: "1"}, []MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, now)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := StartShare(ctx, d, box, rep.ID, u, Proposal{Sanitized: `{"subject":"invoice"}`}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := StartShare(ctx, d, box, rep.ID, u, Proposal{}, now); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second start: %v", err)
		}
		// Incomplete: no title, AMBER without SIGs.
		if err := RequestApproval(ctx, d, sh.ID, now); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("incomplete share sent for approval: %v", err)
		}
		bad := ShareInput{Title: "t", TLP: "purple", Lure: "fax", AttachmentTypes: "zip, ../etc", SIGIDs: []string{"nope"}}
		f := apperr.From(UpdateShare(ctx, d, box, sh.ID, bad, now)).Fields
		if f["tlp"] != "sharing.err.tlp" || f["lure"] != "sharing.err.lure" || f["attachment_types"] != "sharing.err.attachment_types" || f["sig"] != "sharing.err.sig_unknown" {
			t.Fatalf("bad share input: %v", f)
		}
		in := ShareInput{Title: "請求書を装うばらまき型", Analysis: "ZIP 内に JS", TLP: "amber", Lure: "attachment", AttachmentTypes: ".ZIP、js zip", SIGIDs: []string{sig.ID}, Targeted: true}
		if err := UpdateShare(ctx, d, box, sh.ID, in, now); err != nil {
			t.Fatal(err)
		}
		sh, _ = GetShare(ctx, d, sh.ID)
		if len(sh.AttachmentTypes) != 2 || sh.AttachmentTypes[0] != "zip" || len(sh.SIGIDs) != 1 {
			t.Fatalf("share %+v", sh)
		}
		if r, _ := GetReport(ctx, d, "", rep.ID); !r.Targeted || r.Status != StatusReview {
			t.Fatalf("report %+v", r)
		}
		// Not approved yet: no release.
		if _, err := Release(ctx, d, sh.ID, u, now); !apperr.Is(err, apperr.Conflict) {
			t.Fatal("released without approval")
		}
		RequestApproval(ctx, d, sh.ID, now)
		// Another member cannot answer; the reporter asks for changes, then
		// approves the revised version.
		if err := Answer(ctx, d, box, orgs["insig"], rep.ID, u, true, "", nil, now); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another member answered: %v", err)
		}
		if err := Answer(ctx, d, box, orgs["reporter"], rep.ID, u, false, "", nil, now); apperr.From(err).Fields["note"] != "sharing.err.change_note" {
			t.Fatal("changes without a note")
		}
		Answer(ctx, d, box, orgs["reporter"], rep.ID, u, false, "社名が本文に残っています", nil, now)
		if r, _ := GetReport(ctx, d, "", rep.ID); r.Status != StatusChanges {
			t.Fatal("status after asking for changes")
		}
		if err := Answer(ctx, d, box, orgs["reporter"], rep.ID, u, true, "", nil, now); !apperr.Is(err, apperr.Conflict) {
			t.Fatal("approved while changes were being made")
		}
		UpdateShare(ctx, d, box, sh.ID, in, now)
		RequestApproval(ctx, d, sh.ID, now)
		if err := Answer(ctx, d, box, orgs["reporter"], rep.ID, u, true, "", nil, now); err != nil {
			t.Fatal(err)
		}
		if _, err := Release(ctx, d, sh.ID, u, now); err != nil {
			t.Fatal(err)
		}
		if err := UpdateShare(ctx, d, box, sh.ID, in, now); !apperr.Is(err, apperr.Conflict) {
			t.Fatal("a released share changed")
		}
		sh, _ = GetShare(ctx, d, sh.ID)
		// Who sees it: SIG members in good standing only (AMBER).
		day := now.Add(time.Hour)
		for name, want := range map[string]bool{"reporter": true, "insig": true, "outsig": false, "lapsed": false} {
			m, _ := GetMember(ctx, d, orgs[name], day)
			got, _ := Visible(ctx, d, sh, m)
			feed, _ := Feed(ctx, d, m, 10)
			if got != want || (len(feed) == 1) != want {
				t.Errorf("%s: visible %v, feed %d, want %v", name, got, len(feed), want)
			}
		}
		// GREEN goes to every member in good standing.
		d.ExecContext(ctx, `UPDATE share_shares SET tlp = 'green' WHERE id = ?`, sh.ID)
		m, _ := GetMember(ctx, d, orgs["outsig"], day)
		if feed, _ := Feed(ctx, d, m, 10); len(feed) != 1 {
			t.Fatal("GREEN not visible to the community")
		}
		// Sightings: once per organisation.
		for _, k := range []string{"insig", "insig", "outsig"} {
			RecordSighting(ctx, d, sh.ID, orgs[k], u, now)
		}
		n, mine, err := Sightings(ctx, d, sh.ID, orgs["insig"])
		if err != nil || n != 2 || !mine {
			t.Fatalf("sightings %d %v %v", n, mine, err)
		}
		if _, mine, _ := Sightings(ctx, d, sh.ID, orgs["reporter"]); mine {
			t.Fatal("mine for an organisation that did not record")
		}
	})
}

func TestFiscalYear(t *testing.T) {
	for in, want := range map[string][2]int{
		"2026-03-31T14:59:00Z": {2025, 4}, // 23:59 on 31 March in Japan
		"2026-03-31T15:00:00Z": {2026, 1}, // 00:00 on 1 April in Japan
		"2026-06-30T00:00:00Z": {2026, 1},
		"2026-07-01T00:00:00Z": {2026, 2},
		"2026-12-31T00:00:00Z": {2026, 3},
		"2027-01-15T00:00:00Z": {2026, 4},
	} {
		tt, _ := time.Parse(time.RFC3339, in)
		if fy, q := FiscalYear(tt); fy != want[0] || q != want[1] {
			t.Errorf("%s: FY%d Q%d, want FY%d Q%d", in, fy, q, want[0], want[1])
		}
	}
	for max, want := range map[int][2]int{1: {1, 1}, 3: {3, 1}, 7: {8, 2}, 12: {15, 5}, 246: {250, 50}, 1092: {1250, 250},
		180: {200, 50}, 5000: {5000, 1000}, 0: {1, 1}} {
		if top, step := niceAxis(max); top != want[0] || step != want[1] {
			t.Errorf("niceAxis(%d) = %d, %d, want %d, %d", max, top, step, want[0], want[1])
		}
	}
}

func TestFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box, _ := masterkey.New(bytes.Repeat([]byte{9}, 32))
		u := orgtest.NewUser(t, d, "fig@example.jp")
		o := orgtest.NewOrg(t, d, "集計", u)
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		AddMember(ctx, d, o.ID, "", t0)
		sig, _ := CreateSIG(ctx, d, "", SIGInput{Name: "電機"}, t0)
		// FY2026: three reports (Q1, Q1, Q3), one targeted and shared in Q3.
		for i, at := range []time.Time{t0, t0.AddDate(0, 0, 10), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)} {
			r, err := CreateReport(ctx, d, box, o.ID, u, ReportInput{Summary: "s", NoticedAt: "2026-04-01", Recipients: "1"}, []MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, at)
			if err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				sh, _ := StartShare(ctx, d, box, r.ID, u, Proposal{Sanitized: "{}"}, at)
				UpdateShare(ctx, d, box, sh.ID, ShareInput{Title: "t", TLP: "amber", Lure: "attachment", AttachmentTypes: "zip,js", SIGIDs: []string{sig.ID}, Targeted: true}, at)
				RequestApproval(ctx, d, sh.ID, at)
				Answer(ctx, d, box, o.ID, r.ID, u, true, "", nil, at)
				Release(ctx, d, sh.ID, u, at)
			}
		}
		// FY2012–FY2015 are IPA's published figures, built in: they cannot
		// be entered, and an entry from before they were built in (made
		// here straight in the table) is neither listed nor counted. Two
		// years of the time before mamori are entered by hand.
		if _, err := d.ExecContext(ctx, `INSERT INTO share_history (fy, metric, value, note) VALUES (2013, 'reports', 1, 'typo')`); err != nil {
			t.Fatal(err)
		}
		for _, fy := range []string{"2012", "2015"} {
			if f := apperr.From(SetHistory(ctx, d, fy, "reports", "1", "", t0)).Fields; f["fy"] != "sharing.err.fy_published" {
				t.Fatalf("FY%s entered by hand: %v", fy, f)
			}
		}
		for fy, v := range map[int][2]string{2010: {"100", "50"}, 2011: {"120", "60"}} {
			if err := SetHistory(ctx, d, strconv.Itoa(fy), "reports", v[0], "記録簿", t0); err != nil {
				t.Fatal(err)
			}
			SetHistory(ctx, d, strconv.Itoa(fy), "shares", v[1], "", t0)
		}
		f := apperr.From(SetHistory(ctx, d, "2031", "visits", "-1", "", t0)).Fields
		if f["fy"] == "" || f["metric"] == "" || f["value"] == "" {
			t.Fatalf("bad history accepted: %v", f)
		}
		ys, err := Figures(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ys) != 7 || ys[0].FY != 2026 || ys[4].FY != 2012 || ys[6].FY != 2010 {
			t.Fatalf("years %d", len(ys))
		}
		// The built-in years are the seed's J-CSIP table as published.
		seed := map[int][2]int{2012: {246, 160}, 2013: {385, 180}, 2014: {626, 195}, 2015: {1092, 133}}
		for _, y := range ys[1:5] {
			if w := seed[y.FY]; y.Reports != w[0] || y.Shares != w[1] || !y.Published || !y.Historical || y.TargetedKnown {
				t.Errorf("FY%d %+v, want published %v", y.FY, y, w)
			}
		}
		if h := ys[5]; h.FY != 2011 || h.Reports != 120 || h.Shares != 60 || !h.Historical || h.Published {
			t.Fatalf("FY2011 %+v", h)
		}
		y := ys[0]
		if y.Reports != 3 || y.Shares != 1 || y.Targeted != 1 || y.Quarters[0].Reports != 2 || y.Quarters[2].Shares != 1 ||
			y.BySIG["電機"] != 1 || y.ByLure["attachment"] != 1 || y.ByType["zip"] != 1 || y.ByType["js"] != 1 || y.Historical {
			t.Fatalf("FY2026 %+v", y)
		}
		if h := ys[1]; h.FY != 2015 || h.Reports != 1092 || h.Shares != 133 || !h.Historical {
			t.Fatalf("FY2015 %+v", h)
		}
		c := LayoutChart(ys)
		if len(c.Bars) != 14 || c.Bars[0].FY != 2010 || c.Bars[len(c.Bars)-1].FY != 2026 {
			t.Fatalf("chart bars %+v", c.Bars)
		}
		// The tallest bar (1,092 on a 1,250 axis) is 87% of the plot.
		for _, b := range c.Bars {
			if b.Value == 1092 && (b.H < 170 || b.H > 178) {
				t.Fatalf("bar height %d", b.H)
			}
		}
		// Ticks are distinct round numbers from 0 to the top.
		var ticks []string
		for _, tk := range c.Ticks[:6] {
			ticks = append(ticks, tk.Text)
		}
		if strings.Join(ticks, ",") != "0,250,500,750,1000,1250" {
			t.Fatalf("ticks %v", ticks)
		}
		// One year with one report: ticks 0 and 1, not six labels of 0 and 1.
		one := LayoutChart([]*YearFigures{{FY: 2026, Reports: 1, Shares: 1}})
		if len(one.Ticks) != 3 || one.Ticks[0].Text != "0" || one.Ticks[1].Text != "1" || one.Width < 320 {
			t.Fatalf("one-year chart %+v", one)
		}
		// Reported on 31 March (JST), shared in April: the new year counts a
		// share and no targeted report, a 0 rather than "unknown".
		late := time.Date(2027, 3, 31, 14, 30, 0, 0, time.UTC)
		lr, err := CreateReport(ctx, d, box, o.ID, u, ReportInput{Summary: "s", NoticedAt: "2027-03-31", Recipients: "1"}, []MailFile{{Name: "a.eml", Body: []byte(sampleMail)}}, late)
		if err != nil {
			t.Fatal(err)
		}
		april := time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)
		lsh, _ := StartShare(ctx, d, box, lr.ID, u, Proposal{Sanitized: "{}"}, april)
		UpdateShare(ctx, d, box, lsh.ID, ShareInput{Title: "t", TLP: "green"}, april)
		RequestApproval(ctx, d, lsh.ID, april)
		Answer(ctx, d, box, o.ID, lr.ID, u, true, "", nil, april)
		if _, err := Release(ctx, d, lsh.ID, u, april); err != nil {
			t.Fatal(err)
		}
		ys, _ = Figures(ctx, d)
		if y := ys[0]; y.FY != 2027 || y.Shares != 1 || y.Reports != 0 || !y.TargetedKnown || y.Targeted != 0 {
			t.Fatalf("FY2027 %+v", y)
		}

		// Removing an entry by leaving the value empty.
		SetHistory(ctx, d, "2010", "shares", "", "", t0)
		if hs, _ := History(ctx, d); len(hs) != 3 {
			t.Fatalf("history entries %d", len(hs))
		}
	})
}

func TestLureOf(t *testing.T) {
	mail := func(urls []string, names ...string) sharedMail {
		m := &mailparse.Message{URLs: urls}
		for _, n := range names {
			m.Attachments = append(m.Attachments, mailparse.Attachment{Name: n})
		}
		return sharedMail{Message: m}
	}
	link := []string{"https://evil.example/x"}
	for _, c := range []struct {
		msgs  []sharedMail
		lure  string
		types string
	}{
		{nil, "none", ""},
		{[]sharedMail{mail(nil)}, "none", ""},
		{[]sharedMail{mail(link)}, "url", ""},
		{[]sharedMail{mail(nil, "見積書.ZIP")}, "attachment", "zip"},
		{[]sharedMail{mail(link, "a.docm", "b.zip"), mail(nil, "c.zip", "README", "d.tar.gz", "e.verylongextension", "f.ex e")}, "both", "docm,zip,gz"},
	} {
		lure, types := lureOf(c.msgs)
		if lure != c.lure || strings.Join(types, ",") != c.types {
			t.Errorf("%d mails: %q %q, want %q %q", len(c.msgs), lure, types, c.lure, c.types)
		}
	}
}
