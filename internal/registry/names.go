package registry

import (
	"context"
	"errors"

	"mamori/internal/db"
)

// reindexBatch is how many declarations Reindex reads per query.
const reindexBatch = 5000

const upsertName = `INSERT INTO registry_names (declaration_id, name, norm) VALUES (?, ?, ?)
	ON CONFLICT (declaration_id) DO UPDATE SET name = excluded.name, norm = excluded.norm`

// Sync (re)computes the search name of one declaration from its current
// org_name. Call it in the transaction that inserts a declaration or
// changes its org_name (declaring, re-declaring, refreshing the name), so
// the registry finds the new name at once. A declaration that does not
// exist is not an error: there is nothing to index.
func Sync(ctx context.Context, q db.Querier, declarationID string) error {
	var name string
	err := db.Classify(q.QueryRowContext(ctx, `SELECT org_name FROM declarations WHERE id = ?`, declarationID).Scan(&name))
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, upsertName, declarationID, name, Normalize(name))
	return err
}

// Stale reports whether registry_names is out of step with declarations:
// a declaration without a row, a row whose recorded name is not the
// declaration's org_name. It is one query that stops at the first hit.
func Stale(ctx context.Context, q db.Querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM declarations d
		LEFT JOIN registry_names n ON n.declaration_id = d.id
		WHERE n.declaration_id IS NULL OR n.name <> d.org_name LIMIT 1) s`).Scan(&n)
	return n > 0, err
}

// Reindex brings every declaration's row in registry_names up to date,
// reading declarations in batches of 5,000 by id and writing only the rows
// that are missing or stale, one transaction per batch. It returns how
// many rows it wrote. Safe to run while the server serves.
func Reindex(ctx context.Context, d *db.DB) (int, error) {
	written, after := 0, ""
	for {
		type row struct{ id, name string }
		var todo []row
		last, seen := after, 0
		rows, err := d.QueryContext(ctx, `SELECT d.id, d.org_name, COALESCE(n.name, ''), CASE WHEN n.declaration_id IS NULL THEN 1 ELSE 0 END
			FROM declarations d LEFT JOIN registry_names n ON n.declaration_id = d.id
			WHERE d.id > ? ORDER BY d.id LIMIT ?`, after, reindexBatch)
		if err != nil {
			return written, err
		}
		for rows.Next() {
			var id, name, indexed string
			var missing int
			if err := rows.Scan(&id, &name, &indexed, &missing); err != nil {
				rows.Close()
				return written, err
			}
			seen++
			last = id
			if missing == 1 || indexed != name {
				todo = append(todo, row{id, name})
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return written, err
		}
		if len(todo) > 0 {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				for _, r := range todo {
					if _, err := tx.ExecContext(ctx, upsertName, r.id, r.name, Normalize(r.name)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
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
