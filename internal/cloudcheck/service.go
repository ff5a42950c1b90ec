// Package cloudcheck keeps an organisation's inventory of the cloud
// services it uses, linked to the information assets stored in each, and
// for every service the 14-point check in three groups (A scope of use,
// B preparation, C provider conditions; facts from IPA's check sheet for
// SMEs, our own wording), answered yes / no / not applicable with a note.
// A completed check is due again after 365 days. An organisation that
// uses no cloud service can record so. Status tells the dashboard whether
// the cloud check is done; ServicesForAssets lets the asset ledger link
// each asset to its services (docs/cloudcheck.md).
package cloudcheck

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/jobs"
	"mamori/internal/mail"
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
	ActionCreated         = "cloudcheck.service_created"
	ActionDeleted         = "cloudcheck.service_deleted"
	ActionRestored        = "cloudcheck.service_restored"
	ActionCompleted       = "cloudcheck.check_completed"
	ActionNoCloudRecorded = "cloudcheck.no_cloud_recorded"
	ActionNoCloudCleared  = "cloudcheck.no_cloud_cleared"
)

// Service holds the cloud check's logic and handlers.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Now is replaceable so tests can fix the clock (the yearly re-check).
	Now func() time.Time
	// Jobs and Mail send the yearly re-check reminder; BaseURL makes its
	// link absolute. Without Jobs no reminder is scheduled.
	Jobs    *jobs.Queue
	Mail    *mail.Mailer
	BaseURL string
}

// Routes registers the organisation's cloud pages. Every member of the
// organisation reads and edits them: the inventory and the answers are
// the members' working record, deletion is soft and restorable, and every
// deletion, restoration and completion is audited.
func (s *Service) Routes(rt *web.Router) {
	member := org.MemberAccess(s.DB.Read()) // loads the organisation into the request (org.FromRequest)
	rt.Handle("GET /orgs/{org}/cloud", member, s.listPage)
	rt.Handle("GET /orgs/{org}/cloud/new", member, s.newPage)
	rt.Handle("POST /orgs/{org}/cloud/new", member, s.newPost)
	rt.Handle("POST /orgs/{org}/cloud/none", member, s.nonePost)
	rt.Handle("GET /orgs/{org}/cloud/{id}", member, s.showPage)
	rt.Handle("POST /orgs/{org}/cloud/{id}", member, s.answersPost)
	rt.Handle("GET /orgs/{org}/cloud/{id}/edit", member, s.editPage)
	rt.Handle("POST /orgs/{org}/cloud/{id}/edit", member, s.editPost)
	rt.Handle("POST /orgs/{org}/cloud/{id}/delete", member, s.deletePost)
	rt.Handle("POST /orgs/{org}/cloud/{id}/restore", member, s.restorePost)
	if s.Jobs != nil {
		s.Jobs.Register(reminderJob, s.remind)
	}
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
	s.Render.Page(w, r, status, "cloudcheck/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// CompletedText is the day of the last completion in lang, "" when never.
func (c *CloudService) CompletedText(lang string) string {
	if c.CompletedAt == nil {
		return ""
	}
	return i18n.Date(*c.CompletedAt, lang)
}

// NextCheckText is the day the re-check falls due in lang, "" when the
// check was never completed.
func (c *CloudService) NextCheckText(lang string) string {
	if t := c.NextCheck(); t != nil {
		return i18n.Date(*t, lang)
	}
	return ""
}

// PurposeLines is the purpose split into lines, for pages.
func (c *CloudService) PurposeLines() []string {
	if c.Purpose == "" {
		return nil
	}
	return strings.Split(c.Purpose, "\n")
}

// DeletedText is the day of deletion in lang, "" when standing.
func (c *CloudService) DeletedText(lang string) string {
	if c.DeletedAt == nil {
		return ""
	}
	return i18n.Date(*c.DeletedAt, lang)
}
