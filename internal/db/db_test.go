package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"

	_ "time/tzdata" // Asia/Tokyo for the local-zone rerun
)

func insertUser(ctx context.Context, q db.Querier, id, email string) error {
	now := db.Now()
	_, err := q.ExecContext(ctx, `INSERT INTO users (id, email, created_at, updated_at) VALUES (?, ?, ?, ?)`, id, email, now, now)
	return err
}

func countSettings(t *testing.T, d *db.DB, key string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM settings WHERE key = ?`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestClassify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := insertUser(ctx, d, "u1", "a@example.jp"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			run  func() error
			want error
		}{
			{"unique column", func() error { return insertUser(ctx, d, "u2", "a@example.jp") }, db.ErrConflict},
			{"primary key", func() error { return insertUser(ctx, d, "u1", "b@example.jp") }, db.ErrConflict},
			{"unique in tx", func() error {
				return d.InTx(ctx, func(tx *db.Tx) error { return insertUser(ctx, tx, "u3", "a@example.jp") })
			}, db.ErrConflict},
			{"composite primary key", func() error {
				q := `INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, 'analyst', ?)`
				if _, err := d.ExecContext(ctx, q, "u1", db.Now()); err != nil {
					return fmt.Errorf("first insert: %v", err)
				}
				_, err := d.ExecContext(ctx, q, "u1", db.Now())
				return err
			}, db.ErrConflict},
			{"no rows", func() error {
				var id string
				return db.Classify(d.QueryRowContext(ctx, `SELECT id FROM users WHERE id = ?`, "nobody").Scan(&id))
			}, db.ErrNotFound},
			{"no rows on reader", func() error {
				var id string
				return db.Classify(d.Read().QueryRowContext(ctx, `SELECT id FROM users WHERE id = ?`, "nobody").Scan(&id))
			}, db.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.run()
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if tt.want == db.ErrConflict && !strings.Contains(err.Error(), ": ") {
					t.Errorf("conflict %q lost the engine's message", err)
				}
			})
		}
		// Other errors pass through unchanged and unclassified.
		_, err := d.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, 'x', ?)`, "ghost", db.Now())
		if err == nil || errors.Is(err, db.ErrConflict) || errors.Is(err, db.ErrNotFound) {
			t.Errorf("foreign key violation: err = %v, want a plain error", err)
		}
	})
	if db.Classify(nil) != nil {
		t.Error("Classify(nil) != nil")
	}
	if db.Classify(sql.ErrNoRows) != db.ErrNotFound {
		t.Error("Classify(sql.ErrNoRows) != ErrNotFound")
	}
	if wrapped := fmt.Errorf("load: %w", sql.ErrNoRows); db.Classify(wrapped) != db.ErrNotFound {
		t.Error("wrapped sql.ErrNoRows not classified")
	}
	other := errors.New("boom")
	if db.Classify(other) != other {
		t.Error("unrelated error changed")
	}
}

func TestInTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		put := func(tx *db.Tx, key string) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, 'v')`, key); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("commit", func(t *testing.T) {
			if err := d.InTx(ctx, func(tx *db.Tx) error { put(tx, "ok"); return nil }); err != nil {
				t.Fatal(err)
			}
			if countSettings(t, d, "ok") != 1 {
				t.Error("committed row missing")
			}
		})
		t.Run("rollback on error", func(t *testing.T) {
			sentinel := errors.New("stop")
			err := d.InTx(ctx, func(tx *db.Tx) error {
				put(tx, "err")
				// The transaction sees its own write before rolling back.
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = ?`, "err").Scan(&n); err != nil || n != 1 {
					t.Errorf("inside tx: n=%d err=%v", n, err)
				}
				return sentinel
			})
			if err != sentinel {
				t.Errorf("InTx returned %v, want the function's error", err)
			}
			if countSettings(t, d, "err") != 0 {
				t.Error("row of failed transaction was committed")
			}
		})
		t.Run("rollback on panic", func(t *testing.T) {
			func() {
				defer func() {
					if p := recover(); p != "kaboom" {
						t.Errorf("recovered %v, want the panic to propagate", p)
					}
				}()
				d.InTx(ctx, func(tx *db.Tx) error { put(tx, "panic"); panic("kaboom") })
			}()
			if countSettings(t, d, "panic") != 0 {
				t.Error("row of panicking transaction was committed")
			}
		})
		t.Run("writer usable afterwards", func(t *testing.T) {
			// On SQLite the writer pool has one connection; a transaction
			// left open by the rollback paths would block here. The
			// minute is a budget for a busy machine, not a measure.
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := d.InTx(ctx, func(tx *db.Tx) error { put(tx, "after"); return nil }); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestTimesRoundTrip(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	ny := time.FixedZone("EST", -5*3600)
	base := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	// Fractions of different lengths would sort wrongly as text if the
	// engine compared them naively.
	times := []time.Time{
		base,
		base.Add(100 * time.Millisecond),
		base.Add(250 * time.Millisecond),
		base.Add(250*time.Millisecond + time.Microsecond),
		base.Add(time.Second),
		base.Add(10 * time.Second).In(jst), // same instant later than the others, given in another zone
		base.Add(time.Hour).In(ny),
		time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i, tm := range times {
			if _, err := d.ExecContext(ctx, `INSERT INTO jobs (id, kind, payload, status, run_at, max_attempts, created_at)
				VALUES (?, 'k', '{}', 'pending', ?, 1, ?)`, fmt.Sprint(i), tm, db.Now()); err != nil {
				t.Fatal(err)
			}
		}
		for i, want := range times {
			for _, q := range []db.Querier{d, d.Read()} {
				var got time.Time
				if err := q.QueryRowContext(ctx, `SELECT run_at FROM jobs WHERE id = ?`, fmt.Sprint(i)).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if !got.Equal(want) {
					t.Errorf("time %d: got %s, want %s", i, got, want)
				}
				if _, off := got.Zone(); off != 0 {
					t.Errorf("time %d: read back in %s, want UTC", i, got.Location())
				}
			}
			// Equality in WHERE on the same value passed in any zone.
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE run_at = ?`, want.In(jst)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("time %d: WHERE run_at = ? matched %d rows", i, n)
			}
		}
		for i, pivot := range times {
			wantLess, wantLE := 0, 0
			for _, o := range times {
				if o.Before(pivot) {
					wantLess++
				}
				if !o.After(pivot) {
					wantLE++
				}
			}
			var less, le int
			if err := d.QueryRowContext(ctx, `SELECT
				(SELECT COUNT(*) FROM jobs WHERE run_at < ?), (SELECT COUNT(*) FROM jobs WHERE run_at <= ?)`,
				pivot.In(ny), pivot).Scan(&less, &le); err != nil {
				t.Fatal(err)
			}
			if less != wantLess || le != wantLE {
				t.Errorf("pivot %d (%s): < matched %d want %d; <= matched %d want %d", i, pivot.UTC(), less, wantLess, le, wantLE)
			}
		}
		// Nullable times scan into *time.Time.
		var finished *time.Time
		if err := d.QueryRowContext(ctx, `SELECT finished_at FROM jobs WHERE id = '0'`).Scan(&finished); err != nil || finished != nil {
			t.Errorf("NULL time: %v, %v", finished, err)
		}
		now := db.Now()
		if _, err := d.ExecContext(ctx, `UPDATE jobs SET finished_at = ? WHERE id = '0'`, &now); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `SELECT finished_at FROM jobs WHERE id = '0'`).Scan(&finished); err != nil || finished == nil || !finished.Equal(now) {
			t.Errorf("*time.Time round trip: got %v want %v (err %v)", finished, now, err)
		}
	})
}

// TestTimesRoundTripLocalZone reruns the round trip in a process whose
// local zone is not UTC, as on a server set up in Japan: the engines must
// still hand back UTC, not the process's zone.
func TestTimesRoundTripLocalZone(t *testing.T) {
	if os.Getenv("MAMORI_DB_TZ_CHILD") != "" {
		t.Skip("already the child")
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^(TestTimesRoundTrip|TestNanosecondsTruncated)$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TZ=Asia/Tokyo", "MAMORI_DB_TZ_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("with TZ=Asia/Tokyo: %v\n%s", err, out)
	}
}

func TestNanosecondsTruncated(t *testing.T) {
	in := time.Date(2025, 5, 6, 7, 8, 9, 123456789, time.FixedZone("JST", 9*3600))
	want := in.UTC().Truncate(time.Microsecond)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO jobs (id, kind, payload, status, run_at, max_attempts, created_at)
			VALUES ('ns', 'k', '{}', 'pending', ?, 1, ?)`, in, &in); err != nil {
			t.Fatal(err)
		}
		var run, created time.Time
		if err := d.QueryRowContext(ctx, `SELECT run_at, created_at FROM jobs WHERE id = 'ns'`).Scan(&run, &created); err != nil {
			t.Fatal(err)
		}
		if !run.Equal(want) || !created.Equal(want) {
			t.Errorf("got %s / %s, want %s on every engine", run, created, want)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE run_at = ?`, in).Scan(&n); err != nil || n != 1 {
			t.Errorf("WHERE run_at = <same ns time> matched %d (%v)", n, err)
		}
	})
}

func TestNowPrecision(t *testing.T) {
	n := db.Now()
	if n.Location() != time.UTC || n.Nanosecond()%1000 != 0 {
		t.Errorf("Now() = %s: want UTC truncated to microseconds", n)
	}
}

// TestSQLiteReader checks the reader pool cannot write and sees the
// writer's commits; TestSQLiteConnectionPragmas checks each connection's
// settings.
func TestSQLiteReader(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if d.Dialect() != db.SQLite {
		t.Fatalf("dialect %s", d.Dialect())
	}
	if _, err := d.Read().ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('r', 'w')`); err == nil {
		t.Error("reader pool accepted an INSERT")
	}
	if _, err := d.Read().ExecContext(ctx, `CREATE TABLE sneaky (x INTEGER)`); err == nil {
		t.Error("reader pool accepted CREATE TABLE")
	}
	// The reader sees what the writer committed.
	if _, err := d.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('seen', 'yes')`); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := d.Read().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'seen'`).Scan(&v); err != nil || v != "yes" {
		t.Errorf("reader: %q, %v", v, err)
	}
	if err := d.Ping(ctx); err != nil {
		t.Error(err)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, stage, created_at, last_seen_at, expires_at)
			VALUES ('h', 'ghost', 'full', ?, ?, ?)`, db.Now(), db.Now(), db.Now()); err == nil {
			t.Error("row referencing a missing user was accepted")
		}
		// ON DELETE CASCADE works because foreign keys are on.
		if err := insertUser(ctx, d, "u1", "c@example.jp"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, granted_at) VALUES ('u1', 'analyst', ?)`, db.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM users WHERE id = 'u1'`); err != nil {
			t.Fatal(err)
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles`).Scan(&n)
		if n != 0 {
			t.Errorf("%d roles survived their user", n)
		}
	})
}

func TestAuditLogAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO audit_log (at, action) VALUES (?, 'login.success')`, db.Now()); err != nil {
			t.Fatal(err)
		}
		stmts := []string{
			`UPDATE audit_log SET action = 'forged'`,
			`DELETE FROM audit_log`,
			`DELETE FROM audit_log WHERE action = 'login.success'`,
		}
		if d.Dialect() == db.Postgres {
			stmts = append(stmts, `TRUNCATE audit_log`)
		}
		for _, s := range stmts {
			if _, err := d.ExecContext(ctx, s); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want append-only refusal", s, err)
			}
			err := d.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, s); return err })
			if err == nil {
				t.Errorf("%s in a transaction succeeded", s)
			}
		}
		var action string
		var n int
		if err := d.QueryRowContext(ctx, `SELECT action, (SELECT COUNT(*) FROM audit_log) FROM audit_log`).Scan(&action, &n); err != nil {
			t.Fatal(err)
		}
		if action != "login.success" || n != 1 {
			t.Errorf("audit_log changed: action=%q rows=%d", action, n)
		}
	})
}

func TestNewIDOrdered(t *testing.T) {
	prev := db.NewID()
	for range 100 {
		id := db.NewID()
		if len(id) != 36 || id <= prev {
			t.Fatalf("NewID %q after %q: want 36 chars, increasing", id, prev)
		}
		prev = id
	}
}

// TestTransact: whatever Querier a store function is given, its writes
// are all-or-nothing, and inside a caller's transaction they are part of
// it (committed or rolled back with it).
func TestTransact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		write := func(key string, fail bool) func(q db.Querier) error {
			return func(q db.Querier) error {
				if _, ok := q.(*db.Tx); !ok {
					t.Errorf("%s: fn got %T, want a transaction", key, q)
				}
				if _, err := q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, 'x')`, key); err != nil {
					return err
				}
				if fail {
					return boom
				}
				return nil
			}
		}
		for _, c := range []struct {
			name string
			q    db.Querier
			fail bool
			want int
		}{
			{"db commits", d, false, 1},
			{"db rolls back", d, true, 0},
			{"reader commits on the writer", d.Read(), false, 1},
			{"reader rolls back", d.Read(), true, 0},
		} {
			key := "transact-" + strings.ReplaceAll(c.name, " ", "-")
			err := db.Transact(ctx, c.q, write(key, c.fail))
			if c.fail != errors.Is(err, boom) {
				t.Errorf("%s: err %v", c.name, err)
			}
			if n := countSettings(t, d, key); n != c.want {
				t.Errorf("%s: %d rows, want %d", c.name, n, c.want)
			}
		}
		// In a caller's transaction fn runs in that very transaction: its
		// write goes when the caller rolls back, though fn succeeded.
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := db.Transact(ctx, tx, func(q db.Querier) error {
				if q != db.Querier(tx) {
					t.Errorf("fn got %T, want the caller's transaction", q)
				}
				return write("transact-nested", false)(q)
			}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := countSettings(t, d, "transact-nested"); n != 0 {
			t.Errorf("nested write outlived the caller's rollback: %d rows", n)
		}
	})
}
