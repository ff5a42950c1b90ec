package sharing

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
)

// FiscalYear is the Japanese fiscal year (April to March, named by the
// year it starts in) and quarter (1 = April–June) of t in Japan.
func FiscalYear(t time.Time) (fy, quarter int) {
	t = t.In(i18n.Zone())
	fy, m := t.Year(), int(t.Month())
	if m < 4 {
		fy--
	}
	return fy, (m+8)%12/3 + 1
}

// YearFigures are one fiscal year's counts.
type YearFigures struct {
	FY                        int
	Reports, Shares, Targeted int
	Quarters                  [4]Quarter
	BySIG                     map[string]int // SIG name → shares
	ByLure                    map[string]int // lure → shares
	ByType                    map[string]int // attachment type → shares
	Historical                bool           // entered by hand or published (before mamori), not counted
	// Published marks a year of the built-in figures IPA published
	// (published.go): shown with their source, never entered by hand.
	Published   bool
	HistoryNote string
	// TargetedKnown is false for an entered year without a targeted
	// figure: the table shows a dash, not a zero nobody counted.
	TargetedKnown bool
}

// Quarter is one quarter's counts.
type Quarter struct{ Reports, Shares, Targeted int }

// Figures counts reports received, shares released and reports deemed
// targeted per fiscal year and quarter, with the shares broken down by
// SIG, lure and attachment type, newest year first. Years entered as
// history (the figures kept before mamori) come from share_history
// instead; a year with both shows the entered figures, since they were
// the record of that year. The years IPA published (FY2012–FY2015) are
// built in and win over both.
func Figures(ctx context.Context, q db.Querier) ([]*YearFigures, error) {
	years := map[int]*YearFigures{}
	year := func(fy int) *YearFigures {
		y := years[fy]
		if y == nil {
			y = &YearFigures{FY: fy, BySIG: map[string]int{}, ByLure: map[string]int{}, ByType: map[string]int{}}
			years[fy] = y
		}
		return y
	}
	if err := countReports(ctx, q, year); err != nil {
		return nil, err
	}
	byShare, err := countShares(ctx, q, year)
	if err != nil {
		return nil, err
	}
	if err := countSIGs(ctx, q, byShare); err != nil {
		return nil, err
	}
	hist, err := History(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, h := range hist {
		if isPublished(h.FY) {
			continue // entered before the figures were built in
		}
		y := year(h.FY)
		if !y.Historical {
			// The entered record replaces the counted one as a whole.
			*y = YearFigures{FY: h.FY, BySIG: map[string]int{}, ByLure: map[string]int{}, ByType: map[string]int{}, Historical: true}
		}
		switch h.Metric {
		case "reports":
			y.Reports = h.Value
		case "shares":
			y.Shares = h.Value
		case "targeted":
			y.Targeted, y.TargetedKnown = h.Value, true
		}
		if h.Note != "" {
			y.HistoryNote = h.Note
		}
	}
	for _, p := range published.Years {
		years[p.FY] = &YearFigures{FY: p.FY, Reports: p.Reports, Shares: p.Shares, BySIG: map[string]int{}, ByLure: map[string]int{},
			ByType: map[string]int{}, Historical: true, Published: true}
	}
	out := make([]*YearFigures, 0, len(years))
	for _, y := range years {
		out = append(out, y)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FY > out[j].FY })
	return out, nil
}

// countReports counts the reports received, and those deemed targeted,
// into their fiscal years and quarters.
func countReports(ctx context.Context, q db.Querier, year func(fy int) *YearFigures) error {
	rows, err := q.QueryContext(ctx, `SELECT created_at, targeted FROM share_reports`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var at time.Time
		var targeted bool
		if err := rows.Scan(&at, &targeted); err != nil {
			rows.Close()
			return err
		}
		fy, qt := FiscalYear(at)
		y := year(fy)
		y.TargetedKnown = true
		y.Reports++
		y.Quarters[qt-1].Reports++
		if targeted {
			y.Targeted++
			y.Quarters[qt-1].Targeted++
		}
	}
	rows.Close()
	return rows.Err()
}

// countShares counts the shares released and not withdrawn, by lure and
// attachment type, and returns each share's year for countSIGs.
func countShares(ctx context.Context, q db.Querier, year func(fy int) *YearFigures) (map[string]*YearFigures, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.released_at, s.lure, s.attachment_types FROM share_shares s WHERE s.released_at IS NOT NULL AND s.withdrawn_at IS NULL`)
	if err != nil {
		return nil, err
	}
	byShare := map[string]*YearFigures{}
	for rows.Next() {
		var id, lure, types string
		var at time.Time
		if err := rows.Scan(&id, &at, &lure, &types); err != nil {
			rows.Close()
			return nil, err
		}
		fy, qt := FiscalYear(at)
		y := year(fy)
		y.TargetedKnown = true // a counted year: none targeted is a 0, not unknown
		y.Shares++
		y.Quarters[qt-1].Shares++
		if lure != "" {
			y.ByLure[lure]++
		}
		for _, t := range splitComma(types) {
			y.ByType[t]++
		}
		byShare[id] = y
	}
	rows.Close()
	return byShare, rows.Err()
}

// countSIGs counts the shares of byShare by SIG; a share may go to
// several.
func countSIGs(ctx context.Context, q db.Querier, byShare map[string]*YearFigures) error {
	rows, err := q.QueryContext(ctx, `SELECT x.share_id, g.name FROM share_share_sigs x JOIN share_sigs g ON g.id = x.sig_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		if y := byShare[id]; y != nil {
			y.BySIG[name]++
		}
	}
	rows.Close()
	return rows.Err()
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// HistoryEntry is a figure entered by hand for a year before mamori.
type HistoryEntry struct {
	FY     int
	Metric string
	Value  int
	Note   string
}

// History lists the entered figures, leaving out years of the published
// figures (an entry made before they were built in no longer counts).
func History(ctx context.Context, q db.Querier) ([]HistoryEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT fy, metric, value, note FROM share_history ORDER BY fy, metric`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		if err := rows.Scan(&h.FY, &h.Metric, &h.Value, &h.Note); err != nil {
			return nil, err
		}
		if !isPublished(h.FY) {
			out = append(out, h)
		}
	}
	return out, rows.Err()
}

// SetHistory enters (or, with an empty value, removes) a historical
// figure: a fiscal year from 2000 to the current one that is not a year
// of the published figures, one of reports, shares or targeted, a whole
// number.
func SetHistory(ctx context.Context, q db.Querier, fyText, metric, valueText, note string, now time.Time) error {
	f := apperr.FieldSet{}
	cur, _ := FiscalYear(now)
	fy, err := strconv.Atoi(fyText)
	switch {
	case err != nil || fy < 2000 || fy > cur:
		f.Add("fy", "sharing.err.fy")
	case isPublished(fy):
		f.Add("fy", "sharing.err.fy_published")
	}
	if metric != "reports" && metric != "shares" && metric != "targeted" {
		f.Add("metric", "sharing.err.metric")
	}
	var v int
	if valueText != "" {
		if v, err = strconv.Atoi(valueText); err != nil || v < 0 || v > 10_000_000 {
			f.Add("value", "sharing.err.value")
		}
	}
	if utf8.RuneCountInString(note) > 200 {
		f.Add("note", "sharing.err.text")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if valueText == "" {
		_, err := q.ExecContext(ctx, `DELETE FROM share_history WHERE fy = ? AND metric = ?`, fy, metric)
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO share_history (fy, metric, value, note) VALUES (?, ?, ?, ?)
		ON CONFLICT (fy, metric) DO UPDATE SET value = excluded.value, note = excluded.note`, fy, metric, v, note)
	return err
}
