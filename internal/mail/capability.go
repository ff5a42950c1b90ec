package mail

import (
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// Capability is everything the app registers for mail, in one value; its
// routes use d, rd and cat, which may still be nil when only the catalogs
// are read.
func Capability(d *db.DB, rd *web.Renderer, cat *i18n.Catalog) web.Capability {
	return web.Capability{
		Name:      "mail",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    func(rt *web.Router) { Routes(rt, d, rd, cat) },
	}
}
