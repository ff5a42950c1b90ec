package incident

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"mamori/internal/db"
)

// StoredCard is an organisation's saved card.
type StoredCard struct {
	OrgID string
	Card  Card
	// Revision counts saves, from 1.
	Revision  int
	UpdatedAt time.Time
	// UpdatedBy is "" when the account is gone; UpdaterName is its name
	// (or e-mail).
	UpdatedBy, UpdaterName string
}

// CardFor returns the organisation's saved card; db.ErrNotFound when it
// has never been saved.
func CardFor(ctx context.Context, q db.Querier, orgID string) (*StoredCard, error) {
	var sc StoredCard
	var doc string
	err := q.QueryRowContext(ctx, `SELECT c.org_id, c.doc, c.revision, c.updated_at, COALESCE(c.updated_by, ''), COALESCE(NULLIF(u.name, ''), u.email, '')
		FROM incident_cards c LEFT JOIN users u ON u.id = c.updated_by WHERE c.org_id = ?`, orgID).
		Scan(&sc.OrgID, &doc, &sc.Revision, &sc.UpdatedAt, &sc.UpdatedBy, &sc.UpdaterName)
	if err != nil {
		return nil, db.Classify(err)
	}
	if sc.Card, err = unmarshalCard(doc); err != nil {
		return nil, fmt.Errorf("card of %s: %w", orgID, err)
	}
	sc.UpdatedAt = sc.UpdatedAt.UTC()
	return &sc, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// storeCard writes the card as the revision after base: the first save
// inserts (base 0), later ones update only if the stored revision is
// still base. db.ErrConflict when someone else saved in between.
func storeCard(ctx context.Context, q db.Querier, orgID string, c *Card, base int, at time.Time, by string) (int, error) {
	doc, err := c.marshal()
	if err != nil {
		return 0, err
	}
	var query string
	var args []any
	if base == 0 {
		query = `INSERT INTO incident_cards (org_id, doc, revision, updated_at, updated_by) VALUES (?, ?, 1, ?, ?) ON CONFLICT DO NOTHING`
		args = []any{orgID, doc, at, nullable(by)}
	} else {
		query = `UPDATE incident_cards SET doc = ?, revision = revision + 1, updated_at = ?, updated_by = ? WHERE org_id = ? AND revision = ?`
		args = []any{doc, at, nullable(by), orgID, base}
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, db.ErrConflict
	}
	return base + 1, nil
}

// Incident is one entry of an organisation's incident log.
type Incident struct {
	ID, OrgID          string
	Title, Description string
	FoundAt            time.Time
	Impact, Actions    string
	// ClosedAt is nil while the incident is open.
	ClosedAt *time.Time
	// Revision counts saves of the entry's text, from 1.
	Revision             int
	CreatedAt, UpdatedAt time.Time
	// CreatedBy and UpdatedBy are "" when the account is gone; the names
	// are the accounts' names (or e-mails).
	CreatedBy, UpdatedBy     string
	CreatorName, UpdaterName string
}

// Open reports whether the incident is still open.
func (i *Incident) Open() bool { return i.ClosedAt == nil }

const incidentCols = `i.id, i.org_id, i.title, i.description, i.found_at, i.impact, i.actions, i.closed_at, i.revision,
	i.created_at, i.updated_at, COALESCE(i.created_by, ''), COALESCE(i.updated_by, ''),
	COALESCE(NULLIF(c.name, ''), c.email, ''), COALESCE(NULLIF(u.name, ''), u.email, '')`

const incidentFrom = ` FROM incidents i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users u ON u.id = i.updated_by`

func scanIncident(row db.Scanner) (*Incident, error) {
	var i Incident
	var closed *time.Time
	if err := row.Scan(&i.ID, &i.OrgID, &i.Title, &i.Description, &i.FoundAt, &i.Impact, &i.Actions, &closed, &i.Revision,
		&i.CreatedAt, &i.UpdatedAt, &i.CreatedBy, &i.UpdatedBy, &i.CreatorName, &i.UpdaterName); err != nil {
		return nil, db.Classify(err)
	}
	i.FoundAt, i.CreatedAt, i.UpdatedAt = i.FoundAt.UTC(), i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	if closed != nil {
		t := closed.UTC()
		i.ClosedAt = &t
	}
	return &i, nil
}

// IncidentByID returns one incident of the organisation; db.ErrNotFound
// when there is none with that id in this organisation, whatever other
// organisations hold.
func IncidentByID(ctx context.Context, q db.Querier, orgID, id string) (*Incident, error) {
	if !plausibleID(id) {
		return nil, db.ErrNotFound
	}
	return scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentCols+incidentFrom+` WHERE i.org_id = ? AND i.id = ?`, orgID, id))
}

// plausibleID rejects path values that cannot be one of our ids before
// they reach the database.
func plausibleID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// ListLimit bounds the log page. A small firm records a handful of
// incidents a year; the bound only keeps a runaway log from making one
// page unbounded.
const ListLimit = 200

// Incidents lists the organisation's incidents, open ones first, then by
// time found, newest first; at most limit of them.
func Incidents(ctx context.Context, q db.Querier, orgID string, limit int) ([]Incident, error) {
	return db.Collect(ctx, q, db.Value(scanIncident), `SELECT `+incidentCols+incidentFrom+` WHERE i.org_id = ?
		ORDER BY CASE WHEN i.closed_at IS NULL THEN 0 ELSE 1 END, i.found_at DESC, i.id DESC LIMIT `+strconv.Itoa(limit), orgID)
}

// CountIncidents returns how many incidents the organisation has logged.
func CountIncidents(ctx context.Context, q db.Querier, orgID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE org_id = ?`, orgID).Scan(&n)
	return n, err
}

// CountOpen returns how many of the organisation's incidents are open.
func CountOpen(ctx context.Context, q db.Querier, orgID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE org_id = ? AND closed_at IS NULL`, orgID).Scan(&n)
	return n, err
}

func insertIncident(ctx context.Context, q db.Querier, i *Incident) error {
	_, err := q.ExecContext(ctx, `INSERT INTO incidents (id, org_id, title, description, found_at, impact, actions, closed_at, revision,
		created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, i.OrgID, i.Title, i.Description, i.FoundAt, i.Impact, i.Actions, i.ClosedAt, i.Revision,
		i.CreatedAt, nullable(i.CreatedBy), i.UpdatedAt, nullable(i.UpdatedBy))
	return err
}

// updateIncidentText writes an entry's text as the revision after base;
// db.ErrNotFound when there is no such incident in the organisation,
// db.ErrConflict when someone else saved it in between.
func updateIncidentText(ctx context.Context, q db.Querier, orgID, id string, e entry, base int, at time.Time, by string) error {
	res, err := q.ExecContext(ctx, `UPDATE incidents SET title = ?, description = ?, found_at = ?, impact = ?, actions = ?,
		revision = revision + 1, updated_at = ?, updated_by = ? WHERE org_id = ? AND id = ? AND revision = ?`,
		e.Title, e.Description, e.FoundAt, e.Impact, e.Actions, at, nullable(by), orgID, id, base)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := IncidentByID(ctx, q, orgID, id); err != nil {
			return err
		}
		return db.ErrConflict
	}
	return nil
}

// setClosed closes (closedAt set) or reopens (nil) an incident. It
// reports whether anything changed: closing a closed incident or
// reopening an open one does nothing.
func setClosed(ctx context.Context, q db.Querier, orgID, id string, closedAt *time.Time, at time.Time, by string) (bool, error) {
	cond := ` AND closed_at IS NULL`
	if closedAt == nil {
		cond = ` AND closed_at IS NOT NULL`
	}
	res, err := q.ExecContext(ctx, `UPDATE incidents SET closed_at = ?, updated_at = ?, updated_by = ? WHERE org_id = ? AND id = ?`+cond,
		closedAt, at, nullable(by), orgID, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// isMember reports whether userID belongs to the organisation.
func isMember(ctx context.Context, q db.Querier, orgID, userID string) (bool, error) {
	var role string
	err := db.Classify(q.QueryRowContext(ctx, `SELECT role FROM org_members WHERE org_id = ? AND user_id = ?`, orgID, userID).Scan(&role))
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func itoa(n int) string { return strconv.Itoa(n) }
