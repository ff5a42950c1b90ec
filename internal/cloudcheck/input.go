package cloudcheck

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/i18n"
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
	var problem string
	if out.Purpose, problem = cleanMultiline(in.Purpose, MaxPurpose); problem != "" {
		fields.Add("purpose", web.TextKey(in.Purpose, "cloud.err.purpose"))
	}
	if out.URL, problem = cleanURL(in.URL); problem != "" {
		fields.Add("url", problem)
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

// cleanMultiline trims a multi-line text and checks it: valid UTF-8, at
// most max characters, no control characters but newlines (CR LF and CR
// become LF). It returns the problem's message key, or "". Markup is kept
// as typed: pages escape it.
func cleanMultiline(s string, max int) (string, string) {
	if !utf8.ValidString(s) {
		return s, "invalid"
	}
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	if utf8.RuneCountInString(s) > max {
		return s, "too_long"
	}
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || i18n.IsBidiControl(r)) {
			return s, "invalid"
		}
	}
	return s, ""
}

// cleanURL accepts "" or an absolute http or https URL of at most MaxURL
// characters with a host, no credentials and no spaces or control
// characters; it returns the problem's message key, or "". Anything else
// (javascript:, data:, relative paths) could not be linked safely.
func cleanURL(raw string) (string, string) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", ""
	case !utf8.ValidString(s):
		return s, "cloud.err.url_invalid"
	case utf8.RuneCountInString(s) > MaxURL:
		return s, "cloud.err.url_too_long"
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || i18n.IsBidiControl(r) {
			return s, "cloud.err.url_invalid"
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return s, "cloud.err.url_invalid"
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return s, "cloud.err.url_scheme"
	}
	if u.Opaque != "" || u.Hostname() == "" || u.User != nil {
		return s, "cloud.err.url_invalid"
	}
	return s, ""
}

// AnswerInput is one point as the check form gives it.
type AnswerInput struct {
	Answer string
	Note   string
}

// AnswersInput is the whole check form; AnswersInput[i] is point i+1.
type AnswersInput [NumPoints]AnswerInput

// answerField and noteField name point no's form fields: "p1", "note1".
func answerField(no int) string { return "p" + strconv.Itoa(no) }
func noteField(no int) string   { return "note" + strconv.Itoa(no) }

// answersFromForm reads the check form. A point missing from the form is
// unanswered.
func answersFromForm(f *web.Form) AnswersInput {
	var in AnswersInput
	for i := range in {
		in[i] = AnswerInput{Answer: f.Get(answerField(i + 1)), Note: f.Get(noteField(i + 1))}
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
		if !a.Valid() {
			fields.Add(answerField(no), "cloud.err.answer")
		}
		note, problem := cleanMultiline(p.Note, MaxNote)
		switch problem {
		case "too_long":
			fields.Add(noteField(no), "cloud.err.note_too_long")
		case "invalid":
			fields.Add(noteField(no), web.TextKey(p.Note, "cloud.err.note_invalid"))
		}
		out[i].Answer, out[i].Note = a, note
	}
	return out, fields.Err()
}
