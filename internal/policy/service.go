// Package policy generates an organisation's basic information security
// policy (情報セキュリティ基本方針): a template in our own words with the
// five headings of IPA's sample, filled with the company's details, which
// the owner edits as plain text and publishes. Publishing keeps every
// version for good and gives the public page /p/{slug}/policy, or records
// the URL of a policy the company hosts elsewhere. A published policy is
// one of the two-star declaration's requirements (docs/policy.md).
package policy

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
	ActionPublished        = "policy.published"
	ActionExternalRecorded = "policy.external_recorded"
)

// Service holds the policy logic and handlers.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Now is replaceable so tests can fix publication dates.
	Now func() time.Time

	// NextStep, when set, is where an owner goes after publishing: the
	// two-star declaration while the organisation has still to make it,
	// "" once it stands. The declaration package provides it: a published
	// policy is one of its conditions, and policy cannot import it.
	NextStep func(ctx context.Context, o *org.Org) (string, error)
}

// afterPublish redirects the owner who just published: on to the
// two-star declaration (with flashNext) when it is still to be made,
// else to target (with flash).
func (s *Service) afterPublish(w http.ResponseWriter, r *http.Request, o *org.Org, target, flash, flashNext string) error {
	if s.NextStep != nil {
		next, err := s.NextStep(r.Context(), o)
		if err != nil {
			return err
		}
		if next != "" {
			return web.Redirect(w, r, next, flashNext)
		}
	}
	return web.Redirect(w, r, target, flash)
}

// Routes registers the members' overview, the owner's editor and the
// public policy pages.
func (s *Service) Routes(rt *web.Router) {
	// The organisation the rules admit to is loaded once, into the request (org.FromRequest).
	member, owner := org.MemberAccess(s.DB.Read()), org.OwnerAccess(s.DB.Read())
	rt.Handle("GET /orgs/{org}/policy", member, s.showPage)
	rt.Handle("GET /orgs/{org}/policy/edit", owner, s.editPage)
	rt.Handle("POST /orgs/{org}/policy/edit", owner, s.editPost)
	rt.Handle("POST /orgs/{org}/policy/external", owner, s.externalPost)
	rt.Handle("GET /p/{slug}/policy", web.Public, s.publicLatest)
	rt.Handle("GET /p/{slug}/policy/{version}", web.Public, s.publicVersion)
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
	s.Render.Page(w, r, status, "policy/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// Published is what other capabilities need of an organisation's current
// policy: the two-star declaration links to URL.
type Published struct {
	OrgID       string
	Version     int
	PublishedAt time.Time
	ExternalURL string
	// URL is "/p/{slug}/policy" for a hosted policy, else the external URL.
	URL string
}

// PublishedFor returns the organisation's latest published version;
// db.ErrNotFound when it has published none.
func PublishedFor(ctx context.Context, q db.Querier, orgID string) (*Published, error) {
	var p Published
	var slug string
	err := q.QueryRowContext(ctx, `SELECT v.org_id, v.version, v.published_at, v.external_url, o.slug
		FROM policy_versions v JOIN orgs o ON o.id = v.org_id
		WHERE v.org_id = ? ORDER BY v.version DESC LIMIT 1`, orgID).Scan(&p.OrgID, &p.Version, &p.PublishedAt, &p.ExternalURL, &slug)
	if err != nil {
		return nil, db.Classify(err)
	}
	p.PublishedAt = p.PublishedAt.UTC()
	p.URL = p.ExternalURL
	if p.URL == "" {
		p.URL = PublicPath(slug)
	}
	return &p, nil
}

// PublicPath is the address of an organisation's hosted policy.
func PublicPath(slug string) string { return "/p/" + slug + "/policy" }
