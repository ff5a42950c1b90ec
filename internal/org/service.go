// Package org owns organisations (the SME profile) and their members:
// creation, profile with corporate number and size class, roles owner and
// member, e-mail invitations, the dashboard and the organisation API.
package org

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/mail"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }

// Service holds the organisation logic and handlers.
type Service struct {
	DB      *db.DB
	Cfg     config.Config
	Log     *slog.Logger
	Mail    *mail.Mailer
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Now is replaceable so tests can move past an invitation's expiry.
	Now func() time.Time

	// Badges, when set, gives each organisation's standing declaration
	// (mark and number, "★ 10000000017"); the declaration package provides
	// it, since it builds on organisations and org cannot import it.
	Badges func(ctx context.Context, orgIDs []string) (map[string]Badge, error)

	// LatestDiagnosis, when set, gives the dashboard an organisation's
	// latest saved self-diagnosis in lang, db.ErrNotFound when it has
	// none; the selfcheck package provides it.
	LatestDiagnosis func(ctx context.Context, o *Org, lang string) (Diagnosis, error)

	// Readiness, when set, tells the organisation's page how far its
	// security work has come (asset ledger, risk analysis, cloud check,
	// incident card); the capabilities that own that work provide it.
	Readiness func(ctx context.Context, o *Org) ([]ReadinessItem, error)

	// Accepted, when set, is called in the transaction that accepts an
	// invitation, after the user joined: a capability that invited
	// someone for its own purpose (the sharing hub's staff) finishes the
	// job there.
	Accepted func(ctx context.Context, q db.Querier, r *http.Request, inv *Invitation, userID string) error

	// Notices, when set, gives the dashboard the things waiting for the
	// viewer elsewhere (new shared information, an approval asked of
	// them); the capabilities that own them provide it.
	Notices func(ctx context.Context, v *web.Viewer) ([]Notice, error)

	// Changed, when set, is called inside the transaction that changed an
	// organisation's profile, so indexes built on it (the registry's
	// prefecture and industry facets) never lag behind.
	Changed func(ctx context.Context, q db.Querier, orgID string) error

	dashOnce sync.Once
	dash     *db.ReadCache[dashboardData]
}

// Routes registers the organisation pages and API.
func (s *Service) Routes(rt *web.Router) {
	// The organisation the rules admit to is loaded once, into the request (org.FromRequest).
	member, owner := MemberAccess(s.DB.Read()), OwnerAccess(s.DB.Read())
	rt.Handle("GET /dashboard", web.LoggedIn, s.dashboard)
	rt.Handle("POST /dashboard/invitations/{id}/accept", web.LoggedIn, s.dashboardAcceptPost)
	rt.Handle("GET /orgs", web.LoggedIn, s.listPage)
	rt.Handle("GET /orgs/new", web.LoggedIn, s.newPage)
	rt.Handle("POST /orgs/new", web.LoggedIn, s.newPost)
	rt.Handle("GET /orgs/{org}", member, s.showPage)
	rt.Handle("GET /orgs/{org}/edit", owner, s.editPage)
	rt.Handle("POST /orgs/{org}/edit", owner, s.editPost)
	rt.Handle("GET /orgs/{org}/members", member, s.membersPage)
	rt.Handle("POST /orgs/{org}/invitations", owner, s.invitePost)
	rt.Handle("POST /orgs/{org}/invitations/{id}/revoke", owner, s.revokePost)
	rt.Handle("POST /orgs/{org}/members/{user}/role", owner, s.rolePost)
	rt.Handle("POST /orgs/{org}/members/{user}/remove", owner, s.removePost)
	rt.Handle("POST /orgs/{org}/leave", member, s.leavePost)
	rt.Handle("GET /invitations/{token}", web.Public, s.invitationPage)
	rt.Handle("POST /invitations/{token}", web.LoggedIn, s.invitationPost)
	s.apiRoutes(rt)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return db.Now()
}

// link builds an absolute URL for mails.
func (s *Service) link(path string) string { return strings.TrimRight(s.Cfg.BaseURL, "/") + path }

func (s *Service) printer(r *http.Request) *i18n.Printer {
	return s.Catalog.Printer(web.LangFrom(r.Context()))
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name, title string, f *web.Form, data any) error {
	s.Render.Page(w, r, status, "org/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// ReadinessItem is one piece of an organisation's security work as its
// page lists it; each capability that owns a piece makes it
// (web.Capability.Readiness).
type ReadinessItem = web.ReadinessItem

// Notice is one line on the dashboard pointing at work elsewhere.
type Notice struct {
	Key  string // message key, with Args
	Args []any  // the count as i18n.Count, which chooses English's singular
	Path string
}
