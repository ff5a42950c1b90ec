package selfcheck

import (
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/apperr"
)

func testSet(t *testing.T) *QuestionSet {
	t.Helper()
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	return c.Current
}

func all(qs *QuestionSet, a Answer) Answers {
	out := NewAnswers(qs)
	for _, it := range qs.Items() {
		out[it.Number] = a
	}
	return out
}

func TestPoints(t *testing.T) {
	for _, tc := range []struct {
		a    Answer
		want int
		ok   bool
	}{{Implemented, 4, true}, {Partial, 2, true}, {NotImplemented, 0, true}, {Unknown, -1, true}, {"yes", 0, false}, {"", 0, false}} {
		got, ok := Points(tc.a)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Points(%q) = %d, %v", tc.a, got, ok)
		}
	}
}

func TestBandEdges(t *testing.T) {
	for _, tc := range []struct {
		score int
		want  string
	}{{100, BandEntry}, {99, BandSomeGaps}, {70, BandSomeGaps}, {69, BandNoticeableGaps}, {50, BandNoticeableGaps},
		{49, BandHighRisk}, {0, BandHighRisk}, {-25, BandHighRisk}} {
		if got := BandFor(tc.score); got != tc.want {
			t.Errorf("BandFor(%d) = %s, want %s", tc.score, got, tc.want)
		}
	}
}

func TestScoreTable(t *testing.T) {
	qs := testSet(t)
	withOne := func(base Answer, item int, a Answer) Answers {
		as := all(qs, base)
		as[item] = a
		return as
	}
	for _, tc := range []struct {
		name  string
		a     Answers
		score int
		parts [3]int
		band  string
	}{
		{"all implemented", all(qs, Implemented), 100, [3]int{20, 52, 28}, BandEntry},
		{"one partial", withOne(Implemented, 7, Partial), 98, [3]int{20, 50, 28}, BandSomeGaps},
		{"one unknown", withOne(Implemented, 1, Unknown), 95, [3]int{15, 52, 28}, BandSomeGaps},
		{"all partial", all(qs, Partial), 50, [3]int{10, 26, 14}, BandNoticeableGaps},
		{"all not implemented", all(qs, NotImplemented), 0, [3]int{0, 0, 0}, BandHighRisk},
		{"all unknown (negative)", all(qs, Unknown), -25, [3]int{-5, -13, -7}, BandHighRisk},
		{"one missing counts as unknown", func() Answers { a := all(qs, Implemented); a[25] = ""; return a }(), 95, [3]int{20, 52, 23}, BandSomeGaps},
	} {
		r := Score(qs, tc.a)
		if r.Score != tc.score || r.Band != tc.band || r.Max != 100 {
			t.Errorf("%s: score %d band %s max %d", tc.name, r.Score, r.Band, r.Max)
		}
		for i, p := range r.Parts {
			if p.Score != tc.parts[i] {
				t.Errorf("%s: part %d = %d, want %d", tc.name, p.Number, p.Score, tc.parts[i])
			}
		}
		if r.Parts[0].Max != 20 || r.Parts[1].Max != 52 || r.Parts[2].Max != 28 {
			t.Errorf("part maxima %+v", r.Parts)
		}
	}
	// Band edges reached through real answers: 70 and 69, 50 and 49.
	mk := func(nImpl, nPartial, nUnknown int) Answers {
		a := all(qs, NotImplemented)
		n := 1
		for i := 0; i < nImpl; i, n = i+1, n+1 {
			a[n] = Implemented
		}
		for i := 0; i < nPartial; i, n = i+1, n+1 {
			a[n] = Partial
		}
		for i := 0; i < nUnknown; i, n = i+1, n+1 {
			a[n] = Unknown
		}
		return a
	}
	for _, tc := range []struct {
		a     Answers
		score int
		band  string
	}{
		{mk(24, 1, 0), 98, BandSomeGaps},
		{mk(17, 1, 0), 70, BandSomeGaps},
		{mk(17, 1, 1), 69, BandNoticeableGaps},
		{mk(12, 1, 0), 50, BandNoticeableGaps},
		{mk(12, 1, 1), 49, BandHighRisk},
	} {
		if r := Score(qs, tc.a); r.Score != tc.score || r.Band != tc.band {
			t.Errorf("got %d %s, want %d %s", r.Score, r.Band, tc.score, tc.band)
		}
	}
}

// TestScoreProperties checks invariants over random answer sheets: the
// total is the sum of the parts, reviews are exactly the unknowns, the plan
// holds exactly the items below "implemented", ordered by part then weight.
func TestScoreProperties(t *testing.T) {
	qs := testSet(t)
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		a := NewAnswers(qs)
		unknown, below := 0, 0
		for _, it := range qs.Items() {
			ans := AnswerOrder[rng.Intn(4)]
			a[it.Number] = ans
			if ans == Unknown {
				unknown++
			}
			if ans != Implemented {
				below++
			}
		}
		r := Score(qs, a)
		sum := 0
		for _, p := range r.Parts {
			sum += p.Score
		}
		if sum != r.Score || r.Score < -25 || r.Score > 100 {
			t.Fatalf("total %d, parts sum %d", r.Score, sum)
		}
		if len(r.Review) != unknown || len(r.Actions) != below {
			t.Fatalf("review %d/%d actions %d/%d", len(r.Review), unknown, len(r.Actions), below)
		}
		if !sort.SliceIsSorted(r.Actions, func(i, j int) bool {
			x, y := r.Actions[i], r.Actions[j]
			return x.Part < y.Part || (x.Part == y.Part && (x.Weight > y.Weight || (x.Weight == y.Weight && x.Item < y.Item)))
		}) {
			t.Fatalf("plan out of order: %+v", r.Actions)
		}
		if r.Band != BandFor(r.Score) {
			t.Fatal("band mismatch")
		}
	}
}

func TestValidate(t *testing.T) {
	qs := testSet(t)
	full := map[string]string{}
	for _, it := range qs.Items() {
		full[strconv.Itoa(it.Number)] = "implemented"
	}
	if _, err := Validate(qs, full); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{}
	for k, v := range full {
		bad[k] = v
	}
	delete(bad, "7")
	bad["26"] = "implemented"
	bad["01"] = "implemented"
	bad["x"] = "partial"
	bad["3"] = "yes"
	_, err := Validate(qs, bad)
	ae := apperr.From(err)
	want := map[string]string{"answers.7": "selfcheck.answer_missing", "answers.26": "selfcheck.item_unknown",
		"answers.01": "selfcheck.item_unknown", "answers.x": "selfcheck.item_unknown", "answers.3": "selfcheck.answer_invalid"}
	if len(ae.Fields) != len(want) {
		t.Fatalf("fields %v", ae.Fields)
	}
	for f, k := range want {
		if ae.Fields[f] != k {
			t.Errorf("%s = %q, want %q (all: %v)", f, ae.Fields[f], k, ae.Fields)
		}
	}
	if !strings.HasPrefix(string(ae.Code), "invalid") {
		t.Fatal(ae.Code)
	}
}
