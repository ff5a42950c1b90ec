package audit

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for audit, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "audit",
		Templates: Templates,
		Locales:   Locales(),
	}
}
