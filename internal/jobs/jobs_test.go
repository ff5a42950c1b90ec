package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/jobs"
)

func newQueue(d *db.DB) *jobs.Queue { return jobs.New(d, slog.New(slog.DiscardHandler)) }

type jobRow struct {
	Status, LastError, Payload string
	Attempts, Max              int
	RunAt                      time.Time
	LockedUntil, FinishedAt    *time.Time
}

func getJob(t *testing.T, d *db.DB, id string) jobRow {
	t.Helper()
	var j jobRow
	err := d.QueryRowContext(context.Background(), `SELECT status, last_error, payload, attempts, max_attempts, run_at, locked_until, finished_at
		FROM jobs WHERE id = ?`, id).Scan(&j.Status, &j.LastError, &j.Payload, &j.Attempts, &j.Max, &j.RunAt, &j.LockedUntil, &j.FinishedAt)
	if err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
	return j
}

// makeDue pretends the retry delay has passed.
func makeDue(t *testing.T, d *db.DB, id string) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), `UPDATE jobs SET run_at = ? WHERE id = ?`, db.Now().Add(-time.Second), id); err != nil {
		t.Fatal(err)
	}
}

func TestEnqueueAndDrain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(d)
		var got []string
		q.Register("greet", func(ctx context.Context, p json.RawMessage) error {
			var v struct{ Name string }
			if err := json.Unmarshal(p, &v); err != nil {
				return err
			}
			got = append(got, v.Name)
			return nil
		})
		id, err := q.Enqueue(ctx, d, "greet", map[string]string{"name": "山田"}, 0, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		later, err := q.Enqueue(ctx, d, "greet", map[string]string{"name": "later"}, 3, db.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != "山田" {
			t.Fatalf("handler saw %q, want only the due job", got)
		}
		j := getJob(t, d, id)
		if j.Status != "done" || j.Attempts != 1 || j.Max != 8 || j.FinishedAt == nil || j.LockedUntil != nil || j.LastError != "" {
			t.Errorf("done job: %+v", j)
		}
		if j := getJob(t, d, later); j.Status != "pending" || j.Attempts != 0 || j.Max != 3 {
			t.Errorf("future job: %+v", j)
		}
		// Draining again runs nothing.
		if err := q.Drain(ctx); err != nil || len(got) != 1 {
			t.Errorf("second drain: err=%v runs=%d", err, len(got))
		}
	})
}

func TestEnqueueFollowsTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(d)
		var id string
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			id, err = q.Enqueue(ctx, tx, "x", nil, 1, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return errors.New("abort")
		})
		if err == nil {
			t.Fatal("InTx did not report the abort")
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE id = ?`, id).Scan(&n)
		if n != 0 {
			t.Error("job of a rolled-back transaction exists")
		}
		if _, err := q.Enqueue(ctx, d, "x", make(chan int), 1, time.Time{}); err == nil {
			t.Error("unmarshalable payload accepted")
		}
	})
}

func TestRetryThenFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		tests := []struct {
			name    string
			kind    string
			handler jobs.Handler
			errText string
		}{
			{"error", "fails", func(context.Context, json.RawMessage) error { return errors.New("smtp down") }, "smtp down"},
			{"panic", "panics", func(context.Context, json.RawMessage) error { panic("nil map") }, "panic: nil map"},
			{"unknown kind", "nobody.handles.this", nil, `no handler for job kind "nobody.handles.this"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := newQueue(d)
				calls := 0
				if tt.handler != nil {
					q.Register(tt.kind, func(ctx context.Context, p json.RawMessage) error { calls++; return tt.handler(ctx, p) })
				}
				const max = 3
				id, err := q.Enqueue(ctx, d, tt.kind, map[string]int{"n": 1}, max, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				prevRunAt := getJob(t, d, id).RunAt
				for attempt := 1; attempt <= max; attempt++ {
					before := db.Now()
					if err := q.Drain(ctx); err != nil {
						t.Fatalf("attempt %d: drain: %v", attempt, err)
					}
					j := getJob(t, d, id)
					if j.Attempts != attempt || !strings.Contains(j.LastError, tt.errText) || j.LockedUntil != nil {
						t.Fatalf("attempt %d: %+v, want attempts=%d and last_error containing %q", attempt, j, attempt, tt.errText)
					}
					if attempt < max {
						if j.Status != "pending" || j.FinishedAt != nil {
							t.Fatalf("attempt %d: status %s, want pending", attempt, j.Status)
						}
						// run_at moves forward by the backoff for this attempt.
						if !j.RunAt.After(prevRunAt) || j.RunAt.Before(before.Add(jobs.Backoff(attempt))) ||
							j.RunAt.After(db.Now().Add(jobs.Backoff(attempt))) {
							t.Errorf("attempt %d: run_at %s, want about %s after %s", attempt, j.RunAt, jobs.Backoff(attempt), before)
						}
						// Not due yet: draining now runs nothing.
						if err := q.Drain(ctx); err != nil {
							t.Fatal(err)
						}
						if again := getJob(t, d, id); again.Attempts != attempt {
							t.Fatalf("job re-ran before its backoff: attempts %d", again.Attempts)
						}
						prevRunAt = j.RunAt
						makeDue(t, d, id)
						continue
					}
					if j.Status != "failed" || j.FinishedAt == nil {
						t.Errorf("after %d attempts: %+v, want failed with finished_at", max, j)
					}
				}
				// A failed job is never picked up again.
				makeDue(t, d, id)
				if err := q.Drain(ctx); err != nil {
					t.Fatal(err)
				}
				if j := getJob(t, d, id); j.Attempts != max || j.Status != "failed" {
					t.Errorf("failed job ran again: %+v", j)
				}
				if tt.handler != nil && calls != max {
					t.Errorf("handler called %d times, want %d", calls, max)
				}
			})
		}
	})
}

func TestExpiredLeaseReclaimed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(d)
		ran := map[string]int{}
		q.Register("k", func(ctx context.Context, p json.RawMessage) error {
			var s string
			json.Unmarshal(p, &s)
			ran[s]++
			return nil
		})
		expired, _ := q.Enqueue(ctx, d, "k", "expired", 5, time.Time{})
		held, _ := q.Enqueue(ctx, d, "k", "held", 5, time.Time{})
		// Two workers claimed these and one died: its lease has run out.
		set := `UPDATE jobs SET status = 'running', attempts = 1, locked_until = ? WHERE id = ?`
		if _, err := d.ExecContext(ctx, set, db.Now().Add(-time.Minute), expired); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, set, db.Now().Add(time.Minute), held); err != nil {
			t.Fatal(err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if ran["expired"] != 1 || ran["held"] != 0 {
			t.Errorf("runs = %v, want only the expired lease reclaimed", ran)
		}
		if j := getJob(t, d, expired); j.Status != "done" || j.Attempts != 2 {
			t.Errorf("reclaimed job: %+v", j)
		}
		if j := getJob(t, d, held); j.Status != "running" || j.Attempts != 1 {
			t.Errorf("job under a live lease changed: %+v", j)
		}
	})
}

func TestConcurrentQueuesRunEachJobOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const nJobs, nWorkers = 50, 4
		var mu sync.Mutex
		runs := map[int]int{}
		var running, overlap atomic.Int32
		handler := func(ctx context.Context, p json.RawMessage) error {
			if running.Add(1) > 1 {
				overlap.Store(1)
			}
			defer running.Add(-1)
			var n int
			if err := json.Unmarshal(p, &n); err != nil {
				return err
			}
			mu.Lock()
			runs[n]++
			mu.Unlock()
			time.Sleep(time.Millisecond) // let claims interleave
			return nil
		}
		queues := make([]*jobs.Queue, nWorkers)
		for i := range queues {
			queues[i] = newQueue(d)
			queues[i].Register("count", handler)
		}
		for n := range nJobs {
			if _, err := queues[0].Enqueue(ctx, d, "count", n, 1, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, nWorkers)
		start := make(chan struct{})
		for i, q := range queues {
			wg.Go(func() { <-start; errs[i] = q.Drain(ctx) })
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		}
		for n := range nJobs {
			if runs[n] != 1 {
				t.Errorf("job %d ran %d times", n, runs[n])
			}
		}
		var done int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE status = 'done' AND attempts = 1`).Scan(&done)
		if done != nJobs {
			t.Errorf("%d jobs done with one attempt, want %d", done, nJobs)
		}
		if d.Dialect() == db.Postgres && overlap.Load() == 0 {
			t.Log("workers never overlapped; SKIP LOCKED not exercised this run")
		}
	})
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{3, 40 * time.Second},
		{4, 80 * time.Second},
		{8, 1280 * time.Second},
		{9, 2560 * time.Second},
		{10, time.Hour}, // 5120 s capped
		{64, time.Hour},
		{1000, time.Hour},
	}
	for _, tt := range tests {
		if got := jobs.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
	prev := time.Duration(0)
	for a := 1; a <= 200; a++ {
		b := jobs.Backoff(a)
		if b < prev || b <= 0 || b > time.Hour {
			t.Fatalf("Backoff(%d) = %s after %s: want growing, positive, at most 1h", a, b, prev)
		}
		prev = b
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := newQueue(d)
		q.Poll = time.Hour // only Notify can wake the worker
		ran := make(chan string, 4)
		q.Register("k", func(ctx context.Context, p json.RawMessage) error {
			var s string
			json.Unmarshal(p, &s)
			ran <- s
			return nil
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if _, err := q.Enqueue(ctx, d, "k", "before", 1, time.Time{}); err != nil {
			t.Fatal(err)
		}
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()
		expect := func(want string) {
			t.Helper()
			select {
			case got := <-ran:
				if got != want {
					t.Errorf("ran %q, want %q", got, want)
				}
			case <-time.After(time.Minute): // a budget for a busy machine, not a measure of speed
				t.Fatalf("job %q not run", want)
			}
		}
		expect("before")
		// Enqueue wakes the idle worker without waiting for the poll.
		if _, err := q.Enqueue(ctx, d, "k", "woken", 1, time.Time{}); err != nil {
			t.Fatal(err)
		}
		expect("woken")
		cancel()
		select {
		case <-stopped:
		case <-time.After(time.Minute): // a budget for a busy machine, not a measure of speed
			t.Fatal("Run did not return after cancel")
		}
	})
}

// TestRunWakesAndPolls runs the worker in a synctest bubble, whose clock
// moves only when every goroutine waits: Enqueue wakes the idle worker
// with no time passing, and a job due later runs at the first poll after
// its time, neither earlier nor a poll late. SQLite only: the bubble
// cannot wait on a network connection.
func TestRunWakesAndPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := dbtest.SQLite(t)
		q := newQueue(d)
		q.Poll = 10 * time.Second
		var mu sync.Mutex
		var ran []string
		q.Register("k", func(ctx context.Context, p json.RawMessage) error {
			var s string
			json.Unmarshal(p, &s)
			mu.Lock()
			ran = append(ran, s)
			mu.Unlock()
			return nil
		})
		got := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(ran) }
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()
		defer func() { cancel(); <-stopped }() // a failure too ends the worker before the bubble
		synctest.Wait()
		start := time.Now()
		if _, err := q.Enqueue(ctx, d, "k", "now", 1, time.Time{}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if r := got(); !slices.Equal(r, []string{"now"}) || time.Since(start) != 0 {
			t.Fatalf("after Enqueue: ran %v, %v later", r, time.Since(start))
		}
		// Due in 25 s, enqueued without a wake-up (another instance's
		// write): the polls at 10 and 20 s find nothing, the one at 30 s
		// runs it.
		if _, err := d.ExecContext(ctx, `INSERT INTO jobs (id, kind, payload, status, run_at, max_attempts, created_at)
			VALUES ('later', 'k', '"later"', 'pending', ?, 1, ?)`, db.Now().Add(25*time.Second), db.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(29 * time.Second)
		synctest.Wait()
		if r := got(); len(r) != 1 {
			t.Fatalf("ran %v before the job was due", r)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if r := got(); !slices.Equal(r, []string{"now", "later"}) {
			t.Fatalf("at the first poll after the job was due: ran %v", r)
		}
	})
}
