// Package registry is the public registry of self-declarations: the
// verification page of each declaration (/v/{number}), its SVG badge, the
// search page and API, and the open-data CSV export (docs/registry.md).
//
// It only reads declarations; what it keeps is its search index
// (index.go: entries, posting lists and counts derived from declarations
// and orgs), which the declaration and organisation flows keep in step
// through Sync and SyncOrg and serve repairs at start with EnsureIndex.
package registry

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

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

// Service holds the registry's handlers.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// BaseURL is the instance's public URL ("https://mamori.example.jp"):
	// the embed snippet and the CSV's policy links are absolute with it.
	// When empty, the request's own scheme and host are used.
	BaseURL string

	listsOnce sync.Once
	lists     *Lists
	pages     *db.ReadCache[[]byte]
}

// verifyCacheTTL bounds how long another instance's change (a withdrawal)
// can take to show on this instance's cached verification pages.
const verifyCacheTTL = 2 * time.Second

// verifyPages caches rendered verification pages, up to 4,096 of them
// (about 3 KB each).
func (s *Service) verifyPages() *db.ReadCache[[]byte] {
	s.postingLists() // one Once for both
	return s.pages
}

// postingLists is the service's cache of posting lists, made on first use.
func (s *Service) postingLists() *Lists {
	s.listsOnce.Do(func() {
		s.lists = NewLists(DefaultListsBytes)
		s.pages = db.NewReadCache[[]byte](s.DB, verifyCacheTTL, 4096)
	})
	return s.lists
}

// Routes registers the public registry pages (all web.Public):
//
//	GET /v/{number}            verification page
//	GET /v/{number}/badge.svg  SVG badge
//	GET /registry              search page
//	GET /api/v1/registry       search API (JSON)
//	GET /registry.csv          open-data export
func (s *Service) Routes(rt *web.Router) {
	rt.Handle("GET /v/{number}", web.Public, s.verifyPage)
	rt.Handle("GET /v/{number}/badge.svg", web.Public, s.badge)
	rt.Handle("GET /registry", web.Public, s.searchPage)
	rt.Handle("GET /api/v1/registry", web.Public, s.searchAPI)
	rt.Handle("GET /registry.csv", web.Public, s.exportCSV)
}

func (s *Service) printer(r *http.Request) *i18n.Printer {
	return s.Catalog.Printer(web.LangFrom(r.Context()))
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name, title string, f *web.Form, data any) error {
	s.Render.Page(w, r, status, "registry/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// base is the absolute URL prefix of this instance, without a trailing
// slash.
func (s *Service) base(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// absolute makes a local path ("/p/x/policy") absolute; other URLs are
// returned as they are.
func (s *Service) absolute(r *http.Request, u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return s.base(r) + u
	}
	return u
}
