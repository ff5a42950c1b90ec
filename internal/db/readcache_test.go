package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestReadCache(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }

	c := db.NewReadCache[int](d, time.Hour, 100)
	if v, _ := c.Get("k", load); v != 1 {
		t.Fatalf("first get = %d", v)
	}
	if v, _ := c.Get("k", load); v != 1 || loads != 1 {
		t.Fatalf("second get reloaded: v=%d loads=%d", v, loads)
	}
	// Any committed write on this instance makes every entry stale.
	if _, err := d.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('a', 'b')`); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("k", load); v != 2 {
		t.Fatalf("after a write got %d, want a reload", v)
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE settings SET value = 'c' WHERE key = 'a'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("k", load); v != 3 {
		t.Fatalf("after a transaction got %d, want a reload", v)
	}
	// Errors are not cached.
	boom := errors.New("boom")
	if _, err := c.Get("e", func() (int, error) { return 0, boom }); err != boom {
		t.Fatal(err)
	}
	if v, _ := c.Get("e", load); v != 4 {
		t.Fatalf("error was cached: %d", v)
	}

	// Entries expire after the TTL even without writes.
	short := db.NewReadCache[int](d, 20*time.Millisecond, 100)
	short.Get("k", load)
	time.Sleep(40 * time.Millisecond)
	if v, _ := short.Get("k", load); v != 6 {
		t.Fatalf("expired entry served: %d", v)
	}

	// The cache stays bounded.
	small := db.NewReadCache[int](d, time.Hour, 3)
	for i := 0; i < 10; i++ {
		small.Get(string(rune('a'+i)), load)
	}
	before := loads
	small.Get("a", load)
	if loads != before+1 {
		t.Fatal("an entry survived the bound")
	}
}
