// Package selfcheck is the 25-item self-diagnosis (自社診断): anyone takes
// it without an account and sees the score, band, part chart and action
// plan at once; an organisation saves results, keeps a history per site,
// marks actions done and is reminded to check again after a year.
package selfcheck

import (
	"embed"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/jobs"
	"mamori/internal/mail"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }

// Service holds the diagnosis logic and handlers.
type Service struct {
	DB      *db.DB
	Cfg     config.Config
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	Jobs    *jobs.Queue
	Mail    *mail.Mailer
	Content *Content
	// Now is replaceable so tests can move time forward.
	Now func() time.Time

	apiOnce sync.Once
	api     map[string]*apiCache // lang → precomputed JSON
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return db.Now()
}

// Routes registers the diagnosis pages and API.
func (s *Service) Routes(rt *web.Router) {
	s.apiRoutes(rt)
	s.pageRoutes(rt)
	s.orgRoutes(rt)
	s.Jobs.Register(reminderJob, s.remind)
}
