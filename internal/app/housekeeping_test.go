package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/org"
)

// TestHousekeeping: one round deletes what has expired in every
// capability's tables and keeps the rest; a failing cleanup is logged and
// does not stop the others.
func TestHousekeeping(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("owner@example.jp", "owner password 1")
		o, err := e.App.Orgs.Create(ctx, e.DB, nil, u.ID, org.CreateInput{Name: "山田精機"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := e.DB.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		for i, at := range []time.Time{now.Add(-time.Minute), now.Add(time.Minute)} { // expired, live
			id := []string{"old", "new"}[i]
			exec(`INSERT INTO sessions (id_hash, user_id, stage, created_at, last_seen_at, expires_at) VALUES (?, ?, 'full', ?, ?, ?)`, id, u.ID, at, at, at)
		}
		for i, at := range []time.Time{now.Add(-25 * time.Hour), now.Add(-23 * time.Hour)} {
			id := []string{"old", "new"}[i]
			exec(`INSERT INTO email_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES (?, 'reset', ?, ?, ?)`, id, u.ID, at, at)
			exec(`INSERT INTO login_failures (subject, at) VALUES (?, ?)`, id, at)
			exec(`INSERT INTO asset_imports (id, org_id, user_id, filename, body, plan_hash, created_at) VALUES (?, ?, ?, 'x.csv', ?, '', ?)`, id, o.ID, u.ID, []byte("a"), at)
		}
		for i, at := range []time.Time{now.AddDate(0, 0, -31), now.AddDate(0, 0, -29)} {
			id := []string{"old", "new"}[i]
			exec(`INSERT INTO selfcheck_drafts (token_hash, version, answers, created_at, updated_at) VALUES (?, '1', '{}', ?, ?)`, id, at, at)
		}
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		e.App.CleanupForTest(ctx, now, log)
		for _, tb := range []struct{ table, key string }{
			{"sessions", "id_hash"}, {"email_tokens", "token_hash"}, {"login_failures", "subject"},
			{"asset_imports", "id"}, {"selfcheck_drafts", "token_hash"},
		} {
			if n := e.Count(`SELECT COUNT(*) FROM ` + tb.table + ` WHERE ` + tb.key + ` = 'old'`); n != 0 {
				t.Errorf("%s: the expired row is left", tb.table)
			}
			if n := e.Count(`SELECT COUNT(*) FROM ` + tb.table + ` WHERE ` + tb.key + ` = 'new'`); n != 1 {
				t.Errorf("%s: the live row is gone", tb.table)
			}
		}
		if logs.Len() != 0 {
			t.Errorf("a clean round logged: %s", logs.String())
		}

		// A cleanup that fails is logged; the ones after it still run.
		exec(`DROP TABLE selfcheck_drafts`)
		exec(`INSERT INTO asset_imports (id, org_id, user_id, filename, body, plan_hash, created_at) VALUES ('old', ?, ?, 'x.csv', ?, '', ?)`, o.ID, u.ID, []byte("a"), now.Add(-25*time.Hour))
		e.App.CleanupForTest(ctx, now, log)
		if !strings.Contains(logs.String(), "housekeeping failed") || !strings.Contains(logs.String(), "selfcheck drafts") {
			t.Errorf("the failure is not logged: %q", logs.String())
		}
		if n := e.Count(`SELECT COUNT(*) FROM asset_imports WHERE id = 'old'`); n != 0 {
			t.Error("a failing cleanup stopped the next one")
		}
	})
}
