package sharing

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

type adminData struct {
	Members []*Member
	SIGs    []SIG
	Today   string
	Pending int // reports not yet handled
}

// adminPage is the coordinators' overview: every member with its NDA
// standing, the SIGs, and how many reports wait.
func (s *Service) adminPage(w http.ResponseWriter, r *http.Request) error {
	return s.adminRender(w, r, http.StatusOK, nil)
}

func (s *Service) adminRender(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	ctx := r.Context()
	q := s.DB.Read()
	d := adminData{Today: Today(s.now())}
	var err error
	if d.Members, err = Members(ctx, q, s.now()); err != nil {
		return err
	}
	if d.SIGs, err = SIGs(ctx, q); err != nil {
		return err
	}
	if d.Pending, err = coordinatorPending(ctx, q); err != nil {
		return err
	}
	if f == nil {
		f = web.NewForm(nil)
	}
	return s.render(w, r, status, "admin", s.printer(r).T("sharing.admin_title"), f, d)
}

// orgFromInput finds an organisation by its address (slug) or the full
// URL of its page, as a coordinator would paste it.
func orgFromInput(ctx context.Context, q db.Querier, s string) (*org.Org, error) {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil && strings.Contains(u.Path, "/orgs/") {
		s = strings.Trim(strings.SplitN(strings.SplitN(u.Path, "/orgs/", 2)[1], "/", 2)[0], "/")
	}
	if s == "" || len(s) > 100 {
		return nil, apperr.Field("org", "sharing.err.org_unknown")
	}
	o, err := org.BySlug(ctx, q, s)
	if errors.Is(err, db.ErrNotFound) {
		return nil, apperr.Field("org", "sharing.err.org_unknown")
	}
	return o, err
}

func (s *Service) addMemberPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	var o *org.Org
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if o, err = orgFromInput(ctx, tx, f.Get("org")); err != nil {
			return err
		}
		if err := AddMember(ctx, tx, o.ID, web.ViewerFrom(ctx).UserID, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionMemberAdded, TargetType: "org", TargetID: o.ID})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.adminRender(w, r, web.FormStatus(err), f)
	}
	return web.Redirect(w, r, "/share/admin/members/"+o.Slug, "flash.share_member_added")
}

type memberData struct {
	Member  *Member
	NDAs    []NDA
	AllSIGs []SIG
	InSIG   map[string]bool
	Staff   []Staff
	Pending []string // invited staff addresses not yet accepted
	Today   string
}

// member finds the member named by {org}; an organisation that is not a
// member is not found.
func (s *Service) member(r *http.Request, q db.Querier) (*Member, error) {
	o, err := org.BySlug(r.Context(), q, r.PathValue("org"))
	if err != nil {
		return nil, err
	}
	return GetMember(r.Context(), q, o.ID, s.now())
}

func (s *Service) memberPage(w http.ResponseWriter, r *http.Request) error {
	return s.memberRender(w, r, http.StatusOK, nil)
}

func (s *Service) memberRender(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	ctx := r.Context()
	q := s.DB.Read()
	m, err := s.member(r, q)
	if err != nil {
		return err
	}
	d := memberData{Member: m, InSIG: map[string]bool{}, Today: Today(s.now())}
	if d.NDAs, err = NDAs(ctx, q, m.OrgID); err != nil {
		return err
	}
	if d.AllSIGs, err = SIGs(ctx, q); err != nil {
		return err
	}
	for _, g := range m.SIGs {
		d.InSIG[g.ID] = true
	}
	if d.Staff, err = StaffOf(ctx, q, m.OrgID); err != nil {
		return err
	}
	if d.Pending, err = PendingStaff(ctx, q, m.OrgID); err != nil {
		return err
	}
	if f == nil {
		f = web.NewForm(nil)
	}
	return s.render(w, r, status, "member", m.Name, f, d)
}

// memberAction runs a coordinator's change to a member in one
// transaction with its audit entry, then returns to the member's page
// (with the form's problems when the input was bad).
func (s *Service) memberAction(w http.ResponseWriter, r *http.Request, flash string, do func(ctx context.Context, tx *db.Tx, m *Member, f *web.Form) (audit.Entry, error)) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	var m *Member
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if m, err = s.member(r, tx); err != nil {
			return err
		}
		e, err := do(ctx, tx, m, f)
		if err != nil {
			return err
		}
		if e.TargetType == "" {
			e.TargetType, e.TargetID = "org", m.OrgID
		}
		return audit.Record(ctx, tx, r, e)
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.memberRender(w, r, web.FormStatus(err), f)
	}
	if flash == "" {
		return nil // the caller redirects
	}
	return web.Redirect(w, r, "/share/admin/members/"+m.Slug, flash)
}

func (s *Service) ndaPost(w http.ResponseWriter, r *http.Request) error {
	return s.memberAction(w, r, "flash.share_nda_recorded", func(ctx context.Context, tx *db.Tx, m *Member, f *web.Form) (audit.Entry, error) {
		n, err := RecordNDA(ctx, tx, m.OrgID, web.ViewerFrom(ctx).UserID, NDAInput{SignedOn: f.Get("signed_on"), ExpiresOn: f.Get("expires_on"), Reference: f.Get("reference")}, s.now())
		if err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{Action: ActionNDARecorded, Detail: map[string]any{"signed_on": n.SignedOn, "expires_on": n.ExpiresOn}}, nil
	})
}

// memberSIGsPost sets the member's SIGs to the boxes ticked.
func (s *Service) memberSIGsPost(w http.ResponseWriter, r *http.Request) error {
	return s.memberAction(w, r, "flash.share_sigs_saved", func(ctx context.Context, tx *db.Tx, m *Member, f *web.Form) (audit.Entry, error) {
		all, err := SIGs(ctx, tx)
		if err != nil {
			return audit.Entry{}, err
		}
		want := map[string]bool{}
		for _, id := range f.Values["sig"] {
			want[id] = true
		}
		var names []string
		for _, g := range all {
			if err := SetSIGMember(ctx, tx, g.ID, m.OrgID, want[g.ID], s.now()); err != nil {
				return audit.Entry{}, err
			}
			if want[g.ID] {
				names = append(names, g.Name)
			}
			delete(want, g.ID)
		}
		if len(want) > 0 {
			return audit.Entry{}, apperr.Field("sig", "sharing.err.sig_unknown")
		}
		return audit.Entry{Action: ActionSIGsSet, Detail: map[string]any{"sigs": names}}, nil
	})
}

// staffAddPost makes an account staff of the member: the share_member
// role and membership of the organisation. An address without an account
// gets the organisation's invitation instead; accepting it (after signing
// up) makes the account staff (InvitationAccepted), so nobody gets an
// account they did not ask for.
func (s *Service) staffAddPost(w http.ResponseWriter, r *http.Request) error {
	invited, done := false, false
	err := s.memberAction(w, r, "", func(ctx context.Context, tx *db.Tx, m *Member, f *web.Form) (audit.Entry, error) {
		e, err := s.addStaff(ctx, tx, r, m, f, &invited)
		done = err == nil
		return e, err
	})
	if err != nil || !done {
		return err // an error, or the form shown again with its problems
	}
	flash := "flash.share_staff_added"
	if invited {
		flash = "flash.share_staff_invited"
	}
	return web.Redirect(w, r, "/share/admin/members/"+r.PathValue("org"), flash)
}

func (s *Service) addStaff(ctx context.Context, tx *db.Tx, r *http.Request, m *Member, f *web.Form, invited *bool) (audit.Entry, error) {
	{
		email := auth.NormalizeEmail(f.Get("email"))
		u, err := auth.UserByEmail(ctx, tx, email)
		if err == nil {
			if coord, err := isCoordinator(ctx, tx, u.ID); err != nil {
				return audit.Entry{}, err
			} else if coord {
				return audit.Entry{}, apperr.Field("email", "sharing.err.staff_coordinator")
			}
		}
		inOrg := false
		if err == nil {
			if inOrg, err = inCompany(ctx, tx, m.OrgID, u.ID); err != nil {
				return audit.Entry{}, err
			}
		}
		// Only the company brings people into the company: for an address
		// that is not yet its member the coordinators only ask; an owner
		// of the organisation approves (staff_requests.go), and only then
		// does the organisation's invitation go out.
		if errors.Is(err, db.ErrNotFound) || err == nil && !inOrg && u.DisabledAt == nil {
			if !auth.ValidEmail(email) {
				return audit.Entry{}, apperr.Field("email", "sharing.err.email")
			}
			if err := requestStaff(ctx, tx, m.OrgID, email, nullable(web.ViewerFrom(ctx).UserID), s.now()); err != nil {
				return audit.Entry{}, err
			}
			*invited = true
			return audit.Entry{Action: ActionStaffInvited, Detail: map[string]any{"org": m.OrgID, "email": email, "awaiting": "owner"}}, nil
		}
		if err == nil && u.DisabledAt != nil {
			return audit.Entry{}, apperr.Field("email", "sharing.err.no_account")
		}
		if err != nil {
			return audit.Entry{}, err
		}
		if err := s.makeStaff(ctx, tx, r, m.OrgID, u.ID); err != nil {
			return audit.Entry{}, err
		}
		// A request still open for this address is settled.
		if err := settleStaffRequest(ctx, tx, m.OrgID, email); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{Action: ActionStaffAdded, TargetType: "user", TargetID: u.ID, Detail: map[string]any{"org": m.OrgID}}, nil
	}
}

// inCompany reports whether the user belongs to the organisation.
func inCompany(ctx context.Context, q db.Querier, orgID, userID string) (bool, error) {
	_, err := org.MemberRole(ctx, q, orgID, userID)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// isCoordinator reports whether the account runs the hub (analyst) or
// the platform (operator administrator): such accounts see every
// member's reports and must not also act as one member's staff.
func isCoordinator(ctx context.Context, q db.Querier, userID string) (bool, error) {
	roles, err := auth.Roles(ctx, q, userID)
	if err != nil {
		return false, err
	}
	return slices.Contains(roles, web.RoleAnalyst) || slices.Contains(roles, web.RoleOperatorAdmin), nil
}

// makeStaff names an account, already a member of the organisation, the
// member's staff and gives it the share_member role.
func (s *Service) makeStaff(ctx context.Context, tx db.Querier, r *http.Request, orgID, userID string) error {
	if err := AddStaff(ctx, tx, orgID, userID, s.now()); err != nil {
		return err
	}
	_, err := auth.GrantRole(ctx, tx, userID, web.RoleShareMember)
	return err
}

// InvitationAccepted finishes a staff invitation: the invited address,
// having joined the organisation, becomes its staff in the hub. Other
// invitations pass through untouched. It runs in the acceptance's
// transaction (org.Service.Accepted).
func (s *Service) InvitationAccepted(ctx context.Context, q db.Querier, r *http.Request, inv *org.Invitation, userID string) error {
	const match = ` FROM share_staff_invites i WHERE i.org_id = ? AND i.email = ? AND i.approved_at IS NOT NULL
		AND (i.invitation_id = ? OR i.invitation_id IS NULL)`
	var requests, live int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+match, inv.OrgID, inv.Email, inv.ID).Scan(&requests); err != nil {
		return err
	}
	if requests == 0 {
		return nil
	}
	// The request speaks for its coordinator: once that account no longer
	// coordinates the hub, the invitation it led to lets nobody in.
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+match+requesterActive, inv.OrgID, inv.Email, inv.ID).Scan(&live); err != nil {
		return err
	}
	if live == 0 {
		return apperr.New(apperr.Invalid, "sharing.err.staff_requester_gone").WithStatus(http.StatusGone)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM share_staff_invites WHERE org_id = ? AND email = ? AND approved_at IS NOT NULL
		AND (invitation_id = ? OR invitation_id IS NULL)`, inv.OrgID, inv.Email, inv.ID); err != nil {
		return err
	}
	// A coordinator does not become a member's staff, nor, through a staff
	// invitation sent to its own address, a member of the company: the
	// whole acceptance is refused.
	if coord, err := isCoordinator(ctx, q, userID); err != nil {
		return err
	} else if coord {
		return apperr.New(apperr.Forbidden, "sharing.err.staff_coordinator")
	}
	if err := s.makeStaff(ctx, q, r, inv.OrgID, userID); err != nil {
		return err
	}
	return audit.Record(ctx, q, r, audit.Entry{Action: ActionStaffAdded, ActorID: userID, TargetType: "user", TargetID: userID,
		Detail: map[string]any{"org": inv.OrgID, "invitation": inv.ID}})
}

// PendingStaff lists the addresses invited as a member's staff that have
// not accepted yet.
func PendingStaff(ctx context.Context, q db.Querier, orgID string) ([]string, error) {
	return db.Collect(ctx, q, db.Column[string], `SELECT email FROM share_staff_invites WHERE org_id = ? ORDER BY email`, orgID)
}

// staffRemovePost ends the account's staff role for this member: it keeps
// its membership of the organisation (the company's own pages) but no
// longer acts for the member in the hub. The share_member role goes only
// when it acts for no other member.
func (s *Service) staffRemovePost(w http.ResponseWriter, r *http.Request) error {
	return s.memberAction(w, r, "flash.share_staff_removed", func(ctx context.Context, tx *db.Tx, m *Member, f *web.Form) (audit.Entry, error) {
		uid := r.PathValue("user")
		staff, err := StaffOf(ctx, tx, m.OrgID)
		if err != nil {
			return audit.Entry{}, err
		}
		found := false
		for _, st := range staff {
			found = found || st.UserID == uid
		}
		if !found {
			return audit.Entry{}, db.ErrNotFound
		}
		others, err := RemoveStaff(ctx, tx, m.OrgID, uid)
		if err != nil {
			return audit.Entry{}, err
		}
		if !others {
			if _, err := auth.RevokeRole(ctx, tx, uid, web.RoleShareMember); err != nil {
				return audit.Entry{}, err
			}
		}
		return audit.Entry{Action: ActionStaffRemoved, TargetType: "user", TargetID: uid, Detail: map[string]any{"org": m.OrgID}}, nil
	})
}

func (s *Service) leavePost(w http.ResponseWriter, r *http.Request) error {
	return s.memberAction(w, r, "flash.share_member_left", func(ctx context.Context, tx *db.Tx, m *Member, f *web.Form) (audit.Entry, error) {
		if err := RemoveMember(ctx, tx, m.OrgID, s.now()); err != nil {
			return audit.Entry{}, apperr.New(apperr.Conflict, "sharing.err.already_left")
		}
		return audit.Entry{Action: ActionMemberLeft}, nil
	})
}

type sigData struct {
	SIG     *SIG
	Members []*Member
	Today   string
}

func (s *Service) sigNewPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "sig", s.printer(r).T("sharing.sig_new_title"), web.NewForm(nil), sigData{})
}

func (s *Service) sigNewPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	var g *SIG
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if g, err = CreateSIG(ctx, tx, web.ViewerFrom(ctx).UserID, SIGInput{Name: f.Get("name"), Description: f.Get("description")}, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionSIGCreated, TargetType: "sig", TargetID: g.ID, Detail: map[string]any{"name": g.Name}})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.render(w, r, web.FormStatus(err), "sig", s.printer(r).T("sharing.sig_new_title"), f, sigData{})
	}
	return web.Redirect(w, r, "/share/admin/sigs/"+g.ID, "flash.share_sig_created")
}

func (s *Service) sigPage(w http.ResponseWriter, r *http.Request) error {
	g, err := GetSIG(r.Context(), s.DB.Read(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.sigRender(w, r, http.StatusOK, g, web.NewForm(url.Values{"name": {g.Name}, "description": {g.Description}}))
}

func (s *Service) sigRender(w http.ResponseWriter, r *http.Request, status int, g *SIG, f *web.Form) error {
	ms, err := SIGMembers(r.Context(), s.DB.Read(), g.ID, s.now())
	if err != nil {
		return err
	}
	return s.render(w, r, status, "sig", g.Name, f, sigData{SIG: g, Members: ms, Today: Today(s.now())})
}

func (s *Service) sigPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	g, err := GetSIG(ctx, s.DB.Read(), r.PathValue("id"))
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := UpdateSIG(ctx, tx, g.ID, SIGInput{Name: f.Get("name"), Description: f.Get("description")}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionSIGUpdated, TargetType: "sig", TargetID: g.ID})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.sigRender(w, r, web.FormStatus(err), g, f)
	}
	return web.Redirect(w, r, "/share/admin/sigs/"+g.ID, "flash.share_sig_saved")
}
