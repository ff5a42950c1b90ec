package correlate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mamori/internal/db"
)

// TooCommon is the most reports one value may be held by and still link
// them. Past it a value says little about who sent a mail (a CDN host,
// a bulk mailer's IP, a template everyone uses) and would tie hundreds
// of unrelated reports into one campaign, as MISP's over-correlation
// guard (default 100) also found. It applies whether or not the value is
// on the warning list, and the cluster view names what it skipped.
const TooCommon = 200

// Bounds on the answers, so one call costs a bounded amount of work.
const (
	DefaultLinks = 50
	MaxLinks     = 1000
)

// Link is another report sharing indicators with the one asked about.
type Link struct {
	ReportID string    `json:"report_id"`
	At       time.Time `json:"at"`
	// Shared are the indicators both hold, in display order: why the
	// reports are linked.
	Shared []Indicator `json:"shared"`
}

// Add stores the indicators of a report, replacing what the report held
// before (so adding again is harmless). at is the report's time, used
// to order links. Every indicator must pass Normalize (use Clean first to
// drop the ones that do not); duplicates are merged. Given a *db.DB, Add
// runs in a transaction of its own; given a *db.Tx it runs in that one,
// which is where the hub's own write of the report belongs.
func Add(ctx context.Context, q db.Querier, reportID string, at time.Time, inds []Indicator) error {
	if reportID == "" {
		return errors.New("correlate: empty report id")
	}
	keys := make([]string, 0, len(inds))
	for _, in := range inds {
		n, err := in.Normalize()
		if err != nil {
			return err
		}
		keys = append(keys, storeKey(n))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	return db.Transact(ctx, q, func(q db.Querier) error {
		var rid int64
		err := q.QueryRowContext(ctx, `INSERT INTO correlation_reports (report_id, at) VALUES (?, ?)
			ON CONFLICT (report_id) DO UPDATE SET at = excluded.at RETURNING rid`, reportID, at).Scan(&rid)
		if err != nil {
			return fmt.Errorf("correlate: store report: %w", err)
		}
		return replace(ctx, q, rid, keys)
	})
}

// Remove forgets a report and every value only it held. Removing a
// report that was never added is not an error.
func Remove(ctx context.Context, q db.Querier, reportID string) error {
	return db.Transact(ctx, q, func(q db.Querier) error {
		var rid int64
		err := q.QueryRowContext(ctx, `SELECT rid FROM correlation_reports WHERE report_id = ?`, reportID).Scan(&rid)
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := replace(ctx, q, rid, nil); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `DELETE FROM correlation_reports WHERE rid = ?`, rid)
		return err
	})
}

// replace makes report rid hold exactly the values keys (sorted),
// keeping each value's report count. Values are locked in key order, so
// two reports written at once on PostgreSQL cannot deadlock on them.
func replace(ctx context.Context, q db.Querier, rid int64, keys []string) error {
	old := map[string]int64{}
	rows, err := q.QueryContext(ctx, `SELECT v.ind, v.id FROM correlation_indicators i
		JOIN correlation_values v ON v.id = i.value_id WHERE i.rid = ?`, rid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			rows.Close()
			return err
		}
		old[k] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keep := make(map[string]bool, len(keys))
	for _, k := range keys {
		keep[k] = true
	}
	var drop []string
	for k := range old {
		if !keep[k] {
			drop = append(drop, k)
		}
	}
	slices.Sort(drop)
	for _, k := range drop {
		id := old[k]
		if _, err := q.ExecContext(ctx, `DELETE FROM correlation_indicators WHERE value_id = ? AND rid = ?`, id, rid); err != nil {
			return err
		}
		var n int
		if err := q.QueryRowContext(ctx, `UPDATE correlation_values SET reports = reports - 1 WHERE id = ? RETURNING reports`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := q.ExecContext(ctx, `DELETE FROM correlation_values WHERE id = ? AND reports = 0`, id); err != nil {
				return err
			}
		}
	}
	for _, k := range keys {
		if _, ok := old[k]; ok {
			continue
		}
		var id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO correlation_values (ind, reports) VALUES (?, 1)
			ON CONFLICT (ind) DO UPDATE SET reports = correlation_values.reports + 1 RETURNING id`, k).Scan(&id); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO correlation_indicators (value_id, rid) VALUES (?, ?)`, id, rid); err != nil {
			return err
		}
	}
	return nil
}

// Stored returns the indicators stored for a report, in display order;
// none (and no error) when the report was never added.
func Stored(ctx context.Context, q db.Querier, reportID string) ([]Indicator, error) {
	rows, err := q.QueryContext(ctx, `SELECT v.ind FROM correlation_reports r
		JOIN correlation_indicators i ON i.rid = r.rid
		JOIN correlation_values v ON v.id = i.value_id WHERE r.report_id = ?`, reportID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Indicator
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, fromStoreKey(k))
	}
	slices.SortFunc(out, less)
	return out, rows.Err()
}

// Links returns the other reports sharing at least one indicator with
// inds — warned and too-common values aside —, most shared indicators
// first, then the most recent, each with the indicators it shares. inds
// nil means the indicators stored for reportID. For a new report every
// stored report is an earlier one; asked again later, the answer also
// holds reports added since, which is what an analyst re-opening a
// report wants to see. Every indicator must pass Normalize. limit ≤ 0
// means DefaultLinks; at most MaxLinks.
func Links(ctx context.Context, q db.Querier, reportID string, inds []Indicator, limit int) ([]Link, error) {
	if limit <= 0 {
		limit = DefaultLinks
	}
	limit = min(limit, MaxLinks)
	if inds == nil {
		var err error
		if inds, err = Stored(ctx, q, reportID); err != nil {
			return nil, err
		}
	}
	byKey := map[string]Indicator{}
	for _, in := range inds {
		n, err := in.Normalize()
		if err != nil {
			return nil, err
		}
		byKey[storeKey(n)] = n
	}
	if len(byKey) == 0 {
		return nil, nil
	}
	wl, err := loadWarnings(ctx, q)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(byKey))
	for k, in := range byKey {
		if wl.match(in) == nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	vals, err := lookupValues(ctx, q, keys)
	if err != nil {
		return nil, err
	}
	var ids []int64
	indOf := map[int64]Indicator{}
	for _, v := range vals {
		if v.reports <= TooCommon {
			ids = append(ids, v.id)
			indOf[v.id] = byKey[v.ind]
		}
	}
	links := map[string]*Link{}
	err = holders(ctx, q, ids, func(valueID int64, h holder) {
		if h.reportID == reportID {
			return
		}
		l := links[h.reportID]
		if l == nil {
			l = &Link{ReportID: h.reportID, At: h.at}
			links[h.reportID] = l
		}
		l.Shared = append(l.Shared, indOf[valueID])
	})
	if err != nil {
		return nil, err
	}
	out := make([]Link, 0, len(links))
	for _, l := range links {
		slices.SortFunc(l.Shared, less)
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b Link) int {
		if c := cmp.Compare(len(b.Shared), len(a.Shared)); c != 0 {
			return c
		}
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(a.ReportID, b.ReportID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Reason says why a value does not link reports.
type Reason string

const (
	ReasonWarned    Reason = "warned"     // on the warning list
	ReasonTooCommon Reason = "too_common" // held by more than TooCommon reports
)

// Assessment is how one indicator stands in the store.
type Assessment struct {
	Indicator
	// Reports is how many stored reports hold the value.
	Reports int `json:"reports"`
	// Skipped is why the value does not link reports; "" when it does.
	Skipped Reason `json:"skipped,omitempty"`
	// Warning is the warning-list entry that matched, if any.
	Warning *Warning `json:"warning,omitempty"`
}

// Assess tells, for each indicator of a report, how many stored reports
// hold it and whether it links them, so the hub can show an analyst why
// a value did not link (warned, or too common) next to the links that
// were made. Indicators are normalised; the answer is in display order.
func Assess(ctx context.Context, q db.Querier, inds []Indicator) ([]Assessment, error) {
	ok, refused := Clean(inds)
	if len(refused) > 0 {
		return nil, refused[0]
	}
	wl, err := loadWarnings(ctx, q)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(ok))
	for i, in := range ok {
		keys[i] = storeKey(in)
	}
	vals, err := lookupValues(ctx, q, keys)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, v := range vals {
		count[v.ind] = v.reports
	}
	out := make([]Assessment, len(ok))
	for i, in := range ok {
		a := Assessment{Indicator: in, Reports: count[keys[i]], Warning: wl.match(in)}
		switch {
		case a.Warning != nil:
			a.Skipped = ReasonWarned
		case a.Reports > TooCommon:
			a.Skipped = ReasonTooCommon
		}
		out[i] = a
	}
	slices.SortFunc(out, func(a, b Assessment) int { return less(a.Indicator, b.Indicator) })
	return out, nil
}

// value is a row of correlation_values.
type value struct {
	id      int64
	ind     string
	reports int
}

// lookupValues reads the stored values among keys.
func lookupValues(ctx context.Context, q db.Querier, keys []string) ([]value, error) {
	var out []value
	err := eachChunk(keys, func(args []any, marks string) error {
		rows, err := q.QueryContext(ctx, `SELECT id, ind, reports FROM correlation_values WHERE ind IN `+marks, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v value
			if err := rows.Scan(&v.id, &v.ind, &v.reports); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// holder is a report holding a value.
type holder struct {
	rid      int64
	reportID string
	at       time.Time
}

// holders calls fn for every report holding one of the values ids.
func holders(ctx context.Context, q db.Querier, ids []int64, fn func(valueID int64, h holder)) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return eachChunk(ids, func(args []any, marks string) error {
		rows, err := q.QueryContext(ctx, `SELECT i.value_id, r.rid, r.report_id, r.at FROM correlation_indicators i
			JOIN correlation_reports r ON r.rid = i.rid WHERE i.value_id IN `+marks, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var h holder
			if err := rows.Scan(&id, &h.rid, &h.reportID, &h.at); err != nil {
				return err
			}
			h.at = h.at.UTC()
			fn(id, h)
		}
		return rows.Err()
	})
}

// chunkSizes are the lengths IN lists are padded to, so the statement
// cache holds a handful of texts per query, not one per length.
var chunkSizes = [...]int{1, 8, 32, 128}

// eachChunk calls fn with xs cut into IN lists of at most 128 arguments,
// each padded by repeating its last element to one of chunkSizes (a
// repeated element matches the same rows: IN is a set).
func eachChunk[T any](xs []T, fn func(args []any, marks string) error) error {
	maxChunk := chunkSizes[len(chunkSizes)-1]
	for len(xs) > 0 {
		n := min(len(xs), maxChunk)
		size := maxChunk
		for _, s := range chunkSizes {
			if n <= s {
				size = s
				break
			}
		}
		args := make([]any, size)
		for i := range size {
			args[i] = xs[min(i, n-1)]
		}
		if err := fn(args, db.Marks(size)); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}
