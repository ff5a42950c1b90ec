package assets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"mamori/internal/apperr"
	"mamori/internal/assets/ledgerfile"
	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/i18n"
)

// Vocabulary turns the labels a ledger file shows (in either language)
// back into stored keys, so a ledger exported in Japanese and edited in
// Excel comes back unchanged, and one typed by hand with "個人情報" or
// "personal" works as well.
type Vocabulary struct {
	personal, medium, treatment map[string]string
	// labels give the export's label for a key, per language.
	labels map[string]map[string]string
}

// NewVocabulary builds the vocabulary from the catalogs of both languages.
func NewVocabulary(cat *i18n.Catalog) *Vocabulary {
	v := &Vocabulary{personal: map[string]string{}, medium: map[string]string{}, treatment: map[string]string{},
		labels: map[string]map[string]string{}}
	for _, lang := range i18n.Languages {
		p := cat.Printer(lang)
		v.labels[lang] = map[string]string{}
		add := func(dst map[string]string, key, msg string) {
			label := p.T(msg)
			dst[fold(label)], dst[fold(key)] = key, key
			// A label written before a space went between Japanese and
			// Latin text (事務所内のPC, now 事務所内の PC) still reads.
			dst[fold(strings.ReplaceAll(label, " ", ""))] = key
			v.labels[lang][msg] = label
		}
		for _, k := range PersonalDataKinds {
			add(v.personal, string(k), "assets.personal."+string(k))
		}
		for _, m := range controls.Media {
			add(v.medium, string(m), m.LabelKey())
		}
		for _, t := range Treatments {
			add(v.treatment, string(t), "assets.treatment."+string(t))
		}
		for _, m := range Methods {
			v.labels[lang]["assets.method."+m.Key] = p.T("assets.method." + m.Key)
		}
	}
	for _, none := range []string{"", "-", "−", "ー", "なし", "無", "無し", "no"} {
		v.personal[fold(none)] = string(PersonalNone)
	}
	return v
}

// fold is how labels are compared: width and case do not matter.
func fold(s string) string { return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s))) }

// label is the export's wording of a message key in lang.
func (v *Vocabulary) label(lang, msg string) string { return v.labels[lang][msg] }

// lookup maps a cell to a key; an unknown label is returned as typed, so
// validation reports it.
func lookup(m map[string]string, cell string) string {
	if k, ok := m[fold(cell)]; ok {
		return k
	}
	return cell
}

// Reject is one bad cell of an imported file.
type Reject struct {
	Row    int    `json:"row"`
	Column string `json:"column"` // the column's header in the file's language
	Key    string `json:"-"`      // column key
	// Value is the cell as the file has it (clipped), so the user sees
	// what was typed next to why it was refused.
	Value  string `json:"value"`
	Reason string `json:"reason"` // in the user's language
	reason string // message key
}

// clipValue shortens a refused cell for display: a 4,000-character note
// says nothing more in a table cell than its first 80 characters.
func clipValue(v string) string {
	const max = 80
	if utf8.RuneCountInString(v) <= max {
		return v
	}
	return string([]rune(v)[:max]) + "…"
}

// PlanRow is one row the import adds or changes.
type PlanRow struct {
	Line int
	// ID is the asset changed; "" for a new one.
	ID    string
	Input Input
	// Name is the asset's name after the import, for the preview.
	Name string
	// Changed lists the column keys whose value changes.
	Changed []string
}

// Plan is what an import would do. Nothing is written until Apply.
type Plan struct {
	Add, Change []PlanRow
	Unchanged   int
	Reject      []Reject
	// Ignored are the file's columns mamori does not read.
	Ignored []string
	// Rows is the number of data rows read.
	Rows int
}

// Hash identifies the plan, so the confirmation applies what the preview
// showed and nothing else: if the ledger changed in between, the plan,
// and so the hash, differ.
func (p *Plan) Hash() string {
	h := sha256.New()
	for _, r := range append(append([]PlanRow(nil), p.Add...), p.Change...) {
		fmt.Fprintf(h, "%d\x00%s\x00%q\x00", r.Line, r.ID, r.Input)
	}
	for _, r := range p.Reject {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00", r.Row, r.Key, r.reason)
	}
	fmt.Fprintf(h, "%d", p.Unchanged)
	return hex.EncodeToString(h.Sum(nil))
}

// Translate fills each reject's Reason in the user's language.
func (p *Plan) Translate(pr *i18n.Printer) {
	for i := range p.Reject {
		p.Reject[i].Reason = pr.T(p.Reject[i].reason)
	}
}

// fieldColumn maps a validation field to the file's column key.
var fieldColumn = map[string]string{"confidentiality": "confidentiality", "integrity": "integrity", "availability": "availability"}

// PlanImport compares a read ledger file with the organisation's ledger.
// A row with a mamori ID changes that asset (only the columns the file
// has; a ledger without the risk columns keeps the stored risk values),
// a row without one adds an asset, and a row with any bad cell is
// rejected whole with a reason per cell. A row equal to the stored asset
// is unchanged, so exporting and importing again changes nothing.
func PlanImport(ctx context.Context, q db.Querier, orgID string, t *ledgerfile.Table, voc *Vocabulary) (*Plan, error) {
	an, err := Analyse(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Asset, len(an.Rows))
	for _, r := range an.Rows {
		byID[r.Asset.ID] = r.Asset
	}
	deleted, err := List(ctx, q, orgID, Filter{Deleted: true})
	if err != nil {
		return nil, err
	}
	isDeleted := map[string]bool{}
	for _, a := range deleted {
		isDeleted[a.ID] = true
	}
	header := func(key string) string { return t.Header(key) }
	p := &Plan{Ignored: t.Ignored, Rows: len(t.Rows)}
	seen := map[string]int{}
	for _, row := range t.Rows {
		cell := func(key string) (string, bool) { return row.Get(key) }
		reject := func(key, reason string) {
			v, _ := cell(key)
			p.Reject = append(p.Reject, Reject{Row: row.Line, Column: header(key), Key: key, Value: clipValue(v), reason: reason})
		}
		id, _ := cell("id")
		id = strings.TrimSpace(id)
		var cur *Asset
		if id != "" {
			switch {
			case seen[id] != 0:
				reject("id", "assets.import.duplicate_id")
				continue
			case byID[id] != nil:
				cur = byID[id]
			case isDeleted[id]:
				reject("id", "assets.import.deleted_id")
				continue
			default:
				reject("id", "assets.import.unknown_id")
				continue
			}
			seen[id] = row.Line
		}
		in := Input{PersonalData: string(PersonalNone)}
		if cur != nil {
			in = cur.input()
		}
		set := func(key string, dst *string, conv func(string) string) {
			if v, ok := cell(key); ok {
				if conv != nil {
					v = conv(v)
				}
				*dst = v
			}
		}
		set("business_area", &in.BusinessArea, nil)
		set("name", &in.Name, nil)
		set("notes", &in.Notes, nil)
		set("users", &in.Users, nil)
		set("department", &in.Department, nil)
		set("medium", &in.Medium, func(s string) string { return lookup(voc.medium, s) })
		set("storage", &in.Storage, nil)
		set("personal_data", &in.PersonalData, func(s string) string { return lookup(voc.personal, s) })
		set("confidentiality", &in.C, nil)
		set("integrity", &in.I, nil)
		set("availability", &in.A, nil)
		set("retention", &in.Retention, nil)
		set("registered_on", &in.RegisteredOn, nil)
		set("threat", &in.Threat, nil)
		set("treatment", &in.Treatment, func(s string) string {
			if strings.TrimSpace(s) == "" {
				return ""
			}
			return lookup(voc.treatment, s)
		})
		set("treatment_owner", &in.TreatmentOwner, nil)
		set("treatment_due", &in.TreatmentDue, nil)
		if v, ok := cell("vulnerability"); ok {
			reason, has := cell("vulnerability_reason")
			if !has && cur != nil {
				// A file without the reason column (IPA's sheet has none)
				// keeps the stored reason, like every column it lacks.
				reason = cur.VulnerabilityReason
			}
			in.Vulnerability, in.VulnerabilityReason = importedVulnerability(cur, strings.TrimSpace(v), reason, in.Medium, an.Derived)
		}
		badFlag := row.BadFlag != ""
		if badFlag {
			p.Reject = append(p.Reject, Reject{Row: row.Line, Column: header("personal_data"), Key: "personal_data",
				Value: clipValue(row.BadFlag), reason: "assets.import.personal_flag"})
		}
		a, err := in.clean()
		if err != nil || badFlag {
			for field, key := range apperr.From(err).Fields {
				col := field
				if c, ok := fieldColumn[field]; ok {
					col = c
				}
				if badFlag && col == "personal_data" {
					continue // said above, with the cell as typed
				}
				if col == "personal_data" && t.PersonalFlags {
					key = "assets.import.personal_flag" // the file has ○ columns, not kinds
				}
				reject(col, key)
			}
			continue
		}
		if cur == nil {
			p.Add = append(p.Add, PlanRow{Line: row.Line, Input: in, Name: a.Name})
			continue
		}
		if changed := diff(cur, &a); len(changed) > 0 {
			p.Change = append(p.Change, PlanRow{Line: row.Line, ID: cur.ID, Input: in, Name: a.Name, Changed: changed})
		} else {
			p.Unchanged++
		}
	}
	sortRejects(p.Reject)
	return p, nil
}

// importedVulnerability reads the vulnerability cell. The export writes
// the value in use, whether it came from the countermeasure check or an
// override; so a value equal to the check's is no override, and only a
// different value becomes one (and then needs its reason).
func importedVulnerability(cur *Asset, cell, reason, medium string, derived Derived) (string, string) {
	if cell == "" {
		return "", ""
	}
	n, err := strconv.Atoi(cell)
	if err != nil {
		return cell, reason // reported by clean
	}
	if cur != nil && cur.Vulnerability != 0 && int(cur.Vulnerability) == n {
		return cell, reason
	}
	// Equal to the check's value it is no override; a check with no
	// answers for the medium gives 0, which no cell may match (a 0 in
	// the file is a bad rating, not "no value").
	if d, ok := derived[controls.Medium(medium)]; ok && d.Value >= 1 && d.Value == n {
		return "", ""
	}
	return cell, reason
}

// diff lists the column keys where b differs from a.
func diff(a, b *Asset) []string {
	var out []string
	cmp := func(key string, x, y any) {
		if x != y {
			out = append(out, key)
		}
	}
	cmp("business_area", a.BusinessArea, b.BusinessArea)
	cmp("name", a.Name, b.Name)
	cmp("notes", a.Notes, b.Notes)
	cmp("users", a.Users, b.Users)
	cmp("department", a.Department, b.Department)
	cmp("medium", a.Medium, b.Medium)
	cmp("storage", a.Storage, b.Storage)
	cmp("personal_data", a.PersonalData, b.PersonalData)
	cmp("confidentiality", a.C, b.C)
	cmp("integrity", a.I, b.I)
	cmp("availability", a.A, b.A)
	cmp("retention", a.Retention, b.Retention)
	cmp("registered_on", a.RegisteredOn, b.RegisteredOn)
	cmp("threat", a.Threat, b.Threat)
	cmp("vulnerability", a.Vulnerability, b.Vulnerability)
	cmp("vulnerability_reason", a.VulnerabilityReason, b.VulnerabilityReason)
	cmp("treatment", a.Treatment, b.Treatment)
	cmp("treatment_owner", a.TreatmentOwner, b.TreatmentOwner)
	cmp("treatment_due", a.TreatmentDue, b.TreatmentDue)
	return out
}

// sortRejects orders rejects by row, then by the ledger's column order.
func sortRejects(rs []Reject) {
	slices.SortStableFunc(rs, func(a, b Reject) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return ledgerfile.Index(a.Key) - ledgerfile.Index(b.Key)
	})
}

// Apply writes the plan in the caller's transaction: new assets go to the
// end of the ledger in the file's order, changed ones keep their place.
// Rejected rows are left out; the preview said so.
func (p *Plan) Apply(ctx context.Context, tx db.Querier, orgID string, now time.Time) error {
	var pos int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM assets WHERE org_id = ?`, orgID).Scan(&pos); err != nil {
		return err
	}
	for _, r := range p.Change {
		a, err := r.Input.clean()
		if err != nil {
			return err
		}
		if err := update(ctx, tx, orgID, r.ID, &a, now); err != nil {
			return err
		}
	}
	for _, r := range p.Add {
		a, err := r.Input.clean()
		if err != nil {
			return err
		}
		pos++
		a.ID, a.OrgID, a.Position, a.CreatedAt, a.UpdatedAt = db.NewID(), orgID, pos, now, now
		if err := insert(ctx, tx, &a); err != nil {
			return err
		}
	}
	return nil
}
