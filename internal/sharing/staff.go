package sharing

import (
	"context"
	"errors"
	"time"

	"mamori/internal/db"
	"mamori/internal/web"
)

// Staff is a member organisation's account in the hub: a user with the
// share_member role who belongs to the organisation.
type Staff struct {
	UserID, Email, Name string
}

// StaffOf lists a member's staff.
func StaffOf(ctx context.Context, q db.Querier, orgID string) ([]Staff, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.email, u.name FROM org_members om JOIN users u ON u.id = om.user_id
		JOIN user_roles r ON r.user_id = u.id AND r.role = ?
		WHERE om.org_id = ? ORDER BY u.email`, web.RoleShareMember, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		var s Staff
		if err := rows.Scan(&s.UserID, &s.Email, &s.Name); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// MembershipsOf returns the member organisations a staff account acts
// for, with their standing today. A user without the share_member role
// has none, whatever organisations they belong to.
func MembershipsOf(ctx context.Context, q db.Querier, v *web.Viewer, now time.Time) ([]*Member, error) {
	if v == nil || !v.HasRole(web.RoleShareMember) {
		return nil, nil
	}
	var out []*Member
	for _, om := range v.Orgs {
		m, err := GetMember(ctx, q, om.OrgID, now)
		if errors.Is(err, db.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
