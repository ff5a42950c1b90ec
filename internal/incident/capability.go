package incident

import (
	"context"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// Capability is everything the app registers for incident, in one value; s
// serves its routes and may still be nil when only the catalogs are read.
func Capability(s *Service) web.Capability {
	return web.Capability{
		Name:      "incident",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    s.Routes,
		Static:    Static(),
		Readiness: readiness,
	}
}

// readiness is the incident response card on the organisation's page.
func readiness(ctx context.Context, q db.Querier, orgID, base string, _ time.Time) ([]web.ReadinessItem, error) {
	is, err := Status(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	return []web.ReadinessItem{{Key: "incident.readiness.item", Path: base + "/incident", Done: is.Done,
		Note: "incident.readiness.note", Args: []any{i18n.Count(is.OpenIncidents)}}}, nil
}
