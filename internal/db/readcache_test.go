package db_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestReadCache(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }

	c := db.NewReadCache[int](d, time.Hour, 100)
	if v, _ := c.Get("k", load); v != 1 {
		t.Fatalf("first get = %d", v)
	}
	if v, _ := c.Get("k", load); v != 1 || loads != 1 {
		t.Fatalf("second get reloaded: v=%d loads=%d", v, loads)
	}
	// Any committed write on this instance makes every entry stale.
	if _, err := d.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('a', 'b')`); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("k", load); v != 2 {
		t.Fatalf("after a write got %d, want a reload", v)
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE settings SET value = 'c' WHERE key = 'a'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("k", load); v != 3 {
		t.Fatalf("after a transaction got %d, want a reload", v)
	}
	// Errors are not cached.
	boom := errors.New("boom")
	if _, err := c.Get("e", func() (int, error) { return 0, boom }); err != boom {
		t.Fatal(err)
	}
	if v, _ := c.Get("e", load); v != 4 {
		t.Fatalf("error was cached: %d", v)
	}

	// Entries expire after the TTL even without writes. The bubble's
	// clock moves only when told, so a busy machine cannot make an entry
	// look older or younger than it is.
	synctest.Test(t, func(t *testing.T) {
		short := db.NewReadCache[int](d, time.Minute, 100)
		short.Get("k", load)
		time.Sleep(time.Minute - time.Nanosecond)
		if v, _ := short.Get("k", load); v != 5 {
			t.Fatalf("entry dropped before its TTL: %d", v)
		}
		time.Sleep(time.Nanosecond)
		if v, _ := short.Get("k", load); v != 6 {
			t.Fatalf("expired entry served: %d", v)
		}
	})

	// The cache stays bounded.
	small := db.NewReadCache[int](d, time.Hour, 3)
	for i := 0; i < 10; i++ {
		small.Get(string(rune('a'+i)), load)
	}
	before := loads
	small.Get("a", load)
	if loads != before+1 {
		t.Fatal("an entry survived the bound")
	}
}

// TestReadCacheOneLoad: when an entry is missing or stale, concurrent
// requests share one load instead of each reading the store, and a load
// that panics does not leave the waiters hanging.
func TestReadCacheOneLoad(t *testing.T) {
	d := dbtest.SQLite(t)
	// Inside the bubble synctest.Wait returns once every goroutine is
	// blocked, so "all of them queued" is known, not waited for.
	synctest.Test(t, func(t *testing.T) {
		c := db.NewReadCache[int](d, time.Hour, 100)
		var loads atomic.Int32
		release := make(chan struct{})
		load := func() (int, error) {
			loads.Add(1)
			<-release
			return 7, nil
		}
		var wg sync.WaitGroup
		got := make([]int, 16)
		for i := range got {
			wg.Go(func() { got[i], _ = c.Get("k", load) })
		}
		synctest.Wait() // one loads, fifteen wait for it
		close(release)
		wg.Wait()
		if n := loads.Load(); n != 1 {
			t.Fatalf("%d loads for one key", n)
		}
		for _, v := range got {
			if v != 7 {
				t.Fatalf("a waiter got %d", v)
			}
		}

		// A panicking load: the caller's goroutine panics, the waiters
		// get an error, and the next Get loads again.
		block, started := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		var selfLoaded atomic.Bool
		go func() {
			defer func() { recover() }()
			c.Get("p", func() (int, error) { close(started); <-block; panic("boom") })
		}()
		<-started
		go func() {
			_, err := c.Get("p", func() (int, error) { selfLoaded.Store(true); return 1, nil })
			done <- err
		}()
		synctest.Wait() // the second Get is queued behind the first
		close(block)
		if err := <-done; err == nil || selfLoaded.Load() {
			t.Fatalf("a waiter on a panicked load: err %v, loaded for itself %v", err, selfLoaded.Load())
		}
		if v, err := c.Get("p", func() (int, error) { return 3, nil }); err != nil || v != 3 {
			t.Fatalf("after the panic: %d %v", v, err)
		}
	})
}

// TestReadCacheLongKeyNotKept: a key longer than MaxCacheKeyBytes (some
// client-chosen text reached it) is loaded every time and never stored,
// so such requests cannot fill the cache with their own copies.
func TestReadCacheLongKeyNotKept(t *testing.T) {
	d := dbtest.SQLite(t)
	c := db.NewReadCache[int](d, time.Hour, 10000)
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	long := strings.Repeat("k", db.MaxCacheKeyBytes+1)
	for i := range 100 {
		if v, err := c.Get(long+strconv.Itoa(i), load); err != nil || v != i+1 {
			t.Fatalf("get %d: %d %v", i, v, err)
		}
	}
	if n := c.Len(); n != 0 {
		t.Fatalf("%d long keys kept", n)
	}
	c.Get(strings.Repeat("k", db.MaxCacheKeyBytes), load)
	c.Get(strings.Repeat("k", db.MaxCacheKeyBytes), load)
	if n := c.Len(); n != 1 || loads != 101 {
		t.Fatalf("a key of the maximum length: %d entries, %d loads", n, loads)
	}
}
