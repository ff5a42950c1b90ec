package db

import (
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
}

type cacheEntry[V any] struct {
	v     V
	epoch uint64
	at    time.Time
}

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
	epoch := c.db.WriteEpoch()
	now := time.Now()
	if e, ok := c.m.Load(key); ok {
		ce := e.(*cacheEntry[V])
		if ce.epoch == epoch && now.Sub(ce.at) < c.ttl {
			return ce.v, nil
		}
	}
	v, err := load()
	if err != nil {
		c.m.Delete(key)
		return v, err
	}
	if c.count.Add(1) > c.max {
		c.m.Clear()
		c.count.Store(0)
	}
	c.m.Store(key, &cacheEntry[V]{v: v, epoch: epoch, at: now})
	return v, nil
}

// Forget drops one key.
func (c *ReadCache[V]) Forget(key string) { c.m.Delete(key) }
