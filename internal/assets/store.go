package assets

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

// Asset is one row of the ledger.
type Asset struct {
	ID, OrgID    string
	Position     int // the ledger's row order
	BusinessArea string
	Name         string
	Notes        string
	Users        string // who uses it
	Department   string // who manages it
	Storage      string // medium or storage location
	PersonalData PersonalData
	C, I, A      Rating // confidentiality, integrity, availability
	Retention    string // retention period, as the organisation writes it
	RegisteredOn string // YYYY-MM-DD, "" when not given
	Medium       string // kind of medium, a controls.Medium key; "" when not set
	Threat       Rating // threat likelihood; 0 until assessed
	// Vulnerability is an override of the value the countermeasure check
	// gives, with its reason; 0 when the check's value applies.
	Vulnerability       Rating
	VulnerabilityReason string
	Treatment           Treatment
	TreatmentOwner      string
	TreatmentDue        string // YYYY-MM-DD, "" when not given
	DeletedAt           *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Importance is the asset's computed importance.
func (a *Asset) Importance() Importance { return ImportanceOf(a.C, a.I, a.A, a.PersonalData) }

// Input is an asset as a form or an imported row gives it: text fields,
// ratings as typed.
type Input struct {
	BusinessArea, Name, Notes, Users, Department, Storage string
	PersonalData                                          string
	C, I, A                                               string
	Retention, RegisteredOn                               string
	Medium, Threat, Vulnerability, VulnerabilityReason    string
	Treatment, TreatmentOwner, TreatmentDue               string
}

// Treatment is what the organisation does about a risk.
type Treatment string

const (
	TreatNone     Treatment = ""
	TreatReduce   Treatment = "reduce"
	TreatAvoid    Treatment = "avoid"
	TreatTransfer Treatment = "transfer"
	TreatAccept   Treatment = "accept"
)

// Treatments are the choices in the order forms list them.
var Treatments = []Treatment{TreatReduce, TreatAvoid, TreatTransfer, TreatAccept}

// Valid reports whether t is empty or one of Treatments.
func (t Treatment) Valid() bool { return t == TreatNone || slices.Contains(Treatments, t) }

// Field limits, in characters.
const (
	maxName  = 200
	maxText  = 200
	maxNotes = 2000
)

// clean validates in and returns the asset fields, or an Invalid error
// naming every bad field with a message key.
func (in Input) clean() (Asset, error) {
	var a Asset
	fields := apperr.FieldSet{}
	text := func(field, s string, max int, dst *string) {
		clean := web.CleanText
		if field == "notes" {
			clean = web.CleanLines
		}
		v, ok := clean(s, max)
		if !ok {
			fields.Add(field, web.TextKey(s, "assets.err.text"))
			return
		}
		if strings.ContainsRune(v, utf8.RuneError) {
			// U+FFFD is what reading a file in the wrong encoding leaves
			// (ledgerfile turns bytes it cannot decode into it): storing
			// it would keep the loss without anyone noticing.
			fields.Add(field, "assets.err.replacement")
			return
		}
		*dst = v
	}
	text("business_area", in.BusinessArea, maxText, &a.BusinessArea)
	text("name", in.Name, maxName, &a.Name)
	if a.Name == "" && fields["name"] == "" {
		fields.Add("name", "assets.err.name_required")
	}
	text("notes", in.Notes, maxNotes, &a.Notes)
	text("users", in.Users, maxText, &a.Users)
	text("department", in.Department, maxText, &a.Department)
	text("storage", in.Storage, maxText, &a.Storage)
	text("retention", in.Retention, maxText, &a.Retention)
	a.PersonalData = PersonalData(strings.TrimSpace(in.PersonalData))
	if a.PersonalData == "" {
		a.PersonalData = PersonalNone
	}
	if !a.PersonalData.Valid() {
		fields.Add("personal_data", "assets.err.personal_data")
	}
	for _, r := range []struct {
		field string
		s     string
		dst   *Rating
	}{{"confidentiality", in.C, &a.C}, {"integrity", in.I, &a.I}, {"availability", in.A, &a.A}} {
		n, err := strconv.Atoi(strings.TrimSpace(r.s))
		if err != nil || !Rating(n).Valid() {
			fields.Add(r.field, "assets.err.rating")
			continue
		}
		*r.dst = Rating(n)
	}
	date := func(field, s string, dst *string) {
		if s = strings.TrimSpace(s); s == "" {
			return
		}
		t, err := time.Parse(time.DateOnly, strings.ReplaceAll(s, "/", "-"))
		if err != nil {
			fields.Add(field, "assets.err.date")
			return
		}
		*dst = t.Format(time.DateOnly)
	}
	date("registered_on", in.RegisteredOn, &a.RegisteredOn)
	a.Medium = strings.TrimSpace(in.Medium)
	if a.Medium != "" && !controls.Medium(a.Medium).Valid() {
		fields.Add("medium", "assets.err.medium")
	}
	optional := func(field, s string, dst *Rating) {
		if s = strings.TrimSpace(s); s == "" {
			return
		}
		n, err := strconv.Atoi(s)
		if err != nil || !Rating(n).Valid() {
			fields.Add(field, "assets.err.rating")
			return
		}
		*dst = Rating(n)
	}
	optional("threat", in.Threat, &a.Threat)
	optional("vulnerability", in.Vulnerability, &a.Vulnerability)
	text("vulnerability_reason", in.VulnerabilityReason, maxText, &a.VulnerabilityReason)
	if a.Vulnerability != 0 && a.VulnerabilityReason == "" && fields["vulnerability_reason"] == "" {
		// An override without a reason would leave the next person unable
		// to tell a judgement from a typing slip.
		fields.Add("vulnerability_reason", "assets.err.reason_required")
	}
	if a.Vulnerability == 0 {
		a.VulnerabilityReason = ""
	}
	a.Treatment = Treatment(strings.TrimSpace(in.Treatment))
	if !a.Treatment.Valid() {
		fields.Add("treatment", "assets.err.treatment")
	}
	text("treatment_owner", in.TreatmentOwner, maxText, &a.TreatmentOwner)
	date("treatment_due", in.TreatmentDue, &a.TreatmentDue)
	return a, fields.Err()
}

const cols = `id, org_id, position, business_area, name, notes, users, department, storage, personal_data,
	confidentiality, integrity, availability, retention, registered_on, medium, COALESCE(threat, 0), COALESCE(vulnerability, 0),
	vulnerability_reason, treatment, treatment_owner, treatment_due, deleted_at, created_at, updated_at`

// insertCols are the columns Create writes, in cols' order.
const insertCols = `id, org_id, position, business_area, name, notes, users, department, storage, personal_data,
	confidentiality, integrity, availability, retention, registered_on, medium, threat, vulnerability,
	vulnerability_reason, treatment, treatment_owner, treatment_due, deleted_at, created_at, updated_at`

func scan(s interface{ Scan(...any) error }) (*Asset, error) {
	var a Asset
	var deleted *time.Time
	if err := s.Scan(&a.ID, &a.OrgID, &a.Position, &a.BusinessArea, &a.Name, &a.Notes, &a.Users, &a.Department, &a.Storage,
		&a.PersonalData, &a.C, &a.I, &a.A, &a.Retention, &a.RegisteredOn, &a.Medium, &a.Threat, &a.Vulnerability,
		&a.VulnerabilityReason, &a.Treatment, &a.TreatmentOwner, &a.TreatmentDue, &deleted, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	if deleted != nil {
		d := deleted.UTC()
		a.DeletedAt = &d
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// Get returns the asset id of the organisation orgID, deleted or not.
// Another organisation's asset is db.ErrNotFound, like one that does not
// exist, so its existence never shows.
func Get(ctx context.Context, q db.Querier, orgID, id string) (*Asset, error) {
	a, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM assets WHERE id = ? AND org_id = ?`, id, orgID))
	return a, db.Classify(err)
}

// Create adds an asset at the end of the organisation's ledger.
func Create(ctx context.Context, q db.Querier, orgID string, in Input, now time.Time) (*Asset, error) {
	a, err := in.clean()
	if err != nil {
		return nil, err
	}
	// The organisation's lock holds its ledger for the rest of the
	// transaction, so writers that number rows or plan a whole import from
	// what they read take turns: two new assets never share a position,
	// and two imports (or a double-clicked confirmation) never both apply.
	if _, err := org.Lock(ctx, q, orgID); err != nil {
		return nil, err
	}
	a.ID, a.OrgID, a.CreatedAt, a.UpdatedAt = db.NewID(), orgID, now, now
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM assets WHERE org_id = ?`, orgID).Scan(&a.Position); err != nil {
		return nil, err
	}
	if err := insert(ctx, q, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func insert(ctx context.Context, q db.Querier, a *Asset) error {
	_, err := q.ExecContext(ctx, `INSERT INTO assets (`+insertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.Position, a.BusinessArea, a.Name, a.Notes, a.Users, a.Department, a.Storage, string(a.PersonalData),
		int(a.C), int(a.I), int(a.A), a.Retention, a.RegisteredOn, a.Medium, nullRating(a.Threat), nullRating(a.Vulnerability),
		a.VulnerabilityReason, string(a.Treatment), a.TreatmentOwner, a.TreatmentDue, a.DeletedAt, a.CreatedAt, a.UpdatedAt)
	return db.Classify(err)
}

// Update replaces the fields of a standing asset of the organisation.
func Update(ctx context.Context, q db.Querier, orgID, id string, in Input, now time.Time) (*Asset, error) {
	a, err := in.clean()
	if err != nil {
		return nil, err
	}
	if err := update(ctx, q, orgID, id, &a, now); err != nil {
		return nil, err
	}
	return Get(ctx, q, orgID, id)
}

func update(ctx context.Context, q db.Querier, orgID, id string, a *Asset, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE assets SET business_area = ?, name = ?, notes = ?, users = ?, department = ?, storage = ?,
		personal_data = ?, confidentiality = ?, integrity = ?, availability = ?, retention = ?, registered_on = ?,
		medium = ?, threat = ?, vulnerability = ?, vulnerability_reason = ?, treatment = ?, treatment_owner = ?, treatment_due = ?,
		updated_at = ?
		WHERE id = ? AND org_id = ? AND deleted_at IS NULL`,
		a.BusinessArea, a.Name, a.Notes, a.Users, a.Department, a.Storage, string(a.PersonalData), int(a.C), int(a.I), int(a.A),
		a.Retention, a.RegisteredOn, a.Medium, nullRating(a.Threat), nullRating(a.Vulnerability), a.VulnerabilityReason,
		string(a.Treatment), a.TreatmentOwner, a.TreatmentDue, now, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// nullRating stores an unset rating as NULL, so the CHECK constraint
// still guards the set ones.
func nullRating(r Rating) any {
	if r == 0 {
		return nil
	}
	return int(r)
}

// Duplicate copies a standing asset under a new name (the caller words
// it, in the user's language) at the end of the ledger.
func Duplicate(ctx context.Context, q db.Querier, orgID, id, name string, now time.Time) (*Asset, error) {
	src, err := Get(ctx, q, orgID, id)
	if err != nil {
		return nil, err
	}
	if src.DeletedAt != nil {
		return nil, db.ErrNotFound
	}
	in := src.input()
	in.Name = name
	return Create(ctx, q, orgID, in, now)
}

// input is the asset as an Input, for copies and round trips.
func (a *Asset) input() Input {
	return Input{BusinessArea: a.BusinessArea, Name: a.Name, Notes: a.Notes, Users: a.Users, Department: a.Department,
		Storage: a.Storage, PersonalData: string(a.PersonalData), C: strconv.Itoa(int(a.C)), I: strconv.Itoa(int(a.I)),
		A: strconv.Itoa(int(a.A)), Retention: a.Retention, RegisteredOn: a.RegisteredOn, Medium: a.Medium,
		Threat: ratingText(a.Threat), Vulnerability: ratingText(a.Vulnerability), VulnerabilityReason: a.VulnerabilityReason,
		Treatment: string(a.Treatment), TreatmentOwner: a.TreatmentOwner, TreatmentDue: a.TreatmentDue}
}

// ratingText is a rating as a form shows it: "" when unset.
func ratingText(r Rating) string {
	if r == 0 {
		return ""
	}
	return strconv.Itoa(int(r))
}

// Delete marks a standing asset deleted; Restore brings it back. Either
// on an asset not in that state (or not the organisation's) is
// db.ErrNotFound.
func Delete(ctx context.Context, q db.Querier, orgID, id string, now time.Time) error {
	return setDeleted(ctx, q, orgID, id, &now, `deleted_at IS NULL`, now)
}

func Restore(ctx context.Context, q db.Querier, orgID, id string, now time.Time) error {
	return setDeleted(ctx, q, orgID, id, nil, `deleted_at IS NOT NULL`, now)
}

func setDeleted(ctx context.Context, q db.Querier, orgID, id string, at *time.Time, cond string, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE assets SET deleted_at = ?, updated_at = ? WHERE id = ? AND org_id = ? AND `+cond, at, now, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// Filter narrows and orders a listing.
type Filter struct {
	Deleted       bool         // the deleted assets instead of the standing ones
	PersonalData  PersonalData // "" for any
	MinImportance Rating       // 0 for any
	Text          string       // in the name, business area, department or storage
	// Sort is "position" (default), "name", "importance" (highest first).
	Sort string
}

var errBadSort = errors.New("assets: unknown sort")

// matches reports whether a passes the filter's personal-data, importance
// and text conditions (Deleted is the query's business).
func (f Filter) matches(a *Asset) bool {
	if f.PersonalData != "" && a.PersonalData != f.PersonalData {
		return false
	}
	if f.MinImportance != 0 && a.Importance().Value < f.MinImportance {
		return false
	}
	text := strings.ToLower(strings.TrimSpace(f.Text))
	return text == "" || strings.Contains(strings.ToLower(a.Name+"\x00"+a.BusinessArea+"\x00"+a.Department+"\x00"+a.Storage), text)
}

// sort orders assets in ledger order by the filter's sort; stable, so
// ledger order stays among equals.
func (f Filter) sort(as []*Asset) {
	switch f.Sort {
	case "name":
		slices.SortStableFunc(as, func(x, y *Asset) int { return strings.Compare(x.Name, y.Name) })
	case "importance":
		slices.SortStableFunc(as, func(x, y *Asset) int { return int(y.Importance().Value) - int(x.Importance().Value) })
	}
}

// List returns the organisation's assets matching f. A ledger is at most a
// few thousand rows, so filtering on computed importance and text is done
// here rather than in SQL.
func List(ctx context.Context, q db.Querier, orgID string, f Filter) ([]*Asset, error) {
	if f.Sort != "" && f.Sort != "position" && f.Sort != "name" && f.Sort != "importance" {
		return nil, errBadSort
	}
	cond := `deleted_at IS NULL`
	if f.Deleted {
		cond = `deleted_at IS NOT NULL`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM assets WHERE org_id = ? AND `+cond+` ORDER BY position, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Asset{}
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, err
		}
		if f.matches(a) {
			out = append(out, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	f.sort(out)
	return out, nil
}
