package org

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org/jp"
	"mamori/internal/web"
)

type dashboardData struct {
	Orgs        []Membership
	Invitations []Invitation
	Badges      map[string]Badge // org id → standing declaration
	// Standing is where each organisation stands (org id → the panel
	// of standing.html: latest diagnosis and next actions, progress toward
	// one and two stars, public page, other security work), rendered once
	// when the cache is filled, for the first dashboardReadinessOrgs
	// organisations only.
	Standing map[string]template.HTML
	Notices  []Notice
}

// dashboardReadinessOrgs caps the organisations whose work the dashboard
// summarises: a supporter may belong to hundreds, and each costs a few
// queries; the organisation's own page always has it.
const dashboardReadinessOrgs = 12

// dashboard is the logged-in home: two reads (memberships with their
// profiles, open invitations) whatever the number of organisations, served
// from a one-second read cache between writes (db.ReadCache), since it is
// the page every member opens first and most often.
func (s *Service) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.ViewerFrom(ctx)
	s.dashOnce.Do(func() { s.dash = db.NewReadCache[dashboardData](s.DB, time.Second, 10000) })
	lang := web.LangFrom(ctx)
	data, err := s.dash.Get(v.UserID+"\x00"+v.Email+"\x00"+lang, func() (dashboardData, error) {
		orgs, err := ListForUser(ctx, s.DB.Read(), v.UserID)
		if err != nil {
			return dashboardData{}, err
		}
		invs, err := InvitationsFor(ctx, s.DB.Read(), v.Email, v.UserID, s.now())
		if err != nil {
			return dashboardData{}, err
		}
		d := dashboardData{Orgs: orgs, Invitations: invs}
		if s.Badges != nil && len(orgs) > 0 {
			ids := make([]string, len(orgs))
			for i, m := range orgs {
				ids[i] = m.Org.ID
			}
			if d.Badges, err = s.Badges(ctx, ids); err != nil {
				return dashboardData{}, err
			}
		}
		if len(orgs) > 0 {
			d.Standing = map[string]template.HTML{}
			p := s.Catalog.Printer(lang)
			for i, m := range orgs {
				if i == dashboardReadinessOrgs {
					break
				}
				var items []ReadinessItem
				if s.Readiness != nil {
					if items, err = s.Readiness(ctx, m.Org); err != nil {
						return dashboardData{}, err
					}
				}
				diag, ok, err := s.latestDiagnosis(ctx, m.Org, lang)
				if err != nil {
					return dashboardData{}, err
				}
				var dp *Diagnosis
				if ok {
					dp = &diag
				}
				if d.Standing[m.Org.ID], err = standing(p, m, items, d.Badges[m.Org.ID], dp); err != nil {
					return dashboardData{}, err
				}
			}
		}
		if s.Notices != nil {
			if d.Notices, err = s.Notices(ctx, v); err != nil {
				return dashboardData{}, err
			}
		}
		return d, nil
	})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "dashboard", s.printer(r).T("dashboard.title"), nil, data)
}

// dashboardAcceptPost accepts an invitation listed on the dashboard.
// Without the mailed secret, the verified account address is the proof.
func (s *Service) dashboardAcceptPost(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	if !v.Verified {
		return apperr.New(apperr.Forbidden, "org.verify_first")
	}
	inv, err := s.AcceptInvitationByID(r.Context(), s.DB, r, r.PathValue("id"), v.UserID, v.Email)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+inv.OrgSlug, "flash.org_invite_accepted")
}

func (s *Service) listPage(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	orgs, err := ListForUser(r.Context(), s.DB.Read(), v.UserID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "list", s.printer(r).T("org.list_title"), nil, dashboardData{Orgs: orgs})
}

// formData feeds the profile form's choices.
type formData struct {
	Org         *Org // nil when creating
	Prefectures []jp.Prefecture
	Industries  []jp.Industry
	Unverified  bool
}

func newFormData(o *Org) formData {
	return formData{Org: o, Prefectures: jp.Prefectures(), Industries: jp.Industries()}
}

func (s *Service) newPage(w http.ResponseWriter, r *http.Request) error {
	d := newFormData(nil)
	d.Unverified = !web.ViewerFrom(r.Context()).Verified
	return s.render(w, r, http.StatusOK, "new", s.printer(r).T("org.new_title"), web.NewForm(url.Values{"next": {r.URL.Query().Get("next")}}), d)
}

// newPost creates an organisation. A verified address is required so
// that an organisation's owner can always be reached (and invitations
// and notices about it go somewhere real).
func (s *Service) newPost(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	if !v.Verified {
		return apperr.New(apperr.Forbidden, "org.verify_first")
	}
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	title := s.printer(r).T("org.new_title")
	in, pre := inputFromForm(f)
	if len(pre) > 0 {
		_, more := in.normalize()
		for k, m := range more {
			pre.Add(k, m)
		}
		return s.showForm(w, r, pre.Err(), "new", title, f, newFormData(nil))
	}
	o, err := s.Create(r.Context(), s.DB, r, v.UserID, in)
	if err != nil {
		return s.showForm(w, r, err, "new", title, f, newFormData(nil))
	}
	// A flow that needed an organisation (saving a diagnosis) resumes.
	if next := f.Get("next"); next != "" && web.SafeNext(next) == next {
		return web.Redirect(w, r, next, "flash.org_created")
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug, "flash.org_created")
}

// showForm shows a profile form again with its problems, or passes on
// errors that are not about the input.
func (s *Service) showForm(w http.ResponseWriter, r *http.Request, err error, name, title string, f *web.Form, d formData) error {
	if !f.Apply(err) {
		return err
	}
	return s.render(w, r, web.FormStatus(err), name, title, f, d)
}

type showData struct {
	Org     *Org
	Role    string
	Members []Member
	// Message keys for the derived size, chosen here so the template
	// stays free of the classification rules.
	SizeKey, BandKey, RuleKey string
	// SplitKey explains which bucket a major group split by the SME
	// Agency was judged in, "" for the others.
	SplitKey string
	// Numbers with thousands separators, "" when unknown.
	Employees, Capital string
	// Badge is the standing declaration, zero when there is none.
	Badge Badge
	// Readiness lists the security work and whether each is done.
	Readiness []ReadinessItem
}

// groupDigits writes n with thousands separators (both languages use
// commas for figures).
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func (s *Service) showPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := FromRequest(r).Org
	members, err := ListMembers(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return err
	}
	m, _ := web.ViewerFrom(ctx).Membership(o.Slug)
	d := showData{Org: o, Role: m.Role, Members: members, SizeKey: "org.size." + string(o.SizeClass()), BandKey: "org.band.none", RuleKey: "org.rule.none"}
	if o.Employees != nil {
		d.Employees = groupDigits(int64(*o.Employees))
	}
	if o.CapitalYen != nil {
		d.Capital = groupDigits(*o.CapitalYen)
	}
	if b := o.SurveyBand(); b != "" {
		d.BandKey = "org.band." + string(b)
	}
	if sec := o.Sector(); sec != "" {
		d.RuleKey = "org.rule." + string(sec)
		if jp.Split(o.Industry) {
			d.SplitKey = "org.rule.split." + o.Industry
		}
	}
	if s.Badges != nil {
		b, err := s.Badges(ctx, []string{o.ID})
		if err != nil {
			return err
		}
		d.Badge = b[o.ID]
	}
	if s.Readiness != nil {
		if d.Readiness, err = s.Readiness(ctx, o); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "show", o.Name, nil, d)
}

// formValues fills the edit form from the stored profile.
func formValues(o *Org) url.Values {
	v := url.Values{
		"name": {o.Name}, "name_kana": {o.NameKana}, "name_en": {o.NameEn}, "corporate_number": {o.CorporateNumber},
		"prefecture": {o.Prefecture}, "industry": {o.Industry},
	}
	if o.Wholesale {
		v.Set("wholesale", "1")
	}
	if o.Employees != nil {
		v.Set("employees", strconv.Itoa(*o.Employees))
	}
	if o.CapitalYen != nil {
		v.Set("capital_yen", strconv.FormatInt(*o.CapitalYen, 10))
	}
	return v
}

func (s *Service) editPage(w http.ResponseWriter, r *http.Request) error {
	o := FromRequest(r).Org
	return s.render(w, r, http.StatusOK, "edit", s.printer(r).T("org.edit_title"), web.NewForm(formValues(o)), newFormData(o))
}

func (s *Service) editPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := FromRequest(r).Org
	title := s.printer(r).T("org.edit_title")
	in, pre := inputFromForm(f)
	if len(pre) > 0 {
		_, more := in.normalize()
		for k, m := range more {
			pre.Add(k, m)
		}
		return s.showForm(w, r, pre.Err(), "edit", title, f, newFormData(o))
	}
	if _, err := s.Update(ctx, s.DB, r, o.Slug, in); err != nil {
		return s.showForm(w, r, err, "edit", title, f, newFormData(o))
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug, "flash.org_updated")
}

// readinessList is the dashboard's compact list of an organisation's
// security work.
var readinessList = template.Must(template.New("readiness").Parse(`<ul class="readiness compact" id="readiness-{{.Slug}}" aria-label="{{.Title}}">
{{range .Items}}<li><a href="{{.Path}}"><span class="badge {{if .Done}}done{{else}}priority{{end}}">{{if .Done}}✓{{else}}–{{end}} {{.Label}}</span></a><span class="sr-only"> {{.State}}</span></li>
{{end}}</ul>`))

// readinessHTML renders the list in the printer's language.
func readinessHTML(p *i18n.Printer, slug string, items []ReadinessItem) (template.HTML, error) {
	type item struct {
		Path, Label, State string
		Done               bool
	}
	data := struct {
		Slug, Title string
		Items       []item
	}{Slug: slug, Title: p.T("org.readiness_title")}
	for _, it := range items {
		state := p.T("org.readiness_todo")
		if it.Done {
			state = p.T("org.readiness_done")
		}
		data.Items = append(data.Items, item{Path: it.Path, Label: p.T(it.Key), State: state, Done: it.Done})
	}
	var b strings.Builder
	if err := readinessList.Execute(&b, data); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
