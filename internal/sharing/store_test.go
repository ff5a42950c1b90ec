package sharing

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/i18n"
	"mamori/internal/masterkey"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
)

// sampleMail is a small mail as a client saves it.
const sampleMail = "Received: from mx.example.com (mx.example.com [203.0.113.5])\r\n" +
	"From: =?ISO-2022-JP?B?GyRCO1RGYhsoQg==?= <billing@example.com>\r\n" +
	"To: yamada@member.example.jp\r\nSubject: invoice\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\n\r\nPlease see hxxp://evil[.]example/pay\r\n"

func TestNDALapseAndRenewal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		analyst := orgtest.NewUser(t, d, "analyst@example.jp")
		o := orgtest.NewOrg(t, d, "会員株式会社", analyst)
		day := func(s string) time.Time { tt, _ := time.ParseInLocation("2006-01-02 15:04", s, i18n.Zone()); return tt }
		if err := AddMember(ctx, d, o.ID, analyst, day("2026-04-01 09:00")); err != nil {
			t.Fatal(err)
		}
		m, _ := GetMember(ctx, d, o.ID, day("2026-04-01 09:00"))
		if m.Active() || m.NDA != nil {
			t.Fatal("a member without an NDA is active")
		}
		if _, err := RecordNDA(ctx, d, o.ID, analyst, NDAInput{SignedOn: "2026/04/01", ExpiresOn: "2027-03-31", Reference: "NDA-001"}, day("2026-04-01 10:00")); err != nil {
			t.Fatal(err)
		}
		for when, active := range map[string]bool{
			"2026-03-31 23:59": false, // before signing
			"2026-04-01 00:00": true,
			"2027-03-31 23:59": true, // the last day is covered, in Japan
			"2027-04-01 00:00": false,
		} {
			m, _ := GetMember(ctx, d, o.ID, day(when))
			if m.Active() != active {
				t.Errorf("%s: active %v", when, m.Active())
			}
		}
		// A renewal restores access; the latest NDA is listed first.
		RecordNDA(ctx, d, o.ID, analyst, NDAInput{SignedOn: "2027-04-10", ExpiresOn: "2028-03-31"}, day("2027-04-10 10:00"))
		// In the gap, the one that lapsed and the one to come are told
		// apart ("lapsed 2027-03-31", "starts 2027-04-10").
		m, _ = GetMember(ctx, d, o.ID, day("2027-04-05 12:00"))
		if m.Active() || m.LatestNDA.ExpiresOn != "2027-03-31" || m.NextNDA == nil || m.NextNDA.SignedOn != "2027-04-10" {
			t.Fatalf("gap between NDAs: %+v %+v %+v", m.NDA, m.LatestNDA, m.NextNDA)
		}
		m, _ = GetMember(ctx, d, o.ID, day("2027-04-10 12:00"))
		if !m.Active() || m.NDA.SignedOn != "2027-04-10" {
			t.Fatalf("renewed: %+v", m.NDA)
		}
		// Leaving ends access whatever the NDA says; rejoining restores it.
		RemoveMember(ctx, d, o.ID, day("2027-05-01 09:00"))
		if m, _ = GetMember(ctx, d, o.ID, day("2027-05-02 09:00")); m.Active() {
			t.Fatal("a former member is active")
		}
		AddMember(ctx, d, o.ID, analyst, day("2027-06-01 09:00"))
		if m, _ = GetMember(ctx, d, o.ID, day("2027-06-02 09:00")); !m.Active() {
			t.Fatal("rejoining did not restore access")
		}
		// Bad NDA input is refused, nothing stored.
		before, _ := NDAs(ctx, d, o.ID)
		_, err := RecordNDA(ctx, d, o.ID, analyst, NDAInput{SignedOn: "2027-04-01", ExpiresOn: "2026-04-01", Reference: "x\x00"}, day("2027-06-02 09:00"))
		if f := apperr.From(err).Fields; f["expires_on"] != "sharing.err.nda_order" || f["reference"] != "sharing.err.text" {
			t.Fatalf("bad NDA: %v", err)
		}
		if _, err := RecordNDA(ctx, d, o.ID, analyst, NDAInput{SignedOn: "April", ExpiresOn: ""}, day("2027-06-02 09:00")); apperr.From(err).Fields["signed_on"] != "sharing.err.date" {
			t.Fatalf("bad date: %v", err)
		}
		if after, _ := NDAs(ctx, d, o.ID); len(after) != len(before) {
			t.Fatal("a bad NDA was stored")
		}
	})
}

func TestSIGsAndStaff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
		u := orgtest.NewUser(t, d, "staff@example.jp")
		a, b := orgtest.NewOrg(t, d, "電機A", u), orgtest.NewOrg(t, d, "電機B", u)
		outsider := orgtest.NewOrg(t, d, "非会員", u)
		AddMember(ctx, d, a.ID, "", now)
		AddMember(ctx, d, b.ID, "", now)
		sig, err := CreateSIG(ctx, d, "", SIGInput{Name: "重工業SIG", Description: "重要インフラ機器"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := CreateSIG(ctx, d, "", SIGInput{Name: "重工業SIG"}, now); apperr.From(err).Fields["name"] != "sharing.err.sig_taken" {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := CreateSIG(ctx, d, "", SIGInput{Name: " "}, now); apperr.From(err).Fields["name"] != "sharing.err.sig_name" {
			t.Fatalf("empty name: %v", err)
		}
		SetSIGMember(ctx, d, sig.ID, a.ID, true, now)
		SetSIGMember(ctx, d, sig.ID, a.ID, true, now) // twice: no error, one row
		if err := SetSIGMember(ctx, d, sig.ID, outsider.ID, true, now); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a non-member joined a SIG: %v", err)
		}
		if err := SetSIGMember(ctx, d, "nope", a.ID, true, now); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown SIG: %v", err)
		}
		ms, _ := SIGMembers(ctx, d, sig.ID, now)
		if len(ms) != 1 || ms[0].OrgID != a.ID {
			t.Fatalf("SIG members %+v", ms)
		}
		if s, _ := GetSIG(ctx, d, sig.ID); s.Members != 1 {
			t.Fatal("member count")
		}
		SetSIGMember(ctx, d, sig.ID, a.ID, false, now)
		if s, _ := GetSIG(ctx, d, sig.ID); s.Members != 0 {
			t.Fatal("removal")
		}
		// Staff: named for the member, in the organisation, with the role.
		AddStaff(ctx, d, a.ID, u, now)
		if st, _ := StaffOf(ctx, d, a.ID); len(st) != 0 {
			t.Fatal("an owner without the role counted as staff")
		}
		auth.GrantRole(ctx, d, u, web.RoleShareMember)
		if st, _ := StaffOf(ctx, d, a.ID); len(st) != 1 || st[0].Email != "staff@example.jp" {
			t.Fatalf("staff %+v", st)
		}
		// u belongs to B too (it owns it) but was never named B's staff:
		// it does not act for B.
		v := &web.Viewer{UserID: u, Roles: []string{web.RoleShareMember}, Orgs: []web.Membership{{OrgID: a.ID}, {OrgID: b.ID}, {OrgID: outsider.ID}}}
		got, _ := MembershipsOf(ctx, d, v, now)
		if len(got) != 1 || got[0].OrgID != a.ID {
			t.Fatalf("memberships %+v", got)
		}
		if st, _ := StaffOf(ctx, d, b.ID); len(st) != 0 {
			t.Fatalf("staff of B %+v", st)
		}
		v.Roles = nil
		if got, _ := MembershipsOf(ctx, d, v, now); len(got) != 0 {
			t.Fatal("memberships without the role")
		}
	})
}

func TestBoundary(t *testing.T) {
	hosts, nets, err := ParseBoundary("mx1.member.example.jp\r\n.member.example.jp\n# comment\n192.0.2.0/24\n198.51.100.7\n2001:db8::/32\n")
	if err != nil || len(hosts) != 2 || hosts[1] != "member.example.jp" || len(nets) != 3 || nets[1].String() != "198.51.100.7/32" {
		t.Fatalf("%v %v %v", hosts, nets, err)
	}
	for _, bad := range []string{"not a host", "exa_mple.jp", "localhost", "300.1.1.1/8", strings.Repeat("a.jp\n", 201)} {
		if _, _, err := ParseBoundary(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
		box, _ := masterkey.New(bytes.Repeat([]byte{9}, 32))
		u := orgtest.NewUser(t, d, "reporter@example.jp")
		a, b := orgtest.NewOrg(t, d, "報告A", u), orgtest.NewOrg(t, d, "報告B", u)
		AddMember(ctx, d, a.ID, "", now)
		AddMember(ctx, d, b.ID, "", now)
		in := ReportInput{Summary: "請求書を装ったメール", NoticedAt: "2026-11-26T11:30", Recipients: "12", Actions: "開封なし"}
		r, err := CreateReport(ctx, d, box, a.ID, u, in, []MailFile{{Name: "C:\\mail\\suspicious.eml", Body: []byte(sampleMail)}}, now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Mails[0].Name != "suspicious.eml" || r.NoticedAt.Format(time.RFC3339) != "2026-11-26T02:30:00Z" {
			t.Fatalf("report %+v", r)
		}
		// Stored sealed: the raw bytes are nowhere in the table.
		var sealed []byte
		d.QueryRowContext(ctx, `SELECT sealed FROM share_report_mails`).Scan(&sealed)
		if bytes.Contains(sealed, []byte("yamada@member")) {
			t.Fatal("mail stored in clear")
		}
		m, err := OpenMail(ctx, d, box, r.ID, r.Mails[0].ID)
		if err != nil || string(m.Body) != sampleMail {
			t.Fatalf("open: %v", err)
		}
		other, _ := masterkey.New(bytes.Repeat([]byte{1}, 32))
		if _, err := OpenMail(ctx, d, other, r.ID, r.Mails[0].ID); err == nil {
			t.Fatal("opened with another key")
		}
		// Another member's report is not found; the coordinators' view is.
		if _, err := GetReport(ctx, d, b.ID, r.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another member read the report: %v", err)
		}
		if got, err := GetReport(ctx, d, "", r.ID); err != nil || len(got.Mails) != 1 {
			t.Fatalf("coordinator view: %v", err)
		}
		if l, _ := Reports(ctx, d, ReportFilter{OrgID: b.ID}); len(l) != 0 {
			t.Fatal("another member's list holds the report")
		}
		// Bad input: every problem named, nothing stored.
		_, err = CreateReport(ctx, d, box, a.ID, u, ReportInput{Summary: "", NoticedAt: "2027-01-01", Recipients: "-1"},
			[]MailFile{{Name: "photo.jpg", Body: []byte("\xff\xd8\xff\xe0JFIF")}}, now)
		f := apperr.From(err).Fields
		if f["summary"] != "sharing.err.summary" || f["noticed_at"] != "sharing.err.future" || f["recipients"] != "sharing.err.recipients" || f["mail"] != "sharing.err.mail_format" {
			t.Fatalf("bad report: %v", f)
		}
		if _, err := CreateReport(ctx, d, box, a.ID, u, in, nil, now); apperr.From(err).Fields["mail"] != "sharing.err.mail_missing" {
			t.Fatal("a report without mail was accepted")
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d reports stored", n)
		}
	})
}

// The member list reads NDAs and SIGs for all members at once; each
// member must still get exactly its own.
func TestMembersListFillsEachMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
		u := orgtest.NewUser(t, d, "coord@example.jp")
		names := []string{"A電機", "B重工", "C化学", "D通信"}
		orgs := map[string]string{}
		for _, n := range names {
			o := orgtest.NewOrg(t, d, n, u)
			orgs[n] = o.ID
			if err := AddMember(ctx, d, o.ID, "", now); err != nil {
				t.Fatal(err)
			}
		}
		nda := func(org, from, to string) {
			if _, err := RecordNDA(ctx, d, orgs[org], "", NDAInput{SignedOn: from, ExpiresOn: to, Reference: org}, now); err != nil {
				t.Fatal(err)
			}
		}
		nda("A電機", "2026-04-01", "2027-03-31")
		nda("B重工", "2024-04-01", "2025-03-31") // lapsed
		nda("C化学", "2025-04-01", "2026-03-31") // lapsed, then renewed
		nda("C化学", "2026-04-01", "2028-03-31")
		g1, _ := CreateSIG(ctx, d, "", SIGInput{Name: "重工業SIG"}, now)
		g2, _ := CreateSIG(ctx, d, "", SIGInput{Name: "化学SIG"}, now)
		SetSIGMember(ctx, d, g1.ID, orgs["A電機"], true, now)
		SetSIGMember(ctx, d, g1.ID, orgs["B重工"], true, now)
		SetSIGMember(ctx, d, g2.ID, orgs["A電機"], true, now)
		SetSIGMember(ctx, d, g2.ID, orgs["C化学"], true, now)

		type view struct {
			active      bool
			nda, latest string
			sigs        string
		}
		want := map[string]view{
			"A電機": {true, "2027-03-31", "2027-03-31", "化学SIG,重工業SIG"},
			"B重工": {false, "", "2025-03-31", "重工業SIG"},
			"C化学": {true, "2028-03-31", "2028-03-31", "化学SIG"},
			"D通信": {false, "", "", ""},
		}
		ms, err := Members(ctx, d, now)
		if err != nil || len(ms) != len(names) {
			t.Fatalf("members: %d %v", len(ms), err)
		}
		for _, m := range ms {
			v := view{active: m.Active()}
			if m.NDA != nil {
				v.nda = m.NDA.ExpiresOn
			}
			if m.LatestNDA != nil {
				v.latest = m.LatestNDA.ExpiresOn
			}
			var sigs []string
			for _, g := range m.SIGs {
				sigs = append(sigs, g.Name)
			}
			v.sigs = strings.Join(sigs, ",")
			if v != want[m.Name] {
				t.Errorf("%s: %+v, want %+v", m.Name, v, want[m.Name])
			}
		}
		// The SIG's own list agrees.
		sm, _ := SIGMembers(ctx, d, g2.ID, now)
		if len(sm) != 2 || len(sm[0].SIGs) == 0 || sm[0].Name != "A電機" || len(sm[0].SIGs) != 2 {
			t.Fatalf("SIG members %+v", sm)
		}
	})
}
