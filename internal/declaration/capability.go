package declaration

import (
	"mamori/internal/signing"
	"mamori/internal/web"
)

// Capability is everything the app registers for declaration, in one value; s
// serves its routes, the public ones verified with kr's keys at
// baseURL, and may still be nil when only the catalogs are read.
func Capability(s *Service, kr *signing.Keyring, baseURL string) web.Capability {
	return web.Capability{
		Name:      "declaration",
		Templates: Templates,
		Locales:   Locales(),
		Readiness: readiness,
		Routes: func(rt *web.Router) {
			s.Routes(rt)
			s.PublicRoutes(rt, kr, baseURL)
		},
	}
}
