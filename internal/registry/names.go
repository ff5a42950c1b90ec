package registry

import (
	"context"
	"database/sql"
	"errors"

	"mamori/internal/db"
)

// reindexBatch is how many declarations Reindex reads per query.
const reindexBatch = 5000

const upsertName = `INSERT INTO registry_names (declaration_id, name, norm, rid) VALUES (?, ?, ?, ?)
	ON CONFLICT (declaration_id) DO UPDATE SET name = excluded.name, norm = excluded.norm, rid = excluded.rid`

// indexed is a declaration's current row in registry_names, if any.
type indexed struct {
	id, cur string // the declaration and its org_name
	name    string // the row's recorded name
	hasRow  bool
	rid     sql.NullInt64
	norm    string
}

// fresh reports whether the row matches name and has its rid (and so its
// grams).
func (x indexed) fresh() bool { return x.hasRow && x.rid.Valid && x.name == x.cur }

// writeIndex brings the rows of xs (each with cur set to the declaration's
// org_name) up to date in the caller's transaction: registry_names, the
// changed grams and their counts. Rows without a rid get new ones.
func writeIndex(ctx context.Context, q db.Querier, xs []indexed) error {
	missing := 0
	for _, x := range xs {
		if !x.rid.Valid {
			missing++
		}
	}
	var next int64
	if missing > 0 {
		var err error
		if next, err = allocRids(ctx, q, missing); err != nil {
			return err
		}
	}
	delta := map[string]int{}
	var addG []string
	var addR []int64
	for _, x := range xs {
		var old []string
		rid := x.rid.Int64
		if x.rid.Valid {
			old = nameGrams(x.norm)
		} else {
			rid = next
			next++
		}
		norm := Normalize(x.cur)
		if _, err := q.ExecContext(ctx, upsertName, x.id, x.cur, norm, rid); err != nil {
			return err
		}
		del, add := diffGrams(old, nameGrams(norm))
		for _, g := range del {
			if _, err := q.ExecContext(ctx, `DELETE FROM registry_grams WHERE gram = ? AND rid = ?`, g, rid); err != nil {
				return err
			}
			delta[g]--
		}
		for _, g := range add {
			addG = append(addG, g)
			addR = append(addR, rid)
			delta[g]++
		}
	}
	if err := insertGrams(ctx, q, addG, addR); err != nil {
		return err
	}
	return addCounts(ctx, q, delta)
}

// Sync (re)computes the search name and grams of one declaration from its
// current org_name. Call it in the transaction that inserts a declaration
// or changes its org_name (declaring, re-declaring, refreshing the name),
// so the registry finds the new name at once. A declaration that does not
// exist is not an error: there is nothing to index.
func Sync(ctx context.Context, q db.Querier, declarationID string) error {
	x := indexed{id: declarationID}
	var name, norm sql.NullString
	err := db.Classify(q.QueryRowContext(ctx, `SELECT d.org_name, n.name, n.norm, n.rid
		FROM declarations d LEFT JOIN registry_names n ON n.declaration_id = d.id WHERE d.id = ?`, declarationID).
		Scan(&x.cur, &name, &norm, &x.rid))
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	x.hasRow, x.name, x.norm = name.Valid, name.String, norm.String
	if x.fresh() {
		return nil
	}
	return writeIndex(ctx, q, []indexed{x})
}

// Stale reports whether registry_names is out of step with declarations:
// a declaration without a row, a row whose recorded name is not the
// declaration's org_name, a row without its rid (written before the gram
// index existed). It is one query that stops at the first hit.
func Stale(ctx context.Context, q db.Querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM declarations d
		LEFT JOIN registry_names n ON n.declaration_id = d.id
		WHERE n.declaration_id IS NULL OR n.name <> d.org_name OR n.rid IS NULL LIMIT 1) s`).Scan(&n)
	return n > 0, err
}

// Reindex brings every declaration's row in registry_names (and its grams)
// up to date, reading declarations in batches of 5,000 by id and writing
// only the rows that are missing or stale, one transaction per batch. It
// returns how many rows it wrote. Safe to run while the server serves.
func Reindex(ctx context.Context, d *db.DB) (int, error) {
	written, after := 0, ""
	for {
		var todo []indexed
		last, seen := after, 0
		rows, err := d.QueryContext(ctx, `SELECT d.id, d.org_name, n.name, n.norm, n.rid
			FROM declarations d LEFT JOIN registry_names n ON n.declaration_id = d.id
			WHERE d.id > ? ORDER BY d.id LIMIT ?`, after, reindexBatch)
		if err != nil {
			return written, err
		}
		for rows.Next() {
			var x indexed
			var name, norm sql.NullString
			if err := rows.Scan(&x.id, &x.cur, &name, &norm, &x.rid); err != nil {
				rows.Close()
				return written, err
			}
			x.hasRow, x.name, x.norm = name.Valid, name.String, norm.String
			seen++
			last = x.id
			if !x.fresh() {
				todo = append(todo, x)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return written, err
		}
		if len(todo) > 0 {
			if err := d.InTx(ctx, func(tx *db.Tx) error { return writeIndex(ctx, tx, todo) }); err != nil {
				return written, err
			}
			written += len(todo)
		}
		if seen < reindexBatch {
			return written, nil
		}
		after = last
	}
}

// EnsureIndex runs Reindex when Stale says it is needed; the app calls it
// at start, so rows missed by a flow that did not call Sync (or written
// before this package existed) are repaired.
func EnsureIndex(ctx context.Context, d *db.DB) (int, error) {
	stale, err := Stale(ctx, d)
	if err != nil || !stale {
		return 0, err
	}
	return Reindex(ctx, d)
}
