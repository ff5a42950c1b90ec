package policy

import (
	"context"
	"errors"
	"time"

	"mamori/internal/db"
	"mamori/internal/web"
)

// readiness is the two-star condition this capability owns: a published
// basic policy, hosted here or recorded from elsewhere.
func readiness(ctx context.Context, q db.Querier, orgID, base string, _ time.Time) ([]web.ReadinessItem, error) {
	it := web.ReadinessItem{Key: "policy.readiness.item", Path: base + "/policy", Stars: 2, Note: "policy.readiness.none"}
	p, err := PublishedFor(ctx, q, orgID)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		it.Done, it.Note, it.Args = true, "policy.readiness.published", []any{p.Version}
	}
	return []web.ReadinessItem{it}, nil
}
