package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Migrations live here, one numbered file per change and per dialect, so a
// new capability adds one file to each folder and nothing else.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Name string // e.g. 0001_platform.sql
	SQL  string
}

// Migrations lists a dialect's migrations in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms, nil
}

// Migrate applies every migration not yet recorded. Several servers may
// start at once against one PostgreSQL, so the work happens under an
// advisory lock; on SQLite the writer's IMMEDIATE transaction is the lock.
func (d *DB) Migrate(ctx context.Context) (applied []string, err error) {
	ms, err := Migrations(d.dialect)
	if err != nil {
		return nil, err
	}
	conn, err := d.w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d.dialect == Postgres {
		// An arbitrary constant: mamori's migration lock id.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727274)`)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		done, err := d.applyOne(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

func (d *DB) applyOne(ctx context.Context, conn *sql.Conn, m Migration) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, d.bind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), m.Name).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, d.bind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), m.Name, Now().Format("2006-01-02T15:04:05.000000Z")); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
