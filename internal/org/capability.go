package org

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for org, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "org",
		Templates: Templates,
		Locales:   Locales(),
	}
}
