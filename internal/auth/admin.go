package auth

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

var adminOnly = web.Role(web.RoleOperatorAdmin)

func (s *Service) adminRoutes(rt *web.Router) {
	rt.Handle("GET /admin", adminOnly, s.adminHome)
	rt.Handle("GET /admin/users", adminOnly, s.adminUsers)
	rt.Handle("GET /admin/users/{id}", adminOnly, s.adminUser)
	rt.Handle("POST /admin/users/{id}/roles", adminOnly, s.adminRolePost)
	rt.Handle("POST /admin/users/{id}/status", adminOnly, s.adminStatusPost)
}

type adminHomeData struct {
	Users, Orgs, Outbox, PendingJobs, FailedJobs int
}

func (s *Service) adminHome(w http.ResponseWriter, r *http.Request) error {
	d, err := adminCounts(r.Context(), s.DB.Read())
	if err != nil {
		return err
	}
	return s.page(w, r, http.StatusOK, "admin_home", "admin.title", nil, d)
}

type adminUserRow struct {
	ID, Email, Name string
	Verified, MFA   bool
	Disabled        bool
	Roles           string
}

type adminUsersData struct {
	Q     string
	Users []adminUserRow
	Page  int
	More  bool
}

func (s *Service) adminUsers(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page < 1 {
		page = 1
	}
	const per = 50
	users, err := searchUsers(r.Context(), s.DB.Read(), q, per+1, (page-1)*per)
	if err != nil {
		return err
	}
	d := adminUsersData{Q: q, Page: page, Users: users}
	if len(d.Users) > per {
		d.Users, d.More = d.Users[:per], true
	}
	return s.page(w, r, http.StatusOK, "admin_users", "admin.users_title", nil, d)
}

func groupConcat(d db.Dialect) string {
	if d == db.Postgres {
		return `string_agg(r.role, ', ' ORDER BY r.role)`
	}
	return `group_concat(r.role, ', ')`
}

type adminUserData struct {
	User     *User
	AllRoles []string
	Events   []audit.Event
}

func (s *Service) adminUser(w http.ResponseWriter, r *http.Request) error {
	u, err := UserByID(r.Context(), s.DB.Read(), r.PathValue("id"))
	if err != nil {
		return err
	}
	events, err := audit.List(r.Context(), s.DB.Read(), audit.Filter{ActorID: u.ID, Limit: 20})
	if err != nil {
		return err
	}
	return s.page(w, r, http.StatusOK, "admin_user", "admin.user_title", nil, adminUserData{User: u, AllRoles: web.GlobalRoles, Events: events})
}

// adminUserRefused shows the user's page again with a refused change
// explained in place (the last administrator, an organisation's last
// active owner), instead of an error page that loses the account.
func (s *Service) adminUserRefused(w http.ResponseWriter, r *http.Request, f *web.Form, err error) error {
	if apperr.From(err).Code != apperr.Conflict || !f.Apply(err) {
		return err
	}
	u, lerr := UserByID(r.Context(), s.DB.Read(), r.PathValue("id"))
	if lerr != nil {
		return lerr
	}
	events, lerr := audit.List(r.Context(), s.DB.Read(), audit.Filter{ActorID: u.ID, Limit: 20})
	if lerr != nil {
		return lerr
	}
	return s.page(w, r, http.StatusConflict, "admin_user", "admin.user_title", f, adminUserData{User: u, AllRoles: web.GlobalRoles, Events: events})
}

func (s *Service) adminRolePost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	role, op := f.Get("role"), f.Get("op")
	if !ValidRole(role) || (op != "grant" && op != "revoke") {
		return apperr.Field("role", "auth.role_invalid")
	}
	id := r.PathValue("id")
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if _, err := UserByID(r.Context(), tx, id); err != nil {
			return err
		}
		if op == "grant" {
			changed, err := GrantRole(r.Context(), tx, id, role)
			if err != nil || !changed {
				return err
			}
			if err := MarkSessionsForRotation(r.Context(), tx, id); err != nil {
				return err
			}
			return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.RoleGranted, TargetType: "user", TargetID: id, Detail: map[string]any{"role": role}})
		}
		if role == web.RoleOperatorAdmin {
			if err := keepAnAdmin(r.Context(), tx, id); err != nil {
				return err
			}
		}
		changed, err := RevokeRole(r.Context(), tx, id, role)
		if err != nil || !changed {
			return err
		}
		if err := MarkSessionsForRotation(r.Context(), tx, id); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.RoleRevoked, TargetType: "user", TargetID: id, Detail: map[string]any{"role": role}})
	})
	if err != nil {
		return s.adminUserRefused(w, r, f, err)
	}
	return web.Redirect(w, r, "/admin/users/"+id, "flash.saved")
}

func (s *Service) adminStatusPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	v := web.ViewerFrom(r.Context())
	op := f.Get("op")
	if op != "disable" && op != "enable" {
		return apperr.Field("op", "error.invalid_input")
	}
	if op == "disable" && id == v.UserID {
		return apperr.New(apperr.Conflict, "admin.cannot_disable_self")
	}
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if _, err := UserByID(r.Context(), tx, id); err != nil {
			return err
		}
		action := audit.UserEnabled
		if op == "disable" {
			action = audit.UserDisabled
			if err := keepAnAdmin(r.Context(), tx, id); err != nil {
				return err
			}
			if err := keepOrgOwners(r.Context(), tx, id); err != nil {
				return err
			}
			if err := SetDisabled(r.Context(), tx, id, true, s.now()); err != nil {
				return err
			}
			ended, err := EndCredentials(r.Context(), tx, id, "")
			if err != nil {
				return err
			}
			return audit.Record(r.Context(), tx, r, audit.Entry{Action: action, TargetType: "user", TargetID: id, Detail: ended.Detail()})
		} else if err := SetDisabled(r.Context(), tx, id, false, s.now()); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: action, TargetType: "user", TargetID: id})
	})
	if err != nil {
		return s.adminUserRefused(w, r, f, err)
	}
	return web.Redirect(w, r, "/admin/users/"+id, "flash.saved")
}

// adminsLock is the subject whose lock serialises every transaction that
// takes an operator administrator's power away.
const adminsLock = "operator_admins"

// keepAnAdmin refuses to take away userID's administrator power (disabling
// the account or revoking the role) when it is the last active operator
// administrator. The count runs inside the caller's transaction under one
// lock (PostgreSQL: an advisory lock; SQLite writes are serial), so two
// administrators disabling each other at once cannot both pass the check
// on counts read before either committed.
func keepAnAdmin(ctx context.Context, tx *db.Tx, userID string) error {
	if err := LockSubject(ctx, tx, adminsLock); err != nil {
		return err
	}
	var active int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id
		WHERE r.role = ? AND r.user_id = ? AND u.disabled_at IS NULL`, web.RoleOperatorAdmin, userID).Scan(&active); err != nil {
		return err
	}
	if active == 0 {
		return nil // no active power to take away
	}
	n, err := CountRole(ctx, tx, web.RoleOperatorAdmin)
	if err != nil {
		return err
	}
	if n <= 1 {
		return apperr.New(apperr.Conflict, "admin.last_admin")
	}
	return nil
}

// orgOwnersLock is the subject whose lock serialises every transaction
// that counts an organisation's active owners to take one away (see
// LockOrgOwners).
const orgOwnersLock = "org_owners"

// LockOrgOwners takes, inside the caller's transaction, the lock under
// which an organisation's active owners are counted before one of them is
// removed, demoted or disabled (PostgreSQL: a transaction-scoped advisory
// lock; SQLite writes are serial). The organisation's row lock alone does
// not do: disabling an account reads the account's organisations first,
// so an owner made meanwhile (then the only other owner stepping down)
// would be missed. Membership changes take it after the organisation's
// row; disabling takes no organisation row, so the two cannot deadlock.
func LockOrgOwners(ctx context.Context, q db.Querier) error {
	return LockSubject(ctx, q, orgOwnersLock)
}

// keepOrgOwners refuses to disable the last active owner of an
// organisation: with only disabled owners nobody could manage it again.
// It reads the account's organisations under LockOrgOwners, so a removal
// or demotion of another owner, or a hand-over racing it, is counted
// either before (this sees it) or after (it sees this account disabled).
func keepOrgOwners(ctx context.Context, tx *db.Tx, userID string) error {
	if err := LockOrgOwners(ctx, tx); err != nil {
		return err
	}
	q := `SELECT o.id, o.name FROM orgs o JOIN org_members m ON m.org_id = o.id
		WHERE m.user_id = ? AND m.role = 'owner' ORDER BY o.id`
	type orgRow struct{ id, name string }
	orgs, err := db.Collect(ctx, tx, func(r db.Scanner) (orgRow, error) {
		var o orgRow
		err := r.Scan(&o.id, &o.name)
		return o, err
	}, q, userID)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		var others int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_members m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = ? AND m.role = 'owner' AND m.user_id <> ? AND u.disabled_at IS NULL`, o.id, userID).Scan(&others); err != nil {
			return err
		}
		if others == 0 {
			return apperr.New(apperr.Conflict, "admin.last_org_owner", o.name)
		}
	}
	return nil
}
