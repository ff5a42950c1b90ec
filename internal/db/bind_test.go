package db_test

import (
	"context"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// TestBindOnPostgres checks the rewriting by what the server answers: a
// quoted question mark stays text and the real placeholders take the
// arguments in order.
func TestBindOnPostgres(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx := context.Background()
	var a, b, c string
	if err := d.QueryRowContext(ctx, `SELECT '?' || ?, 'it''s ?', ? || '?'`, "x", "y").Scan(&a, &b, &c); err != nil {
		t.Fatal(err)
	}
	if a != "?x" || b != "it's ?" || c != "y?" {
		t.Errorf("got %q %q %q", a, b, c)
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, 'what?')`, "q")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var v string
	if err := d.Read().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ? AND value LIKE '%?'`, "q").Scan(&v); err != nil || v != "what?" {
		t.Errorf("value %q, %v", v, err)
	}
}
