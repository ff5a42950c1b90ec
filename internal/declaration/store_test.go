package declaration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

func TestDeclareOneStar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		at := time.Date(2025, 6, 2, 1, 2, 3, 456789000, time.UTC)
		s.Now = fixedNow(at)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機株式会社", owner)

		if _, err := ForOrg(ctx, d, o.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("before declaring: %v", err)
		}
		got, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, owner, fullInput("  山田 太郎  "))
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != "10000000017" || !ValidNumber(got.Number) || got.Stars != 1 || got.Status != StatusActive ||
			got.DeclarantName != "山田 太郎" || got.DeclarantTitle != "代表取締役" || got.OrgName != "山田精機株式会社" ||
			got.DeclaredBy != owner || !got.DeclaredAt.Equal(at) || got.Mark() != "★" {
			t.Errorf("declared %+v", got)
		}
		stored, err := ForOrg(ctx, d.Read(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *stored != *got || stored.DeclaredAt.Location() != time.UTC {
			t.Errorf("round trip:\n got %+v\nwant %+v", stored, got)
		}

		// History and audit were written with it.
		hist, err := History(ctx, d.Read(), got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 {
			t.Fatalf("history %+v", hist)
		}
		e := hist[0]
		if e.Kind != EventDeclared || e.Stars != 1 || e.ActorID != owner || e.ActorName != "owner" || !e.At.Equal(at) ||
			e.DetailText("number") != got.Number || e.DetailText("declarant_name") != "山田 太郎" ||
			e.DetailText("principles_version") != PrinciplesVersion() || fmt.Sprint(e.Detail["principles"]) != "[1 2 3 4 5]" {
			t.Errorf("event %+v", e)
		}
		evs, err := audit.List(ctx, d.Read(), audit.Filter{Action: ActionDeclared})
		if err != nil || len(evs) != 1 || evs[0].TargetID != got.ID || evs[0].ActorID != owner || !strings.Contains(evs[0].Detail, got.Number) {
			t.Errorf("audit %+v %v", evs, err)
		}

		// Declaring again while it stands is a conflict that changes nothing.
		_, err = s.DeclareOneStar(ctx, nil, o.ID, o.Name, owner, fullInput("別の人"))
		wantKey(t, err, apperr.Conflict, "decl.already_declared")
		if args := apperr.From(err).Args; len(args) != 1 || args[0] != got.Number {
			t.Errorf("conflict args %v", args)
		}
		if n := countRows(t, d, "declaration_events"); n != 1 {
			t.Errorf("%d events after a refused declaration", n)
		}

		// The next organisation gets the next number.
		o2 := orgtest.NewOrg(t, d, "二社目", owner)
		got2, err := s.DeclareOneStar(ctx, nil, o2.ID, "", owner, fullInput("山田 太郎"))
		if err != nil {
			t.Fatal(err)
		}
		if got2.Number != "10000000025" || got2.OrgName != "二社目" {
			t.Errorf("second %+v", got2)
		}
	})
}

func TestDeclareValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "A社", owner)
		missing3 := fullInput("山田")
		missing3.Commit[2] = false
		noConfirm := fullInput("山田")
		noConfirm.Authorised = false
		cases := []struct {
			name string
			in   OneStarInput
			want map[string]string
		}{
			{"empty", OneStarInput{}, map[string]string{"commit_1": "decl.commit_required", "commit_2": "decl.commit_required",
				"commit_3": "decl.commit_required", "commit_4": "decl.commit_required", "commit_5": "decl.commit_required",
				"declarant_name": "decl.name_required", "authorised": "decl.authorised_required"}},
			{"missing principle 3", missing3, map[string]string{"commit_3": "decl.commit_required"}},
			{"no confirmation", noConfirm, map[string]string{"authorised": "decl.authorised_required"}},
			{"blank name", fullInput(" \u3000 "), map[string]string{"declarant_name": "decl.name_required"}},
			{"1 MB name", fullInput(strings.Repeat("山", 1<<20)), map[string]string{"declarant_name": "decl.name_invalid"}},
			{"control characters", OneStarInput{Commit: fullInput("").Commit, DeclarantName: "a\nb", DeclarantTitle: "x\x00", Authorised: true},
				map[string]string{"declarant_name": "decl.name_invalid", "declarant_title": "decl.title_invalid"}},
			{"long title", OneStarInput{Commit: fullInput("").Commit, DeclarantName: "a", DeclarantTitle: strings.Repeat("x", 101), Authorised: true},
				map[string]string{"declarant_title": "decl.title_invalid"}},
			{"invalid UTF-8", fullInput("\xff\xfe"), map[string]string{"declarant_name": "decl.name_invalid"}},
		}
		for _, c := range cases {
			_, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, owner, c.in)
			e := apperr.From(err)
			if e.Code != apperr.Invalid || fmt.Sprint(e.Fields) != fmt.Sprint(c.want) {
				t.Errorf("%s: got %v %v, want %v", c.name, e.Code, e.Fields, c.want)
			}
		}
		if n := countRows(t, d, "declarations"); n != 0 {
			t.Errorf("%d declarations stored from bad input", n)
		}
		// A 100-character name is fine.
		if _, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, owner, fullInput(strings.Repeat("長", 100))); err != nil {
			t.Error(err)
		}
	})
}

func TestDeclareOnlyByOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		stranger := orgtest.NewUser(t, d, "stranger@example.jp")
		o := orgtest.NewOrg(t, d, "A社", owner, member)
		for _, u := range []string{member, stranger, ""} {
			_, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, u, fullInput("誰か"))
			wantKey(t, err, apperr.Forbidden, "decl.owner_only")
		}
		_, err := s.DeclareOneStar(ctx, nil, "no-such-org", "", owner, fullInput("誰か"))
		wantKey(t, err, apperr.NotFound, "error.not_found")
		if n := countRows(t, d, "declarations"); n != 0 {
			t.Errorf("%d declarations", n)
		}
		// A refused attempt does not use up a number.
		got, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, owner, fullInput("山田"))
		if err != nil || got.Number != "10000000017" {
			t.Fatalf("%+v %v", got, err)
		}
	})
}

// A withdrawn declaration is declared again under the same record and
// number; the history keeps every step.
func TestRedeclareAfterWithdrawal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		t0 := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
		s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		second := orgtest.NewUser(t, d, "second@example.jp")
		o := orgtest.NewOrg(t, d, "A社", owner)
		makeOwner(t, d, o, second)
		first, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, owner, fullInput("山田"))
		if err != nil {
			t.Fatal(err)
		}
		// Withdrawal belongs to a later change; simulate its effect.
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET status = ? WHERE id = ?`, StatusWithdrawn, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := appendEvent(ctx, d, Event{ID: db.NewID(), DeclarationID: first.ID, At: t0.Add(time.Hour), Kind: EventWithdrawn, Stars: 1, ActorID: owner}); err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(48 * time.Hour)
		s.Now = fixedNow(t1)
		again, err := s.DeclareOneStar(ctx, nil, o.ID, "A社（新）", second, fullInput("鈴木"))
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != first.ID || again.Number != first.Number || !again.Active() || again.DeclarantName != "鈴木" ||
			again.DeclaredBy != second || !again.DeclaredAt.Equal(t1) || again.OrgName != "A社（新）" {
			t.Errorf("redeclared %+v", again)
		}
		hist, err := History(ctx, d, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range hist {
			kinds = append(kinds, e.Kind)
		}
		if !slices.Equal(kinds, []string{EventDeclared, EventWithdrawn, EventRedeclared}) {
			t.Errorf("history %v", kinds)
		}
		if evs, _ := audit.List(ctx, d, audit.Filter{Action: ActionRedeclared}); len(evs) != 1 {
			t.Errorf("audit %+v", evs)
		}
		if n := countRows(t, d, "declarations"); n != 1 {
			t.Errorf("%d records", n)
		}
	})
}

func TestForOrgsAndSummary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		var ids []string
		declared := map[string]*Declaration{}
		for i := range 5 {
			o := orgtest.NewOrg(t, d, fmt.Sprintf("会社%d", i), owner)
			ids = append(ids, o.ID)
			if i%2 == 0 {
				got, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, owner, fullInput("山田"))
				if err != nil {
					t.Fatal(err)
				}
				declared[o.ID] = got
			}
		}
		got, err := ForOrgs(ctx, d.Read(), append(ids, "unknown"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(declared) {
			t.Fatalf("ForOrgs: %d, want %d", len(got), len(declared))
		}
		for id, want := range declared {
			if got[id] == nil || *got[id] != *want {
				t.Errorf("%s: %+v, want %+v", id, got[id], want)
			}
		}
		if m, err := ForOrgs(ctx, d, nil); err != nil || len(m) != 0 {
			t.Errorf("empty: %v %v", m, err)
		}
		// More ids than one query takes.
		many := make([]string, 0, 1201)
		for i := range 1200 {
			many = append(many, fmt.Sprintf("x%d", i))
		}
		many = append(many, ids[4])
		if m, err := ForOrgs(ctx, d, many); err != nil || len(m) != 1 || m[ids[4]] == nil {
			t.Errorf("chunked: %d %v", len(m), err)
		}

		sum, err := s.Summary(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		want := declared[ids[0]]
		if got := sum[ids[0]]; got.Stars != 1 || got.Number != want.Number || !got.Active() || !got.Since.Equal(want.DeclaredAt) || got.Mark() != "★" {
			t.Errorf("summary %+v", got)
		}
		if _, ok := sum[ids[1]]; ok {
			t.Error("summary for an organisation that never declared")
		}
		// Withdrawn declarations keep their summary but lose their badge.
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET status = ? WHERE org_id = ?`, StatusWithdrawn, ids[2]); err != nil {
			t.Fatal(err)
		}
		badges, err := s.Badges(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(badges) != 2 || badges[ids[0]].String() != "★ "+want.Number || badges[ids[4]].Number == "" {
			t.Errorf("badges %v", badges)
		}
		if sum, _ := s.Summary(ctx, ids); sum[ids[2]].Status != StatusWithdrawn || sum[ids[2]].Active() {
			t.Errorf("withdrawn summary %+v", sum[ids[2]])
		}
	})
}

// Owners of one organisation declaring at the same moment get exactly one
// declaration; the others get the conflict.
func TestConcurrentDeclarationsOneOrg(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		const n = 6
		owners := make([]string, n)
		for i := range owners {
			owners[i] = orgtest.NewUser(t, d, fmt.Sprintf("owner%d@example.jp", i))
		}
		for round := range 3 {
			o := orgtest.NewOrg(t, d, fmt.Sprintf("競合%d", round), owners[0])
			for _, u := range owners[1:] {
				makeOwner(t, d, o, u)
			}
			start := make(chan struct{})
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i, u := range owners {
				wg.Go(func() {
					<-start
					_, errs[i] = s.DeclareOneStar(ctx, nil, o.ID, o.Name, u, fullInput(fmt.Sprintf("宣言者%d", i)))
				})
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case apperr.From(err).Key == "decl.already_declared":
				default:
					t.Errorf("round %d: unexpected %v", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d successes, want 1 (%v)", round, ok, errs)
			}
			dec, err := ForOrg(ctx, d, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if h, _ := History(ctx, d, dec.ID); len(h) != 1 {
				t.Errorf("round %d: %d events", round, len(h))
			}
		}
		if evs, _ := audit.List(ctx, d, audit.Filter{Action: ActionDeclared}); len(evs) != 3 {
			t.Errorf("audit entries %d", len(evs))
		}
	})
}

// Many organisations declaring at once get distinct, valid, consecutive
// numbers.
func TestConcurrentNumbersUnique(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		const n = 24
		orgs := make([]string, n)
		for i := range orgs {
			orgs[i] = orgtest.NewOrg(t, d, fmt.Sprintf("会社%02d", i), owner).ID
		}
		start := make(chan struct{})
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, id := range orgs {
			wg.Go(func() {
				<-start
				dec, err := s.DeclareOneStar(ctx, nil, id, "", owner, fullInput("山田"))
				errs[i] = err
				if err == nil {
					numbers[i] = dec.Number
				}
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("org %d: %v", i, err)
			}
		}
		slices.Sort(numbers)
		for i, num := range numbers {
			if !ValidNumber(num) {
				t.Errorf("invalid number %q", num)
			}
			if want := formatNumber(int64(1000000001 + i)); num != want {
				t.Errorf("number %d = %s, want %s (numbers %v)", i, num, want, numbers)
			}
		}
	})
}
