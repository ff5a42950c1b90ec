package cloudcheck

import (
	"strconv"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/web"
)

// Bounds of the forms' fields, in characters.
const (
	MaxName     = 200
	MaxProvider = 200
	MaxPurpose  = 1000
	MaxURL      = 500
	MaxNote     = 1000
)

// Input is a service's details as the form gives them. AssetIDs are the
// information assets stored in the service (ids from the asset ledger).
type Input struct {
	Name, Provider, Purpose, URL string
	AssetIDs                     []string
}

// clean checks every field at once, so the form shows all problems in one
// round trip, and returns the cleaned values with the asset ids without
// repeats. Whether the assets are the organisation's is checked against
// the ledger (checkAssets).
func (in Input) clean() (Input, apperr.FieldSet) {
	fields := apperr.FieldSet{}
	out := Input{}
	var ok bool
	if out.Name, ok = web.CleanText(in.Name, MaxName); !ok {
		fields.Add("name", web.TextKey(in.Name, "cloud.err.name"))
	} else if out.Name == "" {
		fields.Add("name", "cloud.err.name_required")
	}
	if out.Provider, ok = web.CleanText(in.Provider, MaxProvider); !ok {
		fields.Add("provider", web.TextKey(in.Provider, "cloud.err.provider"))
	}
	var problem web.Problem
	if out.Purpose, problem = web.CheckLines(in.Purpose, MaxPurpose); problem != "" {
		fields.Add("purpose", problem.Key("cloud.err.purpose"))
	}
	if out.URL, problem = web.CheckURL(in.URL, MaxURL); problem != "" && problem != web.ProblemEmpty {
		fields.Add("url", problem.Key("cloud.err.url_invalid", "cloud.err.url_too_long", "", "cloud.err.url_scheme"))
	}
	seen := map[string]bool{}
	for _, id := range in.AssetIDs {
		if id = strings.TrimSpace(id); id == "" || seen[id] {
			continue
		}
		seen[id] = true
		out.AssetIDs = append(out.AssetIDs, id)
	}
	return out, fields
}

// checkAssets adds a problem when an id is not one of standing (the
// organisation's standing assets, by id).
func checkAssets(ids []string, standing map[string]bool, fields apperr.FieldSet) {
	for _, id := range ids {
		if !standing[id] {
			fields.Add("assets", "cloud.err.assets")
			return
		}
	}
}

// AnswerInput is one point as the check form gives it. Keep leaves the
// point as stored (a point of another group than the one saved).
type AnswerInput struct {
	Answer string
	Note   string
	Keep   bool
}

// AnswersInput is the whole check form; AnswersInput[i] is point i+1.
type AnswersInput [NumPoints]AnswerInput

// answerField and noteField name point no's form fields: "p1", "note1".
func answerField(no int) string { return "p" + strconv.Itoa(no) }
func noteField(no int) string   { return "note" + strconv.Itoa(no) }

// answersFromForm reads the check form. The page sends one group at a
// time ("group": A, B or C): the points of other groups keep what is
// stored. Without a group the form is the whole check, and a point
// missing from it is unanswered.
func answersFromForm(f *web.Form) AnswersInput {
	var in AnswersInput
	bounds, grouped := groupBoundsOf(f.Get("group"))
	for i := range in {
		no := i + 1
		if grouped && (no < bounds[0] || no > bounds[1]) {
			in[i].Keep = true
			continue
		}
		in[i] = AnswerInput{Answer: f.Get(answerField(no)), Note: f.Get(noteField(no))}
	}
	return in
}

// clean checks every point: the answer one of yes, no, na or "" (not yet
// answered), the note at most MaxNote characters of text.
func (in AnswersInput) clean() (*Answers, error) {
	fields := apperr.FieldSet{}
	out := newAnswers()
	for i, p := range in {
		no := i + 1
		a := Answer(strings.TrimSpace(p.Answer))
		if p.Keep {
			continue
		}
		if !a.Valid() {
			fields.Add(answerField(no), "cloud.err.answer")
		}
		note, problem := web.CheckLines(p.Note, MaxNote)
		if problem != "" {
			fields.Add(noteField(no), problem.Key("cloud.err.note_invalid", "cloud.err.note_too_long"))
		}
		out[i].Answer, out[i].Note = a, note
	}
	return out, fields.Err()
}

// groupBoundsOf returns the first and last point of the group named key
// (A, B or C), and whether there is one.
func groupBoundsOf(key string) ([2]int, bool) {
	for i, k := range GroupKeys {
		if k == key {
			return groupBounds[i], true
		}
	}
	return [2]int{}, false
}
