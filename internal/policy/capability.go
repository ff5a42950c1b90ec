package policy

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for policy, in one value; s
// serves its routes and may still be nil when only the catalogs are read.
func Capability(s *Service) web.Capability {
	return web.Capability{
		Name:      "policy",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    s.Routes,
		Readiness: readiness,
	}
}
