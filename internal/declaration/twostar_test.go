package declaration

import (
	"context"
	"net/http"
	"strconv"
	"strings"
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

// TestTwoStarFormPrefilled: an organisation with one star finds the
// two-star form filled from it (declarant, the five commitments shown as
// made), the readiness items say where it stands, and TwoStarsPath sends
// its owner to the two-star page until two stars stand.
func TestTwoStarFormPrefilled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hh := newHarness(t, d)
		s := hh.s
		diagnosed := time.Now().Add(-24 * time.Hour)
		policy := "/p/x/policy"
		withRequirements(s, &diagnosed, &policy)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "準備中株式会社", owner)
		base := "/orgs/" + o.Slug

		items, err := readiness(ctx, d, o.ID, base, time.Now())
		if err != nil || len(items) != 2 || items[0].Done || items[1].Done || items[0].Stars != 1 || items[1].Stars != 1 {
			t.Fatalf("before declaring: %v %+v", err, items)
		}
		if p, err := s.TwoStarsPath(ctx, o); err != nil || p != base+"/declaration/two-stars" {
			t.Fatalf("path before: %q %v", p, err)
		}
		// Without a declaration nothing is ticked.
		w := hh.Get(base+"/declaration/two-stars", owner)
		expect(t, w, http.StatusOK, `id="two-star-form"`)
		expectNot(t, w, `id="commitments-made"`, `value="1" required checked`)

		one, err := s.DeclareOneStar(ctx, nil, o.ID, "", owner, OneStarInput{Commit: [NumPrinciples]bool{true, true, true, true, true},
			DeclarantName: "山田 花子", DeclarantTitle: "代表取締役社長", Authorised: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"ja", "en"} {
			w := hh.Get(base+"/declaration/two-stars?lang="+lang, owner)
			expect(t, w, http.StatusOK, `id="commitments-made"`, `value="山田 花子"`, `value="代表取締役社長"`)
			body := w.Body.String()
			for i := 1; i <= NumPrinciples; i++ {
				if !strings.Contains(body, `id="commit_`+strconv.Itoa(i)+`" name="commit_`+strconv.Itoa(i)+`" value="1" required checked`) {
					t.Errorf("%s: commitment %d not shown as made", lang, i)
				}
			}
			// The confirmation is given anew.
			expectNot(t, w, `name="authorised" value="1" required checked`)
		}
		items, _ = readiness(ctx, d, o.ID, base, time.Now())
		if !items[0].Done || !items[1].Done || items[1].Note != "decl.readiness.declared_done" || items[1].Args[1] != one.Number {
			t.Fatalf("after one star: %+v", items)
		}
		if _, err := s.DeclareTwoStars(ctx, nil, o.ID, owner, fullInput("山田 花子")); err != nil {
			t.Fatal(err)
		}
		if p, err := s.TwoStarsPath(ctx, o); err != nil || p != "" {
			t.Fatalf("path after two stars: %q %v", p, err)
		}
	})
}
