package registry

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/db"
	"mamori/internal/declaration"
)

// Entry is one declaration as the registry lists it.
type Entry struct {
	Number     string
	Name       string // the organisation's name as on the record
	Stars      int
	Prefecture string // JIS X 0401 code, "" when unknown
	Industry   string // JSIC letter, "" when unknown
	Status     string // declaration.StatusActive or StatusWithdrawn
	DeclaredAt time.Time
	// CorporateNumber is the organisation's 13-digit number, "" when none:
	// public (the National Tax Agency publishes it), and what tells apart
	// organisations of the same name.
	CorporateNumber string
}

// Active reports whether the declaration stands.
func (e Entry) Active() bool { return e.Status == declaration.StatusActive }

// Mark is "★" or "★★".
func (e Entry) Mark() string { return strings.Repeat("★", max(0, min(e.Stars, 2))) }

// Result is one page of a search.
type Result struct {
	Total   int
	Query   Query
	Entries []Entry
}

// Pages is the number of pages of the whole result.
func (r Result) Pages() int { return (r.Total + r.Query.PerPage - 1) / r.Query.PerPage }

// listed are the statuses the registry shows.
const listed = `d.status IN ('active', 'withdrawn')`

// maxLists bounds how many posting lists one search intersects (the
// rarest ones); a long query is checked against the whole name anyway.
const maxLists = 5

// verifyAll is how many candidates of a query of three or more characters
// are checked against the whole query to count them exactly; past it the
// total counts the names holding every two-character piece of the query
// (docs/registry.md), and only the page's rows are checked.
var verifyAll = 200

// Search runs q on the reader pool: the total and one page, newest
// declaration first (rid descending, see index.go).
//
// Each condition is a posting list: the query's bigrams (its unigram when
// it has one character) and the facets pref:, ind:, stars:. The lists are
// intersected block by block, rarest first; a query longer than two
// characters, whose bigrams may also occur apart, is then checked against
// each candidate's name. A number or corporate number is looked up
// directly.
//
// lists, when not nil, caches posting lists between index changes.
func Search(ctx context.Context, rq db.Querier, q Query, lists *Lists) (Result, error) {
	res := Result{Query: q, Entries: []Entry{}}
	norm := Normalize(q.Q)
	if norm == "" && q.Q != "" {
		return res, nil // only punctuation: no name holds it
	}
	if q.Number != "" || q.CorporateNumber != "" {
		return searchExact(ctx, rq, res, norm)
	}
	var keys []string
	if q.Prefecture != "" {
		keys = append(keys, "pref:"+q.Prefecture)
	}
	if q.Industry != "" {
		keys = append(keys, "ind:"+q.Industry)
	}
	if q.Stars != 0 {
		keys = append(keys, "stars:"+strconv.Itoa(q.Stars))
	}
	if norm != "" {
		keys = append(keys, queryGrams(norm)...)
	}
	if len(keys) == 0 {
		return walkAll(ctx, rq, res)
	}
	var version int64
	if lists != nil {
		var err error
		if version, err = indexVersion(ctx, rq); err != nil {
			return res, err
		}
		lists.at(version)
	}
	counts, err := keyCounts(ctx, rq, keys)
	if err != nil {
		return res, err
	}
	for _, k := range keys {
		if counts[k] == 0 {
			return res, nil
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return counts[a] - counts[b] })
	verify := utf8.RuneCountInString(norm) > 2 || len(keys) > maxLists
	keys = keys[:min(len(keys), maxLists)]
	if len(keys) == 1 && !verify {
		res.Total = counts[keys[0]]
		return walkList(ctx, rq, res, lists, version, keys[0])
	}
	blocks, err := intersection(ctx, rq, lists, version, keys)
	if err != nil {
		return res, err
	}
	for _, b := range blocks {
		res.Total += b.n
	}
	var rids []int64
	switch {
	case !verify:
		rids = blocks.page(q.Offset(), q.PerPage)
	case res.Total <= verifyAll:
		ok, err := verified(ctx, rq, blocks.page(0, res.Total), matcher(q, norm))
		if err != nil {
			return res, err
		}
		res.Total = len(ok)
		rids = ok[min(q.Offset(), len(ok)):min(q.Offset()+q.PerPage, len(ok))]
	default:
		if rids, err = walkVerified(ctx, rq, q, blocks, norm); err != nil {
			return res, err
		}
	}
	res.Entries, err = fetch(ctx, rq, rids)
	return res, err
}

// searchExact answers a search by declaration or corporate number: one
// entry at most, checked against the other conditions.
func searchExact(ctx context.Context, rq db.Querier, res Result, norm string) (Result, error) {
	q := res.Query
	cond, args := `number = ?`, []any{q.Number}
	if q.Number == "" {
		cond, args = `corporate_number = ?`, []any{q.CorporateNumber}
	}
	rows, err := rq.QueryContext(ctx, `SELECT `+selectCols+` FROM registry_entries WHERE `+cond+` ORDER BY rid DESC`, args...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	var all []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return res, err
		}
		if (q.Number == "" || e.Number == q.Number) && (q.CorporateNumber == "" || e.CorporateNumber == q.CorporateNumber) && matcher(q, norm)(e) {
			all = append(all, e.Entry)
		}
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	res.Total = len(all)
	res.Entries = append(res.Entries, all[min(q.Offset(), len(all)):min(q.Offset()+q.PerPage, len(all))]...)
	return res, nil
}

// matcher checks an entry against every condition of q but the numbers
// (norm is q.Q normalised): for candidates from fewer lists than
// conditions, or from bigrams that may lie apart.
func matcher(q Query, norm string) func(*entry) bool {
	return func(e *entry) bool {
		return (q.Prefecture == "" || e.Prefecture == q.Prefecture) && (q.Industry == "" || e.Industry == q.Industry) &&
			(q.Stars == 0 || e.Stars == q.Stars) && strings.Contains(e.norm, norm)
	}
}

// walkAll is the unfiltered registry: the entries in order, the total
// from the star counts.
func walkAll(ctx context.Context, rq db.Querier, res Result) (Result, error) {
	counts, err := keyCounts(ctx, rq, []string{"stars:1", "stars:2"})
	if err != nil {
		return res, err
	}
	res.Total = counts["stars:1"] + counts["stars:2"]
	if res.Total <= res.Query.Offset() {
		return res, nil
	}
	rows, err := rq.QueryContext(ctx, `SELECT `+selectCols+` FROM registry_entries ORDER BY rid DESC LIMIT ? OFFSET ?`, res.Query.PerPage, res.Query.Offset())
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return res, err
		}
		res.Entries = append(res.Entries, e.Entry)
	}
	return res, rows.Err()
}

// walkList pages through one posting list from its newest block.
func walkList(ctx context.Context, rq db.Querier, res Result, lists *Lists, version int64, key string) (Result, error) {
	q := res.Query
	if res.Total <= q.Offset() {
		return res, nil
	}
	l, err := readList(ctx, rq, lists, version, key)
	if err != nil {
		return res, err
	}
	skip, take := q.Offset(), q.PerPage
	var rids []int64
	for _, lb := range l {
		if take <= 0 {
			break
		}
		if skip >= lb.b.n {
			skip -= lb.b.n
			continue
		}
		vals := lb.b.descending(skip, take, nil)
		for _, v := range vals {
			rids = append(rids, lb.blk<<blockBits|int64(v))
		}
		take -= len(vals)
		skip = 0
	}
	res.Entries, err = fetch(ctx, rq, rids)
	return res, err
}

// keyCounts returns the counts of keys; a key no entry holds is absent.
func keyCounts(ctx context.Context, rq db.Querier, keys []string) (map[string]int, error) {
	const width = 8 // a fixed IN list keeps the statement text (and cache) fixed
	m := make(map[string]int, len(keys))
	for start := 0; start < len(keys); start += width {
		args := make([]any, width)
		for i := range args {
			args[i] = ""
			if start+i < len(keys) {
				args[i] = keys[start+i]
			}
		}
		rows, err := rq.QueryContext(ctx, `SELECT key, n FROM registry_counts WHERE key IN (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return nil, err
			}
			m[k] = n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// matchBlock is one block of an intersection: its number, how many rids
// all lists share in it, and the lists' blocks (rarest first).
type matchBlock struct {
	blk int64
	n   int
	bs  []block
}

// matches is an intersection, newest block first.
type matches []matchBlock

// intersection reads the lists of keys (rarest first) and keeps the
// blocks all of them hold, with the count of each.
func intersection(ctx context.Context, rq db.Querier, lists *Lists, version int64, keys []string) (matches, error) {
	var cacheKey string
	if lists != nil {
		cacheKey = strings.Join(keys, "\x00")
		if m, ok := lists.getMatches(cacheKey); ok {
			return m, nil
		}
	}
	m, err := readMatches(ctx, rq, lists, version, keys)
	if err == nil && lists != nil {
		lists.putMatches(version, cacheKey, m)
	}
	return m, err
}

// readMatches intersects the lists of keys from the store (or the cached
// lists).
func readMatches(ctx context.Context, rq db.Querier, lists *Lists, version int64, keys []string) (matches, error) {
	var cur map[int64][]block
	for i, k := range keys {
		l, err := readList(ctx, rq, lists, version, k)
		if err != nil {
			return nil, err
		}
		next := make(map[int64][]block, min(len(l), len(cur)))
		for _, lb := range l {
			prev, ok := cur[lb.blk]
			if i > 0 && !ok {
				continue
			}
			next[lb.blk] = append(prev[:len(prev):len(prev)], lb.b)
		}
		cur = next
		if len(cur) == 0 {
			return nil, nil
		}
	}
	scratch := make([]uint64, words)
	out := make(matches, 0, len(cur))
	for blk, bs := range cur {
		slices.SortFunc(bs, func(a, b block) int { return a.n - b.n })
		if n, _ := intersect(bs, true, scratch); n > 0 {
			out = append(out, matchBlock{blk: blk, n: n, bs: bs})
		}
	}
	slices.SortFunc(out, func(a, b matchBlock) int { return int(b.blk - a.blk) })
	return out, nil
}

// page returns the rids from position skip (0 is the newest) on, at most
// take of them, building only the blocks they are in.
func (ms matches) page(skip, take int) []int64 {
	var rids []int64
	scratch := make([]uint64, words)
	for _, m := range ms {
		if take <= 0 {
			break
		}
		if skip >= m.n {
			skip -= m.n
			continue
		}
		_, b := intersect(m.bs, false, scratch)
		vals := b.descending(skip, take, nil)
		for _, v := range vals {
			rids = append(rids, m.blk<<blockBits|int64(v))
		}
		take -= len(vals)
		skip = 0
	}
	return rids
}

// walkVerified pages through a large intersection, checking candidates
// against the query in batches until the page is full, and returns the
// page's rids. The offset counts checked matches.
func walkVerified(ctx context.Context, rq db.Querier, q Query, ms matches, norm string) ([]int64, error) {
	skip, take := q.Offset(), q.PerPage
	match := matcher(q, norm)
	var out []int64
	// Most candidates match, so the first batch is about the page.
	for pos, n := 0, min(ridBatch, skip+take); take > 0; pos, n = pos+n, ridBatch {
		cands := ms.page(pos, n)
		if len(cands) == 0 {
			break
		}
		ok, err := verified(ctx, rq, cands, match)
		if err != nil {
			return nil, err
		}
		if skip >= len(ok) {
			skip -= len(ok)
			continue
		}
		ok = ok[skip:min(len(ok), skip+take)]
		skip = 0
		out = append(out, ok...)
		take -= len(ok)
	}
	return out, nil
}

// recordByNumber reads the declaration with number, active or withdrawn;
// db.ErrNotFound when there is none the registry lists.
func recordByNumber(ctx context.Context, q db.Querier, number string) (*record, error) {
	var rec record
	err := q.QueryRowContext(ctx, `SELECT d.number, d.org_name, d.stars, `+declaration.StatedPrefecture+`, `+declaration.StatedIndustry+`, d.status, d.declared_at, d.org_id
		FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id WHERE d.number = ? AND `+listed, number).
		Scan(&rec.Number, &rec.Name, &rec.Stars, &rec.Prefecture, &rec.Industry, &rec.Status, &rec.DeclaredAt, &rec.OrgID)
	if err != nil {
		return nil, db.Classify(err)
	}
	rec.DeclaredAt = rec.DeclaredAt.UTC()
	return &rec, nil
}
