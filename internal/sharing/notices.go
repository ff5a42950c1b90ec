package sharing

import (
	"context"
	"time"

	"mamori/internal/org"
	"mamori/internal/web"
)

// newWindow is how long a released share counts as new on the dashboard.
const newWindow = 14 * 24 * time.Hour

// Notices tells the dashboard what waits in the hub for this viewer:
// new shares and approvals asked of their organisation (staff), reports
// not yet handled (coordinators).
func (s *Service) Notices(ctx context.Context, v *web.Viewer) ([]org.Notice, error) {
	if v == nil {
		return nil, nil
	}
	q := s.DB.Read()
	var out []org.Notice
	if v.HasRole(web.RoleAnalyst) {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports WHERE status IN (?, ?)`, StatusReceived, StatusChanges).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, org.Notice{Key: "sharing.notice.pending", Args: []any{n}, Path: "/share/admin/reports"})
		}
	}
	ms, err := MembershipsOf(ctx, q, v, s.now())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	fresh := 0
	for _, m := range ms {
		feed, err := Feed(ctx, q, m, 50)
		if err != nil {
			return nil, err
		}
		for _, sh := range feed {
			if !seen[sh.ID] && sh.ReleasedAt != nil && s.now().Sub(*sh.ReleasedAt) < newWindow {
				fresh++
			}
			seen[sh.ID] = true
		}
		var asks int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports WHERE org_id = ? AND status = ?`, m.OrgID, StatusApproval).Scan(&asks); err != nil {
			return nil, err
		}
		if asks > 0 {
			out = append(out, org.Notice{Key: "sharing.notice.approval", Args: []any{asks}, Path: "/share"})
		}
	}
	if fresh > 0 {
		out = append(out, org.Notice{Key: "sharing.notice.new_shares", Args: []any{fresh}, Path: "/share"})
	}
	return out, nil
}
