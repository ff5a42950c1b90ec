package sharing

import (
	"context"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
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
		n, err := coordinatorPending(ctx, q)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, org.Notice{Key: "sharing.notice.pending", Args: []any{i18n.Count(n)}, Path: "/share/admin/reports"})
		}
	}
	reqs, err := s.ownerRequests(ctx, q, v)
	if err != nil {
		return nil, err
	}
	for _, rq := range reqs {
		out = append(out, org.Notice{Key: "sharing.notice.staff_requests", Args: []any{i18n.Count(rq.n)}, Path: "/orgs/" + rq.slug + "/hub-staff"})
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
		if !m.Active() {
			continue // it could neither see nor answer the proposal
		}
		var asks int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports r JOIN share_shares s ON s.report_id = r.id
			WHERE r.org_id = ? AND r.status = ? AND s.approved_at IS NULL`, m.OrgID, StatusApproval).Scan(&asks); err != nil {
			return nil, err
		}
		if asks > 0 {
			out = append(out, org.Notice{Key: "sharing.notice.approval", Args: []any{i18n.Count(asks)}, Path: "/share"})
		}
	}
	if fresh > 0 {
		out = append(out, org.Notice{Key: "sharing.notice.new_shares", Args: []any{i18n.Count(fresh)}, Path: "/share"})
	}
	return out, nil
}

// coordinatorPending counts the reports waiting for a coordinator: new,
// being turned into a share, sent back by the reporter with changes, or
// approved and ready to release. The dashboard notice and the hub's
// front page give the same figure.
func coordinatorPending(ctx context.Context, q db.Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_reports r WHERE r.status IN (?, ?, ?)
		OR (r.status = ? AND EXISTS (SELECT 1 FROM share_shares s WHERE s.report_id = r.id AND s.approved_at IS NOT NULL))`,
		StatusReceived, StatusReview, StatusChanges, StatusApproval).Scan(&n)
	return n, err
}
