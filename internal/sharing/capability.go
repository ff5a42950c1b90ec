package sharing

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for sharing, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "sharing",
		Templates: Templates,
		Locales:   Locales(),
	}
}
