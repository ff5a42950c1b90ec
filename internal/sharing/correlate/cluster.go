package correlate

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"mamori/internal/db"
)

// Bounds on a cluster. A campaign an analyst can read is tens of
// reports; the bound also caps the work (and the edges, at most
// n(n-1)/2) of one call.
const (
	DefaultClusterReports = 50
	MaxClusterReports     = 200
)

// Campaign is the connected component around a report: the reports
// reachable from it by shared indicators, breadth first, at most
// maxReports of them.
type Campaign struct {
	Root string `json:"root"`
	// Reports are the members in the order they were reached, the root
	// first.
	Reports []Member `json:"reports"`
	// Edges are the pairs of members that share indicators, with the
	// indicators: why the two are in one campaign. Most shared first,
	// then in the order of Reports.
	Edges []Edge `json:"edges"`
	// Values are the indicators that link members, each with the members
	// holding it (two or more).
	Values []SharedValue `json:"values"`
	// Skipped are the members' indicators that were not followed: on the
	// warning list, or held by more than TooCommon reports.
	Skipped []Skipped `json:"skipped"`
	// Truncated is set when more reports are connected than were taken.
	Truncated bool `json:"truncated"`
}

// Member is a report of a cluster.
type Member struct {
	ReportID string    `json:"report_id"`
	At       time.Time `json:"at"`
	// Depth is the number of links from the root.
	Depth int `json:"depth"`
}

// Edge joins two members (A reached before B) sharing indicators.
type Edge struct {
	A      string      `json:"a"`
	B      string      `json:"b"`
	Shared []Indicator `json:"shared"`
}

// SharedValue is a linking indicator and the members holding it.
type SharedValue struct {
	Indicator
	Reports []string `json:"reports"`
}

// Skipped is an indicator of a member that links nothing, and why.
type Skipped struct {
	Indicator
	Reason Reason `json:"reason"`
	// Reports is how many stored reports hold the value (members or not).
	Reports int `json:"reports"`
	// Note is the warning-list entry's note, for warned values.
	Note string `json:"note,omitempty"`
}

// Cluster gathers the campaign around reportID: breadth first over
// shared indicators (warned and too-common values are not followed), at
// each step taking the reports that share the most indicators with the
// cluster first, then the most recent, until maxReports members (≤ 0
// means DefaultClusterReports, at most MaxClusterReports). db.ErrNotFound
// when the report was never added.
func Cluster(ctx context.Context, q db.Querier, reportID string, maxReports int) (*Campaign, error) {
	if maxReports <= 0 {
		maxReports = DefaultClusterReports
	}
	maxReports = min(maxReports, MaxClusterReports)
	root := Member{ReportID: reportID}
	var rid int64
	err := q.QueryRowContext(ctx, `SELECT rid, at FROM correlation_reports WHERE report_id = ?`, reportID).Scan(&rid, &root.At)
	if err != nil {
		return nil, db.Classify(err)
	}
	root.At = root.At.UTC()
	wl, err := loadWarnings(ctx, q)
	if err != nil {
		return nil, err
	}

	c := &Campaign{Root: reportID, Reports: []Member{root}}
	index := map[int64]int{rid: 0} // member rid → place in c.Reports
	seen := map[int64]bool{}       // values already classified
	linking := map[int64]Indicator{}
	held := map[int64][]int64{} // linking value → rids of every holder
	skipped := map[int64]Skipped{}
	frontier := []int64{rid}
	for depth := 1; len(frontier) > 0; depth++ {
		var next []int64
		err := memberValues(ctx, q, frontier, func(v value) {
			if seen[v.id] {
				return
			}
			seen[v.id] = true
			in := fromStoreKey(v.ind)
			switch w := wl.match(in); {
			case w != nil:
				skipped[v.id] = Skipped{Indicator: in, Reason: ReasonWarned, Reports: v.reports, Note: w.Note}
			case v.reports > TooCommon:
				skipped[v.id] = Skipped{Indicator: in, Reason: ReasonTooCommon, Reports: v.reports}
			default:
				linking[v.id] = in
				next = append(next, v.id)
			}
		})
		if err != nil {
			return nil, err
		}
		// Reports outside the cluster holding the new linking values,
		// with how many of those values each holds.
		type candidate struct {
			Member
			rid    int64
			shared int
		}
		cands := map[int64]*candidate{}
		err = holders(ctx, q, next, func(valueID int64, h holder) {
			held[valueID] = append(held[valueID], h.rid)
			if _, in := index[h.rid]; in {
				return
			}
			cd := cands[h.rid]
			if cd == nil {
				cd = &candidate{Member: Member{ReportID: h.reportID, At: h.at, Depth: depth}, rid: h.rid}
				cands[h.rid] = cd
			}
			cd.shared++
		})
		if err != nil {
			return nil, err
		}
		order := make([]*candidate, 0, len(cands))
		for _, cd := range cands {
			order = append(order, cd)
		}
		slices.SortFunc(order, func(a, b *candidate) int {
			if c := cmp.Compare(b.shared, a.shared); c != 0 {
				return c
			}
			if c := b.At.Compare(a.At); c != 0 {
				return c
			}
			return strings.Compare(a.ReportID, b.ReportID)
		})
		frontier = frontier[:0]
		for _, cd := range order {
			if len(c.Reports) >= maxReports {
				c.Truncated = true
				break
			}
			index[cd.rid] = len(c.Reports)
			c.Reports = append(c.Reports, cd.Member)
			frontier = append(frontier, cd.rid)
		}
	}

	c.link(linking, held, index)
	c.skip(skipped)
	return c, nil
}

// link adds the edges and the shared values among the members only: a
// linking value held by fewer than two of them links nothing here.
// Edges come strongest first, values most widely held first.
func (c *Campaign) link(linking map[int64]Indicator, held map[int64][]int64, index map[int64]int) {
	type pair struct{ a, b int }
	edges := map[pair][]Indicator{}
	for id, in := range linking {
		var members []int
		for _, r := range held[id] {
			if i, ok := index[r]; ok {
				members = append(members, i)
			}
		}
		if len(members) < 2 {
			continue
		}
		slices.Sort(members)
		members = slices.Compact(members)
		v := SharedValue{Indicator: in}
		for x, i := range members {
			v.Reports = append(v.Reports, c.Reports[i].ReportID)
			for _, j := range members[x+1:] {
				edges[pair{i, j}] = append(edges[pair{i, j}], in)
			}
		}
		c.Values = append(c.Values, v)
	}
	pairs := make([]pair, 0, len(edges))
	for p := range edges {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if d := cmp.Compare(len(edges[y]), len(edges[x])); d != 0 {
			return d
		}
		if d := cmp.Compare(x.a, y.a); d != 0 {
			return d
		}
		return cmp.Compare(x.b, y.b)
	})
	for _, p := range pairs {
		shared := edges[p]
		slices.SortFunc(shared, less)
		c.Edges = append(c.Edges, Edge{A: c.Reports[p.a].ReportID, B: c.Reports[p.b].ReportID, Shared: shared})
	}
	slices.SortFunc(c.Values, func(x, y SharedValue) int {
		if d := cmp.Compare(len(y.Reports), len(x.Reports)); d != 0 {
			return d
		}
		return less(x.Indicator, y.Indicator)
	})
}

// skip lists the values not followed, by reason and then by indicator.
func (c *Campaign) skip(skipped map[int64]Skipped) {
	for _, s := range skipped {
		c.Skipped = append(c.Skipped, s)
	}
	slices.SortFunc(c.Skipped, func(x, y Skipped) int {
		if x.Reason != y.Reason {
			return strings.Compare(string(x.Reason), string(y.Reason))
		}
		return less(x.Indicator, y.Indicator)
	})
}

// memberValues calls fn for each value held by one of the reports rids.
func memberValues(ctx context.Context, q db.Querier, rids []int64, fn func(value)) error {
	return eachChunk(rids, func(args []any, marks string) error {
		rows, err := q.QueryContext(ctx, `SELECT v.id, v.ind, v.reports FROM correlation_indicators i
			JOIN correlation_values v ON v.id = i.value_id WHERE i.rid IN `+marks, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v value
			if err := rows.Scan(&v.id, &v.ind, &v.reports); err != nil {
				return err
			}
			fn(v)
		}
		return rows.Err()
	})
}
