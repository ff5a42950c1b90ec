package assets

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/web"
)

// Choices are the fixed vocabularies the forms and filters list.
type Choices struct {
	PersonalData []PersonalData
	Media        []controls.Medium
	Treatments   []Treatment
	Ratings      []int
}

var choices = Choices{PersonalData: PersonalDataKinds, Media: controls.Media, Treatments: Treatments, Ratings: []int{1, 2, 3}}

type listData struct {
	Org      web.Membership
	Rows     []Assessment
	Filter   Filter
	Choices  Choices
	Settings Settings
	Total    int // standing assets, before filtering
	Clouds   map[string][]CloudRef
}

// listPage is the ledger: every standing asset (or the deleted ones) with
// its importance and risk, filtered and sorted as the query asks.
func (s *Service) listPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m := orgOf(r)
	q := r.URL.Query()
	f := Filter{Deleted: q.Get("deleted") == "1", PersonalData: PersonalData(q.Get("personal_data")), Text: q.Get("q"), Sort: q.Get("sort")}
	if n, err := strconv.Atoi(q.Get("min_importance")); err == nil && Rating(n).Valid() {
		f.MinImportance = Rating(n)
	}
	if !f.PersonalData.Valid() {
		f.PersonalData = ""
	}
	if f.Sort != "name" && f.Sort != "importance" && f.Sort != "risk" {
		f.Sort = ""
	}
	an, err := Analyse(ctx, s.DB.Read(), m.OrgID)
	if err != nil {
		return err
	}
	data := listData{Org: m, Filter: f, Choices: choices, Settings: an.Settings, Total: len(an.Rows)}
	// The analysis holds the standing assets already; only the deleted
	// ones (not analysed) need reading.
	var list []*Asset
	if f.Deleted {
		if list, err = List(ctx, s.DB.Read(), m.OrgID, Filter{Deleted: true}); err != nil {
			return err
		}
	} else {
		for _, row := range an.Rows {
			list = append(list, row.Asset)
		}
	}
	list = slices.DeleteFunc(list, func(a *Asset) bool { return !f.matches(a) })
	f.sort(list) // name or importance; risk is sorted once assessed
	for _, a := range list {
		data.Rows = append(data.Rows, Assess(a, an.Settings, an.Derived))
	}
	if f.Sort == "risk" {
		sortByRisk(data.Rows)
	}
	if data.Clouds, err = s.clouds(ctx, m.OrgID); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "list", s.printer(r).T("assets.title"), nil, data)
}

func (s *Service) clouds(ctx context.Context, orgID string) (map[string][]CloudRef, error) {
	if s.Clouds == nil {
		return nil, nil
	}
	return s.Clouds(ctx, s.DB.Read(), orgID)
}

type formData struct {
	Org     web.Membership
	Asset   *Asset // nil for a new asset
	Choices Choices
	// Assessment is the stored asset's risk; nil for a new one.
	Assessment *Assessment
	Settings   Settings
	Derived    Derived
	Clouds     []CloudRef
	// CIA are the rating fields, in the ledger's order.
	CIA []string
}

// DerivedFor is the countermeasure check's vulnerability for a medium key.
func (d formData) DerivedFor(medium string) controls.Derived {
	return d.Derived[controls.Medium(medium)]
}

func (s *Service) formData(ctx context.Context, m web.Membership, a *Asset) (formData, error) {
	d := formData{Org: m, Asset: a, Choices: choices, CIA: []string{"confidentiality", "integrity", "availability"}}
	var err error
	if d.Settings, err = SettingsFor(ctx, s.DB.Read(), m.OrgID); err != nil {
		return d, err
	}
	if d.Derived, err = controls.Vulnerabilities(ctx, s.DB.Read(), m.OrgID); err != nil {
		return d, err
	}
	if a != nil {
		as := Assess(a, d.Settings, d.Derived)
		d.Assessment = &as
		cl, err := s.clouds(ctx, m.OrgID)
		if err != nil {
			return d, err
		}
		d.Clouds = cl[a.ID]
	}
	return d, nil
}

// formValues fills the form from an asset.
func formValues(a *Asset) url.Values {
	in := a.input()
	return url.Values{"business_area": {in.BusinessArea}, "name": {in.Name}, "notes": {in.Notes}, "users": {in.Users},
		"department": {in.Department}, "storage": {in.Storage}, "medium": {in.Medium}, "personal_data": {in.PersonalData},
		"confidentiality": {in.C}, "integrity": {in.I}, "availability": {in.A}, "retention": {in.Retention},
		"registered_on": {in.RegisteredOn}, "threat": {in.Threat}, "vulnerability": {in.Vulnerability},
		"vulnerability_reason": {in.VulnerabilityReason}, "treatment": {in.Treatment}, "treatment_owner": {in.TreatmentOwner},
		"treatment_due": {in.TreatmentDue}}
}

// inputFrom reads the asset form.
func inputFrom(f *web.Form) Input {
	return Input{BusinessArea: f.Get("business_area"), Name: f.Get("name"), Notes: f.Get("notes"), Users: f.Get("users"),
		Department: f.Get("department"), Storage: f.Get("storage"), Medium: f.Get("medium"), PersonalData: f.Get("personal_data"),
		C: f.Get("confidentiality"), I: f.Get("integrity"), A: f.Get("availability"), Retention: f.Get("retention"),
		RegisteredOn: f.Get("registered_on"), Threat: f.Get("threat"), Vulnerability: f.Get("vulnerability"),
		VulnerabilityReason: f.Get("vulnerability_reason"), Treatment: f.Get("treatment"), TreatmentOwner: f.Get("treatment_owner"),
		TreatmentDue: f.Get("treatment_due")}
}

func (s *Service) newPage(w http.ResponseWriter, r *http.Request) error {
	m := orgOf(r)
	d, err := s.formData(r.Context(), m, nil)
	if err != nil {
		return err
	}
	f := web.NewForm(url.Values{"confidentiality": {"2"}, "integrity": {"2"}, "availability": {"2"}, "personal_data": {"none"}})
	return s.render(w, r, http.StatusOK, "form", s.printer(r).T("assets.new_title"), f, d)
}

func (s *Service) newPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	m := orgOf(r)
	var a *Asset
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if a, err = Create(ctx, tx, m.OrgID, inputFrom(f), s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionCreated, TargetType: "asset", TargetID: a.ID, Detail: map[string]any{"org": m.Slug}})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		d, derr := s.formData(ctx, m, nil)
		if derr != nil {
			return derr
		}
		return s.render(w, r, web.FormStatus(err), "form", s.printer(r).T("assets.new_title"), f, d)
	}
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/assets#asset-"+a.ID, "flash.asset_created")
}

func (s *Service) editPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m := orgOf(r)
	a, err := Get(ctx, s.DB.Read(), m.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := s.formData(ctx, m, a)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "form", a.Name, web.NewForm(formValues(a)), d)
}

func (s *Service) editPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	m := orgOf(r)
	id := r.PathValue("id")
	cur, err := Get(ctx, s.DB.Read(), m.OrgID, id)
	if err != nil {
		return err
	}
	if cur.DeletedAt != nil {
		return apperr.New(apperr.Conflict, "assets.err.deleted")
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := Update(ctx, tx, m.OrgID, id, inputFrom(f), s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionUpdated, TargetType: "asset", TargetID: id, Detail: map[string]any{"org": m.Slug}})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		d, derr := s.formData(ctx, m, cur)
		if derr != nil {
			return derr
		}
		return s.render(w, r, web.FormStatus(err), "form", cur.Name, f, d)
	}
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/assets/"+id, "flash.asset_saved")
}

// duplicatePost copies an asset as "<name> (copy)" in the user's language
// and opens the copy, since a copy is made to be edited.
func (s *Service) duplicatePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := web.ParseForm(r); err != nil {
		return err
	}
	m := orgOf(r)
	var a *Asset
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		src, err := Get(ctx, tx, m.OrgID, r.PathValue("id"))
		if err != nil {
			return err
		}
		name := s.printer(r).T("assets.copy_name", src.Name)
		if len([]rune(name)) > maxName {
			name = src.Name
		}
		if a, err = Duplicate(ctx, tx, m.OrgID, src.ID, name, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionCreated, TargetType: "asset", TargetID: a.ID, Detail: map[string]any{"org": m.Slug, "copy_of": src.ID}})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/assets/"+a.ID, "flash.asset_duplicated")
}

func (s *Service) deletePost(w http.ResponseWriter, r *http.Request) error {
	return s.setDeletedPost(w, r, true)
}

func (s *Service) restorePost(w http.ResponseWriter, r *http.Request) error {
	return s.setDeletedPost(w, r, false)
}

func (s *Service) setDeletedPost(w http.ResponseWriter, r *http.Request, del bool) error {
	ctx := r.Context()
	if _, err := web.ParseForm(r); err != nil {
		return err
	}
	m := orgOf(r)
	id := r.PathValue("id")
	action, flash, back := ActionRestored, "flash.asset_restored", "/orgs/"+m.Slug+"/assets#asset-"+id
	if del {
		action, flash, back = ActionDeleted, "flash.asset_deleted", "/orgs/"+m.Slug+"/assets?deleted=1#asset-"+id
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if del {
			err = Delete(ctx, tx, m.OrgID, id, s.now())
		} else {
			err = Restore(ctx, tx, m.OrgID, id, s.now())
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: action, TargetType: "asset", TargetID: id, Detail: map[string]any{"org": m.Slug}})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, back, flash)
}
