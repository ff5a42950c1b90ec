package policy

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for policy, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "policy",
		Templates: Templates,
		Locales:   Locales(),
	}
}
