package sharing

import (
	"context"
	"errors"
	"time"

	"mamori/internal/db"
	"mamori/internal/web"
)

// Staff is a member organisation's account in the hub: a user the
// coordinators named as that member's staff (table share_staff), who
// belongs to the organisation and holds the share_member role.
type Staff struct {
	UserID, Email, Name string
}

// staffJoin narrows users to a member's staff: named for it, still in
// the organisation, still holding the role.
const staffJoin = `share_staff s JOIN users u ON u.id = s.user_id
	JOIN org_members om ON om.org_id = s.org_id AND om.user_id = s.user_id
	JOIN user_roles r ON r.user_id = u.id AND r.role = '` + web.RoleShareMember + `'`

// StaffOf lists a member's staff.
func StaffOf(ctx context.Context, q db.Querier, orgID string) ([]Staff, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (Staff, error) {
		var s Staff
		err := r.Scan(&s.UserID, &s.Email, &s.Name)
		return s, err
	}, `SELECT u.id, u.email, u.name FROM `+staffJoin+` WHERE s.org_id = ? ORDER BY u.email`, orgID)
}

// AddStaff names an account as a member's staff; naming it twice changes
// nothing. The caller gives the role and the organisation's membership.
func AddStaff(ctx context.Context, q db.Querier, orgID, userID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO share_staff (org_id, user_id, added_at) VALUES (?, ?, ?)
		ON CONFLICT (org_id, user_id) DO NOTHING`, orgID, userID, now)
	return err
}

// RemoveStaff ends an account's staff role for one member and reports
// whether it still acts for any other.
func RemoveStaff(ctx context.Context, q db.Querier, orgID, userID string) (others bool, err error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM share_staff WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return false, err
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_staff WHERE user_id = ?`, userID).Scan(&n)
	return n > 0, err
}

// MembershipsOf returns the member organisations a staff account acts
// for, with their standing today: those it was named staff of and still
// belongs to. A user without the share_member role has none, whatever
// organisations they belong to.
func MembershipsOf(ctx context.Context, q db.Querier, v *web.Viewer, now time.Time) ([]*Member, error) {
	if v == nil || !v.HasRole(web.RoleShareMember) {
		return nil, nil
	}
	named := map[string]bool{}
	ids, err := db.Collect(ctx, q, db.Column[string], `SELECT org_id FROM share_staff WHERE user_id = ?`, v.UserID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		named[id] = true
	}
	var out []*Member
	for _, om := range v.Orgs {
		if !named[om.OrgID] {
			continue
		}
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

// staffRecipient is a staff account mail goes to.
type staffRecipient struct{ email, lang string }

// activeStaffOf lists the enabled staff accounts of the members orgIDs,
// each account once however many of them it acts for. It reads in
// batches of 500 members, well under every engine's limit on bound values.
func activeStaffOf(ctx context.Context, q db.Querier, orgIDs []string) ([]staffRecipient, error) {
	const batch = 500
	var to []staffRecipient
	seen := map[string]bool{}
	for len(orgIDs) > 0 {
		part := orgIDs[:min(batch, len(orgIDs))]
		orgIDs = orgIDs[len(part):]
		err := db.Each(ctx, q, func(row db.Scanner) error {
			var id string
			var r staffRecipient
			if err := row.Scan(&id, &r.email, &r.lang); err != nil {
				return err
			}
			if !seen[id] {
				seen[id] = true
				to = append(to, r)
			}
			return nil
		}, `SELECT u.id, u.email, u.lang FROM `+staffJoin+`
			WHERE u.disabled_at IS NULL AND s.org_id IN `+db.Marks(len(part))+` ORDER BY u.email, u.id`, db.Args(part)...)
		if err != nil {
			return nil, err
		}
	}
	return to, nil
}
