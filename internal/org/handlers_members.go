package org

import (
	"errors"
	"net/http"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/web"
)

type membersData struct {
	Org         *Org
	Members     []Member
	Invitations []Invitation
	IsOwner     bool
	Self        string // the viewer's user id
	// Owners counts active owners (a disabled account does not count), so
	// the page does not offer changes the last-owner rule would refuse.
	Owners int
}

func (s *Service) loadMembers(r *http.Request) (*membersData, error) {
	ctx := r.Context()
	v := web.ViewerFrom(ctx)
	sc := FromRequest(r)
	o := sc.Org
	d := &membersData{Org: o, Self: v.UserID, IsOwner: sc.IsOwner()}
	var err error
	if d.Members, err = ListMembers(ctx, s.DB.Read(), o.ID); err != nil {
		return nil, err
	}
	for _, m := range d.Members {
		if m.Role == RoleOwner && !m.Disabled {
			d.Owners++
		}
	}
	if d.Invitations, err = PendingInvitations(ctx, s.DB.Read(), o.ID, s.now()); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Service) membersPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadMembers(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "members", s.printer(r).T("org.members_title"), web.NewForm(nil), d)
}

// membersError shows the members page again with a refused change
// explained in place (last owner, bad address), instead of an error page.
func (s *Service) membersError(w http.ResponseWriter, r *http.Request, f *web.Form, err error) error {
	if f == nil {
		f = web.NewForm(nil)
	}
	if !f.Apply(err) {
		return err
	}
	d, lerr := s.loadMembers(r)
	if lerr != nil {
		return lerr
	}
	return s.render(w, r, web.FormStatus(err), "members", s.printer(r).T("org.members_title"), f, d)
}

func membersURL(r *http.Request) string { return "/orgs/" + r.PathValue("org") + "/members" }

func (s *Service) invitePost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	if _, _, err := s.Invite(r.Context(), s.DB, r, r.PathValue("org"), f.Get("email"), f.Get("role"), web.LangFrom(r.Context())); err != nil {
		return s.membersError(w, r, f, err)
	}
	return web.Redirect(w, r, membersURL(r), "flash.org_invite_sent")
}

func (s *Service) revokePost(w http.ResponseWriter, r *http.Request) error {
	if err := s.RevokeInvitation(r.Context(), s.DB, r, r.PathValue("org"), r.PathValue("id")); err != nil {
		return err
	}
	return web.Redirect(w, r, membersURL(r), "flash.org_invite_revoked")
}

func (s *Service) rolePost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	if err := s.ChangeRole(r.Context(), s.DB, r, r.PathValue("org"), r.PathValue("user"), f.Get("role")); err != nil {
		return s.membersError(w, r, nil, err)
	}
	return web.Redirect(w, r, membersURL(r), "flash.org_role_changed")
}

func (s *Service) removePost(w http.ResponseWriter, r *http.Request) error {
	user := r.PathValue("user")
	if err := s.RemoveMember(r.Context(), s.DB, r, r.PathValue("org"), user); err != nil {
		return s.membersError(w, r, nil, err)
	}
	if user == web.ViewerFrom(r.Context()).UserID {
		return web.Redirect(w, r, "/dashboard", "flash.org_left")
	}
	return web.Redirect(w, r, membersURL(r), "flash.org_member_removed")
}

func (s *Service) leavePost(w http.ResponseWriter, r *http.Request) error {
	if err := s.RemoveMember(r.Context(), s.DB, r, r.PathValue("org"), web.ViewerFrom(r.Context()).UserID); err != nil {
		return s.membersError(w, r, nil, err)
	}
	return web.Redirect(w, r, "/dashboard", "flash.org_left")
}

type invitationData struct {
	Inv   *Invitation
	Token string
	// Problem is the message key when the link cannot be used.
	Problem       string
	MaskedEmail   string
	WrongEmail    bool
	AlreadyMember bool
	Next          string
}

// maskEmail shows enough of the invited address for its owner to
// recognise it, and little to anyone a link was forwarded to.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "***"
	}
	first := []rune(local)[0]
	return string(first) + "***@" + domain
}

// invitationPage shows what a link offers. It is public so someone without
// an account can see which organisation invites them before signing up.
func (s *Service) invitationPage(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	title := s.printer(r).T("invite.title")
	d := invitationData{Token: token, Next: "/invitations/" + token}
	inv, err := invitationByToken(r.Context(), s.DB.Read(), token)
	if errors.Is(err, db.ErrNotFound) {
		d.Problem = "invite.invalid"
		return s.render(w, r, http.StatusNotFound, "invitation", title, nil, d)
	}
	if err != nil {
		return err
	}
	if err := usable(inv, s.now()); err != nil {
		e := apperr.From(err)
		d.Problem = e.Key
		return s.render(w, r, e.Status, "invitation", title, nil, d)
	}
	d.Inv = inv
	d.MaskedEmail = maskEmail(inv.Email)
	if v := web.ViewerFrom(r.Context()); v != nil {
		d.WrongEmail = auth.NormalizeEmail(v.Email) != inv.Email
		_, d.AlreadyMember = v.Membership(inv.OrgSlug)
	}
	return s.render(w, r, http.StatusOK, "invitation", title, nil, d)
}

func (s *Service) invitationPost(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	inv, err := s.AcceptInvitation(r.Context(), s.DB, r, r.PathValue("token"), v.UserID, v.Email)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+inv.OrgSlug, "flash.org_invite_accepted")
}
