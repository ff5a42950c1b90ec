package declaration

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

type principlesData struct {
	Principles []Principle
	Version    string
	// Orgs are the viewer's organisations, for a link to each one's
	// declaration page; empty for visitors.
	Orgs []web.Membership
}

// principlesPage is the public page of the five principles, with a
// "this week" guide for each; it prints as a handout.
func (s *Service) principlesPage(w http.ResponseWriter, r *http.Request) error {
	d := principlesData{Principles: Principles(), Version: PrinciplesVersion()}
	if v := web.ViewerFrom(r.Context()); v != nil {
		d.Orgs = v.Orgs
	}
	return s.render(w, r, http.StatusOK, "principles", s.printer(r).T("principles.title"), nil, d)
}

type statusData struct {
	Org *org.Org
	// Decl is nil when the organisation never declared.
	Decl           *Declaration
	DeclaredByName string
	History        []Event
	IsOwner        bool
	Principles     []Principle
}

// declarationOf returns the organisation's declaration, nil when none.
func declarationOf(ctx context.Context, q db.Querier, orgID string) (*Declaration, error) {
	d, err := ForOrg(ctx, q, orgID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	return d, err
}

// accountName is a user's name, or e-mail when no name was given; "" when
// the account is gone.
func accountName(ctx context.Context, q db.Querier, userID string) (string, error) {
	if userID == "" {
		return "", nil
	}
	name, err := auth.DisplayName(ctx, q, userID)
	if errors.Is(err, db.ErrNotFound) {
		return "", nil
	}
	return name, err
}

// statusPage shows members where the organisation stands: not declared,
// or ★ with number, since when and by whom, and the history.
func (s *Service) statusPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := s.DB.Read()
	sc := org.FromRequest(r)
	o := sc.Org
	data := statusData{Org: o, IsOwner: sc.IsOwner(), Principles: Principles()}
	var err error
	if data.Decl, err = declarationOf(ctx, q, o.ID); err != nil {
		return err
	}
	if data.Decl != nil {
		if data.History, err = History(ctx, q, data.Decl.ID); err != nil {
			return err
		}
		if data.DeclaredByName, err = accountName(ctx, q, data.Decl.DeclaredBy); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "status", s.printer(r).T("decl.title"), nil, data)
}

type oneStarData struct {
	Org        *org.Org
	Principles []Principle
	// Existing is the standing declaration, when there is one: the page
	// then explains instead of offering the form.
	Existing *Declaration
}

func (s *Service) oneStarData(ctx context.Context, o *org.Org) (oneStarData, error) {
	d := oneStarData{Org: o, Principles: Principles()}
	cur, err := declarationOf(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return d, err
	}
	if cur != nil && cur.Active() {
		d.Existing = cur
	}
	return d, nil
}

func (s *Service) oneStarPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	d, err := s.oneStarData(ctx, o)
	if err != nil {
		return err
	}
	f := web.NewForm(url.Values{"declarant_name": {web.ViewerFrom(ctx).Name}})
	return s.render(w, r, http.StatusOK, "one_star", s.printer(r).T("decl.one_star_title"), f, d)
}

// inputFromForm reads the one-star form. A checkbox counts as ticked only
// with the value the form sends, "1".
func inputFromForm(f *web.Form) OneStarInput {
	in := OneStarInput{DeclarantName: f.Get("declarant_name"), DeclarantTitle: f.Get("declarant_title"), Authorised: f.Get("authorised") == "1"}
	for i := range in.Commit {
		in.Commit[i] = f.Get(commitField(i+1)) == "1"
	}
	return in
}

func (s *Service) oneStarPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	v := web.ViewerFrom(ctx)
	if _, err := s.DeclareOneStar(ctx, r, o.ID, o.Name, v.UserID, inputFromForm(f)); err != nil {
		if !f.Apply(err) {
			return err
		}
		d, derr := s.oneStarData(ctx, o)
		if derr != nil {
			return derr
		}
		return s.render(w, r, web.FormStatus(err), "one_star", s.printer(r).T("decl.one_star_title"), f, d)
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug+"/declaration", "flash.decl_declared")
}
