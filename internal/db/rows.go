package db

import (
	"context"
	"database/sql"
	"strings"
)

// Scanner is one row to read: *sql.Row and *sql.Rows both are, so one scan
// function serves a single-row lookup and a list.
type Scanner interface {
	Scan(dest ...any) error
}

// Collect runs query and reads every row through scan. It closes the rows
// on every path and reports the error that ended the iteration, the two
// steps a hand-written rows.Next loop is easiest to get wrong. No rows is
// a nil slice, not an error.
func Collect[T any](ctx context.Context, q Querier, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return CollectRows(rows, scan)
}

// CollectRows is Collect for rows the caller has already opened (a
// prepared or batched query); it closes them.
func CollectRows[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Each runs query and calls fn for every row, for readers that fold rows
// into a map or a total rather than a list. It closes the rows on every
// path; fn's error stops the iteration and is returned.
func Each(ctx context.Context, q Querier, fn func(Scanner) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Column reads a row of one column: db.Collect(ctx, q, db.Column[string], …)
// lists the values of a single-column query.
func Column[T any](r Scanner) (T, error) {
	var v T
	err := r.Scan(&v)
	return v, err
}

// Value adapts a scan that returns a pointer, the form a single-row lookup
// uses, to a list of values: db.Collect(ctx, q, db.Value(scanThing), …).
func Value[T any](scan func(Scanner) (*T, error)) func(Scanner) (T, error) {
	return func(r Scanner) (T, error) {
		p, err := scan(r)
		if err != nil {
			var zero T
			return zero, err
		}
		return *p, nil
	}
}

// Marks returns n placeholders in parentheses, "(?, ?, ?)": the list after
// IN, or one row after VALUES. Every hand-built list had its own way to
// get the commas right; this is the one. Fewer than one gives "(NULL)", an
// IN list that matches no row, rather than "()", which neither engine
// parses (NOT IN (NULL) matches no row either: skip that condition instead).
func Marks(n int) string {
	if n < 1 {
		return "(NULL)"
	}
	return "(?" + strings.Repeat(", ?", n-1) + ")"
}

// Args turns a slice of values into query arguments, the form
// QueryContext takes for an IN list.
func Args[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
