package mail

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for mail, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "mail",
		Templates: Templates,
		Locales:   Locales(),
	}
}
