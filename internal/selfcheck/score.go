package selfcheck

import (
	"slices"
	"strconv"

	"mamori/internal/apperr"
)

// Answer is one of the four answers an item accepts.
type Answer string

const (
	Implemented    Answer = "implemented"
	Partial        Answer = "partial"
	NotImplemented Answer = "not_implemented"
	Unknown        Answer = "unknown"
)

// AnswerOrder is the order answers are offered in.
var AnswerOrder = []Answer{Implemented, Partial, NotImplemented, Unknown}

// Points follows the diagnosis rules: a measure in place scores 4, partly
// 2, not at all 0, and "don't know" −1, because not knowing is itself a gap.
func Points(a Answer) (int, bool) {
	switch a {
	case Implemented:
		return 4, true
	case Partial:
		return 2, true
	case NotImplemented:
		return 0, true
	case Unknown:
		return -1, true
	}
	return 0, false
}

// Bands by total score. The edges are the diagnosis's: 100 reaches the
// entry level, 70–99 some gaps, 50–69 noticeable gaps, 49 and below an
// incident could happen at any time.
const (
	BandEntry          = "entry"
	BandSomeGaps       = "some_gaps"
	BandNoticeableGaps = "noticeable_gaps"
	BandHighRisk       = "high_risk"
)

// BandFor maps a total to its band.
func BandFor(score int) string {
	switch {
	case score >= 100:
		return BandEntry
	case score >= 70:
		return BandSomeGaps
	case score >= 50:
		return BandNoticeableGaps
	}
	return BandHighRisk
}

// PartScore is one part's subtotal.
type PartScore struct {
	Number int `json:"number"`
	Score  int `json:"score"`
	Max    int `json:"max"`
}

// Action is an item answered below "implemented", to be worked on.
type Action struct {
	Item   int
	Part   int
	Weight int
	Answer Answer
}

// Result is a scored diagnosis.
type Result struct {
	Version string
	Score   int
	Max     int
	Band    string
	Parts   []PartScore
	Review  []int // items answered "don't know"
	Actions []Action
}

// Answers holds one answer per item, indexed by item number (index 0 is
// unused); an empty answer counts as "don't know".
type Answers []Answer

// NewAnswers returns room for every item of qs.
func NewAnswers(qs *QuestionSet) Answers { return make(Answers, qs.maxNumber()+1) }

// maxNumber is the highest item number in the set.
func (q *QuestionSet) maxNumber() int {
	m := 0
	for _, p := range q.Parts {
		for i := range p.Items {
			if p.Items[i].Number > m {
				m = p.Items[i].Number
			}
		}
	}
	return m
}

// Validate checks that answers cover exactly the set's items with valid
// values, naming each bad field ("answers.7") so a client can fix them all.
func Validate(qs *QuestionSet, raw map[string]string) (Answers, error) {
	fields := apperr.FieldSet{}
	out := NewAnswers(qs)
	valid := 0
	for k, v := range raw {
		n, err := strconv.Atoi(k)
		if err != nil || strconv.Itoa(n) != k {
			fields.Add("answers."+k, "selfcheck.item_unknown")
			continue
		}
		if _, ok := qs.Item(n); !ok {
			fields.Add("answers."+k, "selfcheck.item_unknown")
			continue
		}
		if _, ok := Points(Answer(v)); !ok {
			fields.Add("answers."+k, "selfcheck.answer_invalid")
			continue
		}
		out[n] = Answer(v)
		valid++
	}
	if valid != len(raw) || len(raw) < qs.count() {
		for _, p := range qs.Parts {
			for i := range p.Items {
				n := strconv.Itoa(p.Items[i].Number)
				if _, ok := raw[n]; !ok {
					fields.Add("answers."+n, "selfcheck.answer_missing")
				}
			}
		}
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// count is the number of items in the set.
func (q *QuestionSet) count() int {
	n := 0
	for _, p := range q.Parts {
		n += len(p.Items)
	}
	return n
}

// Score computes the total, the parts, the items to review and the action
// plan. The plan is ordered by part, then by weight (most important first),
// then by item number, so the basics come first.
func Score(qs *QuestionSet, a Answers) Result {
	var r Result
	scoreInto(qs, a, &r)
	return r
}

// scoreInto is Score into r, reusing r's slices (the score endpoint keeps
// results in a pool).
func scoreInto(qs *QuestionSet, a Answers, r *Result) {
	n := qs.count()
	*r = Result{Version: qs.Version, Parts: r.Parts[:0], Actions: r.Actions[:0], Review: r.Review[:0]}
	if cap(r.Parts) < len(qs.Parts) {
		r.Parts = make([]PartScore, 0, len(qs.Parts))
	}
	if cap(r.Actions) < n {
		r.Actions = make([]Action, 0, n)
	}
	for _, p := range qs.Parts {
		ps := PartScore{Number: p.Number}
		for i := range p.Items {
			it := &p.Items[i]
			ps.Max += 4
			var ans Answer
			if it.Number < len(a) {
				ans = a[it.Number]
			}
			pts, ok := Points(ans)
			if !ok {
				ans = Unknown
				pts = -1
			}
			ps.Score += pts
			if ans == Unknown {
				r.Review = append(r.Review, it.Number)
			}
			if ans != Implemented {
				r.Actions = append(r.Actions, Action{Item: it.Number, Part: p.Number, Weight: it.Weight, Answer: ans})
			}
		}
		r.Score += ps.Score
		r.Max += ps.Max
		r.Parts = append(r.Parts, ps)
	}
	slices.SortStableFunc(r.Actions, func(x, y Action) int {
		if x.Part != y.Part {
			return x.Part - y.Part
		}
		if x.Weight != y.Weight {
			return y.Weight - x.Weight
		}
		return x.Item - y.Item
	})
	r.Band = BandFor(r.Score)
}
