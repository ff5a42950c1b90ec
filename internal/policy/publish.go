package policy

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/web"
)

// Bounds of the editor's fields. A section is a few paragraphs; 4,000
// characters leaves room for a company that wants to say more without
// letting one field grow without limit.
const (
	MaxSectionChars        = 4000
	MaxExternalURL         = 500
	maxRepresentative      = 100
	maxRepresentativeTitle = 100
)

// DraftInput is the editor as submitted: the document's language, the
// intro, one body per heading (Sections[0] is heading 1) and who signs.
type DraftInput struct {
	Lang                                string
	Intro                               string
	Sections                            [NumSections]string
	Representative, RepresentativeTitle string
}

// sectionField is the form field of heading i (0-based): "h1".."h5".
func sectionField(i int) string { return "h" + strconv.Itoa(i+1) }

// normalize checks every field at once, so the form shows all problems in
// one round trip, and returns the cleaned values. Publishing also needs
// every heading's body and the representative; a draft may be unfinished.
func (in DraftInput) normalize(publishing bool) (DraftInput, error) {
	fields := apperr.FieldSet{}
	out := in
	if !i18n.Supported(in.Lang) {
		fields.Add("lang", "policy.lang_invalid")
	}
	var problem web.Problem
	if out.Intro, problem = web.CheckLines(in.Intro, MaxSectionChars); problem != "" {
		fields.Add("intro", problem.Key("policy.text_invalid", "policy.text_too_long"))
	}
	for i := range in.Sections {
		out.Sections[i], problem = web.CheckLines(in.Sections[i], MaxSectionChars)
		if problem != "" {
			fields.Add(sectionField(i), problem.Key("policy.text_invalid", "policy.text_too_long"))
		} else if publishing && out.Sections[i] == "" {
			fields.Add(sectionField(i), "policy.section_required")
		}
	}
	var ok bool
	if out.Representative, ok = web.CleanText(in.Representative, maxRepresentative); !ok {
		fields.Add("representative", web.TextKey(in.Representative, "policy.representative_invalid"))
	} else if publishing && out.Representative == "" {
		fields.Add("representative", "policy.representative_required")
	}
	if out.RepresentativeTitle, ok = web.CleanText(in.RepresentativeTitle, maxRepresentativeTitle); !ok {
		fields.Add("representative_title", web.TextKey(in.RepresentativeTitle, "policy.representative_title_invalid"))
	}
	return out, fields.Err()
}

// filled is the cleaned input with the placeholders replaced, as it will
// be published. The filled text is held to the same length bound, so a
// body full of {company} cannot publish more than the limit.
func (in DraftInput) filled(orgName string) (DraftInput, error) {
	fields := apperr.FieldSet{}
	out := in
	out.Intro = fill(in.Intro, orgName, in.Representative)
	if utf8.RuneCountInString(out.Intro) > MaxSectionChars {
		fields.Add("intro", "policy.text_too_long")
	}
	for i := range in.Sections {
		out.Sections[i] = fill(in.Sections[i], orgName, in.Representative)
		if utf8.RuneCountInString(out.Sections[i]) > MaxSectionChars {
			fields.Add(sectionField(i), "policy.text_too_long")
		}
	}
	return out, fields.Err()
}

// draftFromTemplate is the template in lang filled with the company's
// name (and the representative when known): the editor's starting point.
func draftFromTemplate(lang, orgName, representative, representativeTitle string) DraftInput {
	t := Template(lang)
	in := DraftInput{Lang: lang, Intro: fill(t.Intro, orgName, representative),
		Representative: representative, RepresentativeTitle: representativeTitle}
	if !i18n.Supported(lang) {
		in.Lang = i18n.Default
	}
	for i, sec := range t.Sections {
		in.Sections[i] = fill(sec.Body, orgName, representative)
	}
	return in
}

// draft is the input as the organisation's stored working copy.
func (in DraftInput) draft(orgID, userID string, at time.Time) *Draft {
	return &Draft{OrgID: orgID, Lang: in.Lang, Intro: in.Intro, Sections: in.Sections, Representative: in.Representative,
		RepresentativeTitle: in.RepresentativeTitle, UpdatedAt: at, UpdatedBy: userID}
}

// inputOf is a stored draft as editor input.
func inputOf(d *Draft) DraftInput {
	return DraftInput{Lang: d.Lang, Intro: d.Intro, Sections: d.Sections, Representative: d.Representative, RepresentativeTitle: d.RepresentativeTitle}
}

// SaveDraft validates in and stores it as the organisation's draft.
// Nothing is published.
func (s *Service) SaveDraft(ctx context.Context, orgID, userID string, in DraftInput) (*Draft, error) {
	clean, err := in.normalize(false)
	if err != nil {
		return nil, err
	}
	d := clean.draft(orgID, userID, s.now())
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := org.LockOwned(ctx, tx, orgID, userID, "policy.owner_only"); err != nil {
			return err
		}
		return saveDraft(ctx, tx, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Publish validates in as a complete policy, saves it as the draft and
// stores it, placeholders filled, as the organisation's next version. The
// draft, the version and the audit entry commit together. r may be nil.
func (s *Service) Publish(ctx context.Context, r *http.Request, orgID, userID string, in DraftInput) (*Version, error) {
	clean, err := in.normalize(true)
	if err != nil {
		return nil, err
	}
	var v *Version
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		o, err := org.LockOwned(ctx, tx, orgID, userID, "policy.owner_only")
		if err != nil {
			return err
		}
		name := o.NameIn(clean.Lang)
		out, err := clean.filled(name)
		if err != nil {
			return err
		}
		now := s.now()
		if err := saveDraft(ctx, tx, clean.draft(orgID, userID, now)); err != nil {
			return err
		}
		v = &Version{ID: db.NewID(), OrgID: orgID, Lang: out.Lang, OrgName: name, Representative: out.Representative,
			RepresentativeTitle: out.RepresentativeTitle, Intro: out.Intro, Sections: out.Sections, PublishedAt: now, PublishedBy: userID}
		if err := insertVersion(ctx, tx, v); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return apperr.Wrap(err, apperr.Conflict, "error.conflict")
			}
			return err
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionPublished, v,
			map[string]any{"org": orgID, "version": v.Version, "lang": v.Lang, "template": TemplateVersion()}))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// RecordExternal publishes a policy the organisation hosts elsewhere: the
// next version is a record of rawURL instead of text. r may be nil.
func (s *Service) RecordExternal(ctx context.Context, r *http.Request, orgID, userID, rawURL string) (*Version, error) {
	// Anything but an absolute http(s) URL could not be followed safely
	// from a public page.
	u, problem := web.CheckURL(rawURL, MaxExternalURL)
	if problem != "" {
		return nil, apperr.Field("external_url", problem.Key("policy.url_invalid", "policy.url_too_long", "policy.url_required", "policy.url_scheme"))
	}
	var v *Version
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		o, err := org.LockOwned(ctx, tx, orgID, userID, "policy.owner_only")
		if err != nil {
			return err
		}
		name := o.Name
		v = &Version{ID: db.NewID(), OrgID: orgID, Lang: i18n.Default, OrgName: name, ExternalURL: u, PublishedAt: s.now(), PublishedBy: userID}
		if d, err := DraftFor(ctx, tx, orgID); err == nil {
			v.Lang, v.Representative, v.RepresentativeTitle = d.Lang, d.Representative, d.RepresentativeTitle
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if err := insertVersion(ctx, tx, v); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return apperr.Wrap(err, apperr.Conflict, "error.conflict")
			}
			return err
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionExternalRecorded, v,
			map[string]any{"org": orgID, "version": v.Version, "url": u}))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func auditEntry(r *http.Request, userID, action string, v *Version, detail map[string]any) audit.Entry {
	e := audit.Entry{Action: action, TargetType: "policy_version", TargetID: v.ID, Detail: detail}
	if r == nil || web.ViewerFrom(r.Context()) == nil {
		e.ActorID = userID // no request viewer to take it from
	}
	return e
}
