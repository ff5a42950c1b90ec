package selfcheck

import (
	"mamori/internal/web"
)

// Capability is everything the app registers for selfcheck, in one value.
func Capability() web.Capability {
	return web.Capability{
		Name:      "selfcheck",
		Templates: Templates,
		Locales:   Locales(),
		Cleanup:   []web.Cleanup{{Name: "selfcheck drafts", Run: DeleteOldDrafts}},
	}
}
