// Package controls is the countermeasure check sheet (対策状況チェック):
// about fifty controls in ten chapters, each protecting some
// kinds of media, which the organisation answers in place, partial, not
// in place or not applicable. The answers set the vulnerability values
// (1–3) the asset ledger's risk analysis uses, per medium (Vulnerabilities,
// docs/controls.md). The medium keys live here (Medium, Media) so that
// package assets can import them; this package must never import assets.
package controls

import (
	"embed"
	"io/fs"
	"log/slog"
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

// ActionSaved is the audit action of a save of the sheet. Keep it
// stable: operators search for it.
const ActionSaved = "controls.saved"

// Service holds the check sheet's logic and handlers.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Now is replaceable so tests can fix times.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return db.Now()
}
