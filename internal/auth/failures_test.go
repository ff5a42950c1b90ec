package auth

import (
	"context"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// Failures reads the count and the oldest time on both engines (MIN of
// a timestamp is text on SQLite), so the lock message can say how many
// minutes remain.
func TestFailuresOldest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		since := db.Now().Add(-time.Hour)
		if n, oldest, err := Failures(ctx, d, "acct:none@example.jp", since); err != nil || n != 0 || !oldest.IsZero() {
			t.Fatalf("no failures: %d %v %v", n, oldest, err)
		}
		for range 2 {
			if err := RecordFailure(ctx, d, "acct:x@example.jp"); err != nil {
				t.Fatal(err)
			}
		}
		n, oldest, err := Failures(ctx, d, "acct:x@example.jp", since)
		if err != nil || n != 2 || oldest.Before(since) || oldest.After(db.Now().Add(time.Minute)) {
			t.Fatalf("two failures: %d %v %v", n, oldest, err)
		}
	})
}
