package assets

import (
	"context"
	"time"

	"mamori/internal/db"
)

// pendingTTL is how long an uploaded ledger waits for its confirmation.
const pendingTTL = 24 * time.Hour

// pending is an uploaded ledger file waiting for its owner's confirmation,
// with the hash of the plan the owner was last shown.
type pending struct {
	ID, Filename, Hash string
	Body               []byte
	CreatedAt          time.Time
}

// keepPending stores an upload as the user's one pending import in the
// organisation: the user's older one there and everyone's expired ones go.
func keepPending(ctx context.Context, q db.Querier, orgID, userID string, p *pending) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM asset_imports WHERE created_at < ? OR (org_id = ? AND user_id = ?)`,
		p.CreatedAt.Add(-pendingTTL), orgID, userID); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO asset_imports (id, org_id, user_id, filename, body, plan_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, orgID, userID, p.Filename, p.Body, p.Hash, p.CreatedAt)
	return err
}

// pendingOf is the user's own pending upload id in the organisation, as of
// now; anyone else's, or an expired one, is db.ErrNotFound.
func pendingOf(ctx context.Context, q db.Querier, orgID, userID, id string, now time.Time) (*pending, error) {
	var p pending
	err := q.QueryRowContext(ctx, `SELECT id, filename, plan_hash, body, created_at FROM asset_imports WHERE id = ? AND org_id = ? AND user_id = ? AND created_at >= ?`,
		id, orgID, userID, now.Add(-pendingTTL)).Scan(&p.ID, &p.Filename, &p.Hash, &p.Body, &p.CreatedAt)
	if err != nil {
		return nil, db.Classify(err)
	}
	return &p, nil
}

// setPendingPlan records the plan hash shown for a pending import, so a
// confirmation applies only what was seen.
func setPendingPlan(ctx context.Context, q db.Querier, id, hash string) error {
	_, err := q.ExecContext(ctx, `UPDATE asset_imports SET plan_hash = ? WHERE id = ?`, hash, id)
	return err
}

// dropPending deletes a pending import of the user in the organisation
// (cancelled or applied).
func dropPending(ctx context.Context, q db.Querier, orgID, userID, id string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM asset_imports WHERE id = ? AND org_id = ? AND user_id = ?`, id, orgID, userID)
	return err
}

// DeleteExpiredImports deletes uploads never confirmed within pendingTTL:
// they hold whole ledger files, which should not outlive their purpose
// just because their owner never uploads again.
func DeleteExpiredImports(ctx context.Context, q db.Querier, now time.Time) error {
	_, err := q.ExecContext(ctx, `DELETE FROM asset_imports WHERE created_at < ?`, now.Add(-pendingTTL))
	return err
}
