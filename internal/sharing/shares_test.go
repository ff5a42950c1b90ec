package sharing

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
	"mamori/internal/secretbox"
)

func TestShareLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
		box, _ := secretbox.New(bytes.Repeat([]byte{9}, 32))
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
		sh, err := StartShare(ctx, d, rep.ID, u, `{"subject":"invoice"}`, `[]`, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := StartShare(ctx, d, rep.ID, u, "", "", now); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second start: %v", err)
		}
		// Incomplete: no title, AMBER without SIGs.
		if err := RequestApproval(ctx, d, sh.ID, now); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("incomplete share sent for approval: %v", err)
		}
		bad := ShareInput{Title: "t", TLP: "purple", Lure: "fax", AttachmentTypes: "zip, ../etc", SIGIDs: []string{"nope"}}
		f := apperr.As(UpdateShare(ctx, d, sh.ID, bad, now)).Fields
		if f["tlp"] != "sharing.err.tlp" || f["lure"] != "sharing.err.lure" || f["attachment_types"] != "sharing.err.attachment_types" || f["sig"] != "sharing.err.sig_unknown" {
			t.Fatalf("bad share input: %v", f)
		}
		in := ShareInput{Title: "請求書を装うばらまき型", Analysis: "ZIP 内に JS", TLP: "amber", Lure: "attachment", AttachmentTypes: ".ZIP、js zip", SIGIDs: []string{sig.ID}, Targeted: true}
		if err := UpdateShare(ctx, d, sh.ID, in, now); err != nil {
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
		if err := Answer(ctx, d, orgs["insig"], rep.ID, u, true, "", now); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another member answered: %v", err)
		}
		if err := Answer(ctx, d, orgs["reporter"], rep.ID, u, false, "", now); apperr.As(err).Fields["note"] != "sharing.err.change_note" {
			t.Fatal("changes without a note")
		}
		Answer(ctx, d, orgs["reporter"], rep.ID, u, false, "社名が本文に残っています", now)
		if r, _ := GetReport(ctx, d, "", rep.ID); r.Status != StatusChanges {
			t.Fatal("status after asking for changes")
		}
		if err := Answer(ctx, d, orgs["reporter"], rep.ID, u, true, "", now); !apperr.Is(err, apperr.Conflict) {
			t.Fatal("approved while changes were being made")
		}
		UpdateShare(ctx, d, sh.ID, in, now)
		RequestApproval(ctx, d, sh.ID, now)
		if err := Answer(ctx, d, orgs["reporter"], rep.ID, u, true, "", now); err != nil {
			t.Fatal(err)
		}
		if _, err := Release(ctx, d, sh.ID, u, now); err != nil {
			t.Fatal(err)
		}
		if err := UpdateShare(ctx, d, sh.ID, in, now); !apperr.Is(err, apperr.Conflict) {
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
