package cloudcheck

import (
	"context"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// Capability is everything the app registers for cloudcheck, in one value; s
// serves its routes and may still be nil when only the catalogs are read.
func Capability(s *Service) web.Capability {
	return web.Capability{
		Name:      "cloudcheck",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    s.Routes,
		Readiness: readiness,
	}
}

// readiness is the cloud services check on the organisation's page.
func readiness(ctx context.Context, q db.Querier, orgID, base string, now time.Time) ([]web.ReadinessItem, error) {
	cs, err := Status(ctx, q, orgID, now)
	if err != nil {
		return nil, err
	}
	note, args := "cloud.readiness.note", []any{cs.FullyAnswered, i18n.Count(cs.Services), cs.Due}
	switch {
	case cs.NoCloud:
		note, args = "cloud.readiness.no_cloud", nil
	case cs.Services == 0:
		note, args = "cloud.readiness.none", nil
	}
	return []web.ReadinessItem{{Key: "cloud.readiness.item", Path: base + "/cloud", Done: cs.Done, Note: note, Args: args}}, nil
}
