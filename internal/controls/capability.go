package controls

import (
	"context"
	"time"

	"mamori/internal/db"
	"mamori/internal/web"
)

// Capability is everything the app registers for controls, in one value; s
// serves its routes and may still be nil when only the catalogs are read.
func Capability(s *Service) web.Capability {
	return web.Capability{
		Name:      "controls",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    s.Routes,
		Readiness: readiness,
	}
}

// readiness is the countermeasure check on the organisation's page: done
// when every control is answered.
func readiness(ctx context.Context, q db.Querier, orgID, base string, _ time.Time) ([]web.ReadinessItem, error) {
	answered, total, err := Status(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	return []web.ReadinessItem{{Key: "controls.readiness.item", Path: base + "/controls", Done: total > 0 && answered == total,
		Note: "controls.readiness.note", Args: []any{answered, total}}}, nil
}
