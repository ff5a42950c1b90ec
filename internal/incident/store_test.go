package incident

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

func TestCardStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		t0 := time.Date(2025, 4, 1, 1, 2, 3, 456789000, time.UTC)
		s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		other := orgtest.NewOrg(t, d, "よその会社", outsider)

		if _, err := CardFor(ctx, d, o.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("card before the first save: %v", err)
		}
		c := doneCard()
		sc, err := s.SaveCard(ctx, nil, o.ID, member, &c, 0)
		if err != nil || sc.Revision != 1 {
			t.Fatalf("first save: %v %+v", err, sc)
		}
		got, err := CardFor(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Card, c) || got.Revision != 1 || !got.UpdatedAt.Equal(t0) || got.UpdatedBy != member || got.UpdaterName != "member" {
			t.Errorf("stored %+v", got)
		}
		// A second first save, or a save from an old revision, loses.
		for _, base := range []int{0, 2, 7} {
			_, err := s.SaveCard(ctx, nil, o.ID, owner, &c, base)
			if !apperr.Is(err, apperr.Conflict) || apperr.From(err).Key != "incident.edit_conflict" {
				t.Errorf("save from revision %d: %v", base, err)
			}
		}
		c.Notes = "二度目"
		s.Now = fixedNow(t0.Add(time.Hour))
		if sc, err = s.SaveCard(ctx, nil, o.ID, owner, &c, 1); err != nil || sc.Revision != 2 {
			t.Fatalf("second save: %v %+v", err, sc)
		}
		if got, _ := CardFor(ctx, d, o.ID); got.Card.Notes != "二度目" || got.Revision != 2 || got.UpdatedBy != owner {
			t.Errorf("after second save %+v", got)
		}
		// Someone outside the organisation cannot save it, and the other
		// organisation's card is untouched.
		if _, err := s.SaveCard(ctx, nil, o.ID, outsider, &c, 2); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("outsider saved: %v", err)
		}
		if _, err := CardFor(ctx, d, other.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("other organisation has a card: %v", err)
		}
		if n := countAudit(t, d, ActionCardSaved); n != 2 {
			t.Errorf("%d card audit entries, want 2", n)
		}
	})
}

func TestStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)

		// Never saved: the defaults do not count yet.
		st, err := Status(ctx, d, o.ID)
		if err != nil || st.Saved || st.Done || !reflect.DeepEqual(st.Missing, []string{ReqSaved, ReqInternalPhone}) || st.OpenIncidents != 0 {
			t.Fatalf("before any save: %v %+v", err, st)
		}
		// Saved defaults without a phone: not done.
		def := DefaultCard("ja", o)
		if _, err := s.SaveCard(ctx, nil, o.ID, owner, &def, 0); err != nil {
			t.Fatal(err)
		}
		st, _ = Status(ctx, d, o.ID)
		if !st.Saved || st.Done || !reflect.DeepEqual(st.Missing, []string{ReqInternalPhone}) || st.UpdatedAt.IsZero() {
			t.Errorf("defaults saved: %+v", st)
		}
		// With a phone: done, the defaults' steps counting once saved.
		c := doneCard()
		if _, err := s.SaveCard(ctx, nil, o.ID, owner, &c, 1); err != nil {
			t.Fatal(err)
		}
		if st, _ = Status(ctx, d, o.ID); !st.Done || len(st.Missing) != 0 {
			t.Errorf("done card: %+v", st)
		}
		// Emptying a situation undoes it.
		c.Steps[3] = nil
		if _, err := s.SaveCard(ctx, nil, o.ID, owner, &c, 2); err != nil {
			t.Fatal(err)
		}
		if st, _ = Status(ctx, d, o.ID); st.Done || !reflect.DeepEqual(st.Missing, []string{ReqSteps + "ransomware"}) {
			t.Errorf("ransomware emptied: %+v", st)
		}
		// Open incidents are counted; closed ones are not.
		now := time.Now()
		for _, title := range []string{"一件目", "二件目", "三件目"} {
			if _, err := s.CreateIncident(ctx, nil, o.ID, owner, EntryInput{Title: title, FoundAt: localInput(now.Add(-time.Hour))}); err != nil {
				t.Fatal(err)
			}
		}
		list, _ := Incidents(ctx, d, o.ID, ListLimit)
		if err := s.CloseIncident(ctx, nil, o.ID, list[0].ID, owner, ""); err != nil {
			t.Fatal(err)
		}
		if st, _ = Status(ctx, d, o.ID); st.OpenIncidents != 2 {
			t.Errorf("open incidents %d, want 2", st.OpenIncidents)
		}
		// An unknown organisation simply has nothing.
		if st, err := Status(ctx, d, "no-such-org"); err != nil || st.Saved || st.OpenIncidents != 0 {
			t.Errorf("unknown organisation: %v %+v", err, st)
		}
	})
}

func TestIncidentStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		t0 := time.Date(2025, 6, 10, 3, 0, 0, 0, time.UTC)
		s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		other := orgtest.NewOrg(t, d, "よその会社", outsider)

		in := EntryInput{Title: "  ウイルス警告  ", Description: "経理の PC\r\nに警告", FoundAt: "2025-06-10T09:15", Impact: "PC 1台", Actions: "LAN を抜いた"}
		i, err := s.CreateIncident(ctx, nil, o.ID, member, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := IncidentByID(ctx, d, o.ID, i.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "ウイルス警告" || got.Description != "経理の PC\nに警告" || !got.FoundAt.Equal(time.Date(2025, 6, 10, 0, 15, 0, 0, time.UTC)) ||
			!got.Open() || got.Revision != 1 || got.CreatedBy != member || got.CreatorName != "member" || !got.CreatedAt.Equal(t0) {
			t.Errorf("stored %+v", got)
		}
		// Scoped by organisation: the other organisation cannot see it.
		if _, err := IncidentByID(ctx, d, other.ID, i.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("seen from the other organisation: %v", err)
		}
		for _, id := range []string{"", "x' OR '1'='1", "zz", i.ID + "0"} {
			if _, err := IncidentByID(ctx, d, o.ID, id); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("id %q: %v", id, err)
			}
		}
		if _, err := s.CreateIncident(ctx, nil, o.ID, outsider, in); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("outsider created: %v", err)
		}
		if err := s.UpdateIncident(ctx, nil, other.ID, i.ID, outsider, in, 1); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("update through the other organisation: %v", err)
		}
		if err := s.CloseIncident(ctx, nil, other.ID, i.ID, outsider, ""); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("close through the other organisation: %v", err)
		}

		// Update: revision checked, status untouched.
		in.Actions = "LAN を抜き、業者に連絡した"
		if err := s.UpdateIncident(ctx, nil, o.ID, i.ID, owner, in, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateIncident(ctx, nil, o.ID, i.ID, member, in, 1); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale update: %v", err)
		}
		got, _ = IncidentByID(ctx, d, o.ID, i.ID)
		if got.Actions != in.Actions || got.Revision != 2 || got.UpdatedBy != owner || !got.Open() {
			t.Errorf("updated %+v", got)
		}

		// Close and reopen; doing either twice changes nothing.
		if err := s.CloseIncident(ctx, nil, o.ID, i.ID, member, "2025-06-10T11:00"); err != nil {
			t.Fatal(err)
		}
		got, _ = IncidentByID(ctx, d, o.ID, i.ID)
		if got.Open() || !got.ClosedAt.Equal(time.Date(2025, 6, 10, 2, 0, 0, 0, time.UTC)) {
			t.Errorf("closed %+v", got)
		}
		if err := s.CloseIncident(ctx, nil, o.ID, i.ID, member, ""); err != nil {
			t.Fatal(err)
		}
		if again, _ := IncidentByID(ctx, d, o.ID, i.ID); !again.ClosedAt.Equal(*got.ClosedAt) {
			t.Errorf("closing twice moved the date to %v", again.ClosedAt)
		}
		// A closed incident cannot be moved to a time found after closing.
		late := in
		late.FoundAt = "2025-06-10T12:00"
		wantField(t, s.UpdateIncident(ctx, nil, o.ID, i.ID, owner, late, 2), "found_at", "incident.found_after_closed")
		if again, _ := IncidentByID(ctx, d, o.ID, i.ID); again.Revision != 2 || !again.FoundAt.Before(*again.ClosedAt) {
			t.Errorf("found after closed: %+v", again)
		}
		for _, bad := range []struct{ at, key string }{{"2025-06-09T23:00", "incident.closed_before_found"}, {"2025-06-11T09:00", "incident.date_future"}, {"昨日", "incident.date_invalid"}} {
			if err := s.ReopenIncident(ctx, nil, o.ID, i.ID, owner); err != nil {
				t.Fatal(err)
			}
			err := s.CloseIncident(ctx, nil, o.ID, i.ID, owner, bad.at)
			wantField(t, err, "closed_at", bad.key)
			if again, _ := IncidentByID(ctx, d, o.ID, i.ID); !again.Open() {
				t.Errorf("closed at %q anyway", bad.at)
			}
		}
		if err := s.ReopenIncident(ctx, nil, o.ID, i.ID, owner); err != nil {
			t.Fatal(err)
		}
		for action, want := range map[string]int{ActionCreated: 1, ActionUpdated: 1, ActionClosed: 1, ActionReopened: 1} {
			if n := countAudit(t, d, action); n != want {
				t.Errorf("%s: %d audit entries, want %d", action, n, want)
			}
		}
	})
}

// The log lists open incidents first, each group newest first.
func TestIncidentOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		other := orgtest.NewOrg(t, d, "よその会社", owner)
		ids := map[string]string{}
		for _, e := range []struct{ title, found string }{
			{"old-open", "2024-01-01T09:00"}, {"new-closed", "2025-03-01T09:00"}, {"new-open", "2025-02-01T09:00"},
			{"old-closed", "2024-06-01T09:00"}, {"mid-open", "2024-12-01T09:00"},
		} {
			i, err := s.CreateIncident(ctx, nil, o.ID, owner, EntryInput{Title: e.title, FoundAt: e.found})
			if err != nil {
				t.Fatal(err)
			}
			ids[e.title] = i.ID
		}
		if _, err := s.CreateIncident(ctx, nil, other.ID, owner, EntryInput{Title: "elsewhere", FoundAt: "2025-05-01T09:00"}); err != nil {
			t.Fatal(err)
		}
		for _, title := range []string{"new-closed", "old-closed"} {
			if err := s.CloseIncident(ctx, nil, o.ID, ids[title], owner, ""); err != nil {
				t.Fatal(err)
			}
		}
		list, err := Incidents(ctx, d, o.ID, ListLimit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, i := range list {
			got = append(got, i.Title)
		}
		if want := []string{"new-open", "mid-open", "old-open", "new-closed", "old-closed"}; !reflect.DeepEqual(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
		if list, _ := Incidents(ctx, d, o.ID, 2); len(list) != 2 {
			t.Errorf("limit: %d", len(list))
		}
		if n, _ := CountIncidents(ctx, d, o.ID); n != 5 {
			t.Errorf("count %d", n)
		}
		if n, _ := CountOpen(ctx, d, o.ID); n != 3 {
			t.Errorf("open %d", n)
		}
	})
}

func TestEntryValidation(t *testing.T) {
	now := time.Date(2025, 6, 10, 3, 0, 0, 0, time.UTC) // 12:00 JST
	cases := []struct {
		in    EntryInput
		field string
		key   string
	}{
		{EntryInput{FoundAt: "2025-06-10T09:00"}, "title", "incident.title_required"},
		{EntryInput{Title: "  ", FoundAt: "2025-06-10T09:00"}, "title", "incident.title_required"},
		{EntryInput{Title: "件名\n改行", FoundAt: "2025-06-10T09:00"}, "title", "incident.title_invalid"},
		{EntryInput{Title: string(make([]byte, maxTitle+1)), FoundAt: "2025-06-10T09:00"}, "title", "incident.title_invalid"},
		{EntryInput{Title: "件名"}, "found_at", "incident.found_at_required"},
		{EntryInput{Title: "件名", FoundAt: "2025-02-30T09:00"}, "found_at", "incident.date_invalid"},
		{EntryInput{Title: "件名", FoundAt: "1999-12-31T23:00"}, "found_at", "incident.date_invalid"},
		{EntryInput{Title: "件名", FoundAt: "2025-06-10T12:11"}, "found_at", "incident.date_future"},
		{EntryInput{Title: "件名", FoundAt: "2025-06-10T09:00", Description: "\x1b[31m"}, "description", "incident.text_invalid"},
		{EntryInput{Title: "件名", FoundAt: "2025-06-10T09:00", Impact: string(make([]rune, 0)) + stringOf('影', maxImpact+1)}, "impact", "incident.text_too_long"},
		{EntryInput{Title: "件名", FoundAt: "2025-06-10T09:00", Actions: stringOf('対', maxActions+1)}, "actions", "incident.text_too_long"},
	}
	for _, tc := range cases {
		_, err := tc.in.normalize(now)
		wantField(t, err, tc.field, tc.key)
	}
	// A few minutes ahead of the clock is fine.
	if _, err := (EntryInput{Title: "件名", FoundAt: "2025-06-10T12:09"}).normalize(now); err != nil {
		t.Errorf("slack: %v", err)
	}
}

func stringOf(r rune, n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = r
	}
	return string(b)
}
