package org

import (
	"encoding/json"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/web"
)

func (s *Service) apiRoutes(rt *web.Router) {
	// The organisation the rules admit to is loaded once, into the request (org.FromRequest).
	member, owner := MemberAccess(s.DB.Read()), OwnerAccess(s.DB.Read())
	rt.Handle("GET /api/v1/orgs", web.LoggedIn, s.apiList)
	rt.Handle("POST /api/v1/orgs", web.LoggedIn, s.apiCreate)
	rt.Handle("GET /api/v1/orgs/{org}", member, s.apiGet)
	rt.Handle("PATCH /api/v1/orgs/{org}", owner, s.apiPatch)
	rt.Handle("GET /api/v1/orgs/{org}/members", member, s.apiMembers)
}

const apiTime = "2006-01-02T15:04:05Z07:00"

// apiOrg is the JSON form of an organisation. Unknown numbers are null,
// never 0: zero employees is a real answer (a sole proprietor).
type apiOrg struct {
	Slug            string  `json:"slug"`
	Name            string  `json:"name"`
	NameKana        string  `json:"name_kana"`
	NameEn          string  `json:"name_en"`
	CorporateNumber *string `json:"corporate_number"`
	Prefecture      string  `json:"prefecture"`
	Industry        string  `json:"industry"`
	Wholesale       bool    `json:"wholesale"`
	Employees       *int    `json:"employees"`
	CapitalYen      *int64  `json:"capital_yen"`
	SizeClass       string  `json:"size_class"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
	Role            string  `json:"role,omitempty"`
}

func toAPI(o *Org) apiOrg {
	a := apiOrg{Slug: o.Slug, Name: o.Name, NameKana: o.NameKana, NameEn: o.NameEn, Prefecture: o.Prefecture, Industry: o.Industry,
		Wholesale: o.Wholesale, Employees: o.Employees, CapitalYen: o.CapitalYen, SizeClass: string(o.SizeClass()),
		CreatedAt: o.CreatedAt.UTC().Format(apiTime), UpdatedAt: o.UpdatedAt.UTC().Format(apiTime)}
	if o.CorporateNumber != "" {
		n := o.CorporateNumber
		a.CorporateNumber = &n
	}
	return a
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request) error {
	ms, err := ListForUser(r.Context(), s.DB.Read(), web.ViewerFrom(r.Context()).UserID)
	if err != nil {
		return err
	}
	items := make([]apiOrg, 0, len(ms))
	for _, m := range ms {
		a := toAPI(m.Org)
		a.Role = m.Role
		items = append(items, a)
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

type apiCreateBody struct {
	Name            string `json:"name"`
	NameKana        string `json:"name_kana"`
	NameEn          string `json:"name_en"`
	CorporateNumber string `json:"corporate_number"`
	Prefecture      string `json:"prefecture"`
	Industry        string `json:"industry"`
	Wholesale       bool   `json:"wholesale"`
	Employees       *int   `json:"employees"`
	CapitalYen      *int64 `json:"capital_yen"`
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	if !v.Verified {
		return apperr.New(apperr.Forbidden, "org.verify_first")
	}
	var b apiCreateBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	o, err := s.Create(r.Context(), s.DB, r, v.UserID, CreateInput(b))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.Slug)
	return web.WriteJSON(w, http.StatusCreated, toAPI(o))
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request) error {
	o := FromRequest(r).Org
	return web.WriteJSON(w, http.StatusOK, toAPI(o))
}

// patch is a field of a partial update: absent leaves the value alone,
// null clears it, anything else sets it.
type patch[T any] struct {
	Set   bool
	Value *T
}

func (p *patch[T]) UnmarshalJSON(b []byte) error {
	p.Set = true
	if string(b) == "null" {
		p.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.Value = &v
	return nil
}

func (p patch[T]) apply(dst *T) {
	if p.Set {
		var zero T
		if p.Value != nil {
			zero = *p.Value
		}
		*dst = zero
	}
}

func (p patch[T]) applyPtr(dst **T) {
	if p.Set {
		*dst = p.Value
	}
}

type apiPatchBody struct {
	Name            patch[string] `json:"name"`
	NameKana        patch[string] `json:"name_kana"`
	NameEn          patch[string] `json:"name_en"`
	CorporateNumber patch[string] `json:"corporate_number"`
	Prefecture      patch[string] `json:"prefecture"`
	Industry        patch[string] `json:"industry"`
	Wholesale       patch[bool]   `json:"wholesale"`
	Employees       patch[int]    `json:"employees"`
	CapitalYen      patch[int64]  `json:"capital_yen"`
}

func (s *Service) apiPatch(w http.ResponseWriter, r *http.Request) error {
	var b apiPatchBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	o := FromRequest(r).Org
	in := inputOf(o)
	b.Name.apply(&in.Name)
	b.NameKana.apply(&in.NameKana)
	b.NameEn.apply(&in.NameEn)
	b.CorporateNumber.apply(&in.CorporateNumber)
	b.Prefecture.apply(&in.Prefecture)
	b.Industry.apply(&in.Industry)
	b.Wholesale.apply(&in.Wholesale)
	b.Employees.applyPtr(&in.Employees)
	b.CapitalYen.applyPtr(&in.CapitalYen)
	o, err := s.Update(r.Context(), s.DB, r, o.Slug, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, toAPI(o))
}

type apiMember struct {
	UserID   string `json:"user_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	JoinedAt string `json:"joined_at"`
}

func (s *Service) apiMembers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := FromRequest(r).Org
	ms, err := ListMembers(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return err
	}
	items := make([]apiMember, 0, len(ms))
	for _, m := range ms {
		items = append(items, apiMember{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, JoinedAt: m.JoinedAt.UTC().Format(apiTime)})
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}
