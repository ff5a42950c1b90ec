// Package declaration runs the self-declaration programme (セキュリティ対策
// 自己宣言): the five principles every SME can start with, and an
// organisation's declaration of its commitment — one star for the five
// principles now, two stars (self-diagnosis and a published basic policy)
// and the public registry later. A declaration is one record per
// organisation with an 11-digit number that never changes, and a history of
// every change (docs/declarations.md).
//
// "SECURITY ACTION" and its marks are IPA's trademarks, so the programme's
// default name here is the generic one; the wording of the principles is
// our own.
package declaration

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
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
	ActionDeclared   = "declaration.declared"
	ActionRedeclared = "declaration.redeclared"
)

// Service holds the declaration logic and handlers.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Now is replaceable so tests can fix the declaration time.
	Now func() time.Time

	// Two-star requirements come from other capabilities, wired in by the
	// app: when the organisation last saved a self-diagnosis, the URL of
	// its published basic policy (db.ErrNotFound when none), and how
	// recent the diagnosis must be.
	DiagnosedAt func(ctx context.Context, orgID string) (time.Time, error)
	PolicyURL   func(ctx context.Context, orgID string) (string, error)
	Window      time.Duration
	// Changed, when set, is called inside the transaction after a
	// declaration's public fields were written, so indexes built on them
	// (the registry's search names) never lag behind.
	Changed func(ctx context.Context, q db.Querier, declarationID string) error
}

func (s *Service) changed(ctx context.Context, q db.Querier, id string) error {
	if s.Changed == nil {
		return nil
	}
	return s.Changed(ctx, q, id)
}

// Routes registers the principles page and the declaration pages.
func (s *Service) Routes(rt *web.Router) {
	// The organisation the rules admit to is loaded once, into the request (org.FromRequest).
	member, owner := org.MemberAccess(s.DB.Read()), org.OwnerAccess(s.DB.Read())
	rt.Handle("GET /principles", web.Public, s.principlesPage)
	rt.Handle("GET /orgs/{org}/declaration", member, s.statusPage)
	rt.Handle("GET /orgs/{org}/declaration/one-star", owner, s.oneStarPage)
	rt.Handle("POST /orgs/{org}/declaration/one-star", owner, s.oneStarPost)
	rt.Handle("GET /orgs/{org}/declaration/two-stars", owner, s.twoStarPage)
	rt.Handle("POST /orgs/{org}/declaration/two-stars", owner, s.twoStarPost)
	rt.Handle("POST /orgs/{org}/declaration/withdraw", owner, s.withdrawPost)
	rt.Handle("POST /orgs/{org}/declaration/refresh-name", owner, s.refreshPost)
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
	s.Render.Page(w, r, status, "declaration/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// Summary is what dashboards show of an organisation's declaration:
// "★ 10000000017" while it is active.
type Summary struct {
	Stars  int
	Number string
	Status string
	Since  time.Time
}

// Active reports whether the declaration stands (not withdrawn).
func (s Summary) Active() bool { return s.Status == StatusActive }

// Mark is the star level as text: "★" or "★★".
func (s Summary) Mark() string { return mark(s.Stars) }

// Summary returns the declaration summary of each of orgIDs that has a
// declaration (active or withdrawn); organisations that never declared are
// absent from the map. One query per 500 organisations, on the reader pool.
func (s *Service) Summary(ctx context.Context, orgIDs []string) (map[string]Summary, error) {
	ds, err := ForOrgs(ctx, s.DB.Read(), orgIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Summary, len(ds))
	for id, d := range ds {
		out[id] = Summary{Stars: d.Stars, Number: d.Number, Status: d.Status, Since: d.DeclaredAt}
	}
	return out, nil
}

// Badges returns the mark and number ("★ 10000000017") of each of orgIDs
// whose declaration stands, as org's type, so it can be passed as a
// function to org, which cannot import this package.
func (s *Service) Badges(ctx context.Context, orgIDs []string) (map[string]org.Badge, error) {
	sum, err := s.Summary(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]org.Badge, len(sum))
	for id, v := range sum {
		if v.Active() {
			out[id] = org.Badge{Stars: v.Stars, Mark: v.Mark(), Number: v.Number}
		}
	}
	return out, nil
}
