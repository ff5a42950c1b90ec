package incident

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/mail"
	"mamori/internal/web"
)

// Bounds of the card's fields. A step is one short instruction; a
// situation holds a handful. The card must fit one A4 sheet, so these
// are generous for the purpose without letting a field grow without limit.
const (
	MaxInternal      = 5
	maxName          = 100
	maxPhone         = 30
	maxEmail         = 254
	maxURL           = 500
	maxNote          = 200
	maxStepChars     = 200
	maxSteps         = 10
	maxStepsText     = 2000
	maxNotes         = 1000
	minPhoneDigits   = 3
	maxPhoneDigits   = 15
	cardDocVersion   = 1
	fieldSteps       = "steps_"
	fieldInternal    = "internal_"
	fieldNotes       = "notes"
	fieldRevision    = "revision"
	requirementSteps = "steps:"
)

// Person is one internal contact.
type Person struct {
	Role  string `json:"role"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

func (p Person) empty() bool { return p.Name == "" && p.Phone == "" && p.Email == "" }

// Contact is one outside contact. Every kind has the same fields; the
// editor's hints say which matter for which kind.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
	URL   string `json:"url"`
	Note  string `json:"note"`
}

// Reachable reports whether the contact is named and has a way to reach
// it: a phone number, an e-mail address or a web page.
func (c Contact) Reachable() bool {
	return c.Name != "" && (c.Phone != "" || c.Email != "" || c.URL != "")
}

func (c Contact) empty() bool { return c == Contact{} }

// Card is an organisation's incident response card: up to MaxInternal
// internal contacts, the outside contacts in Kinds order, the first steps
// for each situation in Situations order (one instruction per entry) and
// the organisation's own notes. Text is stored as typed (after cleaning),
// never as HTML.
type Card struct {
	Internal [MaxInternal]Person
	Outside  [numKinds]Contact
	Steps    [NumSituations][]string
	Notes    string
}

// Contact returns the outside contact of a kind.
func (c *Card) Contact(kind string) Contact {
	for i, k := range Kinds {
		if k == kind {
			return c.Outside[i]
		}
	}
	return Contact{}
}

// Requirement codes of the done rule (CardStatus.Missing).
const (
	// ReqSaved: the card has never been saved, so nobody has reviewed
	// the defaults.
	ReqSaved = "saved"
	// ReqInternalPhone: no internal contact with a name and a phone.
	ReqInternalPhone = "internal_phone"
	// ReqOutsideContact: neither the IT vendor nor IPA's desk is named
	// with a way to reach it.
	ReqOutsideContact = "outside_contact"
	// ReqSteps is followed by a situation key: that situation has no
	// first steps.
	ReqSteps = requirementSteps
)

// Missing lists the requirements this card content does not meet (the
// rule without ReqSaved, which is about the stored record).
func (c *Card) Missing() []string {
	var out []string
	phone := false
	for _, p := range c.Internal {
		if p.Name != "" && p.Phone != "" {
			phone = true
		}
	}
	if !phone {
		out = append(out, ReqInternalPhone)
	}
	if !c.Contact(KindVendor).Reachable() && !c.Contact(KindIPA).Reachable() {
		out = append(out, ReqOutsideContact)
	}
	for i, sit := range Situations {
		if len(c.Steps[i]) == 0 {
			out = append(out, ReqSteps+sit)
		}
	}
	return out
}

// cardDoc is the stored JSON form. Situations and kinds are keyed by
// name, so adding one later leaves stored cards readable.
type cardDoc struct {
	V        int                 `json:"v"`
	Internal []Person            `json:"internal"`
	Outside  map[string]Contact  `json:"outside"`
	Steps    map[string][]string `json:"steps"`
	Notes    string              `json:"notes,omitempty"`
}

func (c *Card) marshal() (string, error) {
	d := cardDoc{V: cardDocVersion, Internal: []Person{}, Outside: map[string]Contact{}, Steps: map[string][]string{}, Notes: c.Notes}
	for _, p := range c.Internal {
		if !p.empty() || p.Role != "" {
			d.Internal = append(d.Internal, p)
		}
	}
	for i, k := range Kinds {
		if !c.Outside[i].empty() {
			d.Outside[k] = c.Outside[i]
		}
	}
	for i, sit := range Situations {
		d.Steps[sit] = append([]string{}, c.Steps[i]...)
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func unmarshalCard(s string) (Card, error) {
	var d cardDoc
	var c Card
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return c, err
	}
	if d.V != cardDocVersion {
		return c, fmt.Errorf("incident card document version %d", d.V)
	}
	copy(c.Internal[:], d.Internal)
	for i, k := range Kinds {
		c.Outside[i] = d.Outside[k]
	}
	for i, sit := range Situations {
		c.Steps[i] = d.Steps[sit]
	}
	c.Notes = d.Notes
	return c, nil
}

// Form field names.
func internalField(i int, part string) string { return fieldInternal + strconv.Itoa(i+1) + "_" + part }
func contactField(kind, part string) string   { return kind + "_" + part }
func stepsField(situation string) string      { return fieldSteps + situation }

var contactParts = [...]string{"name", "phone", "email", "url", "note"}

// formOf is a card as editor form values.
func formOf(c *Card) url.Values {
	v := url.Values{}
	for i, p := range c.Internal {
		v.Set(internalField(i, "role"), p.Role)
		v.Set(internalField(i, "name"), p.Name)
		v.Set(internalField(i, "phone"), p.Phone)
		v.Set(internalField(i, "email"), p.Email)
	}
	for i, k := range Kinds {
		o := c.Outside[i]
		for j, val := range [...]string{o.Name, o.Phone, o.Email, o.URL, o.Note} {
			v.Set(contactField(k, contactParts[j]), val)
		}
	}
	for i, sit := range Situations {
		v.Set(stepsField(sit), strings.Join(c.Steps[i], "\n"))
	}
	v.Set(fieldNotes, c.Notes)
	return v
}

// cardFromForm reads and checks the editor form. Every field is checked at
// once, so the form shows all problems in one round trip; the problems
// name form fields with message keys.
func cardFromForm(f *web.Form) (Card, error) {
	var c Card
	fields := apperr.FieldSet{}
	text := func(name string, max int, key string) string {
		s, ok := web.CleanText(f.Get(name), max)
		if !ok {
			fields.Add(name, web.TextKey(f.Get(name), key))
		}
		return s
	}
	phone := func(name string) string {
		s, problem := CleanPhone(f.Get(name))
		if problem != "" {
			fields.Add(name, problem)
		}
		return s
	}
	email := func(name string) string {
		s, problem := cleanEmail(f.Get(name))
		if problem != "" {
			fields.Add(name, problem)
		}
		return s
	}
	for i := range c.Internal {
		p := &c.Internal[i]
		p.Role = text(internalField(i, "role"), maxName, "incident.line_invalid")
		p.Name = text(internalField(i, "name"), maxName, "incident.line_invalid")
		p.Phone = phone(internalField(i, "phone"))
		p.Email = email(internalField(i, "email"))
	}
	for i, k := range Kinds {
		o := &c.Outside[i]
		o.Name = text(contactField(k, "name"), maxName, "incident.line_invalid")
		o.Phone = phone(contactField(k, "phone"))
		o.Email = email(contactField(k, "email"))
		var problem web.Problem
		if o.URL, problem = web.CheckURL(f.Get(contactField(k, "url")), maxURL); problem != "" && problem != web.ProblemEmpty {
			fields.Add(contactField(k, "url"), problem.Key("incident.url_invalid"))
		}
		o.Note = text(contactField(k, "note"), maxNote, "incident.line_invalid")
	}
	for i, sit := range Situations {
		var problem string
		if c.Steps[i], problem = cleanSteps(f.Get(stepsField(sit))); problem != "" {
			fields.Add(stepsField(sit), problem)
		}
	}
	var problem string
	if c.Notes, problem = cleanBody(f.Get(fieldNotes), maxNotes); problem != "" {
		fields.Add(fieldNotes, problem)
	}
	return c, fields.Err()
}

// phoneRunes maps the full-width and dash-like characters people type in
// Japanese phone numbers to ASCII.
var phoneRunes = map[rune]rune{
	'－': '-', '‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-', '―': '-', '−': '-', 'ー': '-',
	'（': '(', '）': ')', '＋': '+', '＃': '#', '　': ' ',
}

// CleanPhone checks a phone number (the incident card's, and the sharing
// hub's list of a member's own numbers): digits with spaces, hyphens and
// parentheses, an optional leading + (international) or # (short codes
// such as #9110), between three and fifteen digits. Full-width digits and
// dashes become ASCII. It returns the message key of the problem, or "".
// Letters are refused: "ext. 12" belongs in the name or note.
func CleanPhone(raw string) (string, string) {
	if !utf8.ValidString(raw) {
		return raw, "incident.phone_invalid"
	}
	var b strings.Builder
	for _, r := range strings.TrimSpace(raw) {
		if r >= '０' && r <= '９' {
			r = '0' + (r - '０')
		} else if m, ok := phoneRunes[r]; ok {
			r = m
		}
		b.WriteRune(r)
	}
	s := strings.TrimSpace(b.String())
	if s == "" {
		return "", ""
	}
	if utf8.RuneCountInString(s) > maxPhone {
		return raw, "incident.phone_invalid"
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ' || r == '(' || r == ')':
		case (r == '+' || r == '#') && i == 0:
		default:
			return raw, "incident.phone_invalid"
		}
	}
	if digits < minPhoneDigits || digits > maxPhoneDigits {
		return raw, "incident.phone_invalid"
	}
	return s, ""
}

// cleanEmail checks an optional contact address with the one address rule
// (mail.CheckAddress): the card is printed and dialled from, so it holds
// exactly the address a mail would reach.
func cleanEmail(raw string) (string, string) {
	s, problem := mail.CheckAddress(raw)
	switch problem {
	case "", mail.AddressEmpty:
		return s, ""
	}
	return s, "incident.email_invalid"
}

// cleanBody is the card's and the log's multi-line rule: web.CheckLines with
// the incident messages.
func cleanBody(s string, max int) (string, string) {
	s, p := web.CheckLines(s, max)
	return s, p.Key("incident.text_invalid", "incident.text_too_long")
}

// cleanSteps splits a situation's text into steps, one per line: blank
// lines are dropped and a leading list marker ("1.", "2)", "・", "-") is
// removed, since the card numbers the steps itself.
func cleanSteps(raw string) ([]string, string) {
	s, problem := cleanBody(raw, maxStepsText)
	if problem != "" {
		return nil, problem
	}
	var steps []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(stripMarker(strings.TrimSpace(line)))
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) > maxStepChars {
			return nil, "incident.step_too_long"
		}
		steps = append(steps, line)
	}
	if len(steps) > maxSteps {
		return nil, "incident.too_many_steps"
	}
	return steps, ""
}

// stripMarker removes one leading list marker: up to two digits followed
// by ".", ")", "．", "）" or "、" (but not a decimal such as "3.5"), or a
// bullet.
func stripMarker(line string) string {
	for _, bullet := range []string{"・", "•", "- ", "* ", "● ", "●"} {
		if strings.HasPrefix(line, bullet) {
			return line[len(bullet):]
		}
	}
	i := 0
	for i < len(line) && i < 2 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i == 0 {
		return line
	}
	rest := line[i:]
	for _, p := range []string{".", ")", "．", "）", "、"} {
		if strings.HasPrefix(rest, p) {
			after := rest[len(p):]
			if after != "" && after[0] >= '0' && after[0] <= '9' {
				return line
			}
			return after
		}
	}
	return line
}
