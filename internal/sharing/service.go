// Package sharing is the threat-information sharing hub (J-CSIP, see
// docs/sharing.md): member organisations under NDA, grouped in SIGs,
// report suspicious mail; coordinators (analysts) sanitise and release
// it to the SIGs; members see what their SIGs and the TLP allow.
package sharing

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/mail"
	"mamori/internal/masterkey"
	"mamori/internal/org"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }

// Audit actions recorded by this package. Keep them stable: operators
// search for them.
const (
	ActionMemberAdded     = "sharing.member_added"
	ActionMemberLeft      = "sharing.member_left"
	ActionNDARecorded     = "sharing.nda_recorded"
	ActionSIGCreated      = "sharing.sig_created"
	ActionSIGUpdated      = "sharing.sig_updated"
	ActionSIGsSet         = "sharing.member_sigs_set"
	ActionStaffAdded      = "sharing.staff_added"
	ActionStaffInvited    = "sharing.staff_invited"
	ActionStaffRemoved    = "sharing.staff_removed"
	ActionBoundarySet     = "sharing.boundary_set"
	ActionReported        = "sharing.reported"
	ActionRawMailViewed   = "sharing.raw_mail_viewed"
	ActionHistorySet      = "sharing.history_set"
	ActionShareStarted    = "sharing.share_started"
	ActionShareEdited     = "sharing.share_edited"
	ActionShareAnswered   = "sharing.share_answered"
	ActionShareReleased   = "sharing.share_released"
	ActionShareWithdrawn  = "sharing.share_withdrawn"
	ActionReportClosed    = "sharing.report_closed"
	ActionSighting        = "sharing.sighting"
	ActionWarningsChanged = "sharing.warnings_changed"
)

// Service holds the hub's handlers and their dependencies.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	Box     *masterkey.Box
	Orgs    *org.Service
	// Mail and BaseURL notify members of a released share; without Mail
	// nobody is mailed (the feed still shows it).
	Mail    *mail.Mailer
	BaseURL string
	// Now is replaceable so tests can move past an NDA's end.
	Now func() time.Time
	// MaxParses and ParseWait bound the mails parsed at once and how long
	// a request waits for its turn (0: DefaultMaxParses, DefaultParseWait;
	// see parsegate.go).
	MaxParses int
	ParseWait time.Duration

	gateOnce sync.Once
	gate     *parseGate
}

// Routes registers the coordinators' pages (analysts) and the members'
// pages (share_member staff; each handler also checks that the account's
// organisation is a member under a current NDA).
func (s *Service) Routes(rt *web.Router) {
	analyst := web.Role(web.RoleAnalyst)
	rt.Handle("GET /share/admin", analyst, s.adminPage)
	rt.Handle("POST /share/admin/members", analyst, s.addMemberPost)
	rt.Handle("GET /share/admin/members/{org}", analyst, s.memberPage)
	rt.Handle("POST /share/admin/members/{org}/ndas", analyst, s.ndaPost)
	rt.Handle("POST /share/admin/members/{org}/sigs", analyst, s.memberSIGsPost)
	rt.Handle("POST /share/admin/members/{org}/staff", analyst, s.staffAddPost)
	rt.Handle("POST /share/admin/members/{org}/staff/{user}/remove", analyst, s.staffRemovePost)
	rt.Handle("GET /orgs/{org}/hub-staff", web.OrgOwner, s.staffRequestsPage)
	rt.Handle("POST /orgs/{org}/hub-staff", web.OrgOwner, s.staffRequestPost)
	rt.Handle("POST /share/admin/members/{org}/leave", analyst, s.leavePost)
	rt.Handle("GET /share/admin/sigs/new", analyst, s.sigNewPage)
	rt.Handle("POST /share/admin/sigs/new", analyst, s.sigNewPost)
	rt.Handle("GET /share/admin/sigs/{id}", analyst, s.sigPage)
	rt.Handle("POST /share/admin/sigs/{id}", analyst, s.sigPost)
	rt.Handle("GET /share/admin/reports", analyst, s.reportsAdminPage)
	rt.Handle("GET /share/admin/reports/{id}", analyst, s.reportAdminPage)
	rt.Handle("GET /share/admin/reports/{id}/mails/{mail}", analyst, s.rawMail)
	rt.Handle("POST /share/admin/reports/{id}/share", analyst, s.startSharePost)
	rt.Handle("POST /share/admin/reports/{id}/close", analyst, s.closeReportPost)
	rt.Handle("GET /share/admin/shares/{id}", analyst, s.shareEditPage)
	rt.Handle("POST /share/admin/shares/{id}", analyst, s.shareEditPost)
	rt.Handle("GET /share/admin/warnings", analyst, s.warningsPage)
	rt.Handle("POST /share/admin/warnings", analyst, s.warningsPost)
	rt.Handle("GET /share/admin/figures", analyst, s.figuresPage)
	rt.Handle("POST /share/admin/figures/history", analyst, s.historyPost)

	staff := web.Role(web.RoleShareMember)
	rt.Handle("GET /share", staff, s.homePage)
	rt.Handle("GET /share/reports/new", staff, s.reportNewPage)
	rt.HandleUpload("POST /share/reports/new", staff, MaxUploadBytes, s.reportNewPost)
	rt.Handle("GET /share/reports/{id}", staff, s.reportPage)
	rt.Handle("POST /share/reports/{id}/answer", staff, s.answerPost)
	rt.Handle("GET /share/shares/{id}", staff, s.sharePage)
	rt.Handle("POST /share/shares/{id}/sighting", staff, s.sightingPost)
	rt.Handle("GET /share/boundary/{org}", staff, s.boundaryPage)
	rt.Handle("POST /share/boundary/{org}", staff, s.boundaryPost)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return db.Now()
}

func (s *Service) printer(r *http.Request) *i18n.Printer {
	return s.Catalog.Printer(web.LangFrom(r.Context()))
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name, title string, f *web.Form, data any) error {
	s.Render.Page(w, r, status, "sharing/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}
