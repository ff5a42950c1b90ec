// Package dbtest gives tests real databases: a fresh SQLite file always, and
// a fresh PostgreSQL schema when MAMORI_TEST_DATABASE_URL is set, so the same
// test body proves a behaviour on both engines.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mamori/internal/db"
)

// Required reports whether MAMORI_TEST_REQUIRE names what; required parts
// make tests fail instead of skip, so CI cannot pass by skipping.
func Required(what string) bool {
	return slices.Contains(strings.Split(os.Getenv("MAMORI_TEST_REQUIRE"), ","), what)
}

// Each runs fn once per available engine as subtests named "sqlite" and
// "postgres", each with a freshly migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	url := os.Getenv("MAMORI_TEST_DATABASE_URL")
	if url == "" {
		if Required("postgres") {
			t.Fatal("MAMORI_TEST_REQUIRE names postgres but MAMORI_TEST_DATABASE_URL is not set")
		}
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated database in a temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.OpenSQLite(ctx, filepath.Join(t.TempDir(), "test.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// Postgres opens a migrated database in a schema of its own, dropped when
// the test ends; it skips (or fails, when required) without a server.
func Postgres(t testing.TB) *db.DB { return PostgresShared(t, 1)[0] }

// PostgresShared opens n handles (connection pools) on one migrated schema
// of its own, as n server instances sharing one database have.
func PostgresShared(t testing.TB, n int) []*db.DB {
	t.Helper()
	url := os.Getenv("MAMORI_TEST_DATABASE_URL")
	if url == "" {
		if Required("postgres") {
			t.Fatal("MAMORI_TEST_REQUIRE names postgres but MAMORI_TEST_DATABASE_URL is not set")
		}
		t.Skip("MAMORI_TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if admin, err := sql.Open("pgx", url); err == nil {
			admin.Exec(`DROP SCHEMA IF EXISTS "` + schema + `" CASCADE`)
			admin.Close()
		}
	})
	var out []*db.DB
	for range n {
		d, err := db.Open(ctx, url, "", db.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() }) // runs before the schema is dropped
		out = append(out, d)
	}
	if _, err := out[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return out
}
