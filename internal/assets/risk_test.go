package assets

import (
	"slices"
	"testing"
)

// The importance rule, for every combination of ratings and personal-data
// kind, against a table written out by hand.
func TestImportance(t *testing.T) {
	// want[c][i][a] for data without personal information is max(c, i, a);
	// written out rather than computed, so the test does not repeat the
	// code.
	maxCIA := map[[3]Rating]Rating{}
	for _, row := range []struct {
		c, i, a, want Rating
	}{
		{1, 1, 1, 1}, {1, 1, 2, 2}, {1, 1, 3, 3}, {1, 2, 1, 2}, {1, 2, 2, 2}, {1, 2, 3, 3}, {1, 3, 1, 3}, {1, 3, 2, 3}, {1, 3, 3, 3},
		{2, 1, 1, 2}, {2, 1, 2, 2}, {2, 1, 3, 3}, {2, 2, 1, 2}, {2, 2, 2, 2}, {2, 2, 3, 3}, {2, 3, 1, 3}, {2, 3, 2, 3}, {2, 3, 3, 3},
		{3, 1, 1, 3}, {3, 1, 2, 3}, {3, 1, 3, 3}, {3, 2, 1, 3}, {3, 2, 2, 3}, {3, 2, 3, 3}, {3, 3, 1, 3}, {3, 3, 2, 3}, {3, 3, 3, 3},
	} {
		maxCIA[[3]Rating{row.c, row.i, row.a}] = row.want
	}
	if len(maxCIA) != 27 {
		t.Fatalf("table has %d rows", len(maxCIA))
	}
	for k, m := range maxCIA {
		for _, p := range PersonalDataKinds {
			got := ImportanceOf(k[0], k[1], k[2], p)
			want, rule := m, "assets.importance.max_cia"
			switch {
			case (p == PersonalSensitive || p == PersonalMyNumber) && m < 3:
				want, rule = 3, "assets.importance.special"
			case p == PersonalInfo && m == 1:
				want, rule = 2, "assets.importance.personal"
			}
			if got.Value != want || got.Rule != rule {
				t.Errorf("C%d I%d A%d %s: %+v, want %d %s", k[0], k[1], k[2], p, got, want, rule)
			}
		}
	}
	// Spot checks in words: a low-rated list of customers is still 2;
	// an employee file with My Number is 3.
	if ImportanceOf(1, 1, 1, PersonalInfo).Value != 2 || ImportanceOf(1, 2, 1, PersonalMyNumber).Value != 3 {
		t.Error("personal-data floors not applied")
	}
}

// Both risk methods, for every importance, threat and vulnerability,
// against hand-computed values.
func TestRiskMethods(t *testing.T) {
	// guideline[imp-1][threat-1][vuln-1]: importance × likelihood of
	// damage, where the likelihood is 1 1 1 / 1 1 2 / 1 2 3 by threat row.
	guideline := [3][3][3]int{
		{{1, 1, 1}, {1, 1, 2}, {1, 2, 3}},
		{{2, 2, 2}, {2, 2, 4}, {2, 4, 6}},
		{{3, 3, 3}, {3, 3, 6}, {3, 6, 9}},
	}
	// classic[imp-1][threat-1][vuln-1]: importance × threat × vulnerability.
	classic := [3][3][3]int{
		{{1, 2, 3}, {2, 4, 6}, {3, 6, 9}},
		{{2, 4, 6}, {4, 8, 12}, {6, 12, 18}},
		{{3, 6, 9}, {6, 12, 18}, {9, 18, 27}},
	}
	seen := map[string]map[int]bool{"guideline": {}, "classic": {}}
	for imp := Rating(1); imp <= 3; imp++ {
		for th := Rating(1); th <= 3; th++ {
			for v := Rating(1); v <= 3; v++ {
				if got, want := Guideline.Risk(imp, th, v), guideline[imp-1][th-1][v-1]; got != want {
					t.Errorf("guideline imp %d threat %d vuln %d: %d, want %d", imp, th, v, got, want)
				}
				if got, want := Classic.Risk(imp, th, v), classic[imp-1][th-1][v-1]; got != want {
					t.Errorf("classic imp %d threat %d vuln %d: %d, want %d", imp, th, v, got, want)
				}
				if Guideline.Column(th, v) != int(LikelihoodOfDamage(th, v)) || Classic.Column(th, v) != int(th)*int(v) {
					t.Errorf("column of threat %d vuln %d", th, v)
				}
				seen["guideline"][Guideline.Risk(imp, th, v)] = true
				seen["classic"][Classic.Risk(imp, th, v)] = true
			}
		}
	}
	// Values lists exactly the values each method can give, and Max is
	// the largest.
	for _, m := range Methods {
		var vals []int
		for v := range seen[m.Key] {
			vals = append(vals, v)
		}
		slices.Sort(vals)
		if !slices.Equal(vals, m.Values) || m.Max != vals[len(vals)-1] {
			t.Errorf("%s: values %v, max %d; the method says %v, %d", m.Key, vals, vals[len(vals)-1], m.Values, m.Max)
		}
		if !slices.Contains(m.Values, m.DefaultThreshold) || m.Band(m.Medium) != "medium" || m.Band(m.High) != "high" || m.Band(1) != "low" {
			t.Errorf("%s: bands or threshold inconsistent", m.Key)
		}
	}
	// Columns lists the heat map's columns: every value Column gives.
	for _, m := range Methods {
		set := map[int]bool{}
		for th := Rating(1); th <= 3; th++ {
			for v := Rating(1); v <= 3; v++ {
				set[m.Column(th, v)] = true
			}
		}
		var cols []int
		for c := range set {
			cols = append(cols, c)
		}
		slices.Sort(cols)
		if !slices.Equal(cols, m.Columns) {
			t.Errorf("%s: columns %v, the method says %v", m.Key, cols, m.Columns)
		}
	}
	// The likelihood-of-damage table itself.
	want := map[[2]Rating]Rating{{3, 3}: 3, {3, 2}: 2, {3, 1}: 1, {2, 3}: 2, {2, 2}: 1, {2, 1}: 1, {1, 3}: 1, {1, 2}: 1, {1, 1}: 1}
	for k, w := range want {
		if got := LikelihoodOfDamage(k[0], k[1]); got != w {
			t.Errorf("likelihood of damage, threat %d vuln %d: %d, want %d", k[0], k[1], got, w)
		}
	}
	if m, err := MethodByKey("classic"); err != nil || m != Classic {
		t.Error("MethodByKey(classic)")
	}
	if _, err := MethodByKey("guess"); err == nil {
		t.Error("an unknown method was accepted")
	}
}

func TestValid(t *testing.T) {
	for r, ok := range map[Rating]bool{0: false, 1: true, 2: true, 3: true, 4: false, -1: false} {
		if r.Valid() != ok {
			t.Errorf("Rating(%d).Valid() = %v", r, !ok)
		}
	}
	for _, p := range PersonalDataKinds {
		if !p.Valid() {
			t.Errorf("%s not valid", p)
		}
	}
	if PersonalData("pii").Valid() || PersonalData("").Valid() {
		t.Error("an unknown personal-data kind is valid")
	}
}
