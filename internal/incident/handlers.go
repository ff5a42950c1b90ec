package incident

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/web"
)

// Message keys named by code, so the catalog test can see them.
var (
	kindTitleKeys = map[string]string{KindIPA: "incident.kind.ipa", KindPolice: "incident.kind.police", KindVendor: "incident.kind.vendor",
		KindInsurer: "incident.kind.insurer", KindLawyer: "incident.kind.lawyer"}
	kindHintKeys = map[string]string{KindIPA: "incident.hint.ipa", KindPolice: "incident.hint.police", KindVendor: "incident.hint.vendor",
		KindInsurer: "incident.hint.insurer", KindLawyer: "incident.hint.lawyer"}
	situationTitleKeys = map[string]string{"lost_device": "incident.situation.lost_device", "malware": "incident.situation.malware",
		"mis_sent_email": "incident.situation.mis_sent_email", "ransomware": "incident.situation.ransomware",
		"account_takeover": "incident.situation.account_takeover"}
	requirementKeys = map[string]string{ReqSaved: "incident.missing.saved", ReqInternalPhone: "incident.missing.internal_phone",
		ReqOutsideContact: "incident.missing.outside_contact", ReqSteps: "incident.missing.steps"}
)

// optionalKinds may stay empty without the card saying so.
var optionalKinds = map[string]bool{KindInsurer: true, KindLawyer: true}

// requirementText is a Missing code in words.
func requirementText(lang func(string, ...any) string, code string) string {
	if sit, ok := strings.CutPrefix(code, ReqSteps); ok {
		return lang(requirementKeys[ReqSteps], lang(situationTitleKeys[sit]))
	}
	return lang(requirementKeys[code])
}

type showData struct {
	Org    *org.Org
	Status CardStatus
	// Missing is Status.Missing in words.
	Missing []string
	// Stored is nil when the card was never saved.
	Stored    *StoredCard
	Incidents []Incident
	// Total counts every incident; the list shows at most ListLimit.
	Total int
}

// Truncated reports whether the list leaves incidents out.
func (d showData) Truncated() bool { return d.Total > len(d.Incidents) }

// showPage is the members' overview: where the card stands, what it still
// lacks, and the incident log.
func (s *Service) showPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := s.DB.Read()
	o := org.FromRequest(r).Org
	var err error
	data := showData{Org: o}
	if data.Status, err = Status(ctx, q, o.ID); err != nil {
		return err
	}
	p := s.printer(r)
	for _, code := range data.Status.Missing {
		data.Missing = append(data.Missing, requirementText(p.T, code))
	}
	if data.Stored, err = CardFor(ctx, q, o.ID); errors.Is(err, db.ErrNotFound) {
		data.Stored = nil
	} else if err != nil {
		return err
	}
	if data.Incidents, err = Incidents(ctx, q, o.ID, ListLimit); err != nil {
		return err
	}
	if data.Total, err = CountIncidents(ctx, q, o.ID); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "show", p.T("incident.title"), nil, data)
}

// newField is one input of the editor, with its label, value and problem
// already in the reader's language, for the shared field partial.
func newField(f *web.Form, p *i18n.Printer, name, typ, labelKey string, max int) web.Field {
	fd := web.Field{ID: name, Name: name, Type: typ, Label: p.T(labelKey), Value: f.Get(name), Max: max}
	if key := f.Err(name); key != "" {
		fd.Error = p.T(key, max)
	}
	return fd
}

// fieldGroup is one fieldset of the editor.
type fieldGroup struct {
	ID, Legend, Hint string
	Optional         bool
	Fields           []web.Field
}

type cardData struct {
	Org      *org.Org
	Internal []fieldGroup
	Contacts []fieldGroup
	Steps    []web.Field
	Notes    web.Field
	// Stored is the saved card, nil when never saved.
	Stored *StoredCard
	// Filled is true when empty situations were just filled with our
	// defaults (nothing saved yet).
	Filled bool
	// Missing is what the stored card still lacks, in words.
	Missing []string
}

func (s *Service) cardData(ctx context.Context, o *org.Org, f *web.Form) (cardData, error) {
	d := cardData{Org: o}
	p := s.Catalog.Printer(web.LangFrom(ctx))
	for i := 0; i < MaxInternal; i++ {
		g := fieldGroup{ID: "incident-internal-" + itoa(i+1), Legend: p.T("incident.internal_row", i+1)}
		role := newField(f, p, internalField(i, "role"), "text", "incident.field.role", maxName)
		role.Autocomplete = "organization-title"
		name := newField(f, p, internalField(i, "name"), "text", "incident.field.name", maxName)
		name.Autocomplete = "off"
		phone := newField(f, p, internalField(i, "phone"), "text", "incident.field.phone", maxPhone)
		phone.Autocomplete, phone.InputMode = "off", "tel"
		email := newField(f, p, internalField(i, "email"), "email", "incident.field.email", maxEmail)
		email.Autocomplete = "off"
		g.Fields = []web.Field{role, name, phone, email}
		d.Internal = append(d.Internal, g)
	}
	for _, k := range Kinds {
		g := fieldGroup{ID: "incident-contact-" + k, Legend: p.T(kindTitleKeys[k]), Hint: p.T(kindHintKeys[k]), Optional: optionalKinds[k]}
		g.Fields = []web.Field{
			newField(f, p, contactField(k, "name"), "text", "incident.field.contact_name", maxName),
			newField(f, p, contactField(k, "phone"), "text", "incident.field.phone", maxPhone),
			newField(f, p, contactField(k, "email"), "email", "incident.field.email", maxEmail),
			newField(f, p, contactField(k, "url"), "url", "incident.field.url", maxURL),
			newField(f, p, contactField(k, "note"), "text", "incident.field.note", maxNote),
		}
		for j := range g.Fields {
			g.Fields[j].Autocomplete = "off"
		}
		g.Fields[1].InputMode = "tel"
		d.Contacts = append(d.Contacts, g)
	}
	for _, sit := range Situations {
		st := newField(f, p, stepsField(sit), "textarea", situationTitleKeys[sit], maxStepsText)
		st.Rows = 7
		if st.Error != "" {
			st.Error = p.T(f.Err(stepsField(sit)), maxStepsText, maxStepChars, maxSteps)
		}
		d.Steps = append(d.Steps, st)
	}
	d.Notes = newField(f, p, fieldNotes, "textarea", "incident.field.notes", maxNotes)
	d.Notes.Rows, d.Notes.Hint = 4, p.T("incident.hint.notes")
	sc, err := CardFor(ctx, s.DB.Read(), o.ID)
	switch {
	case err == nil:
		d.Stored = sc
	case !errors.Is(err, db.ErrNotFound):
		return d, err
	}
	missing := []string{ReqSaved}
	if d.Stored != nil {
		missing = d.Stored.Card.Missing()
	}
	for _, code := range missing {
		d.Missing = append(d.Missing, requirementText(p.T, code))
	}
	return d, nil
}

// cardPage is the editor: the stored card, or on a first visit our
// defaults in the reader's language. Nothing is stored until the member
// saves: saving is the review that makes the defaults count.
func (s *Service) cardPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	c, rev := DefaultCard(web.LangFrom(ctx), o), 0
	sc, err := CardFor(ctx, s.DB.Read(), o.ID)
	switch {
	case err == nil:
		c, rev = sc.Card, sc.Revision
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	v := formOf(&c)
	v.Set(fieldRevision, itoa(rev))
	f := web.NewForm(v)
	data, err := s.cardData(ctx, o, f)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "card", s.printer(r).T("incident.card_title"), f, data)
}

// Editor actions: the submit button pressed.
const (
	actionSave     = "save"
	actionDefaults = "defaults"
)

// parseRevision reads the revision a form started from.
func parseRevision(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && strconv.Itoa(n) == s
}

// cardPost saves the card, or (defaults) fills the situations left empty
// with our first steps without saving.
func (s *Service) cardPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	base, ok := parseRevision(f.Get(fieldRevision))
	if !ok {
		return apperr.New(apperr.Invalid, "error.bad_form")
	}
	page := func(status int, adjust func(*cardData)) error {
		data, err := s.cardData(ctx, o, f)
		if err != nil {
			return err
		}
		if adjust != nil {
			adjust(&data)
		}
		return s.render(w, r, status, "card", s.printer(r).T("incident.card_title"), f, data)
	}
	action := f.Get("action")
	if action != actionSave && action != actionDefaults {
		return apperr.New(apperr.Invalid, "error.bad_form")
	}
	c, err := cardFromForm(f)
	if err != nil {
		f.Apply(err)
		return page(web.FormStatus(err), nil)
	}
	if action == actionDefaults {
		lang := web.LangFrom(ctx)
		for i, sit := range Situations {
			if len(c.Steps[i]) == 0 {
				f.Values.Set(stepsField(sit), strings.Join(DefaultSteps(lang, sit), "\n"))
			}
		}
		data, err := s.cardData(ctx, o, f)
		if err != nil {
			return err
		}
		data.Filled = true
		return s.render(w, r, http.StatusOK, "card", s.printer(r).T("incident.card_title"), f, data)
	}
	if _, err := s.SaveCard(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, &c, base); err != nil {
		if !apperr.Is(err, apperr.Conflict) {
			return err
		}
		// Keep what was typed and let the member save again over the
		// newer card once they have looked at it.
		f.Apply(err)
		return page(web.FormStatus(err), func(d *cardData) {
			if d.Stored != nil {
				f.Values.Set(fieldRevision, itoa(d.Stored.Revision))
			}
		})
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug+"/incident", "flash.incident_card_saved")
}

type printContact struct {
	TitleKey string
	Contact
}

type printSituation struct {
	Key, TitleKey string
	Steps         []string
}

type printData struct {
	Org *org.Org
	// Saved is false when the card was never saved and our defaults are
	// shown; UpdatedAt is then zero.
	Saved      bool
	UpdatedAt  time.Time
	Internal   []Person
	Outside    []printContact
	Situations []printSituation
	Notes      string
}

// printPage is the card on one A4 sheet: organisation, date, contacts,
// the five situations in two columns, where to report.
func (s *Service) printPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	data := printData{Org: o}
	c := DefaultCard(web.LangFrom(ctx), o)
	sc, err := CardFor(ctx, s.DB.Read(), o.ID)
	switch {
	case err == nil:
		c, data.Saved, data.UpdatedAt = sc.Card, true, sc.UpdatedAt
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	for _, p := range c.Internal {
		if !p.empty() {
			data.Internal = append(data.Internal, p)
		}
	}
	for i, k := range Kinds {
		if !c.Outside[i].empty() || !optionalKinds[k] {
			data.Outside = append(data.Outside, printContact{TitleKey: kindTitleKeys[k], Contact: c.Outside[i]})
		}
	}
	for i, sit := range Situations {
		data.Situations = append(data.Situations, printSituation{Key: sit, TitleKey: situationTitleKeys[sit], Steps: c.Steps[i]})
	}
	data.Notes = c.Notes
	return s.render(w, r, http.StatusOK, "print", s.printer(r).T("incident.print_title", o.Name), nil, data)
}

// DateText is the print page's date of the last update in lang.
func (d printData) DateText(lang string) string { return i18n.Date(d.UpdatedAt, lang) }
