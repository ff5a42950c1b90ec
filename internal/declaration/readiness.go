package declaration

import (
	"context"
	"time"

	"mamori/internal/db"
	"mamori/internal/web"
)

// readiness is the one-star level on the organisation's page and
// dashboard: the five principles committed to and the declaration made.
// Both hold together (declaring commits to the five), but an owner looks
// for each, so each is its own line. The two-star conditions come from the
// capabilities that own them (the diagnosis, the policy).
func readiness(ctx context.Context, q db.Querier, orgID, base string, _ time.Time) ([]web.ReadinessItem, error) {
	d, err := declarationOf(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	active := d != nil && d.Active()
	principles := web.ReadinessItem{Key: "decl.readiness.principles", Path: "/principles", Done: active, Stars: 1, Note: "decl.readiness.principles_todo"}
	declared := web.ReadinessItem{Key: "decl.readiness.declared", Path: base + "/declaration", Done: active, Stars: 1, Note: "decl.readiness.declared_todo"}
	if active {
		principles.Note = "decl.readiness.principles_done"
		declared.Note, declared.Args = "decl.readiness.declared_done", []any{d.Mark(), d.Number}
	}
	return []web.ReadinessItem{principles, declared}, nil
}
