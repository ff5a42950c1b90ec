package cloudcheck

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

func TestCreateGetListScoped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		other := orgtest.NewUser(t, d, "other@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		x := orgtest.NewOrg(t, d, "よその会社", other)
		mail := newAsset(t, d, o.ID, "顧客メール")
		drawings := newAsset(t, d, o.ID, "図面")

		c, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "  ストレージA  ", Provider: "A社", Purpose: "図面の共有\r\n取引先と",
			URL: "https://storage.example.jp/login", AssetIDs: []string{drawings, mail, drawings, " "}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Get(ctx, d, o.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "ストレージA" || got.Purpose != "図面の共有\n取引先と" || got.URL != "https://storage.example.jp/login" ||
			got.CompletedAt != nil || got.DeletedAt != nil || !got.CreatedAt.Equal(t0) {
			t.Errorf("stored %+v", got)
		}
		refs, err := AssetsOf(ctx, d, o.ID, c.ID)
		if err != nil || len(refs) != 2 || refs[0].Name != "顧客メール" || refs[1].Name != "図面" {
			t.Errorf("assets %v %+v (ledger order, no repeats)", err, refs)
		}
		if n := countAudit(t, d, ActionCreated); n != 1 {
			t.Errorf("%d creation entries", n)
		}

		// Another organisation sees nothing of it.
		if _, err := Get(ctx, d, x.ID, c.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("other org Get: %v", err)
		}
		if l, _ := List(ctx, d, x.ID, false); len(l) != 0 {
			t.Errorf("other org lists %d", len(l))
		}
		if a, err := AnswersOf(ctx, d, x.ID, c.ID); err != nil || a.Answered() != 0 {
			t.Errorf("other org answers %v", err)
		}
		if refs, _ := AssetsOf(ctx, d, x.ID, c.ID); len(refs) != 0 {
			t.Errorf("other org sees assets %v", refs)
		}
		for name, err := range map[string]error{
			"update":  func() error { _, err := s.Update(ctx, x.ID, c.ID, Input{Name: "x"}); return err }(),
			"delete":  s.Delete(ctx, nil, x.ID, other, c.ID),
			"restore": s.Restore(ctx, nil, x.ID, other, c.ID),
			"answers": func() error { _, err := s.SaveAnswers(ctx, nil, x.ID, other, c.ID, allAnswers(Yes)); return err }(),
		} {
			wantKey(t, err, apperr.NotFound, "error.not_found")
			_ = name
		}
		if got, _ := Get(ctx, d, o.ID, c.ID); got.Name != "ストレージA" || got.DeletedAt != nil || countRows(t, d, "cloud_answers") != 0 {
			t.Error("another organisation changed the service")
		}

		// Listing is by name; deleted services are listed apart.
		c2, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "Aメール"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := List(ctx, d, o.ID, false)
		if err != nil || len(l) != 2 || l[0].ID != c2.ID || l[1].ID != c.ID {
			t.Errorf("list %v %+v", err, l)
		}
		if err := s.Delete(ctx, nil, o.ID, owner, c2.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, nil, o.ID, owner, c2.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("second delete: %v", err)
		}
		if l, _ := List(ctx, d, o.ID, false); len(l) != 1 || l[0].ID != c.ID {
			t.Errorf("standing after delete %+v", l)
		}
		if l, _ := List(ctx, d, o.ID, true); len(l) != 1 || l[0].ID != c2.ID || l[0].DeletedAt == nil {
			t.Errorf("deleted %+v", l)
		}
		if _, err := s.SaveAnswers(ctx, nil, o.ID, owner, c2.ID, allAnswers(Yes)); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("answers on a deleted service: %v", err)
		}
		if _, err := s.Update(ctx, o.ID, c2.ID, Input{Name: "x"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("update of a deleted service: %v", err)
		}
		if err := s.Restore(ctx, nil, o.ID, owner, c2.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(ctx, nil, o.ID, owner, c2.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("second restore: %v", err)
		}
		if countAudit(t, d, ActionDeleted) != 1 || countAudit(t, d, ActionRestored) != 1 {
			t.Error("delete and restore not audited once each")
		}
	})
}

func TestInputValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		other := orgtest.NewUser(t, d, "other@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		x := orgtest.NewOrg(t, d, "よその会社", other)
		mine := newAsset(t, d, o.ID, "顧客台帳")
		gone := newAsset(t, d, o.ID, "古い台帳")
		deleteAsset(t, d, gone)
		theirs := newAsset(t, d, x.ID, "よその資産")

		_, err := s.Create(ctx, nil, o.ID, owner, Input{Name: " ", Provider: strings.Repeat("社", MaxProvider+1),
			Purpose: strings.Repeat("p", MaxPurpose+1), URL: "javascript:alert(1)", AssetIDs: []string{mine, theirs}})
		wantKey(t, err, apperr.Invalid, "error.invalid_input")
		for f, k := range map[string]string{"name": "cloud.err.name_required", "provider": "cloud.err.provider",
			"purpose": "cloud.err.purpose", "url": "cloud.err.url_scheme", "assets": "cloud.err.assets"} {
			wantField(t, err, f, k)
		}
		for _, tc := range []struct {
			in         Input
			field, key string
		}{
			{Input{Name: strings.Repeat("名", MaxName+1)}, "name", "cloud.err.name"},
			{Input{Name: "a\nb"}, "name", "cloud.err.name"},
			{Input{Name: "ok", Purpose: "bell\a"}, "purpose", "cloud.err.purpose"},
			{Input{Name: "ok", URL: "https://example.jp/" + strings.Repeat("a", MaxURL)}, "url", "cloud.err.url_too_long"},
			{Input{Name: "ok", URL: "https://exa mple.jp/"}, "url", "cloud.err.url_invalid"},
			{Input{Name: "ok", URL: "https://user:pw@example.jp/"}, "url", "cloud.err.url_invalid"},
			{Input{Name: "ok", URL: "ftp://example.jp/"}, "url", "cloud.err.url_scheme"},
			{Input{Name: "ok", URL: "/relative"}, "url", "cloud.err.url_scheme"},
			{Input{Name: "ok", AssetIDs: []string{gone}}, "assets", "cloud.err.assets"},
			{Input{Name: "ok", AssetIDs: []string{"no-such-asset"}}, "assets", "cloud.err.assets"},
		} {
			_, err := s.Create(ctx, nil, o.ID, owner, tc.in)
			wantField(t, err, tc.field, tc.key)
		}
		if n := countRows(t, d, "cloud_services") + countRows(t, d, "cloud_service_assets") + countAudit(t, d, ActionCreated); n != 0 {
			t.Fatalf("%d rows stored from refused input", n)
		}

		// An update with bad input changes nothing either.
		c, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "メール", AssetIDs: []string{mine}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Update(ctx, o.ID, c.ID, Input{Name: "", AssetIDs: []string{theirs}})
		wantField(t, err, "name", "cloud.err.name_required")
		wantField(t, err, "assets", "cloud.err.assets")
		if got, _ := Get(ctx, d, o.ID, c.ID); got.Name != "メール" {
			t.Errorf("refused update stored %+v", got)
		}
		if refs, _ := AssetsOf(ctx, d, o.ID, c.ID); len(refs) != 1 || refs[0].ID != mine {
			t.Errorf("refused update relinked %v", refs)
		}
	})
}

// Links to assets deleted from the ledger survive an edit of the service,
// so restoring the asset restores the link.
func TestRelinkKeepsDeletedAssets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		a1, a2, a3 := newAsset(t, d, o.ID, "一"), newAsset(t, d, o.ID, "二"), newAsset(t, d, o.ID, "三")
		c, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "メール", AssetIDs: []string{a1, a2}})
		if err != nil {
			t.Fatal(err)
		}
		deleteAsset(t, d, a2)
		if refs, _ := AssetsOf(ctx, d, o.ID, c.ID); len(refs) != 1 || refs[0].ID != a1 {
			t.Errorf("deleted asset shown: %v", refs)
		}
		if _, err := s.Update(ctx, o.ID, c.ID, Input{Name: "メール", AssetIDs: []string{a3}}); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, d, "cloud_service_assets"); n != 2 {
			t.Errorf("%d links, want a3 and the deleted a2", n)
		}
		if _, err := d.ExecContext(ctx, `UPDATE assets SET deleted_at = NULL WHERE id = ?`, a2); err != nil {
			t.Fatal(err)
		}
		if refs, _ := AssetsOf(ctx, d, o.ID, c.ID); len(refs) != 2 || refs[0].ID != a2 || refs[1].ID != a3 {
			t.Errorf("after restoring the asset: %v", refs)
		}
	})
}

func TestSaveAnswers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		c, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "メール"})
		if err != nil {
			t.Fatal(err)
		}

		// A partial save keeps what is given; the check is not complete.
		var in AnswersInput
		in[0] = AnswerInput{Answer: "yes", Note: "  社内ルールあり\r\n2025年版 "}
		in[4] = AnswerInput{Answer: "no"}
		in[9] = AnswerInput{Note: "事業者に問い合わせ中"}
		complete, err := s.SaveAnswers(ctx, nil, o.ID, member, c.ID, in)
		if err != nil || complete {
			t.Fatalf("partial save: %v %v", complete, err)
		}
		a, err := AnswersOf(ctx, d, o.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a[0].Answer != Yes || a[0].Note != "社内ルールあり\n2025年版" || a[0].UpdatedBy != member || !a[0].UpdatedAt.Equal(t0) ||
			a[4].Answer != No || a[9].Answer != Unanswered || a[9].Note != "事業者に問い合わせ中" || a.Answered() != 2 || a[13].Point != 14 {
			t.Errorf("stored %+v", a)
		}
		if n := countRows(t, d, "cloud_answers"); n != 3 {
			t.Errorf("%d answer rows, want 3 (two answers, one note)", n)
		}
		if got, _ := Get(ctx, d, o.ID, c.ID); got.CompletedAt != nil || countAudit(t, d, ActionCompleted) != 0 {
			t.Error("a partial save completed the check")
		}

		// Bad input stores nothing, and names every bad field.
		bad := allAnswers(Yes)
		bad[2].Answer = "maybe"
		bad[6].Note = strings.Repeat("長", MaxNote+1)
		bad[7].Note = "bell\a"
		_, err = s.SaveAnswers(ctx, nil, o.ID, owner, c.ID, bad)
		wantKey(t, err, apperr.Invalid, "error.invalid_input")
		wantField(t, err, "p3", "cloud.err.answer")
		wantField(t, err, "note7", "cloud.err.note_too_long")
		wantField(t, err, "note8", "cloud.err.note_invalid")
		if a2, _ := AnswersOf(ctx, d, o.ID, c.ID); *a2 != *a {
			t.Error("refused answers changed the stored ones")
		}
		// A note of exactly the limit is fine.
		ok := in
		ok[1].Note = strings.Repeat("長", MaxNote)
		if _, err := s.SaveAnswers(ctx, nil, o.ID, member, c.ID, ok); err != nil {
			t.Fatalf("note at the limit: %v", err)
		}

		// Unchanged points keep their time and author.
		s.Now = fixedNow(t0.Add(time.Hour))
		full := allAnswers(NA, 5)
		full[0] = in[0]
		complete, err = s.SaveAnswers(ctx, nil, o.ID, owner, c.ID, full)
		if err != nil || !complete {
			t.Fatalf("full save: %v %v", complete, err)
		}
		a, _ = AnswersOf(ctx, d, o.ID, c.ID)
		if !a[0].UpdatedAt.Equal(t0) || a[0].UpdatedBy != member || !a[1].UpdatedAt.Equal(t0.Add(time.Hour)) || a[1].UpdatedBy != owner || a[1].Note != "" {
			t.Errorf("times and authors %+v %+v", a[0], a[1])
		}
		got, _ := Get(ctx, d, o.ID, c.ID)
		if got.CompletedAt == nil || !got.CompletedAt.Equal(t0.Add(time.Hour)) || got.CompletedBy != owner {
			t.Errorf("completion %+v", got)
		}
		sum := Summarize(a)
		if sum.Total != (Counts{Yes: 1, No: 1, NA: 12}) || len(sum.Todo) != 1 || sum.Todo[0] != 5 || !sum.Complete() ||
			sum.Groups[0] != (Counts{Yes: 1, NA: 3}) || sum.Groups[1] != (Counts{No: 1, NA: 3}) || sum.Groups[2] != (Counts{NA: 6}) {
			t.Errorf("summary %+v", sum)
		}
		if countAudit(t, d, ActionCompleted) != 1 {
			t.Error("completion not audited")
		}

		// Re-saving a complete check is the re-check: completed_at moves.
		s.Now = fixedNow(t0.AddDate(1, 0, 0))
		if complete, err := s.SaveAnswers(ctx, nil, o.ID, member, c.ID, full); err != nil || !complete {
			t.Fatal(err)
		}
		if got, _ := Get(ctx, d, o.ID, c.ID); !got.CompletedAt.Equal(t0.AddDate(1, 0, 0)) || got.CompletedBy != member {
			t.Errorf("re-check %+v", got)
		}
		// Opening a point again leaves the last completion as it was.
		open := full
		open[13].Answer = ""
		if complete, err := s.SaveAnswers(ctx, nil, o.ID, member, c.ID, open); err != nil || complete {
			t.Fatal(complete, err)
		}
		if got, _ := Get(ctx, d, o.ID, c.ID); !got.CompletedAt.Equal(t0.AddDate(1, 0, 0)) {
			t.Errorf("re-opening moved the completion: %+v", got)
		}
		if a, _ := AnswersOf(ctx, d, o.ID, c.ID); a.Complete() || a.Answered() != 13 {
			t.Errorf("answered %d", a.Answered())
		}
		if countAudit(t, d, ActionCompleted) != 2 {
			t.Error("completions not audited once each")
		}
	})
}

// The yearly rule: due when never completed, or when the last completion
// is more than 365 days before now.
func TestDueRule(t *testing.T) {
	done := t0
	for _, tc := range []struct {
		completed *time.Time
		now       time.Time
		due       bool
	}{
		{nil, t0, true},
		{&done, t0, false},
		{&done, t0.Add(364 * 24 * time.Hour), false},
		{&done, t0.Add(365 * 24 * time.Hour), false},
		{&done, t0.Add(365*24*time.Hour + time.Second), true},
		{&done, t0.AddDate(2, 0, 0), true},
	} {
		c := &CloudService{CompletedAt: tc.completed}
		if got := c.Due(tc.now); got != tc.due {
			t.Errorf("completed %v, now %v: due %v, want %v", tc.completed, tc.now, got, tc.due)
		}
	}
	c := &CloudService{CompletedAt: &done}
	if next := c.NextCheck(); next == nil || !next.Equal(t0.Add(RecheckInterval)) || c.NextCheckText("ja") != "2026年4月1日" || c.NextCheckText("en") != "1 April 2026" {
		t.Errorf("next check %v %q", next, c.NextCheckText("ja"))
	}
	if (&CloudService{}).NextCheck() != nil || (&CloudService{}).NextCheckText("ja") != "" {
		t.Error("a never-completed check has a next date")
	}
	// Days are Japanese calendar days: 16:00 UTC is the next morning in Japan.
	late := time.Date(2025, 3, 31, 16, 0, 0, 0, time.UTC)
	if got := (&CloudService{CompletedAt: &late}).CompletedText("ja"); got != "2025年4月1日" {
		t.Errorf("JST day %q", got)
	}
}

func TestStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		x := orgtest.NewOrg(t, d, "よその会社", owner)
		status := func(now time.Time) Summary {
			t.Helper()
			st, err := Status(ctx, d.Read(), o.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}

		if st := status(t0); st != (Summary{}) {
			t.Errorf("empty %+v", st)
		}
		// "We use no cloud services" counts as done.
		if err := s.SetNoCloud(ctx, nil, o.ID, owner, true); err != nil {
			t.Fatal(err)
		}
		if err := s.SetNoCloud(ctx, nil, o.ID, owner, true); err != nil {
			t.Fatal(err)
		}
		if st := status(t0); st != (Summary{NoCloud: true, Done: true}) {
			t.Errorf("no cloud %+v", st)
		}
		if countAudit(t, d, ActionNoCloudRecorded) != 1 {
			t.Error("repeated statement audited twice")
		}
		if since, err := NoCloudSince(ctx, d, o.ID); err != nil || !since.Equal(t0) {
			t.Errorf("since %v %v", since, err)
		}

		// Listing a service takes the statement back.
		c1, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "メール"})
		if err != nil {
			t.Fatal(err)
		}
		if st := status(t0); st != (Summary{Services: 1, Due: 1}) {
			t.Errorf("one new service %+v", st)
		}
		if _, err := NoCloudSince(ctx, d, o.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("statement kept: %v", err)
		}
		if countAudit(t, d, ActionNoCloudCleared) != 1 {
			t.Error("statement withdrawal not audited")
		}
		// With a service listed, the statement is refused.
		wantKey(t, s.SetNoCloud(ctx, nil, o.ID, owner, true), apperr.Conflict, "cloud.err.none_has_services")

		if _, err := s.SaveAnswers(ctx, nil, o.ID, owner, c1.ID, allAnswers(Yes, 3)); err != nil {
			t.Fatal(err)
		}
		// Point 3 answered "no" is a thing left to do, even on a finished check.
		if st := status(t0); st != (Summary{Services: 1, FullyAnswered: 1, Todo: 1, Done: true}) {
			t.Errorf("one complete %+v", st)
		}
		// A year and a day later the re-check is due: not done.
		if st := status(t0.Add(366 * 24 * time.Hour)); st != (Summary{Services: 1, FullyAnswered: 1, Due: 1, Todo: 1}) {
			t.Errorf("a year later %+v", st)
		}
		if st := status(t0.Add(365 * 24 * time.Hour)); !st.Done {
			t.Errorf("exactly 365 days later %+v", st)
		}

		// A second, partly answered service.
		c2, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "会計"})
		if err != nil {
			t.Fatal(err)
		}
		partial := allAnswers(Yes)
		partial[13].Answer = ""
		if _, err := s.SaveAnswers(ctx, nil, o.ID, owner, c2.ID, partial); err != nil {
			t.Fatal(err)
		}
		if st := status(t0); st != (Summary{Services: 2, FullyAnswered: 1, Due: 1, Todo: 1}) {
			t.Errorf("one partial %+v", st)
		}
		// Deleted services do not count.
		if err := s.Delete(ctx, nil, o.ID, owner, c2.ID); err != nil {
			t.Fatal(err)
		}
		if st := status(t0); st != (Summary{Services: 1, FullyAnswered: 1, Todo: 1, Done: true}) {
			t.Errorf("after delete %+v", st)
		}
		// Deleting every service does not bring the statement back.
		if err := s.Delete(ctx, nil, o.ID, owner, c1.ID); err != nil {
			t.Fatal(err)
		}
		if st := status(t0); st != (Summary{}) {
			t.Errorf("all deleted %+v", st)
		}
		if err := s.SetNoCloud(ctx, nil, o.ID, owner, true); err != nil {
			t.Fatal(err)
		}
		// Restoring a service takes the statement back too.
		if err := s.Restore(ctx, nil, o.ID, owner, c1.ID); err != nil {
			t.Fatal(err)
		}
		if st := status(t0); st != (Summary{Services: 1, FullyAnswered: 1, Todo: 1, Done: true}) {
			t.Errorf("after restore %+v", st)
		}
		if err := s.SetNoCloud(ctx, nil, o.ID, owner, false); err != nil {
			t.Fatal(err)
		}

		// The other organisation is untouched throughout.
		if st, err := Status(ctx, d, x.ID, t0); err != nil || st != (Summary{}) {
			t.Errorf("other org %+v %v", st, err)
		}
	})
}

// done is the rule the dashboard relies on.
func TestDoneRule(t *testing.T) {
	for _, tc := range []struct {
		s    Summary
		done bool
	}{
		{Summary{}, false},
		{Summary{NoCloud: true}, true},
		{Summary{Services: 1, Due: 1}, false},
		{Summary{Services: 2, FullyAnswered: 2}, true},
		{Summary{Services: 2, FullyAnswered: 1}, false},
		{Summary{Services: 2, FullyAnswered: 2, Due: 1}, false},
		{Summary{Services: 1, NoCloud: true}, false},
		{Summary{Services: 1, FullyAnswered: 1, NoCloud: true}, true},
	} {
		if got := done(tc.s); got != tc.done {
			t.Errorf("%+v: done %v, want %v", tc.s, got, tc.done)
		}
	}
}

func TestServicesForAssets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		other := orgtest.NewUser(t, d, "other@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		x := orgtest.NewOrg(t, d, "よその会社", other)
		customers, drawings, payroll := newAsset(t, d, o.ID, "顧客"), newAsset(t, d, o.ID, "図面"), newAsset(t, d, o.ID, "給与")
		theirs := newAsset(t, d, x.ID, "よその資産")

		if m, err := ServicesForAssets(ctx, d, o.ID); err != nil || len(m) != 0 {
			t.Fatalf("empty %v %v", m, err)
		}
		mail, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "メール", AssetIDs: []string{customers}})
		if err != nil {
			t.Fatal(err)
		}
		storage, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "ストレージ", AssetIDs: []string{customers, drawings}})
		if err != nil {
			t.Fatal(err)
		}
		gone, err := s.Create(ctx, nil, o.ID, owner, Input{Name: "やめたサービス", AssetIDs: []string{payroll}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, nil, o.ID, owner, gone.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, nil, x.ID, other, Input{Name: "よそのメール", AssetIDs: []string{theirs}}); err != nil {
			t.Fatal(err)
		}

		m, err := ServicesForAssets(ctx, d.Read(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]ServiceRef{
			customers: {{ID: storage.ID, Name: "ストレージ", URL: "/orgs/" + o.Slug + "/cloud/" + storage.ID}, {ID: mail.ID, Name: "メール", URL: "/orgs/" + o.Slug + "/cloud/" + mail.ID}},
			drawings:  {{ID: storage.ID, Name: "ストレージ", URL: "/orgs/" + o.Slug + "/cloud/" + storage.ID}},
		}
		if len(m) != len(want) {
			t.Fatalf("got %v", m)
		}
		for id, refs := range want {
			if len(m[id]) != len(refs) {
				t.Errorf("%s: %v", id, m[id])
				continue
			}
			for i := range refs {
				if m[id][i] != refs[i] {
					t.Errorf("%s[%d]: %+v, want %+v", id, i, m[id][i], refs[i])
				}
			}
		}
		if _, ok := m[payroll]; ok {
			t.Error("a deleted service is linked")
		}
		mx, err := ServicesForAssets(ctx, d, x.ID)
		if err != nil || len(mx) != 1 || len(mx[theirs]) != 1 || mx[customers] != nil {
			t.Errorf("other org %v %v", mx, err)
		}
	})
}
