package controls

import (
	"context"
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

func wantField(t testing.TB, err error, field, key string) {
	t.Helper()
	if got := apperr.From(err).Fields[field]; got != key {
		t.Fatalf("field %s: want %q, got %q (%v)", field, key, got, err)
	}
}

func countRows(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSaveAndRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		s := &Service{DB: d, Now: func() time.Time { return t0 }}
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		other := orgtest.NewOrg(t, d, "他社", orgtest.NewUser(t, d, "x@example.jp"))

		if a, n, err := Status(ctx, d, o.ID); err != nil || a != 0 || n != len(AllControls()) {
			t.Fatalf("status before: %d/%d %v", a, n, err)
		}
		v, err := Vulnerabilities(ctx, d, o.ID)
		if err != nil || len(v) != len(Media)+1 || v[MediumPaper].Value != 0 || v[NoMedium].Basis != BasisNone {
			t.Fatalf("vulnerabilities before: %+v %v", v, err)
		}

		n, err := s.Save(ctx, nil, o.ID, member, []Input{
			{Key: "equipment.4", Answer: NotInPlace, Note: "  来月\r\n導入予定  "},
			{Key: "physical.3", Answer: InPlace},
			{Key: "org.1", Answer: NotApplicable},
			{Key: "org.2", Note: "確認中"},
			{Key: "org.3"},
		})
		if err != nil || n != 4 {
			t.Fatalf("save: %d %v", n, err)
		}
		recs, err := AnswersFor(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r := recs["equipment.4"]; r.Answer != NotInPlace || r.Note != "来月\n導入予定" || !r.UpdatedAt.Equal(t0) || r.UpdatedBy != member {
			t.Errorf("equipment.4 stored %+v", r)
		}
		if r := recs["org.2"]; r.Answer != "" || r.Note != "確認中" {
			t.Errorf("org.2 stored %+v", r)
		}
		if _, ok := recs["org.3"]; ok || len(recs) != 4 {
			t.Errorf("stored %d rows: %+v", len(recs), recs)
		}
		// The note-only control does not count as answered.
		if a, _, _ := Status(ctx, d, o.ID); a != 3 {
			t.Errorf("answered %d, want 3", a)
		}
		v, _ = Vulnerabilities(ctx, d, o.ID)
		if v[MediumMobile].Value != 3 || v[MediumServer].Value != 1 || v[MediumPaper].Value != 0 || v[NoMedium].Value != 2 {
			t.Errorf("vulnerabilities %+v", v)
		}
		// The other organisation sees nothing of it.
		if a, _, _ := Status(ctx, d, other.ID); a != 0 {
			t.Errorf("other org answered %d", a)
		}

		// A second save by the owner: unchanged inputs keep who changed
		// them last; an empty input clears the row.
		t1 := t0.Add(time.Hour)
		s.Now = func() time.Time { return t1 }
		n, err = s.Save(ctx, nil, o.ID, owner, []Input{
			{Key: "equipment.4", Answer: NotInPlace, Note: "来月\n導入予定"},
			{Key: "physical.3", Answer: Partial},
			{Key: "org.2"},
		})
		if err != nil || n != 2 {
			t.Fatalf("second save: %d %v", n, err)
		}
		recs, _ = AnswersFor(ctx, d, o.ID)
		if r := recs["equipment.4"]; !r.UpdatedAt.Equal(t0) || r.UpdatedBy != member {
			t.Errorf("unchanged answer rewritten: %+v", r)
		}
		if r := recs["physical.3"]; r.Answer != Partial || !r.UpdatedAt.Equal(t1) || r.UpdatedBy != owner {
			t.Errorf("physical.3 %+v", r)
		}
		if _, ok := recs["org.2"]; ok {
			t.Error("cleared note kept")
		}
		if _, ok := recs["org.1"]; !ok {
			t.Error("control left out of the input was removed")
		}

		evs, err := audit.List(ctx, d, audit.Filter{Action: ActionSaved})
		if err != nil || len(evs) != 2 {
			t.Fatalf("audit: %d %v", len(evs), err)
		}
		if evs[0].ActorID != owner || evs[0].TargetID != o.ID || !strings.Contains(evs[0].Detail, "physical.3") {
			t.Errorf("audit entry %+v", evs[0])
		}
	})
}

func TestSaveRejects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Service{DB: d}
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		outsider := orgtest.NewUser(t, d, "outsider@example.jp")
		if _, err := s.Save(ctx, nil, o.ID, owner, []Input{{Key: "org.1", Answer: InPlace}}); err != nil {
			t.Fatal(err)
		}
		rows, audits := countRows(t, d, "control_answers"), countRows(t, d, "audit_log")

		_, err := s.Save(ctx, nil, o.ID, owner, []Input{
			{Key: "org.1", Answer: NotInPlace},
			{Key: "org.2", Answer: "yes"},
			{Key: "org.3", Answer: InPlace, Note: strings.Repeat("あ", MaxNoteChars+1)},
			{Key: "org.4", Answer: InPlace, Note: "bell\a"},
			{Key: "people.1", Answer: InPlace, Note: "bad\xff"},
		})
		if e := apperr.From(err); e.Code != apperr.Invalid || e.Key != "error.invalid_input" {
			t.Fatalf("got %v", err)
		}
		wantField(t, err, "answer.org.2", "controls.err.answer_invalid")
		wantField(t, err, "note.org.3", "controls.err.note_too_long")
		wantField(t, err, "note.org.4", "controls.err.note_invalid")
		wantField(t, err, "note.people.1", "controls.err.note_invalid")
		// Exactly the limit is fine.
		if _, err := cleanInputs([]Input{{Key: "org.3", Note: strings.Repeat("あ", MaxNoteChars)}}); err != nil {
			t.Errorf("note of %d chars refused: %v", MaxNoteChars, err)
		}

		_, err = s.Save(ctx, nil, o.ID, owner, []Input{{Key: "org.1", Answer: NotInPlace}, {Key: "org.999", Answer: InPlace}})
		if e := apperr.From(err); e.Code != apperr.Invalid || e.Key != "controls.err.unknown_control" {
			t.Fatalf("unknown key: %v", err)
		}
		_, err = s.Save(ctx, nil, o.ID, owner, []Input{{Key: "org.1", Answer: NotInPlace}, {Key: "org.1", Answer: InPlace}})
		wantField(t, err, "answer.org.1", "controls.err.repeated")

		// A non-member, or an organisation that does not exist: not found.
		_, err = s.Save(ctx, nil, o.ID, outsider, []Input{{Key: "org.1", Answer: NotInPlace}})
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("outsider: %v", err)
		}
		_, err = s.Save(ctx, nil, "no-such-org", owner, []Input{{Key: "org.1", Answer: NotInPlace}})
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("no org: %v", err)
		}

		if r, a := countRows(t, d, "control_answers"), countRows(t, d, "audit_log"); r != rows || a != audits {
			t.Errorf("rejected saves wrote: rows %d→%d, audit %d→%d", rows, r, audits, a)
		}
		recs, _ := AnswersFor(ctx, d, o.ID)
		if recs["org.1"].Answer != InPlace {
			t.Errorf("org.1 changed to %q", recs["org.1"].Answer)
		}
	})
}

// Rows of controls no longer in the content are ignored, never shown or
// counted.
func TestAnswersForSkipsRetiredControls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		if err := putAnswer(ctx, d, o.ID, Record{ControlKey: "old.1", Answer: NotInPlace, UpdatedAt: db.Now()}); err != nil {
			t.Fatal(err)
		}
		if a, _, err := Status(ctx, d, o.ID); err != nil || a != 0 {
			t.Errorf("status %d %v", a, err)
		}
	})
}
