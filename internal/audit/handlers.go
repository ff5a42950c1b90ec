package audit

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }

// KnownActions is the filter list shown to administrators.
var KnownActions = []string{LoginOK, LoginFailed, LoginLocked, Logout, Signup, EmailVerified, PasswordChanged, PasswordReset,
	MFAEnabled, MFADisabled, MFAFailed, RecoveryUsed, TokenCreated, TokenRevoked, RoleGranted, RoleRevoked, UserCreated,
	UserDisabled, UserEnabled, SetupCompleted, OrgCreated, OrgUpdated, MemberAdded, MemberRemoved, MemberRoleChange,
	InviteSent, InviteAccepted, InviteRevoked,
	// Recorded by capabilities that audit cannot import.
	"selfcheck.saved", "declaration.declared", "declaration.redeclared", "declaration.upgraded",
	"declaration.withdrawn", "declaration.changed", "policy.published", "policy.external_recorded",
	"assets.created", "assets.updated", "assets.deleted", "assets.restored", "assets.imported", "assets.risk_settings_changed",
	"controls.saved", "incident.card_saved", "incident.created", "incident.updated", "incident.closed", "incident.reopened",
	"cloudcheck.service_created", "cloudcheck.service_deleted", "cloudcheck.service_restored",
	"cloudcheck.check_completed", "cloudcheck.no_cloud_recorded", "cloudcheck.no_cloud_cleared",
	"sharing.member_added", "sharing.member_left", "sharing.nda_recorded", "sharing.sig_created", "sharing.sig_updated",
	"sharing.member_sigs_set", "sharing.staff_added", "sharing.staff_invited", "sharing.staff_removed", "sharing.boundary_set", "sharing.reported",
	"sharing.raw_mail_viewed", "sharing.history_set", "sharing.share_started", "sharing.share_edited", "sharing.share_answered",
	"sharing.share_released", "sharing.share_withdrawn", "sharing.report_closed", "sharing.sighting", "sharing.warnings_changed"}

type listPage struct {
	Events  []Event
	Action  string
	Actions []string
	Next    int64
}

// Routes registers the administrators' audit log view.
func Routes(rt *web.Router, d *db.DB, rd *web.Renderer, cat *i18n.Catalog) {
	rt.Handle("GET /admin/audit", web.Role(web.RoleOperatorAdmin), func(w http.ResponseWriter, r *http.Request) error {
		f := Filter{Limit: 100}
		if a := r.URL.Query().Get("action"); a != "" {
			for _, k := range KnownActions {
				if k == a {
					f.Action = a
				}
			}
		}
		f.Before, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
		events, err := List(r.Context(), d.Read(), f)
		if err != nil {
			return err
		}
		p := listPage{Events: events, Action: f.Action, Actions: KnownActions}
		if len(events) == f.Limit {
			p.Next = events[len(events)-1].Seq
		}
		rd.Page(w, r, http.StatusOK, "audit/list", web.Page{Title: cat.Printer(web.LangFrom(r.Context())).T("admin.audit_title"), Data: p})
		return nil
	})
}
