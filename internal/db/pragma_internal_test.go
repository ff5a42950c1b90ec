package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// TestSQLiteConnectionPragmas reads the settings back from every connection
// of both pools, held at once so each is a distinct connection the pool
// opened: the settings are per connection, and a pragma that reached only
// the first one would pass a test that asks one.
func TestSQLiteConnectionPragmas(t *testing.T) {
	ctx := context.Background()
	const readers = 3
	d, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "p.db"), Options{ReadConns: readers})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want := []struct{ pragma, value string }{
		{"busy_timeout", "10000"},
		{"journal_mode", "wal"},
		{"journal_size_limit", "67108864"}, // 64 MiB
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"cache_size", "-16000"},
		{"temp_store", "2"}, // MEMORY
	}
	check := func(name string, c *sql.Conn) {
		for _, w := range want {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+w.pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", name, w.pragma, err)
			}
			if got != w.value {
				t.Errorf("%s: %s = %s, want %s", name, w.pragma, got, w.value)
			}
		}
	}
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	take := func(pool *sql.DB, name string) {
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		check(name, c)
	}
	take(d.w, "writer")
	for i := range readers {
		take(d.r, fmt.Sprintf("reader %d", i))
	}
	if s := d.r.Stats(); s.OpenConnections != readers {
		t.Errorf("reader pool has %d connections open, want %d distinct ones", s.OpenConnections, readers)
	}
}
