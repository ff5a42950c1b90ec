package registry

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for registry, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "registry",
		Templates: Templates,
		Locales:   Locales(),
	}
}
