package registry

import (
	"context"
	"database/sql"
	"slices"

	"mamori/internal/db"
)

// Reading entries by rid, a batch per query: the IN lists come in a few
// fixed lengths so the statement texts stay few, and rids close together
// are read as one range.

// ridBatch is how many entries one query by rid reads.
const ridBatch = 100

// ridWidths are the lengths of the IN lists of queries by rid: each batch
// takes the shortest that holds it, unused places holding 0 (which no
// entry has). Binding is a large part of such a query, so a page of 20
// must not bind 100; a few fixed lengths keep the statement texts (and
// the statement cache) fixed.
var ridWidths = []int{10, 20, 50, ridBatch}

func ridList(width int) string {
	return `rid IN ` + db.Marks(width)
}

// byRids runs query (ending in an IN list of ridList's length width, given
// as %s) for each batch of rids, calling scan for each row.
func byRids(ctx context.Context, rq db.Querier, queries *[4]string, rids []int64, scan func(*sql.Rows) error) error {
	for start := 0; start < len(rids); start += ridBatch {
		part := rids[start:min(start+ridBatch, len(rids))]
		w := 0
		for w < len(ridWidths)-1 && ridWidths[w] < len(part) {
			w++
		}
		args := make([]any, ridWidths[w])
		for i := range args {
			args[i] = int64(0)
			if i < len(part) {
				args[i] = part[i]
			}
		}
		rows, err := rq.QueryContext(ctx, queries[w], args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// ridQueries returns prefix + ridList for each of ridWidths.
func ridQueries(prefix string) *[4]string {
	var qs [4]string
	for i, w := range ridWidths {
		qs[i] = prefix + ridList(w)
	}
	return &qs
}

// ridRange reports the span of rids when reading all of it costs little
// more than reading the rids themselves (at most twice as many rows).
func ridRange(rids []int64) (lo, hi int64, ok bool) {
	if len(rids) < 2 {
		return 0, 0, false
	}
	lo, hi = slices.Min(rids), slices.Max(rids)
	return lo, hi, hi-lo+1 <= 2*int64(len(rids))
}

var (
	verifyQueries = ridQueries(`SELECT rid, norm, prefecture, industry, stars FROM registry_entries WHERE `)
	fetchQueries  = ridQueries(`SELECT ` + selectCols + ` FROM registry_entries WHERE `)
)

// verified returns the rids whose entries match accepts, in the order
// given. It reads only what matching needs.
func verified(ctx context.Context, rq db.Querier, rids []int64, match func(*entry) bool) ([]int64, error) {
	ok := make(map[int64]bool, len(rids))
	err := byRids(ctx, rq, verifyQueries, rids, func(rows *sql.Rows) error {
		var e entry
		if err := rows.Scan(&e.rid, &e.norm, &e.Prefecture, &e.Industry, &e.Stars); err != nil {
			return err
		}
		ok[e.rid] = match(&e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(rids), func(rid int64) bool { return !ok[rid] }), nil
}

// fetch reads the entries of rids, in that order. Rids close together
// (a page of a dense list: a prefecture, a common kanji) are read as one
// range, one B-tree descent instead of one per entry.
func fetch(ctx context.Context, rq db.Querier, rids []int64) ([]Entry, error) {
	byRid := make(map[int64]*entry, len(rids))
	keep := func(rows *sql.Rows) error {
		e, err := scanEntry(rows)
		if err == nil {
			byRid[e.rid] = e
		}
		return err
	}
	var err error
	if lo, hi, ok := ridRange(rids); ok {
		var rows *sql.Rows
		rows, err = rq.QueryContext(ctx, `SELECT `+selectCols+` FROM registry_entries WHERE rid BETWEEN ? AND ?`, lo, hi)
		if err == nil {
			for rows.Next() && err == nil {
				err = keep(rows)
			}
			if err == nil {
				err = rows.Err()
			}
			rows.Close()
		}
	} else {
		err = byRids(ctx, rq, fetchQueries, rids, keep)
	}
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(rids))
	for _, rid := range rids {
		if e := byRid[rid]; e != nil {
			out = append(out, e.Entry)
		}
	}
	return out, nil
}
