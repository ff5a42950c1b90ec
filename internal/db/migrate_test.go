package db_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

func sqlFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestMigrationFoldersMatch is the required check that both dialect folders
// hold the same migration names, so no change reaches one engine only.
func TestMigrationFoldersMatch(t *testing.T) {
	lite := sqlFiles(t, filepath.Join("migrations", "sqlite"))
	pg := sqlFiles(t, filepath.Join("migrations", "postgres"))
	if len(lite) == 0 {
		t.Fatal("no migrations found")
	}
	if !slices.Equal(lite, pg) {
		t.Errorf("migration folders differ:\n  sqlite:   %q\n  postgres: %q", lite, pg)
	}
	// What is embedded must be what is on disk.
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		ms, err := db.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range ms {
			names = append(names, m.Name)
			if strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%s/%s is empty", d, m.Name)
			}
		}
		if !slices.Equal(names, lite) {
			t.Errorf("embedded %s migrations %q, on disk %q", d, names, lite)
		}
	}
}

func TestMigrationNamesNumbered(t *testing.T) {
	for _, dir := range []string{"sqlite", "postgres"} {
		prev := 0
		for _, name := range sqlFiles(t, filepath.Join("migrations", dir)) {
			m := migrationName.FindStringSubmatch(name)
			if m == nil {
				t.Errorf("%s/%s: want NNNN_name.sql (lower case, digits, underscores)", dir, name)
				continue
			}
			n := 0
			for _, c := range m[1] {
				n = n*10 + int(c-'0')
			}
			if n <= prev {
				t.Errorf("%s/%s: number %d does not follow %d", dir, name, n, prev)
			}
			prev = n
		}
	}
}

func TestMigrateIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// dbtest already migrated once.
		applied, err := d.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %q", applied)
		}
		ms, _ := db.Migrations(d.Dialect())
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
		}
	})
}

// migrateTogether runs Migrate on every handle at once and checks that the
// migrations were applied exactly once between them.
func migrateTogether(t *testing.T, handles []*db.DB) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	applied := make([][]string, len(handles))
	errs := make([]error, len(handles))
	for i, h := range handles {
		wg.Go(func() { applied[i], errs[i] = h.Migrate(ctx) })
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("handle %d: %v", i, err)
		}
		total += len(applied[i])
	}
	ms, _ := db.Migrations(handles[0].Dialect())
	if total != len(ms) {
		t.Errorf("applied %d migrations in total (%q), want %d", total, applied, len(ms))
	}
	var n int
	if err := handles[0].QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Errorf("schema not usable after concurrent migrate: %v", err)
	}
}

func TestConcurrentMigrateSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mamori.db")
	var handles []*db.DB
	for range 3 {
		d, err := db.OpenSQLite(context.Background(), path, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		handles = append(handles, d)
	}
	migrateTogether(t, handles)
}

func TestConcurrentMigratePostgres(t *testing.T) {
	url := os.Getenv("MAMORI_TEST_DATABASE_URL")
	if url == "" {
		if dbtest.Required("postgres") {
			t.Fatal("MAMORI_TEST_DATABASE_URL not set")
		}
		t.Skip("MAMORI_TEST_DATABASE_URL not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if admin, err := sql.Open("pgx", url); err == nil {
			admin.Exec(`DROP SCHEMA IF EXISTS "` + schema + `" CASCADE`)
			admin.Close()
		}
	})
	var handles []*db.DB
	for range 3 {
		d, err := db.Open(context.Background(), url, "", db.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		handles = append(handles, d)
	}
	migrateTogether(t, handles)
}
