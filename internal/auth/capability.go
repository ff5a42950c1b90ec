package auth

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for auth, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "auth",
		Templates: Templates,
		Locales:   Locales(),
		Cleanup:   []web.Cleanup{{Name: "auth", Run: DeleteExpired}},
	}
}
