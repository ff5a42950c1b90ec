package cloudcheck

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assets"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/web"
)

// listRow is one standing service on the inventory page.
type listRow struct {
	*CloudService
	Assets  []AssetRef
	Summary CheckSummary
	Due     bool
}

type listData struct {
	Org     *org.Org
	Rows    []listRow
	Due     []listRow
	Deleted []*CloudService
	Groups  []Group
	Status  Summary
	// NoCloudSince is when the "no cloud" statement was recorded; zero
	// when it is not.
	NoCloudSince time.Time
}

// NoCloudText is the day the "no cloud" statement was recorded.
func (d listData) NoCloudText(lang string) string { return i18n.Date(d.NoCloudSince, lang) }

// listPage is the inventory with the cross-service summary: each service
// with its assets, its counts per group, its last check and whether the
// re-check is due; the deleted services to restore; the "no cloud"
// statement.
func (s *Service) listPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := s.DB.Read()
	o := org.FromRequest(r).Org
	now := s.now()
	data := listData{Org: o, Groups: Groups(web.LangFrom(ctx))}
	services, err := List(ctx, q, o.ID, false)
	if err != nil {
		return err
	}
	answers, err := answersFor(ctx, q, o.ID, "")
	if err != nil {
		return err
	}
	links, err := assetLinks(ctx, q, o.ID, "")
	if err != nil {
		return err
	}
	for _, c := range services {
		a := answers[c.ID]
		if a == nil {
			a = newAnswers()
		}
		row := listRow{CloudService: c, Assets: links[c.ID], Summary: Summarize(a), Due: c.Due(now)}
		data.Rows = append(data.Rows, row)
		if row.Due {
			data.Due = append(data.Due, row)
		}
	}
	if data.Deleted, err = List(ctx, q, o.ID, true); err != nil {
		return err
	}
	if data.Status, err = Status(ctx, q, o.ID, now); err != nil {
		return err
	}
	if data.Status.NoCloud {
		if data.NoCloudSince, err = NoCloudSince(ctx, q, o.ID); err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "list", s.printer(r).T("cloud.title"), nil, data)
}

// formData feeds the service form (new and edit).
type formData struct {
	Org *org.Org
	// Service is nil when adding one.
	Service *CloudService
	// Assets are the organisation's standing assets, to choose from.
	Assets []*assets.Asset
}

func (s *Service) formData(ctx context.Context, o *org.Org, c *CloudService) (formData, error) {
	list, err := assets.List(ctx, s.DB.Read(), o.ID, assets.Filter{})
	return formData{Org: o, Service: c, Assets: list}, err
}

// inputFromForm reads the service form.
func inputFromForm(f *web.Form) Input {
	return Input{Name: f.Get("name"), Provider: f.Get("provider"), Purpose: f.Get("purpose"), URL: f.Get("url"), AssetIDs: f.Values["assets"]}
}

// formValues is a stored service as form values.
func formValues(c *CloudService, linked []AssetRef) url.Values {
	v := url.Values{"name": {c.Name}, "provider": {c.Provider}, "purpose": {c.Purpose}, "url": {c.URL}}
	for _, a := range linked {
		v.Add("assets", a.ID)
	}
	return v
}

// showForm shows the service form again with the problems of err, or
// passes on errors that are not about the input.
func (s *Service) showForm(w http.ResponseWriter, r *http.Request, err error, o *org.Org, c *CloudService, f *web.Form) error {
	if !f.Apply(err) {
		return err
	}
	data, derr := s.formData(r.Context(), o, c)
	if derr != nil {
		return derr
	}
	return s.render(w, r, web.FormStatus(err), "form", s.formTitle(r, c), f, data)
}

func (s *Service) formTitle(r *http.Request, c *CloudService) string {
	if c == nil {
		return s.printer(r).T("cloud.new_title")
	}
	return s.printer(r).T("cloud.edit_title")
}

func (s *Service) newPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	data, err := s.formData(ctx, o, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "form", s.formTitle(r, nil), web.NewForm(url.Values{}), data)
}

func (s *Service) newPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	c, err := s.Create(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, inputFromForm(f))
	if err != nil {
		return s.showForm(w, r, err, o, nil, f)
	}
	return web.Redirect(w, r, CheckPath(o.Slug, c.ID), "flash.cloud_created")
}

// standing loads the organisation named by the path and its standing
// service {id}: another organisation's service, a deleted one and an
// unknown id are all not found.
func (s *Service) standing(r *http.Request) (*org.Org, *CloudService, error) {
	ctx := r.Context()
	q := s.DB.Read()
	o := org.FromRequest(r).Org
	c, err := Get(ctx, q, o.ID, r.PathValue("id"))
	if err != nil {
		return nil, nil, notFound(err)
	}
	if c.DeletedAt != nil {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return o, c, nil
}

func (s *Service) editPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, c, err := s.standing(r)
	if err != nil {
		return err
	}
	linked, err := AssetsOf(ctx, s.DB.Read(), o.ID, c.ID)
	if err != nil {
		return err
	}
	data, err := s.formData(ctx, o, c)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "form", s.formTitle(r, c), web.NewForm(formValues(c, linked)), data)
}

func (s *Service) editPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o, c, err := s.standing(r)
	if err != nil {
		return err
	}
	if _, err := s.Update(r.Context(), o.ID, c.ID, inputFromForm(f)); err != nil {
		return s.showForm(w, r, err, o, c, f)
	}
	return web.Redirect(w, r, CheckPath(o.Slug, c.ID), "flash.cloud_updated")
}

// choice is one answer's radio button.
type choice struct {
	Value string
	Key   string // message key of the label
}

// choices are the radio buttons of every point, "not answered yet" last:
// it lets a partial save leave a point open again.
var choices = []choice{
	{string(Yes), "cloud.answer.yes"},
	{string(No), "cloud.answer.no"},
	{string(NA), "cloud.answer.na"},
	{string(Unanswered), "cloud.answer.unanswered"},
}

// pointView is one point of the check sheet.
type pointView struct {
	Point
	Field, NoteField string
	Saved            PointAnswer
}

// groupView is one group of the check sheet with its counts.
type groupView struct {
	Group
	Counts Counts
	Items  []pointView
}

type showData struct {
	Org      *org.Org
	Service  *CloudService
	Assets   []AssetRef
	Groups   []groupView
	Summary  CheckSummary
	Todo     []Point
	Due      bool
	Choices  []choice
	MaxNote  int
	Complete bool
	// Saved is the group just saved (?saved=), whose form says so.
	Saved string
}

func (s *Service) showData(ctx context.Context, o *org.Org, c *CloudService) (showData, *Answers, error) {
	q := s.DB.Read()
	d := showData{Org: o, Service: c, Due: c.Due(s.now()), Choices: choices, MaxNote: MaxNote}
	var err error
	if d.Assets, err = AssetsOf(ctx, q, o.ID, c.ID); err != nil {
		return d, nil, err
	}
	a, err := AnswersOf(ctx, q, o.ID, c.ID)
	if err != nil {
		return d, nil, err
	}
	d.Summary = Summarize(a)
	d.Complete = d.Summary.Complete()
	points := map[int]Point{}
	for _, g := range Groups(web.LangFrom(ctx)) {
		gv := groupView{Group: g, Counts: d.Summary.Groups[g.Index]}
		for _, p := range g.Points {
			points[p.No] = p
			gv.Items = append(gv.Items, pointView{Point: p, Field: answerField(p.No), NoteField: noteField(p.No), Saved: a[p.No-1]})
		}
		d.Groups = append(d.Groups, gv)
	}
	for _, no := range d.Summary.Todo {
		d.Todo = append(d.Todo, points[no])
	}
	return d, a, nil
}

// answerValues are stored answers as the check form's values.
func answerValues(a *Answers) url.Values {
	v := url.Values{}
	for i, p := range a {
		v.Set(answerField(i+1), string(p.Answer))
		v.Set(noteField(i+1), p.Note)
	}
	return v
}

// showPage is a service's check sheet: its details, the summary (counts
// per group, the "no" answers as to-dos, the re-check date) and the
// fourteen points with the stored answers.
func (s *Service) showPage(w http.ResponseWriter, r *http.Request) error {
	o, c, err := s.standing(r)
	if err != nil {
		return err
	}
	data, a, err := s.showData(r.Context(), o, c)
	if err != nil {
		return err
	}
	if g := r.URL.Query().Get("saved"); g != "" {
		if _, ok := groupBoundsOf(g); ok {
			data.Saved = g
		}
	}
	return s.render(w, r, http.StatusOK, "show", s.printer(r).T("cloud.show_title", c.Name), web.NewForm(answerValues(a)), data)
}

// answersPost saves the check sheet. With every point answered it
// completes the check; otherwise the answers are kept as they are.
func (s *Service) answersPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o, c, err := s.standing(r)
	if err != nil {
		return err
	}
	complete, err := s.SaveAnswers(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, c.ID, answersFromForm(f))
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		data, stored, derr := s.showData(ctx, o, c)
		if derr != nil {
			return derr
		}
		// The other groups show what is stored, not emptied.
		for k, vs := range answerValues(stored) {
			if _, sent := f.Values[k]; !sent {
				f.Values[k] = vs
			}
		}
		return s.render(w, r, web.FormStatus(err), "show", s.printer(r).T("cloud.show_title", c.Name), f, data)
	}
	flash := "flash.cloud_answers_saved"
	if complete {
		flash = "flash.cloud_check_completed"
	}
	target := CheckPath(o.Slug, c.ID) + "#cloud-summary"
	if g := f.Get("group"); !complete {
		if _, ok := groupBoundsOf(g); ok {
			target = CheckPath(o.Slug, c.ID) + "?saved=" + g + "#cloud-group-" + g
		}
	}
	return web.Redirect(w, r, target, flash)
}

func (s *Service) deletePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	if err := s.Delete(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, r.PathValue("id")); err != nil {
		return err
	}
	return web.Redirect(w, r, ListPath(o.Slug), "flash.cloud_deleted")
}

func (s *Service) restorePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	id := r.PathValue("id")
	if err := s.Restore(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, id); err != nil {
		return err
	}
	return web.Redirect(w, r, CheckPath(o.Slug, id), "flash.cloud_restored")
}

// nonePost records (none=1) or takes back (none=0) the statement that the
// organisation uses no cloud services.
func (s *Service) nonePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	var on bool
	switch f.Get("none") {
	case "1":
		on = true
	case "0":
	default:
		return apperr.New(apperr.Invalid, "error.bad_form")
	}
	if err := s.SetNoCloud(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, on); err != nil {
		return err
	}
	flash := "flash.cloud_none_cleared"
	if on {
		flash = "flash.cloud_none_recorded"
	}
	return web.Redirect(w, r, ListPath(o.Slug), flash)
}
