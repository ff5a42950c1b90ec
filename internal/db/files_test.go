//go:build unix

package db_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"mamori/internal/db"
)

// Issue 23 point 5: mamori.db and its -wal and -shm files were created
// with the umask's mode (0644) in an existing data directory; each must be
// readable by its owner only, and a file left 0644 by an older version is
// narrowed at start.
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		d, err := db.Open(ctx, "", dir, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS t (x INTEGER)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO t VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"mamori.db", "mamori.db-wal", "mamori.db-shm"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("%s has mode %04o, want 0600", name, m)
			}
		}
	}
	check()
	for _, name := range []string{"mamori.db", "mamori.db-wal", "mamori.db-shm"} {
		if err := os.Chmod(filepath.Join(dir, name), 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	check()
}
