package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestMarks(t *testing.T) {
	for n, want := range map[int]string{-1: "(NULL)", 0: "(NULL)", 1: "(?)", 3: "(?, ?, ?)"} {
		if got := db.Marks(n); got != want {
			t.Errorf("Marks(%d) = %q, want %q", n, got, want)
		}
	}
	if got := db.Args([]string{"a", "b"}); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Args = %v", got)
	}
}

func seedSettings(t *testing.T, d *db.DB, n int) {
	t.Helper()
	for i := range n {
		if _, err := d.ExecContext(context.Background(), `INSERT INTO settings (key, value) VALUES (?, ?)`, fmt.Sprintf("rows.k%d", i), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
}

var scanKey = db.Column[string]

// TestInList runs IN lists of several lengths, the empty one included, on
// both engines (PostgreSQL gets the places renumbered).
func TestInList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		seedSettings(t, d, 5)
		for _, keys := range [][]string{nil, {"rows.k1"}, {"rows.k0", "rows.k3", "rows.k4", "rows.none"}} {
			got, err := db.Collect(ctx, d.Read(), scanKey, `SELECT key FROM settings WHERE key IN `+db.Marks(len(keys))+` ORDER BY key`, db.Args(keys)...)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, k := range keys {
				if k != "rows.none" {
					want++
				}
			}
			if len(got) != want {
				t.Errorf("IN %v: %v", keys, got)
			}
		}
		// One VALUES row per Marks.
		if _, err := d.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES `+db.Marks(2)+`, `+db.Marks(2), "rows.v1", "1", "rows.v2", "2"); err != nil {
			t.Fatal(err)
		}
		if n := countSettings(t, d, "rows.v2"); n != 1 {
			t.Errorf("VALUES rows: %d", n)
		}
	})
}

func TestCollect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		seedSettings(t, d, 3)
		got, err := db.Collect(ctx, d.Read(), scanKey, `SELECT key FROM settings WHERE key LIKE ? ORDER BY key`, "rows.%")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[rows.k0 rows.k1 rows.k2]" {
			t.Errorf("Collect = %v", got)
		}
		// A pointer-returning scan (the single-row form) lists values.
		type kv struct{ k, v string }
		scanKV := func(r db.Scanner) (*kv, error) {
			var x kv
			if err := r.Scan(&x.k, &x.v); err != nil {
				return nil, err
			}
			return &x, nil
		}
		kvs, err := db.Collect(ctx, d.Read(), db.Value(scanKV), `SELECT key, value FROM settings WHERE key = ?`, "rows.k2")
		if err != nil || len(kvs) != 1 || kvs[0] != (kv{"rows.k2", "2"}) {
			t.Errorf("Value = %v, %v", kvs, err)
		}
		if _, err := db.Collect(ctx, d.Read(), db.Value(scanKV), `SELECT key FROM settings`); err == nil {
			t.Error("Value: a failed scan gave no error")
		}
		none, err := db.Collect(ctx, d.Read(), scanKey, `SELECT key FROM settings WHERE key = ?`, "rows.none")
		if err != nil || none != nil {
			t.Errorf("no rows: %v, %v", none, err)
		}
		// The query's error and the scan's error come back; a failed
		// scan leaves no connection behind (the reader pool would run
		// dry on SQLite otherwise).
		if _, err := db.Collect(ctx, d.Read(), scanKey, `SELECT nosuch FROM settings`); err == nil {
			t.Error("bad query: no error")
		}
		boom := errors.New("boom")
		for range 20 {
			_, err := db.Collect(ctx, d.Read(), func(r db.Scanner) (string, error) { return "", boom }, `SELECT key FROM settings`)
			if !errors.Is(err, boom) {
				t.Fatalf("scan error: %v", err)
			}
			err = db.Each(ctx, d.Read(), func(r db.Scanner) error { return boom }, `SELECT key FROM settings`)
			if !errors.Is(err, boom) {
				t.Fatalf("Each error: %v", err)
			}
		}
		// A wrong column count is the scan's error.
		if _, err := db.Collect(ctx, d.Read(), scanKey, `SELECT key, value FROM settings`); err == nil {
			t.Error("wrong columns: no error")
		}
		total := 0
		if err := db.Each(ctx, d, func(r db.Scanner) error {
			var v int
			if err := r.Scan(&v); err != nil {
				return err
			}
			total += v
			return nil
		}, `SELECT CAST(value AS INTEGER) FROM settings WHERE key LIKE ?`, "rows.k%"); err != nil {
			t.Fatal(err)
		}
		if total != 0+1+2 {
			t.Errorf("Each total = %d", total)
		}
		// Inside a transaction too.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			ks, err := db.Collect(ctx, tx, scanKey, `SELECT key FROM settings WHERE key IN `+db.Marks(2), "rows.k0", "rows.k2")
			if err == nil && len(ks) != 2 {
				err = fmt.Errorf("in tx: %v", ks)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
