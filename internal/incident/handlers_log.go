package incident

import (
	"net/http"
	"net/url"

	"mamori/internal/apperr"
	"mamori/internal/org"
	"mamori/internal/web"
)

type newData struct {
	Org *org.Org
}

type entryData struct {
	Org      *org.Org
	Incident *Incident
	// Conflict is true when the form is shown again because someone else
	// saved the entry meanwhile.
	Conflict bool
}

func logURL(o *org.Org) string              { return "/orgs/" + o.Slug + "/incident" }
func entryURL(o *org.Org, id string) string { return logURL(o) + "/log/" + id }

// newPage is the form for a new incident, with the time found set to now.
func (s *Service) newPage(w http.ResponseWriter, r *http.Request) error {
	o := org.FromRequest(r).Org
	f := web.NewForm(url.Values{"found_at": {localInput(s.now())}})
	return s.render(w, r, http.StatusOK, "new", s.printer(r).T("incident.new_title"), f, newData{Org: o})
}

func (s *Service) newPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	i, err := s.CreateIncident(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, entryInputFromForm(f))
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.render(w, r, web.FormStatus(err), "new", s.printer(r).T("incident.new_title"), f, newData{Org: o})
	}
	return web.Redirect(w, r, entryURL(o, i.ID), "flash.incident_created")
}

// entry loads the organisation and one of its incidents: another
// organisation's id is simply not found.
func (s *Service) entry(r *http.Request) (*org.Org, *Incident, error) {
	ctx := r.Context()
	q := s.DB.Read()
	o := org.FromRequest(r).Org
	i, err := IncidentByID(ctx, q, o.ID, r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	return o, i, nil
}

// entryForm is the entry page's form: the stored entry with the close
// form's time set to now.
func (s *Service) entryForm(i *Incident) *web.Form {
	v := entryFormOf(i)
	v.Set("closed_at", localInput(s.now()))
	return web.NewForm(v)
}

// entryPage shows one incident with its edit form and the close or
// reopen button.
func (s *Service) entryPage(w http.ResponseWriter, r *http.Request) error {
	o, i, err := s.entry(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "entry", i.Title, s.entryForm(i), entryData{Org: o, Incident: i})
}

// entryPost saves the edit form.
func (s *Service) entryPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o, i, err := s.entry(r)
	if err != nil {
		return err
	}
	base, ok := parseRevision(f.Get(fieldRevision))
	if !ok || base < 1 {
		return apperr.New(apperr.Invalid, "error.bad_form")
	}
	if err := s.UpdateIncident(ctx, r, o.ID, i.ID, web.ViewerFrom(ctx).UserID, entryInputFromForm(f), base); err != nil {
		if !f.Apply(err) {
			return err
		}
		data := entryData{Org: o, Incident: i}
		if apperr.Is(err, apperr.Conflict) {
			// Show the newer entry beside what was typed, and let the
			// member save over it once they have looked.
			data.Conflict = true
			if fresh, ferr := IncidentByID(ctx, s.DB.Read(), o.ID, i.ID); ferr == nil {
				data.Incident = fresh
				f.Values.Set(fieldRevision, itoa(fresh.Revision))
			}
		}
		if f.Get("closed_at") == "" {
			f.Values.Set("closed_at", localInput(s.now()))
		}
		return s.render(w, r, web.FormStatus(err), "entry", i.Title, f, data)
	}
	return web.Redirect(w, r, entryURL(o, i.ID), "flash.incident_updated")
}

// closePost closes the incident at the time given (now when empty).
func (s *Service) closePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o, i, err := s.entry(r)
	if err != nil {
		return err
	}
	if err := s.CloseIncident(ctx, r, o.ID, i.ID, web.ViewerFrom(ctx).UserID, f.Get("closed_at")); err != nil {
		if !f.Apply(err) {
			return err
		}
		// The entry page again: its edit form from the stored entry, the
		// closing time as typed with the problem.
		form := s.entryForm(i)
		form.Values.Set("closed_at", f.Get("closed_at"))
		form.Errors, form.Error, form.Args = f.Errors, f.Error, f.Args
		return s.render(w, r, web.FormStatus(err), "entry", i.Title, form, entryData{Org: o, Incident: i})
	}
	return web.Redirect(w, r, entryURL(o, i.ID), "flash.incident_closed")
}

// reopenPost opens a closed incident again.
func (s *Service) reopenPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, i, err := s.entry(r)
	if err != nil {
		return err
	}
	if err := s.ReopenIncident(ctx, r, o.ID, i.ID, web.ViewerFrom(ctx).UserID); err != nil {
		return err
	}
	return web.Redirect(w, r, entryURL(o, i.ID), "flash.incident_reopened")
}
