package sharing

import (
	"context"
	"time"

	"mamori/internal/db"
)

// The staff requests (share_staff_invites): the coordinators ask for an
// address to become a member's staff, an owner of the member organisation
// approves or declines, and the organisation's invitation follows.

// requestStaff records (or renews) the coordinators' request for email;
// a renewed request is open again, whatever became of the one before.
func requestStaff(ctx context.Context, q db.Querier, orgID, email string, by any, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO share_staff_invites (org_id, email, invited_by, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, email) DO UPDATE SET invited_by = excluded.invited_by, created_at = excluded.created_at,
			approved_at = NULL, approved_by = NULL, invitation_id = NULL`,
		orgID, email, by, now)
	return err
}

// openStaffRequest reports whether an open request for email stands: not
// settled, the company still in the hub, its requester still coordinating.
func openStaffRequest(ctx context.Context, q db.Querier, orgID, email string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_staff_invites i JOIN share_members m ON m.org_id = i.org_id
		WHERE i.org_id = ? AND i.email = ? AND i.approved_at IS NULL AND m.left_at IS NULL`+requesterActive, orgID, email).Scan(&n)
	return n > 0, err
}

// declineStaffRequest removes the open request; db.ErrNotFound when it
// was settled meanwhile.
func declineStaffRequest(ctx context.Context, q db.Querier, orgID, email string) error {
	return oneRow(q.ExecContext(ctx, `DELETE FROM share_staff_invites WHERE org_id = ? AND email = ? AND approved_at IS NULL`, orgID, email))
}

// approveStaffRequest marks the open request approved by the owner by;
// db.ErrNotFound when it was settled meanwhile (two owners, two clicks).
func approveStaffRequest(ctx context.Context, q db.Querier, orgID, email, by string, now time.Time) error {
	return oneRow(q.ExecContext(ctx, `UPDATE share_staff_invites SET approved_at = ?, approved_by = ? WHERE org_id = ? AND email = ? AND approved_at IS NULL`,
		now, by, orgID, email))
}

// settleStaffRequest removes any request for email, open or approved: the
// address is staff now.
func settleStaffRequest(ctx context.Context, q db.Querier, orgID, email string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM share_staff_invites WHERE org_id = ? AND email = ?`, orgID, email)
	return err
}

// linkStaffRequest records the organisation's invitation an approved
// request sent, so its acceptance makes the account staff.
func linkStaffRequest(ctx context.Context, q db.Querier, orgID, email, invitationID string) error {
	_, err := q.ExecContext(ctx, `UPDATE share_staff_invites SET invitation_id = ? WHERE org_id = ? AND email = ?`, invitationID, orgID, email)
	return err
}
