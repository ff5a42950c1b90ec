package policy

import (
	"strconv"
	"time"

	"mamori/internal/i18n"
)

// Document is a policy ready to show: a published version or a preview.
// Headings and signature labels come from the template in the document's
// own language, so a policy reads in one language whatever the reader's
// interface language is.
type Document struct {
	Lang     string
	Title    string
	Intro    string
	Sections []DocSection
	OrgName  string
	// Representative and RepresentativeTitle sign the policy.
	Representative, RepresentativeTitle string
	// Date is the publication date (for a preview, today).
	Date time.Time
	// Version is the version number (for a preview, the one publishing
	// would give).
	Version int
	Labels  Labels
	// Preview lowers the heading levels by one, for a document shown
	// inside the editor page under its own heading.
	Preview bool
}

// DocSection is one numbered heading with its body text.
type DocSection struct {
	No    int
	Key   string
	Title string
	Body  string
}

// Paragraphs is the body split for display (see Paragraphs).
func (s DocSection) Paragraphs() [][]string { return Paragraphs(s.Body) }

// IntroParagraphs is the intro split for display (see Paragraphs).
func (d Document) IntroParagraphs() [][]string { return Paragraphs(d.Intro) }

// newDocument puts the template's headings in lang around the texts.
func newDocument(lang, intro string, bodies [NumSections]string) Document {
	t := Template(lang)
	d := Document{Lang: lang, Title: t.Title, Intro: intro, Labels: t.Labels}
	if _, ok := tmpl.Text[lang]; !ok {
		d.Lang = i18n.Default
	}
	for i, sec := range t.Sections {
		d.Sections = append(d.Sections, DocSection{No: i + 1, Key: sec.Key, Title: sec.Title, Body: bodies[i]})
	}
	return d
}

// documentOf is a hosted version as a document.
func documentOf(v *Version) Document {
	d := newDocument(v.Lang, v.Intro, v.Sections)
	d.OrgName, d.Representative, d.RepresentativeTitle = v.OrgName, v.Representative, v.RepresentativeTitle
	d.Date, d.Version = v.PublishedAt, v.Version
	return d
}

// DateLabel is "established" for the first version and "revised" after.
func (d Document) DateLabel() string {
	if d.Version > 1 {
		return d.Labels.Revised
	}
	return d.Labels.Established
}

// DateText is the date alone, in Japan Standard Time and the document's
// language: a policy is dated by day, not by minute.
func (d Document) DateText() string { return i18n.Date(d.Date, d.Lang) }

// Signature is the representative with title in the document's word
// order: "代表取締役 山田 太郎" or "Taro Yamada, President".
func (d Document) Signature() string {
	switch {
	case d.RepresentativeTitle == "":
		return d.Representative
	case d.Representative == "":
		return d.RepresentativeTitle
	case d.Lang == "en":
		return d.Representative + ", " + d.RepresentativeTitle
	}
	return d.RepresentativeTitle + " " + d.Representative
}

// VersionText is the version number as text, for ids and links.
func (d Document) VersionText() string { return strconv.Itoa(d.Version) }

// DateText is the publication date in lang (see Document.DateText).
func (v *Version) DateText(lang string) string { return i18n.Date(v.PublishedAt, lang) }
