package selfcheck

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for selfcheck, in one value; s
// serves its routes and may still be nil when only the catalogs are read.
func Capability(s *Service) web.Capability {
	return web.Capability{
		Name:      "selfcheck",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    s.Routes,
		Cleanup:   []web.Cleanup{{Name: "selfcheck drafts", Run: DeleteOldDrafts}},
		Readiness: s.readiness,
	}
}
