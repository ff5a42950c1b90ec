package sharing

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

// The coordinators ask for someone to become a member's hub staff; when
// that person is not yet in the company, the company decides. Its owners
// see the requests on /orgs/{org}/hub-staff and approve (the
// organisation's invitation then goes out, in the owner's name) or
// decline. A coordinator thus never brings anyone into a company's own
// pages, an address of its own included.

// staffRequest is a coordinators' request awaiting the owners.
type staffRequest struct {
	Email     string
	Requested string // date in Japan
}

type staffRequestsData struct {
	Org      web.Membership
	Requests []staffRequest
}

// ownerOrg is the {org} the route's OrgOwner rule let through.
func ownerOrg(r *http.Request) web.Membership {
	m, _ := web.ViewerFrom(r.Context()).Membership(r.PathValue("org"))
	return m
}

// requesterActive keeps, in a query over share_staff_invites i, the
// requests whose coordinator still coordinates the hub (an active account
// with the analyst role). A request speaks for the one who made it: taken
// off the hub, a coordinator keeps no way to bring an address of its own
// into a company and its hub reports. Requests with no requester recorded
// stay.
const requesterActive = ` AND (i.invited_by IS NULL OR EXISTS (SELECT 1 FROM user_roles rr JOIN users ru ON ru.id = rr.user_id
	WHERE rr.user_id = i.invited_by AND rr.role = '` + web.RoleAnalyst + `' AND ru.disabled_at IS NULL))`

func staffRequests(ctx context.Context, q db.Querier, orgID string) ([]staffRequest, error) {
	return db.Collect(ctx, q, func(row db.Scanner) (staffRequest, error) {
		var r staffRequest
		var at time.Time
		err := row.Scan(&r.Email, &at)
		r.Requested = Today(at)
		return r, err
	}, `SELECT i.email, i.created_at FROM share_staff_invites i JOIN share_members m ON m.org_id = i.org_id
		WHERE i.org_id = ? AND i.approved_at IS NULL AND m.left_at IS NULL`+requesterActive+` ORDER BY i.created_at, i.email`, orgID)
}

func (s *Service) staffRequestsPage(w http.ResponseWriter, r *http.Request) error {
	return s.staffRequestsRender(w, r, http.StatusOK, web.NewForm(nil))
}

func (s *Service) staffRequestsRender(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	m := ownerOrg(r)
	reqs, err := staffRequests(r.Context(), s.DB.Read(), m.OrgID)
	if err != nil {
		return err
	}
	return s.render(w, r, status, "staff_requests", s.printer(r).T("sharing.staff_requests_title"), f, staffRequestsData{Org: m, Requests: reqs})
}

// staffRequestPost approves or declines one request.
func (s *Service) staffRequestPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	m := ownerOrg(r)
	email := auth.NormalizeEmail(f.Get("email"))
	approve := f.Get("action") == "approve"
	if !approve && f.Get("action") != "decline" {
		return apperr.New(apperr.Invalid, "error.bad_form")
	}
	uid := web.ViewerFrom(ctx).UserID
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if open, err := openStaffRequest(ctx, tx, m.OrgID, email); err != nil {
			return err
		} else if !open {
			return db.ErrNotFound // none, settled already, the company left the hub, or the requester no longer coordinates it
		}
		if !approve {
			if err := declineStaffRequest(ctx, tx, m.OrgID, email); err != nil {
				return err
			}
			return audit.Record(ctx, tx, r, audit.Entry{Action: ActionStaffRemoved, TargetType: "org", TargetID: m.OrgID,
				Detail: map[string]any{"email": email, "declined_by_owner": true}})
		}
		// Two owners (or two clicks) at once: the second finds it settled.
		if err := approveStaffRequest(ctx, tx, m.OrgID, email, uid, s.now()); err != nil {
			return err
		}
		// Already in the company by now: staff at once. Otherwise the
		// company's own invitation, from this owner.
		if u, err := auth.UserByEmail(ctx, tx, email); err == nil {
			if coord, err := isCoordinator(ctx, tx, u.ID); err != nil {
				return err
			} else if coord {
				return apperr.Field("email", "sharing.err.staff_coordinator")
			}
			in, err := inCompany(ctx, tx, m.OrgID, u.ID)
			if err != nil {
				return err
			}
			if in {
				if err := settleStaffRequest(ctx, tx, m.OrgID, email); err != nil {
					return err
				}
				if err := s.makeStaff(ctx, tx, r, m.OrgID, u.ID); err != nil {
					return err
				}
				return audit.Record(ctx, tx, r, audit.Entry{Action: ActionStaffAdded, TargetType: "user", TargetID: u.ID,
					Detail: map[string]any{"org": m.OrgID, "approved_by_owner": true}})
			}
		}
		_, inv, err := s.Orgs.Invite(ctx, tx, r, m.Slug, email, org.RoleMember, web.LangFrom(ctx))
		if err != nil {
			return err
		}
		if err := linkStaffRequest(ctx, tx, m.OrgID, email, inv.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionStaffInvited, TargetType: "org", TargetID: m.OrgID,
			Detail: map[string]any{"email": email, "approved_by_owner": true}})
	})
	if err != nil {
		if f.Apply(err) {
			return s.staffRequestsRender(w, r, web.FormStatus(err), f)
		}
		return err
	}
	flash := "flash.share_staff_declined"
	if approve {
		flash = "flash.share_staff_approved"
	}
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/hub-staff", flash)
}

// ownerRequests counts, for the dashboard, the requests waiting for the
// viewer as an owner.
func (s *Service) ownerRequests(ctx context.Context, q db.Querier, v *web.Viewer) ([]ownerRequest, error) {
	var out []ownerRequest
	for _, m := range v.Orgs {
		if m.Role != web.OrgRoleOwner {
			continue
		}
		reqs, err := staffRequests(ctx, q, m.OrgID)
		if err != nil {
			return nil, err
		}
		if len(reqs) > 0 {
			out = append(out, ownerRequest{m.Slug, len(reqs)})
		}
	}
	return out, nil
}

type ownerRequest struct {
	slug string
	n    int
}

// oneRow takes an Exec result that must have changed exactly one row.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return db.ErrNotFound
	}
	return nil
}
