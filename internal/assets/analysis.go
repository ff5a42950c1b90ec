package assets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"mamori/internal/controls"
	"mamori/internal/db"
)

// Settings are the organisation's risk method and threshold.
type Settings struct {
	Method    *Method
	Threshold int
	// Chosen is false while the organisation runs on the defaults.
	Chosen bool
}

// DefaultSettings are the settings of an organisation that chose none.
func DefaultSettings() Settings {
	return Settings{Method: Guideline, Threshold: Guideline.DefaultThreshold}
}

// SettingsFor returns the organisation's settings, the defaults when it
// chose none.
func SettingsFor(ctx context.Context, q db.Querier, orgID string) (Settings, error) {
	var key string
	var threshold int
	err := q.QueryRowContext(ctx, `SELECT method, threshold FROM asset_risk_settings WHERE org_id = ?`, orgID).Scan(&key, &threshold)
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return Settings{}, err
	}
	m, err := MethodByKey(key)
	if err != nil {
		return Settings{}, err
	}
	return Settings{Method: m, Threshold: threshold, Chosen: true}, nil
}

// Assessment is one asset's risk under the organisation's method: every
// figure with where it came from, so a page can explain it.
type Assessment struct {
	Asset      *Asset
	Importance Importance
	// Vulnerability is the value in use: the asset's override, else the
	// countermeasure check's value for its medium; 0 when neither exists.
	Vulnerability Rating
	// VulnerabilityFrom is "override", "controls" or "" (not known).
	VulnerabilityFrom string
	// Column is the method's threat-and-vulnerability figure (for the
	// current guideline, the likelihood of damage); 0 when not assessed.
	Column int
	// Risk is importance × Column; 0 while the threat or the
	// vulnerability is unknown.
	Risk   int
	Band   string // "low", "medium", "high"; "" when not assessed
	Method *Method
	// Above is true when Risk reaches the organisation's threshold.
	Above bool
}

// Assessed reports whether every figure is known.
func (a *Assessment) Assessed() bool { return a.Risk > 0 }

// Derived are the countermeasure check's vulnerabilities per medium.
type Derived = map[controls.Medium]controls.Derived

// Assess computes an asset's risk. derived comes from
// controls.Vulnerabilities; an asset without a medium takes the value over
// all controls (key "").
func Assess(a *Asset, s Settings, derived Derived) Assessment {
	as := Assessment{Asset: a, Importance: a.Importance(), Method: s.Method}
	switch {
	case a.Vulnerability != 0:
		as.Vulnerability, as.VulnerabilityFrom = a.Vulnerability, "override"
	default:
		if d, ok := derived[controls.Medium(a.Medium)]; ok && Rating(d.Value).Valid() {
			as.Vulnerability, as.VulnerabilityFrom = Rating(d.Value), "controls"
		}
	}
	if a.Threat.Valid() && as.Vulnerability.Valid() {
		as.Column = s.Method.Column(a.Threat, as.Vulnerability)
		as.Risk = int(as.Importance.Value) * as.Column
		as.Band = s.Method.Band(as.Risk)
		as.Above = as.Risk >= s.Threshold
	}
	return as
}

// Analysis is the risk analysis of an organisation's standing assets.
type Analysis struct {
	Settings Settings
	Derived  Derived
	Rows     []Assessment
}

// Analyse assesses every standing asset of the organisation.
func Analyse(ctx context.Context, q db.Querier, orgID string) (*Analysis, error) {
	s, err := SettingsFor(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	derived, err := controls.Vulnerabilities(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	list, err := List(ctx, q, orgID, Filter{})
	if err != nil {
		return nil, err
	}
	an := &Analysis{Settings: s, Derived: derived, Rows: make([]Assessment, len(list))}
	for i, a := range list {
		an.Rows[i] = Assess(a, s, derived)
	}
	return an, nil
}

// Above lists the assessments at or over the threshold, highest risk
// first (ledger order among equals).
func (an *Analysis) Above() []Assessment {
	var out []Assessment
	for _, r := range an.Rows {
		if r.Above {
			out = append(out, r)
		}
	}
	sortByRisk(out)
	return out
}

// sortByRisk orders assessments highest risk first, keeping ledger order
// among equal risks.
func sortByRisk(rows []Assessment) {
	slices.SortStableFunc(rows, func(a, b Assessment) int { return b.Risk - a.Risk })
}

// Unassessed counts standing assets whose risk is not yet known.
func (an *Analysis) Unassessed() int {
	n := 0
	for _, r := range an.Rows {
		if !r.Assessed() {
			n++
		}
	}
	return n
}

// Untreated counts assets over the threshold without a treatment.
func (an *Analysis) Untreated() int {
	n := 0
	for _, r := range an.Rows {
		if r.Above && r.Asset.Treatment == TreatNone {
			n++
		}
	}
	return n
}

// Done reports whether the risk analysis is complete: at least one asset,
// every asset assessed, and every asset over the threshold has a
// treatment decided.
func (an *Analysis) Done() bool {
	return len(an.Rows) > 0 && an.Unassessed() == 0 && an.Untreated() == 0
}

// HeatCell is one cell of the heat map: the assets of one importance
// whose threat-and-vulnerability figure is Column.
type HeatCell struct {
	Importance Rating
	Column     int
	Risk       int
	Band       string
	Count      int
}

// HeatMap is the heat map grid, rows from importance 3 down to 1 (so the
// worst corner is top right, as risk matrices are drawn).
func (an *Analysis) HeatMap() [][]HeatCell {
	m := an.Settings.Method
	idx := map[int]int{}
	for i, c := range m.Columns {
		idx[c] = i
	}
	grid := make([][]HeatCell, 3)
	for r := range grid {
		imp := Rating(3 - r)
		grid[r] = make([]HeatCell, len(m.Columns))
		for c, col := range m.Columns {
			risk := int(imp) * col
			grid[r][c] = HeatCell{Importance: imp, Column: col, Risk: risk, Band: m.Band(risk)}
		}
	}
	for _, a := range an.Rows {
		if a.Assessed() {
			grid[3-int(a.Importance.Value)][idx[a.Column]].Count++
		}
	}
	return grid
}

// Change is a recorded change of method or threshold.
type Change struct {
	FromMethod, ToMethod       string
	FromThreshold, ToThreshold int
	AboveBefore, AboveAfter    int
	ChangedBy                  string // display name, "" when the user is gone
	ChangedAt                  time.Time
}

// SetSettings switches the organisation's method and threshold,
// recomputes every figure under both settings and records the change with
// how many assets stood over the threshold before and after, so the
// organisation can see what the switch did. Setting what is already in
// force records nothing and is ErrUnchanged.
func SetSettings(ctx context.Context, tx db.Querier, orgID, userID string, m *Method, threshold int, now time.Time) (*Change, error) {
	if threshold < 1 || threshold > m.Max {
		return nil, fmt.Errorf("assets: threshold %d outside 1..%d", threshold, m.Max)
	}
	an, err := Analyse(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	old := an.Settings
	if old.Method == m && old.Threshold == threshold {
		return nil, ErrUnchanged
	}
	next := Settings{Method: m, Threshold: threshold, Chosen: true}
	ch := &Change{FromMethod: old.Method.Key, ToMethod: m.Key, FromThreshold: old.Threshold, ToThreshold: threshold, ChangedAt: now}
	for _, r := range an.Rows {
		if r.Above {
			ch.AboveBefore++
		}
		if Assess(r.Asset, next, an.Derived).Above {
			ch.AboveAfter++
		}
	}
	var by any
	if userID != "" {
		by = userID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO asset_risk_settings (org_id, method, threshold, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET method = excluded.method, threshold = excluded.threshold, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		orgID, m.Key, threshold, by, now); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO asset_risk_changes (id, org_id, from_method, to_method, from_threshold, to_threshold,
		above_before, above_after, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		db.NewID(), orgID, ch.FromMethod, ch.ToMethod, ch.FromThreshold, ch.ToThreshold, ch.AboveBefore, ch.AboveAfter, by, now); err != nil {
		return nil, err
	}
	return ch, nil
}

// ErrUnchanged is SetSettings' answer when the settings are already in
// force: nothing is recorded.
var ErrUnchanged = errors.New("assets: settings unchanged")

// Changes lists the organisation's recorded changes, newest first.
func Changes(ctx context.Context, q db.Querier, orgID string, limit int) ([]Change, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (Change, error) {
		var c Change
		err := r.Scan(&c.FromMethod, &c.ToMethod, &c.FromThreshold, &c.ToThreshold, &c.AboveBefore, &c.AboveAfter, &c.ChangedBy, &c.ChangedAt)
		c.ChangedAt = c.ChangedAt.UTC()
		return c, err
	}, `SELECT c.from_method, c.to_method, c.from_threshold, c.to_threshold, c.above_before, c.above_after,
		COALESCE(NULLIF(u.name, ''), u.email, ''), c.changed_at
		FROM asset_risk_changes c LEFT JOIN users u ON u.id = c.changed_by
		WHERE c.org_id = ? ORDER BY c.changed_at DESC, c.id DESC LIMIT ?`, orgID, limit)
}

// HeatSVG is the heat map laid out for the SVG template: coordinates are
// computed here, so the template only places what it is given.
type HeatSVG struct {
	Method                    string
	Width, Height             int
	Cells                     []SVGCell
	RowLabels, ColLabels      []SVGText
	XTitleX, XTitleY, YTitleY int
}

// SVGCell is one square of the heat map.
type SVGCell struct {
	Cell                           HeatCell
	X, Y, Size, CX, CountY, ValueY int
}

// SVGText is an axis label.
type SVGText struct {
	X, Y int
	Text string
}

// Layout places the heat map: importance rows top (3) to bottom (1),
// the method's columns left to right.
func (an *Analysis) Layout() HeatSVG {
	const left, top, size, gap = 60, 10, 66, 4
	grid := an.HeatMap()
	cols := len(an.Settings.Method.Columns)
	h := HeatSVG{Method: an.Settings.Method.Key, Width: left + cols*(size+gap) + 10, Height: top + 3*(size+gap) + 50}
	for r, row := range grid {
		y := top + r*(size+gap)
		for c, cell := range row {
			x := left + c*(size+gap)
			h.Cells = append(h.Cells, SVGCell{Cell: cell, X: x, Y: y, Size: size, CX: x + size/2, CountY: y + 32, ValueY: y + 54})
		}
		h.RowLabels = append(h.RowLabels, SVGText{X: left - 8, Y: y + size/2 + 5, Text: strconv.Itoa(3 - r)})
	}
	base := top + 3*(size+gap)
	for c, col := range an.Settings.Method.Columns {
		h.ColLabels = append(h.ColLabels, SVGText{X: left + c*(size+gap) + size/2, Y: base + 14, Text: strconv.Itoa(col)})
	}
	h.XTitleX, h.XTitleY, h.YTitleY = left+cols*(size+gap)/2, base+38, top+3*(size+gap)/2
	return h
}

// Progress is how far an organisation's ledger and risk analysis have
// come, for its overview page.
type Progress struct {
	Assets, Unassessed, Untreated int
	// LedgerDone: at least one asset is recorded. RiskDone: see
	// Analysis.Done.
	LedgerDone, RiskDone bool
}

// ProgressOf computes the organisation's Progress.
func ProgressOf(ctx context.Context, q db.Querier, orgID string) (Progress, error) {
	an, err := Analyse(ctx, q, orgID)
	if err != nil {
		return Progress{}, err
	}
	return Progress{Assets: len(an.Rows), Unassessed: an.Unassessed(), Untreated: an.Untreated(),
		LedgerDone: len(an.Rows) > 0, RiskDone: an.Done()}, nil
}
