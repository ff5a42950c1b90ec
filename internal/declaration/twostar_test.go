package declaration

import (
	"context"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

// withRequirements wires fake-free requirement sources: a diagnosis time
// and a policy URL the test controls, as the app wires selfcheck and policy.
func withRequirements(s *Service, diagnosed *time.Time, policy *string) {
	s.DiagnosedAt = func(ctx context.Context, orgID string) (time.Time, error) {
		if diagnosed.IsZero() {
			return time.Time{}, db.ErrNotFound
		}
		return *diagnosed, nil
	}
	s.PolicyURL = func(ctx context.Context, orgID string) (string, error) {
		if *policy == "" {
			return "", db.ErrNotFound
		}
		return *policy, nil
	}
	s.Window = 365 * 24 * time.Hour
}

func TestTwoStars(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		var diagnosed time.Time
		policy := ""
		withRequirements(s, &diagnosed, &policy)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "二つ星株式会社", owner, member)

		// Nothing yet: refused, and the requirements say what is missing.
		_, err := s.DeclareTwoStars(ctx, nil, o.ID, owner, fullInput("山田"))
		wantKey(t, err, apperr.Conflict, "decl.requirements_missing")
		req, _ := s.Requirements(ctx, o.ID)
		if req.DiagnosisOK || req.PolicyOK || req.Met() {
			t.Fatalf("requirements %+v", req)
		}
		// A diagnosis older than the window does not count.
		diagnosed = time.Now().Add(-400 * 24 * time.Hour)
		policy = "/p/x/policy"
		_, err = s.DeclareTwoStars(ctx, nil, o.ID, owner, fullInput("山田"))
		wantKey(t, err, apperr.Conflict, "decl.requirements_missing")
		// A policy alone is not enough either.
		diagnosed = time.Time{}
		_, err = s.DeclareTwoStars(ctx, nil, o.ID, owner, fullInput("山田"))
		wantKey(t, err, apperr.Conflict, "decl.requirements_missing")
		if n := countRows(t, d, "declarations"); n != 0 {
			t.Fatal("a refused declaration was stored")
		}

		// One star first, then the upgrade keeps the number and the date.
		one, err := s.DeclareOneStar(ctx, nil, o.ID, "", owner, fullInput("山田"))
		if err != nil {
			t.Fatal(err)
		}
		diagnosed = time.Now().Add(-30 * 24 * time.Hour)
		_, err = s.DeclareTwoStars(ctx, nil, o.ID, member, fullInput("鈴木"))
		wantKey(t, err, apperr.Forbidden, "decl.owner_only")
		two, err := s.DeclareTwoStars(ctx, nil, o.ID, owner, fullInput("山田"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := ForOrg(ctx, d, o.ID)
		if two.Number != one.Number || got.Stars != 2 || got.Number != one.Number || !got.DeclaredAt.Equal(one.DeclaredAt) {
			t.Fatalf("upgrade: one %+v got %+v", one, got)
		}
		_, err = s.DeclareTwoStars(ctx, nil, o.ID, owner, fullInput("山田"))
		wantKey(t, err, apperr.Conflict, "decl.already_declared")

		// Withdraw, then declare two stars again under the same number.
		_, err = s.Withdraw(ctx, nil, o.ID, member, "")
		wantKey(t, err, apperr.Forbidden, "decl.owner_only")
		if _, err := s.Withdraw(ctx, nil, o.ID, owner, "事業の見直しのため"); err != nil {
			t.Fatal(err)
		}
		got, _ = ForOrg(ctx, d, o.ID)
		if got.Status != StatusWithdrawn || got.Number != one.Number {
			t.Fatalf("withdrawn %+v", got)
		}
		_, err = s.Withdraw(ctx, nil, o.ID, owner, "")
		wantKey(t, err, apperr.Conflict, "decl.not_active")
		again, err := s.DeclareTwoStars(ctx, nil, o.ID, owner, fullInput("山田"))
		if err != nil || again.Number != one.Number {
			t.Fatalf("re-declare: %v %+v", err, again)
		}

		// A change of name is recorded on the declaration, old name kept.
		if _, err := d.ExecContext(ctx, `UPDATE orgs SET name = ? WHERE id = ?`, "新名称株式会社", o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RefreshName(ctx, nil, o.ID, owner); err != nil {
			t.Fatal(err)
		}
		_, err = s.RefreshName(ctx, nil, o.ID, owner)
		wantKey(t, err, apperr.Conflict, "decl.name_unchanged")
		got, _ = ForOrg(ctx, d, o.ID)
		hist, _ := History(ctx, d, got.ID)
		var kinds []string
		for _, e := range hist {
			kinds = append(kinds, e.Kind)
		}
		want := []string{EventDeclared, EventUpgraded, EventWithdrawn, EventRedeclared, EventChanged}
		if len(kinds) != len(want) {
			t.Fatalf("history %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("history %v, want %v", kinds, want)
			}
		}
		if got.OrgName != "新名称株式会社" || hist[4].DetailText("org_name_before") != "二つ星株式会社" {
			t.Fatalf("name change: %+v %v", got, hist[4].Detail)
		}

		// Two stars straight away for an organisation that never declared.
		o2 := orgtest.NewOrg(t, d, "直接二つ星株式会社", owner)
		direct, err := s.DeclareTwoStars(ctx, nil, o2.ID, owner, fullInput("山田"))
		if err != nil || direct.Stars != 2 || direct.Number == one.Number || !ValidNumber(direct.Number) {
			t.Fatalf("direct: %v %+v", err, direct)
		}
	})
}
