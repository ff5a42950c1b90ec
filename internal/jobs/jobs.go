// Package jobs runs background work (mail, reminders, exports) from a table
// in the database, so that work survives restarts and any number of server
// instances can share it without a separate queue service.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"mamori/internal/db"
)

// Handler performs one job; a returned error schedules a retry with
// backoff until the job's attempts are used up.
type Handler func(ctx context.Context, payload json.RawMessage) error

// Queue enqueues jobs and runs workers.
type Queue struct {
	db       *db.DB
	log      *slog.Logger
	mu       sync.RWMutex
	handlers map[string]Handler
	wake     chan struct{}
	// Lease is how long a claimed job stays invisible to other workers;
	// a worker that dies mid-job loses its claim after this.
	Lease time.Duration
	Poll  time.Duration
}

// New returns a queue on d.
func New(d *db.DB, log *slog.Logger) *Queue {
	return &Queue{db: d, log: log, handlers: map[string]Handler{}, wake: make(chan struct{}, 1), Lease: 5 * time.Minute, Poll: 2 * time.Second}
}

// Register binds a job kind to its handler.
func (q *Queue) Register(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.handlers[kind] = h
}

// Enqueue adds a job inside the caller's transaction (or on the DB), so a
// job exists exactly when the change that caused it was committed.
func (q *Queue) Enqueue(ctx context.Context, tx db.Querier, kind string, payload any, maxAttempts int, runAt time.Time) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	if runAt.IsZero() {
		runAt = db.Now()
	}
	id := db.NewID()
	_, err = tx.ExecContext(ctx, `INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, created_at)
		VALUES (?, ?, ?, 'pending', ?, 0, ?, ?)`, id, kind, string(b), runAt, maxAttempts, db.Now())
	if err != nil {
		return "", fmt.Errorf("enqueue %s: %w", kind, err)
	}
	q.Notify()
	return id, nil
}

// Notify wakes an idle worker in this process.
func (q *Queue) Notify() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

type claimed struct {
	id, kind, payload string
	attempts, max     int
}

// claim takes the next ready job. On PostgreSQL, SKIP LOCKED lets several
// instances claim different jobs concurrently; on SQLite the single writer
// connection already serialises claims.
func (q *Queue) claim(ctx context.Context) (*claimed, error) {
	now := db.Now()
	lock := ""
	if q.db.Dialect() == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	row := q.db.QueryRowContext(ctx, `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = ?
		WHERE id = (SELECT id FROM jobs
			WHERE (status = 'pending' AND run_at <= ?) OR (status = 'running' AND locked_until < ?)
			ORDER BY run_at LIMIT 1`+lock+`)
		RETURNING id, kind, payload, attempts, max_attempts`, now.Add(q.Lease), now, now)
	var c claimed
	if err := row.Scan(&c.id, &c.kind, &c.payload, &c.attempts, &c.max); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	return &c, nil
}

// RunOnce claims and runs one job; it reports false when none was ready.
func (q *Queue) RunOnce(ctx context.Context) (bool, error) {
	c, err := q.claim(ctx)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	q.mu.RLock()
	h := q.handlers[c.kind]
	q.mu.RUnlock()
	var runErr error
	if h == nil {
		runErr = fmt.Errorf("no handler for job kind %q", c.kind)
	} else {
		runErr = safeRun(ctx, h, json.RawMessage(c.payload))
	}
	now := db.Now()
	if runErr == nil {
		_, err = q.db.ExecContext(ctx, `UPDATE jobs SET status = 'done', finished_at = ?, locked_until = NULL, last_error = '' WHERE id = ?`, now, c.id)
		return true, err
	}
	q.log.Warn("job failed", "kind", c.kind, "id", c.id, "attempt", c.attempts, "err", runErr)
	if c.attempts >= c.max {
		_, err = q.db.ExecContext(ctx, `UPDATE jobs SET status = 'failed', finished_at = ?, locked_until = NULL, last_error = ? WHERE id = ?`, now, runErr.Error(), c.id)
		return true, err
	}
	_, err = q.db.ExecContext(ctx, `UPDATE jobs SET status = 'pending', run_at = ?, locked_until = NULL, last_error = ? WHERE id = ?`,
		now.Add(Backoff(c.attempts)), runErr.Error(), c.id)
	return true, err
}

func safeRun(ctx context.Context, h Handler, p json.RawMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h(ctx, p)
}

// Backoff grows exponentially from 10 s and is capped at one hour.
func Backoff(attempt int) time.Duration {
	d := time.Duration(10*math.Pow(2, float64(attempt-1))) * time.Second
	if d > time.Hour || d <= 0 {
		return time.Hour
	}
	return d
}

// Run processes jobs until ctx is cancelled.
func (q *Queue) Run(ctx context.Context) {
	t := time.NewTicker(q.Poll)
	defer t.Stop()
	for {
		for {
			if ctx.Err() != nil {
				return
			}
			ran, err := q.RunOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					q.log.Error("job queue", "err", err)
				}
				break
			}
			if !ran {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-q.wake:
		}
	}
}

// Drain runs ready jobs until none is left; tests use it instead of
// waiting on the background worker.
func (q *Queue) Drain(ctx context.Context) error {
	for {
		ran, err := q.RunOnce(ctx)
		if err != nil || !ran {
			return err
		}
	}
}
