package db

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ReadCache keeps recent read results in memory between writes. An entry
// is served only while no write has been committed on this instance since
// it was read and for at most TTL, so a change made here shows on the next
// request and a change made by another instance within TTL. Hot pages read
// the same few rows on every view; this lets them skip the store.
type ReadCache[V any] struct {
	db    *DB
	ttl   time.Duration
	max   int64
	m     sync.Map // string → *cacheEntry[V]
	count atomic.Int64
	// loads holds the loads in flight by key, so when an entry expires
	// under load one request reads the store and the others wait for its
	// result, instead of every waiting client reading the same rows.
	mu    sync.Mutex
	loads map[string]*cacheLoad[V]
}

type cacheLoad[V any] struct {
	done  chan struct{}
	v     V
	err   error
	epoch uint64
}

type cacheEntry[V any] struct {
	v     V
	epoch uint64
	at    time.Time
}

// MaxCacheKeyBytes is the longest key a ReadCache stores. Keys are built
// by callers from ids, hashes and languages; a longer one means some
// client-chosen text reached the key, and storing it would let each
// request keep that much memory until the cache fills. Such a value is
// loaded and returned, not kept.
const MaxCacheKeyBytes = 512

// NewReadCache returns a cache bounded to max entries (all are dropped
// when it fills, which is cheaper than tracking recency and rare).
func NewReadCache[V any](d *DB, ttl time.Duration, max int64) *ReadCache[V] {
	return &ReadCache[V]{db: d, ttl: ttl, max: max}
}

// Get returns the cached value for key, or calls load and caches its
// result when it succeeds. The epoch is read before load, so a write that
// races with the load leaves the entry already stale rather than wrongly
// fresh.
func (c *ReadCache[V]) Get(key string, load func() (V, error)) (V, error) {
	if len(key) > MaxCacheKeyBytes {
		return load()
	}
	epoch := c.db.WriteEpoch()
	now := time.Now()
	if e, ok := c.m.Load(key); ok {
		ce := e.(*cacheEntry[V])
		if ce.epoch == epoch && now.Sub(ce.at) < c.ttl {
			return ce.v, nil
		}
	}
	c.mu.Lock()
	if l, ok := c.loads[key]; ok && l.epoch == epoch {
		c.mu.Unlock()
		<-l.done
		return l.v, l.err
	}
	l := &cacheLoad[V]{done: make(chan struct{}), epoch: epoch}
	if c.loads == nil {
		c.loads = map[string]*cacheLoad[V]{}
	}
	c.loads[key] = l
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.loads[key] == l {
			delete(c.loads, key)
		}
		c.mu.Unlock()
		close(l.done)
	}()
	l.err = errLoadFailed // what waiters see if load panics
	l.v, l.err = load()
	if l.err != nil {
		c.m.Delete(key)
		return l.v, l.err
	}
	if c.count.Add(1) > c.max {
		c.m.Clear()
		c.count.Store(0)
	}
	c.m.Store(key, &cacheEntry[V]{v: l.v, epoch: epoch, at: now})
	return l.v, nil
}

var errLoadFailed = errors.New("db: cache load did not finish")

// Len is the number of entries held (stale ones included until the cache
// is next cleared). It walks the cache; it is for tests and diagnostics.
func (c *ReadCache[V]) Len() int {
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	return n
}

// Forget drops one key.
func (c *ReadCache[V]) Forget(key string) { c.m.Delete(key) }
