package controls

import (
	"net/http"
	"net/url"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/org"
	"mamori/internal/web"
)

// Routes registers the check sheet and its JSON view. Every member of the
// organisation may view and answer it: the answers describe what the
// company does, which staff know first-hand, and every save is audited.
func (s *Service) Routes(rt *web.Router) {
	member := org.MemberAccess(s.DB.Read()) // loads the organisation into the request (org.FromRequest)
	rt.Handle("GET /orgs/{org}/controls", member, s.sheetPage)
	rt.Handle("POST /orgs/{org}/controls", member, s.sheetPost)
	rt.Handle("GET /api/v1/orgs/{org}/controls", web.OrgMember, s.apiSheet)
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name, title string, f *web.Form, data any) error {
	s.Render.Page(w, r, status, "controls/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// controlView is one control as the sheet shows it.
type controlView struct {
	// No is the item's number on the sheet, 1 to the number of controls
	// in sheet order: what the reader sees and refers to. Key stays
	// internal (form fields, element ids, the API).
	No        int
	Key       string
	Statement string
	Hint      string
	Media     []Medium
	// AnswerField and NoteField are the form fields' names; ID is a
	// form-safe element id.
	AnswerField, NoteField, ID string
}

// chapterView is one chapter's fieldset and its summary row.
type chapterView struct {
	No       int
	Key      string
	Title    string
	Controls []controlView
	// Counts of stored answers by answer, and of answered controls.
	Counts   map[string]int
	Answered int
}

// mediumView is one row of the vulnerability table.
// The last row is NoMedium, the value over all controls.
type mediumView struct {
	Medium  Medium
	ID      string // element id suffix: the medium key, "none" for NoMedium
	Derived Derived
}

type sheetData struct {
	Org      *org.Org
	Chapters []chapterView
	Answered int
	Total    int
	// Media are the vulnerability rows, NoMedium (assets without a
	// medium) last.
	Media   []mediumView
	Choices []Answer
	MaxNote int
	// Saved is the key of the chapter just saved (?saved=), whose form
	// says so where the reader is.
	Saved string
	// Open is the chapter shown open: the one just saved, else the
	// first with controls unanswered. OpenAll opens every chapter (a
	// refused save shows its problems wherever they are).
	Open    string
	OpenAll bool
}

// elementID turns a control key into an HTML id (org.1 becomes org-1).
func elementID(key string) string { return strings.ReplaceAll(key, ".", "-") }

// sheetData builds the sheet in the reader's language with the summary
// of the stored answers recs.
func sheetDataOf(lang string, o *org.Org, recs map[string]Record) sheetData {
	d := sheetData{Org: o, Choices: Answers, MaxNote: MaxNoteChars}
	no := 0
	for i, ch := range Chapters() {
		cv := chapterView{No: i + 1, Key: ch.Key, Title: ch.TitleIn(lang), Counts: map[string]int{}}
		for _, c := range ch.Controls {
			tx := c.Text(lang)
			no++
			cv.Controls = append(cv.Controls, controlView{No: no, Key: c.Key, Statement: tx.Statement, Hint: tx.Hint, Media: c.Media,
				AnswerField: answerField(c.Key), NoteField: noteField(c.Key), ID: elementID(c.Key)})
			if a := recs[c.Key].Answer; a != "" {
				cv.Counts[string(a)]++
				cv.Answered++
			}
		}
		d.Answered += cv.Answered
		d.Total += len(ch.Controls)
		d.Chapters = append(d.Chapters, cv)
	}
	derived := DeriveAll(answerMap(recs))
	for _, m := range Media {
		d.Media = append(d.Media, mediumView{Medium: m, ID: string(m), Derived: derived[m]})
	}
	d.Media = append(d.Media, mediumView{Medium: NoMedium, ID: "none", Derived: derived[NoMedium]})
	for _, cv := range d.Chapters {
		if cv.Answered < len(cv.Controls) {
			d.Open = cv.Key
			break
		}
	}
	return d
}

// formOf is the stored answers as form values.
func formOf(recs map[string]Record) url.Values {
	v := url.Values{}
	for k, r := range recs {
		v.Set(answerField(k), string(r.Answer))
		v.Set(noteField(k), r.Note)
	}
	return v
}

// inputsFromForm reads the sheet's fields: "answer.<key>" and
// "note.<key>". Other fields are ignored. A field sent twice is bad input,
// never a silent choice of one value; an unknown key is reported by
// cleanInputs.
func inputsFromForm(vals url.Values) ([]Input, error) {
	by := map[string]*Input{}
	var order []string
	fields := apperr.FieldSet{}
	for name, vs := range vals {
		var key string
		var isNote bool
		switch {
		case strings.HasPrefix(name, "answer."):
			key = strings.TrimPrefix(name, "answer.")
		case strings.HasPrefix(name, "note."):
			key, isNote = strings.TrimPrefix(name, "note."), true
		default:
			continue
		}
		if len(vs) != 1 {
			fields.Add(answerField(key), "controls.err.repeated")
			continue
		}
		x, ok := by[key]
		if !ok {
			x = &Input{Key: key}
			by[key] = x
			order = append(order, key)
		}
		if isNote {
			x.Note = vs[0]
		} else {
			x.Answer = Answer(vs[0])
		}
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	out := make([]Input, 0, len(order))
	for _, k := range order {
		out = append(out, *by[k])
	}
	return out, nil
}

func (s *Service) loadSheet(r *http.Request) (*org.Org, map[string]Record, error) {
	o := org.FromRequest(r).Org
	recs, err := AnswersFor(r.Context(), s.DB.Read(), o.ID)
	return o, recs, err
}

// sheetPage shows the check sheet filled with the stored answers, the
// summary and the vulnerabilities they give.
func (s *Service) sheetPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, recs, err := s.loadSheet(r)
	if err != nil {
		return err
	}
	data := sheetDataOf(web.LangFrom(ctx), o, recs)
	if ch := r.URL.Query().Get("saved"); chapterByKey(ch) {
		data.Saved, data.Open = ch, ch
	}
	return s.render(w, r, http.StatusOK, "sheet", s.Catalog.Printer(web.LangFrom(ctx)).T("controls.title"), web.NewForm(formOf(recs)), data)
}

// sheetPost saves the answers the form sends: one chapter's, as each
// chapter is a form of its own, so that a 50-item sheet is not lost to
// one mistake or one closed tab (controls not sent keep what is stored).
// Bad input shows the sheet again with what was submitted, the other
// chapters as stored, and every problem, and stores nothing. The
// redirect returns to the chapter saved.
func (s *Service) sheetPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o, recs, err := s.loadSheet(r)
	if err != nil {
		return err
	}
	in, err := inputsFromForm(f.Values)
	if err == nil {
		_, err = s.Save(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, in)
	}
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		for k, vs := range formOf(recs) {
			if _, sent := f.Values[k]; !sent {
				f.Values[k] = vs
			}
		}
		data := sheetDataOf(web.LangFrom(ctx), o, recs)
		data.OpenAll = true
		return s.render(w, r, web.FormStatus(err), "sheet", s.Catalog.Printer(web.LangFrom(ctx)).T("controls.title"), f, data)
	}
	target := "/orgs/" + o.Slug + "/controls"
	if ch := f.Get("chapter"); chapterByKey(ch) {
		target += "?saved=" + url.QueryEscape(ch) + "#chapter-" + ch
	}
	return web.Redirect(w, r, target, "flash.controls_saved")
}

// chapterByKey reports whether key names a chapter of the sheet.
func chapterByKey(key string) bool {
	for _, ch := range Chapters() {
		if ch.Key == key {
			return true
		}
	}
	return false
}
