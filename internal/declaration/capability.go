package declaration

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for declaration, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "declaration",
		Templates: Templates,
		Locales:   Locales(),
	}
}
