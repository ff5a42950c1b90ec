package registry

import (
	"context"
	"errors"
	"slices"

	"mamori/internal/db"
)

// builder writes many new entries at once, for the bulk reindex and the
// generator: the caller hands it entries in rid order from a range
// [first, end) it has allocated, and the builder writes them a block at a
// time, each block in one transaction with its postings built in memory,
// so a block's lists are written once instead of row by row.
type builder struct {
	d          *db.DB
	first, end int64
	next       int64 // the rid the next entry gets
	pending    []*entry
	// before, when set, runs first in each block's transaction: the
	// generator writes the organisations and declarations there.
	before  func(ctx context.Context, tx *db.Tx) error
	written int
}

func newBuilder(d *db.DB, first int64, n int) *builder {
	return &builder{d: d, first: first, end: first + int64(n), next: first}
}

// add gives e the next rid and writes the block when e completes it (or
// the range).
func (b *builder) add(ctx context.Context, e *entry) error {
	if b.next >= b.end {
		return errors.New("registry: builder range exhausted")
	}
	e.rid = b.next
	b.next++
	b.pending = append(b.pending, e)
	if b.next&blockMask == 0 || b.next == b.end {
		return b.flush(ctx)
	}
	return nil
}

// postingRows is how many posting blocks one INSERT carries (each up to
// 8 KiB).
const postingRows = 100

// flush writes the pending entries (all in one block) and their postings
// in one transaction. Entries whose declaration got one meanwhile (a
// concurrent Sync) are left out, with their postings.
func (b *builder) flush(ctx context.Context) error {
	if len(b.pending) == 0 && b.before == nil {
		return nil
	}
	err := b.d.InTx(ctx, func(tx *db.Tx) error {
		if err := lockIndex(ctx, tx); err != nil {
			return err
		}
		if b.before != nil {
			if err := b.before(ctx, tx); err != nil {
				return err
			}
		}
		if len(b.pending) == 0 {
			return nil
		}
		es, err := insertNewEntries(ctx, tx, b.pending)
		if err != nil {
			return err
		}
		blk := b.pending[0].rid >> blockBits
		lists := map[string][]uint16{}
		for _, e := range es {
			for _, k := range e.keys() {
				lists[k] = append(lists[k], uint16(e.rid&blockMask))
			}
		}
		keys := make([]string, 0, len(lists))
		delta := make(map[string]int, len(lists))
		for k, v := range lists {
			keys = append(keys, k)
			delta[k] = len(v)
		}
		slices.Sort(keys)
		// A block wholly inside the range is new: nobody else hands out
		// its rids. Blocks at the ends may hold other entries: merge.
		if start := blk << blockBits; start >= b.first && start+blockSize <= b.end {
			for i := 0; i < len(keys); i += postingRows {
				part := keys[i:min(i+postingRows, len(keys))]
				args := make([]any, 0, 3*len(part))
				for _, k := range part {
					args = append(args, k, blk, fromSorted(lists[k]).encode())
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO registry_postings (key, block, bits) VALUES `+multiRow(len(part), 3), args...); err != nil {
					return err
				}
			}
		} else {
			ch := postingChanges{}
			for _, k := range keys {
				ch[postingKey{k, blk}] = &struct{ add, del []uint16 }{add: lists[k]}
			}
			return ch.write(ctx, tx) // moves the counts too
		}
		return addCounts(ctx, tx, delta)
	})
	if err != nil {
		return err
	}
	b.written += len(b.pending)
	b.pending = b.pending[:0]
	return nil
}

// insertNewEntries inserts es, leaving out those whose declaration has an
// entry already, and returns the ones inserted.
func insertNewEntries(ctx context.Context, q db.Querier, es []*entry) ([]*entry, error) {
	inserted := make(map[int64]bool, len(es))
	for start := 0; start < len(es); start += entryRows {
		end := min(start+entryRows, len(es))
		args := make([]any, 0, 13*(end-start))
		for _, e := range es[start:end] {
			args = append(args, e.rid, e.declarationID, e.Number, e.Name, e.Stars, e.Prefecture, e.Industry, e.Status, e.DeclaredAt, nullString(e.CorporateNumber),
				e.kana, e.en, e.norm)
		}
		rows, err := q.QueryContext(ctx, `INSERT INTO registry_entries (`+entryCols+`) VALUES `+multiRow(end-start, 13)+`
			ON CONFLICT (declaration_id) DO NOTHING RETURNING rid`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var rid int64
			if err := rows.Scan(&rid); err != nil {
				rows.Close()
				return nil, err
			}
			inserted[rid] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(inserted) == len(es) {
		return es, nil
	}
	return slices.DeleteFunc(slices.Clone(es), func(e *entry) bool { return !inserted[e.rid] }), nil
}

// fromSorted makes a block of ascending distinct values.
func fromSorted(vals []uint16) block {
	b := block{arr: vals, n: len(vals)}
	if b.n >= arrayMax {
		b = block{bm: b.toBitmap(), n: b.n}
	}
	return b
}
