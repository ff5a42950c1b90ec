package registry

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for registry, in one value; s
// serves its routes and may still be nil when only the catalogs are read.
func Capability(s *Service) web.Capability {
	return web.Capability{
		Name:      "registry",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    s.Routes,
	}
}
