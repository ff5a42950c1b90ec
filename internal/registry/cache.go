package registry

import (
	"context"
	"slices"
	"sync"

	"mamori/internal/db"
)

// Lists keeps decoded posting lists in memory between changes of the
// index, so the common keys of searches (a prefecture, 株式会社, a
// frequent kanji) are read and decoded once rather than on every search.
//
// Every write to the index bumps registry_rids.version in its
// transaction (lockIndex). A search reads the version first; when it
// differs from the one the lists were read at, they are all dropped. So a
// search never uses a list older than the version it read, on any number
// of instances sharing the store. A list read by a search that started
// at an older version is not kept.
type Lists struct {
	mu      sync.Mutex
	version int64
	lists   map[string][]listBlock
	// matches are intersections of several lists, by their keys joined
	// with NUL (filters are asked for again and again, as in Lucene's
	// filter cache); they share the lists' blocks.
	matches map[string]matches
	bytes   int
	max     int // bytes; the lists are dropped when they would exceed it
}

// listBlock is one block of a posting list.
type listBlock struct {
	blk int64
	b   block
}

// NewLists returns a cache holding up to maxBytes of posting lists.
func NewLists(maxBytes int) *Lists {
	return &Lists{lists: map[string][]listBlock{}, matches: map[string]matches{}, max: maxBytes, version: -1}
}

// DefaultListsBytes bounds the registry's list cache: the largest list
// (a key in every name) is 52 blocks of 8 KiB at 3.4 million entries.
const DefaultListsBytes = 64 << 20

// indexVersion is the version of the index as the store has it now.
func indexVersion(ctx context.Context, rq db.Querier) (int64, error) {
	var v int64
	err := rq.QueryRowContext(ctx, `SELECT version FROM registry_rids WHERE id = 1`).Scan(&v)
	return v, err
}

// at makes the cache current for version v.
func (c *Lists) at(v int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != v {
		c.version, c.bytes = v, 0
		clear(c.lists)
		clear(c.matches)
	}
}

func (c *Lists) get(key string) ([]listBlock, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.lists[key]
	return l, ok
}

func (c *Lists) put(v int64, key string, l []listBlock) {
	size := 64
	for _, lb := range l {
		size += 32 + 2*len(lb.b.arr) + 8*len(lb.b.bm)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != v || size > c.max {
		return
	}
	if c.bytes+size > c.max {
		clear(c.lists)
		clear(c.matches)
		c.bytes = 0
	}
	if _, ok := c.lists[key]; !ok {
		c.lists[key] = l
		c.bytes += size
	}
}

func (c *Lists) getMatches(key string) (matches, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.matches[key]
	return m, ok
}

// putMatches keeps an intersection read at version v. Its blocks belong
// to cached lists; only its own slices are counted.
func (c *Lists) putMatches(v int64, key string, m matches) {
	size := 64 + len(key) + 64*len(m)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != v || c.bytes+size > c.max {
		return
	}
	if _, ok := c.matches[key]; !ok {
		c.matches[key] = m
		c.bytes += size
	}
}

// readList returns the blocks of key's list, newest first: from c when
// it has them (c may be nil), else from the store.
func readList(ctx context.Context, rq db.Querier, c *Lists, v int64, key string) ([]listBlock, error) {
	if c != nil {
		if l, ok := c.get(key); ok {
			return l, nil
		}
	}
	rows, err := rq.QueryContext(ctx, `SELECT block, bits FROM registry_postings WHERE key = ? ORDER BY block DESC`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var l []listBlock
	for rows.Next() {
		var lb listBlock
		var raw []byte
		if err := rows.Scan(&lb.blk, &raw); err != nil {
			return nil, err
		}
		if lb.b, err = decodeBlock(raw); err != nil {
			return nil, err
		}
		l = append(l, lb)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if c != nil {
		c.put(v, key, slices.Clip(l))
	}
	return l, nil
}
