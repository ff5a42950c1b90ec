// Package org owns organisations (the SME profile) and their members:
// creation, profile with corporate number and size class, roles owner and
// member, e-mail invitations, the dashboard and the organisation API.
package org

import (
	"embed"
	"io/fs"
	"log/slog"

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
}

// Routes registers the organisation pages and API.
func (s *Service) Routes(rt *web.Router) {}
