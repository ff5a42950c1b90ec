package declaration

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"mamori/internal/db"
)

// Declaration statuses.
const (
	StatusActive    = "active"
	StatusWithdrawn = "withdrawn"
)

// Kinds of history event. Upgraded, withdrawn and changed are written by
// the two-star and withdrawal work; they are named here so the history
// page already knows them.
const (
	EventDeclared   = "declared"
	EventUpgraded   = "upgraded"
	EventWithdrawn  = "withdrawn"
	EventRedeclared = "redeclared"
	EventChanged    = "changed"
)

// EventKinds lists every kind of history event.
var EventKinds = []string{EventDeclared, EventUpgraded, EventWithdrawn, EventRedeclared, EventChanged}

// Declaration is an organisation's one declaration record. Its number
// stays the same for life: through ★→★★, withdrawal and re-declaration.
type Declaration struct {
	ID, Number, OrgID, OrgName                string
	Stars                                     int
	Status                                    string
	DeclaredBy, DeclarantName, DeclarantTitle string
	// DeclaredAt is when the standing declaration was made (the first
	// declaration, or the latest re-declaration after a withdrawal).
	DeclaredAt, UpdatedAt time.Time
}

// Active reports whether the declaration stands (not withdrawn).
func (d *Declaration) Active() bool { return d.Status == StatusActive }

// Mark is the star level as text: "★" or "★★".
func (d *Declaration) Mark() string { return mark(d.Stars) }

func mark(stars int) string {
	if stars < 0 || stars > 5 {
		return ""
	}
	return strings.Repeat("★", stars)
}

// What a declaration d states of its organisation o, as SQL over
// "declarations d LEFT JOIN orgs o": a standing declaration follows the
// organisation's profile; a withdrawn one keeps what the profile said when it
// was withdrawn (stated_*), so later edits cannot change a withdrawn record.
const (
	StatedPrefecture      = `COALESCE(d.stated_prefecture, o.prefecture, '')`
	StatedIndustry        = `COALESCE(d.stated_industry, o.industry, '')`
	StatedCorporateNumber = `COALESCE(d.stated_corporate_number, o.corporate_number, '')`
)

const declCols = `d.id, d.number, d.org_id, d.org_name, d.stars, d.status, COALESCE(d.declared_by, ''), d.declarant_name, d.declarant_title, d.declared_at, d.updated_at`

func scanDeclaration(row db.Scanner) (*Declaration, error) {
	var d Declaration
	if err := row.Scan(&d.ID, &d.Number, &d.OrgID, &d.OrgName, &d.Stars, &d.Status, &d.DeclaredBy, &d.DeclarantName,
		&d.DeclarantTitle, &d.DeclaredAt, &d.UpdatedAt); err != nil {
		return nil, db.Classify(err)
	}
	d.DeclaredAt, d.UpdatedAt = d.DeclaredAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

// ForOrg returns an organisation's declaration, active or withdrawn;
// db.ErrNotFound when it never declared.
func ForOrg(ctx context.Context, q db.Querier, orgID string) (*Declaration, error) {
	return scanDeclaration(q.QueryRowContext(ctx, `SELECT `+declCols+` FROM declarations d WHERE d.org_id = ?`, orgID))
}

// forOrgsChunk bounds the placeholders of one query, well inside both
// engines' limits.
const forOrgsChunk = 500

// ForOrgs returns the declarations of the given organisations by
// organisation id; those that never declared are absent. It runs one query
// (per 500 ids), so a dashboard's cost does not grow with its cards.
func ForOrgs(ctx context.Context, q db.Querier, orgIDs []string) (map[string]*Declaration, error) {
	out := make(map[string]*Declaration, len(orgIDs))
	for start := 0; start < len(orgIDs); start += forOrgsChunk {
		ids := orgIDs[start:min(start+forOrgsChunk, len(orgIDs))]
		ds, err := db.Collect(ctx, q, scanDeclaration, `SELECT `+declCols+` FROM declarations d WHERE d.org_id IN `+db.Marks(len(ids)), db.Args(ids)...)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			out[d.OrgID] = d
		}
	}
	return out, nil
}

// Event is one entry of a declaration's history.
type Event struct {
	ID, DeclarationID string
	At                time.Time
	Kind              string
	Stars             int
	ActorID           string
	// ActorName is the actor's account name (or e-mail), "" when the
	// account is gone or there was none.
	ActorName string
	// Detail is the JSON detail decoded; nil when empty.
	Detail map[string]any
}

// DetailText returns a string detail, "" when absent.
func (e Event) DetailText(key string) string {
	s, _ := e.Detail[key].(string)
	return s
}

// History returns a declaration's events, oldest first.
func History(ctx context.Context, q db.Querier, declarationID string) ([]Event, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (Event, error) {
		var e Event
		var detail string
		if err := r.Scan(&e.ID, &e.DeclarationID, &e.At, &e.Kind, &e.Stars, &e.ActorID, &e.ActorName, &detail); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		if detail != "" {
			if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
				return e, err
			}
		}
		return e, nil
	}, `SELECT e.id, e.declaration_id, e.at, e.kind, e.stars, e.actor_id, COALESCE(NULLIF(u.name, ''), u.email, ''), e.detail
		FROM declaration_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.declaration_id = ? ORDER BY e.at, e.id`, declarationID)
}

// appendEvent writes one history row; pass the transaction that made the
// change.
func appendEvent(ctx context.Context, q db.Querier, e Event) error {
	detail := ""
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return err
		}
		detail = string(b)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO declaration_events (id, declaration_id, at, kind, stars, actor_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.DeclarationID, e.At, e.Kind, e.Stars, e.ActorID, detail)
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// insertDeclaration stores d unless the organisation (or, impossibly, the
// number) already has one, in which case it returns db.ErrConflict. ON
// CONFLICT DO NOTHING keeps a PostgreSQL transaction usable afterwards.
func insertDeclaration(ctx context.Context, q db.Querier, d *Declaration) error {
	res, err := q.ExecContext(ctx, `INSERT INTO declarations (id, number, org_id, stars, status, org_name, declared_by, declarant_name, declarant_title, declared_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.ID, d.Number, d.OrgID, d.Stars, d.Status, d.OrgName, nullable(d.DeclaredBy), d.DeclarantName, d.DeclarantTitle, d.DeclaredAt, d.UpdatedAt)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrConflict
	}
	return nil
}

// redeclare turns a withdrawn record into a standing declaration again,
// keeping its id and number. It only touches a withdrawn record, so it
// cannot overwrite one that stands.
func redeclare(ctx context.Context, q db.Querier, d *Declaration) error {
	res, err := q.ExecContext(ctx, `UPDATE declarations SET stars = ?, status = ?, org_name = ?, declared_by = ?, declarant_name = ?, declarant_title = ?,
		declared_at = ?, updated_at = ?, stated_prefecture = NULL, stated_industry = NULL, stated_corporate_number = NULL
		WHERE id = ? AND status = ?`,
		d.Stars, d.Status, d.OrgName, nullable(d.DeclaredBy), d.DeclarantName, d.DeclarantTitle, d.DeclaredAt, d.UpdatedAt, d.ID, StatusWithdrawn)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrConflict
	}
	return nil
}
