package assets

import (
	"context"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// Capability is everything the app registers for assets, in one value; s
// serves its routes and may still be nil when only the catalogs are read.
func Capability(s *Service) web.Capability {
	return web.Capability{
		Name:      "assets",
		Templates: Templates,
		Locales:   Locales(),
		Routes:    s.Routes,
		Cleanup:   []web.Cleanup{{Name: "asset imports", Run: DeleteExpiredImports}},
		Readiness: readiness,
	}
}

// readiness is the ledger and the risk analysis on the organisation's page.
func readiness(ctx context.Context, q db.Querier, orgID, base string, _ time.Time) ([]web.ReadinessItem, error) {
	p, err := ProgressOf(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	return []web.ReadinessItem{
		{Key: "assets.readiness.ledger", Path: base + "/assets", Done: p.LedgerDone, Note: "assets.readiness.ledger_note", Args: []any{i18n.Count(p.Assets)}},
		{Key: "assets.readiness.risk", Path: base + "/risk", Done: p.RiskDone, Note: "assets.readiness.risk_note", Args: []any{p.Unassessed, p.Untreated}},
	}, nil
}
