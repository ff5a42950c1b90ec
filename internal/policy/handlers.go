package policy

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

type showData struct {
	Org *org.Org
	// Latest is nil when nothing is published yet.
	Latest   *Version
	Versions []Version
	IsOwner  bool
}

// showPage tells members where the organisation's policy stands: the
// current version with its public address, and every version since.
func (s *Service) showPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := s.DB.Read()
	sc := org.FromRequest(r)
	data := showData{Org: sc.Org, IsOwner: sc.IsOwner()}
	o := sc.Org
	var err error
	if data.Versions, err = Versions(ctx, q, o.ID); err != nil {
		return err
	}
	if len(data.Versions) > 0 {
		data.Latest = &data.Versions[0]
	}
	return s.render(w, r, http.StatusOK, "show", s.printer(r).T("policy.title"), nil, data)
}

// editSection describes one heading's text area in the editor.
type editSection struct {
	No    int
	Field string
	Title string
}

type editData struct {
	Org      *org.Org
	Sections []editSection
	// Preview is the document as it would be published, after a
	// "preview" post; nil otherwise.
	Preview *Document
	// Reset is true when the form was just refilled from the template.
	Reset bool
	// Latest is the current published version, nil when none.
	Latest   *Version
	MaxChars int
}

func (s *Service) editData(ctx context.Context, o *org.Org) (editData, error) {
	d := editData{Org: o, MaxChars: MaxSectionChars}
	for i, sec := range Template(web.LangFrom(ctx)).Sections {
		d.Sections = append(d.Sections, editSection{No: i + 1, Field: sectionField(i), Title: sec.Title})
	}
	v, err := Latest(ctx, s.DB.Read(), o.ID)
	if err == nil {
		d.Latest = v
	} else if !errors.Is(err, db.ErrNotFound) {
		return d, err
	}
	return d, nil
}

// formOf is editor input as form values.
func formOf(in DraftInput) url.Values {
	v := url.Values{"lang": {in.Lang}, "intro": {in.Intro}, "representative": {in.Representative},
		"representative_title": {in.RepresentativeTitle}}
	for i, body := range in.Sections {
		v.Set(sectionField(i), body)
	}
	return v
}

// inputFromForm reads the editor form.
func inputFromForm(f *web.Form) DraftInput {
	in := DraftInput{Lang: f.Get("lang"), Intro: f.Get("intro"), Representative: f.Get("representative"),
		RepresentativeTitle: f.Get("representative_title")}
	for i := range in.Sections {
		in.Sections[i] = f.Get(sectionField(i))
	}
	return in
}

// draftOrTemplate returns the stored draft; on the owner's first visit it
// stores one made from the template in the reader's language with the
// company's name, so the editor never starts from a blank page.
func (s *Service) draftOrTemplate(ctx context.Context, o *org.Org, userID string) (*Draft, error) {
	d, err := DraftFor(ctx, s.DB.Read(), o.ID)
	if !errors.Is(err, db.ErrNotFound) {
		return d, err
	}
	lang := web.LangFrom(ctx)
	in := draftFromTemplate(lang, o.NameIn(lang), "", "")
	return ensureDraft(ctx, s.DB, in.draft(o.ID, userID, s.now()))
}

func (s *Service) editPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	d, err := s.draftOrTemplate(ctx, o, web.ViewerFrom(ctx).UserID)
	if err != nil {
		return err
	}
	data, err := s.editData(ctx, o)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "edit", s.printer(r).T("policy.edit_title"), web.NewForm(formOf(inputOf(d))), data)
}

// Editor actions: the submit button pressed.
const (
	actionSave    = "save"
	actionPreview = "preview"
	actionReset   = "reset"
	actionPublish = "publish"
)

// editPost handles the editor's four buttons. Preview and reset change
// nothing stored: preview shows the document as publishing would make it,
// reset refills the form from the template in the chosen language; both
// leave saving to the owner. Save keeps the draft; publish saves it and
// makes it the next version.
func (s *Service) editPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	userID := web.ViewerFrom(ctx).UserID
	in := inputFromForm(f)
	// page shows the editor again with form; adjust adds a preview or
	// the reset notice.
	page := func(status int, form *web.Form, adjust func(*editData)) error {
		data, err := s.editData(ctx, o)
		if err != nil {
			return err
		}
		if adjust != nil {
			adjust(&data)
		}
		return s.render(w, r, status, "edit", s.printer(r).T("policy.edit_title"), form, data)
	}
	// invalid shows the form again with what was typed and the problems.
	invalid := func(err error) error {
		if !f.Apply(err) {
			return err
		}
		return page(web.FormStatus(err), f, nil)
	}
	switch f.Get("action") {
	case actionSave:
		if _, err := s.SaveDraft(ctx, o.ID, userID, in); err != nil {
			return invalid(err)
		}
		return web.Redirect(w, r, "/orgs/"+o.Slug+"/policy/edit", "flash.policy_saved")
	case actionPublish:
		if _, err := s.Publish(ctx, r, o.ID, userID, in); err != nil {
			return invalid(err)
		}
		return s.afterPublish(w, r, o, PublicPath(o.Slug), "flash.policy_published", "flash.policy_published_next")
	case actionPreview:
		clean, err := in.normalize(false)
		if err == nil {
			clean, err = clean.filled(o.NameIn(clean.Lang))
		}
		if err != nil {
			return invalid(err)
		}
		doc := newDocument(clean.Lang, clean.Intro, clean.Sections)
		doc.OrgName, doc.Representative, doc.RepresentativeTitle = o.NameIn(clean.Lang), clean.Representative, clean.RepresentativeTitle
		doc.Date, doc.Version, doc.Preview = s.now(), 1, true
		return page(http.StatusOK, f, func(d *editData) {
			if d.Latest != nil {
				doc.Version = d.Latest.Version + 1
			}
			d.Preview = &doc
		})
	case actionReset:
		// Only the language matters here; the text is replaced. The
		// signer fields are the owner's, not the template's: they are
		// kept when valid.
		clean, err := in.normalize(false)
		var bad map[string]string
		if err != nil {
			bad = apperr.From(err).Fields
		}
		if bad["lang"] != "" {
			return invalid(apperr.Field("lang", "policy.lang_invalid"))
		}
		if bad["representative"] != "" {
			clean.Representative = ""
		}
		if bad["representative_title"] != "" {
			clean.RepresentativeTitle = ""
		}
		fresh := draftFromTemplate(clean.Lang, o.NameIn(clean.Lang), clean.Representative, clean.RepresentativeTitle)
		return page(http.StatusOK, web.NewForm(formOf(fresh)), func(d *editData) { d.Reset = true })
	}
	return apperr.New(apperr.Invalid, "error.bad_form")
}

// externalPost records a policy hosted elsewhere as the next version.
func (s *Service) externalPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	v := web.ViewerFrom(ctx)
	if _, err := s.RecordExternal(ctx, r, o.ID, v.UserID, f.Get("external_url")); err != nil {
		if !f.Apply(err) {
			return err
		}
		// Show the editor again: its text areas from the stored draft,
		// the URL as typed with the problem.
		d, derr := s.draftOrTemplate(ctx, o, v.UserID)
		if derr != nil {
			return derr
		}
		data, derr := s.editData(ctx, o)
		if derr != nil {
			return derr
		}
		vals := formOf(inputOf(d))
		vals.Set("external_url", f.Get("external_url"))
		form := web.NewForm(vals)
		form.Errors, form.Error, form.Args = f.Errors, f.Error, f.Args
		return s.render(w, r, web.FormStatus(err), "edit", s.printer(r).T("policy.edit_title"), form, data)
	}
	return s.afterPublish(w, r, o, "/orgs/"+o.Slug+"/policy", "flash.policy_external_recorded", "flash.policy_external_recorded_next")
}

type publicData struct {
	Org *org.Org
	// Version is the version shown; Doc its text when hosted.
	Version *Version
	Doc     Document
	// LatestNo is the newest version's number, so an old version can
	// point to the current one.
	LatestNo int
}

// IsLatest reports whether the version shown is the current one.
func (d publicData) IsLatest() bool { return d.Version.Version == d.LatestNo }

// publicLatest is the organisation's current policy for anyone: the
// hosted text, printable on A4, or a link to where the company hosts it.
func (s *Service) publicLatest(w http.ResponseWriter, r *http.Request) error {
	return s.public(w, r, 0)
}

// publicVersion shows an older (or the current) version by number, so a
// business partner can see what was published on a given date.
func (s *Service) publicVersion(w http.ResponseWriter, r *http.Request) error {
	n, ok := parseVersion(r.PathValue("version"))
	if !ok {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return s.public(w, r, n)
}

// public renders version n (0: the latest). An unknown organisation and
// one that has published nothing are both simply not found.
func (s *Service) public(w http.ResponseWriter, r *http.Request, n int) error {
	ctx := r.Context()
	q := s.DB.Read()
	o, err := org.BySlug(ctx, q, r.PathValue("slug"))
	if err != nil {
		return err
	}
	latest, err := Latest(ctx, q, o.ID)
	if err != nil {
		return err
	}
	v := latest
	if n != 0 && n != latest.Version {
		if v, err = VersionOf(ctx, q, o.ID, n); err != nil {
			return err
		}
	}
	data := publicData{Org: o, Version: v, LatestNo: latest.Version}
	if !v.Hosted() {
		return s.render(w, r, http.StatusOK, "external", s.printer(r).T("policy.external_page_title", v.OrgName), nil, data)
	}
	data.Doc = documentOf(v)
	return s.render(w, r, http.StatusOK, "public", data.Doc.Title+" — "+v.OrgName, nil, data)
}

// parseVersion accepts a version number as the pages link it: decimal
// digits, no sign or leading zero, at most nine of them.
func parseVersion(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
