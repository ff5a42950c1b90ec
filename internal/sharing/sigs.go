package sharing

import (
	"context"
	"errors"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/web"
)

// SIG is a special interest group: the unit shares are released to.
type SIG struct {
	ID, Name, Description string
	CreatedAt             time.Time
	Members               int // member organisations in it
}

// SIGInput is a SIG as the coordinator edits it.
type SIGInput struct{ Name, Description string }

func (in SIGInput) clean() (SIGInput, error) {
	f := apperr.FieldSet{}
	name, ok := web.CleanText(in.Name, 100)
	if !ok {
		f.Add("name", web.TextKey(in.Name, "sharing.err.text"))
	} else if name == "" {
		f.Add("name", "sharing.err.sig_name")
	}
	desc, ok := web.CleanLines(in.Description, 2000)
	if !ok {
		f.Add("description", web.TextKey(in.Description, "sharing.err.text"))
	}
	return SIGInput{Name: name, Description: desc}, f.Err()
}

// CreateSIG adds a SIG; a name already in use is a conflict on the name.
func CreateSIG(ctx context.Context, q db.Querier, userID string, in SIGInput, now time.Time) (*SIG, error) {
	c, err := in.clean()
	if err != nil {
		return nil, err
	}
	s := &SIG{ID: db.NewID(), Name: c.Name, Description: c.Description, CreatedAt: now}
	_, err = q.ExecContext(ctx, `INSERT INTO share_sigs (id, name, description, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.Name, s.Description, nullable(userID), now)
	if err = db.Classify(err); errors.Is(err, db.ErrConflict) {
		return nil, &apperr.Error{Code: apperr.Conflict, Key: "error.invalid_input", Fields: map[string]string{"name": "sharing.err.sig_taken"}}
	}
	return s, err
}

// UpdateSIG renames or redescribes a SIG.
func UpdateSIG(ctx context.Context, q db.Querier, id string, in SIGInput) error {
	c, err := in.clean()
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE share_sigs SET name = ?, description = ? WHERE id = ?`, c.Name, c.Description, id)
	if err = db.Classify(err); errors.Is(err, db.ErrConflict) {
		return &apperr.Error{Code: apperr.Conflict, Key: "error.invalid_input", Fields: map[string]string{"name": "sharing.err.sig_taken"}}
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

const sigCols = `s.id, s.name, s.description, s.created_at, (SELECT COUNT(*) FROM share_sig_members x WHERE x.sig_id = s.id)`

func scanSIG(sc db.Scanner) (SIG, error) {
	var s SIG
	err := sc.Scan(&s.ID, &s.Name, &s.Description, &s.CreatedAt, &s.Members)
	s.CreatedAt = s.CreatedAt.UTC()
	return s, err
}

// GetSIG returns one SIG.
func GetSIG(ctx context.Context, q db.Querier, id string) (*SIG, error) {
	s, err := scanSIG(q.QueryRowContext(ctx, `SELECT `+sigCols+` FROM share_sigs s WHERE s.id = ?`, id))
	if err != nil {
		return nil, db.Classify(err)
	}
	return &s, nil
}

// SIGs lists every SIG by name.
func SIGs(ctx context.Context, q db.Querier) ([]SIG, error) {
	return listSIGs(ctx, q, `SELECT `+sigCols+` FROM share_sigs s ORDER BY s.name, s.id`)
}

// SIGsOf lists the SIGs an organisation belongs to.
func SIGsOf(ctx context.Context, q db.Querier, orgID string) ([]SIG, error) {
	return listSIGs(ctx, q, `SELECT `+sigCols+` FROM share_sigs s JOIN share_sig_members m ON m.sig_id = s.id
		WHERE m.org_id = ? ORDER BY s.name, s.id`, orgID)
}

func listSIGs(ctx context.Context, q db.Querier, query string, args ...any) ([]SIG, error) {
	return db.Collect(ctx, q, scanSIG, query, args...)
}

// SetSIGMember adds (in) or removes (!in) a member organisation to a SIG.
// Only members can join; adding twice or removing an absent one changes
// nothing.
func SetSIGMember(ctx context.Context, q db.Querier, sigID, orgID string, in bool, now time.Time) error {
	if _, err := GetSIG(ctx, q, sigID); err != nil {
		return err
	}
	if !in {
		_, err := q.ExecContext(ctx, `DELETE FROM share_sig_members WHERE sig_id = ? AND org_id = ?`, sigID, orgID)
		return err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_members WHERE org_id = ? AND left_at IS NULL`, orgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return db.ErrNotFound
	}
	_, err := q.ExecContext(ctx, `INSERT INTO share_sig_members (sig_id, org_id, added_at) VALUES (?, ?, ?) ON CONFLICT (sig_id, org_id) DO NOTHING`,
		sigID, orgID, now)
	return err
}

// SIGMembers lists the member organisations of a SIG.
func SIGMembers(ctx context.Context, q db.Querier, sigID string, now time.Time) ([]*Member, error) {
	return listMembers(ctx, q, now, `SELECT `+memberCols+` FROM share_members m JOIN orgs o ON o.id = m.org_id
		JOIN share_sig_members x ON x.org_id = m.org_id WHERE x.sig_id = ? ORDER BY o.name, o.id`, sigID)
}
