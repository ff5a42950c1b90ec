package registry

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"mamori/internal/db"
	"mamori/internal/declaration"
)

// The registry's search index (docs/registry.md, "The search index"):
//
//   - registry_entries: one row per listed declaration with everything a
//     result shows, keyed by rid. Rids are handed out in the order of
//     (re)declaration, so the registry's order (newest first) is rid
//     descending, and every list below is kept in that order for free.
//   - registry_postings: for each key, the rids holding it, in blocks (see
//     block.go). Keys are the unigrams and bigrams of the normalised name,
//     reading and English name (searchText) and the facets "pref:13",
//     "ind:E" and "stars:2".
//   - registry_counts: how many entries hold each key, so a search starts
//     from its rarest key and knows single-key totals without counting.
//
// All three are derived from declarations and orgs: Sync keeps them in
// step inside the transaction of each change, and Reindex repairs them.

// entry is one declaration as the index holds it.
type entry struct {
	rid           int64
	declarationID string
	Entry
	// kana and en are the organisation's reading and English name, ""
	// when none: searched, not shown.
	kana, en string
	norm     string // searchText of the name, kana and en
}

// keys are the index keys of e: distinct, sorted.
func (e *entry) keys() []string {
	ks := nameGrams(e.norm)
	if e.Prefecture != "" {
		ks = append(ks, "pref:"+e.Prefecture)
	}
	if e.Industry != "" {
		ks = append(ks, "ind:"+e.Industry)
	}
	ks = append(ks, "stars:"+strconv.Itoa(e.Stars))
	slices.Sort(ks)
	return slices.Compact(ks)
}

// same reports whether a and b show the same record (rids aside).
func (a *entry) same(b *entry) bool {
	return a.Number == b.Number && a.Name == b.Name && a.Stars == b.Stars && a.Prefecture == b.Prefecture &&
		a.Industry == b.Industry && a.Status == b.Status && a.DeclaredAt.Equal(b.DeclaredAt) && a.CorporateNumber == b.CorporateNumber &&
		a.kana == b.kana && a.en == b.en
}

// nameGrams returns the distinct unigrams and bigrams of each field of a
// search text (no gram spans two fields), sorted.
func nameGrams(norm string) []string {
	out := make([]string, 0, 2*len(norm)/3+2)
	for field := range strings.SplitSeq(norm, fieldSep) {
		rs := []rune(field)
		for i := range rs {
			out = append(out, string(rs[i]))
			if i+1 < len(rs) {
				out = append(out, string(rs[i:i+2]))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// queryGrams returns the grams a normalised query is looked up by: its
// distinct bigrams, or its unigram when it has one character. Every name
// containing the query holds each of them.
func queryGrams(norm string) []string {
	rs := []rune(norm)
	if len(rs) == 1 {
		return []string{norm}
	}
	var out []string
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sourceCols read a declaration as the index holds it; sourceFrom joins
// its organisation.
const (
	sourceCols = `d.id, d.number, d.org_name, d.stars, ` + declaration.StatedPrefecture + `, ` + declaration.StatedIndustry + `, d.status, d.declared_at, ` +
		declaration.StatedCorporateNumber + `, ` + sourceKana + `, ` + sourceEn
	// The reading and the English name are the organisation's current
	// ones, also for a withdrawn declaration: they only help find it.
	sourceKana = `COALESCE(o.name_kana, '')`
	sourceEn   = `COALESCE(o.name_en, '')`
	sourceFrom = ` FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id`
	entryCols  = `rid, declaration_id, number, name, stars, prefecture, industry, status, declared_at, corporate_number, name_kana, name_en, norm`
	// selectCols read entryCols for scanEntry.
	selectCols = `rid, declaration_id, number, name, stars, prefecture, industry, status, declared_at, COALESCE(corporate_number, ''), name_kana, name_en, norm`
)

func scanSource(s db.Scanner) (*entry, error) {
	e := &entry{}
	if err := s.Scan(&e.declarationID, &e.Number, &e.Name, &e.Stars, &e.Prefecture, &e.Industry, &e.Status, &e.DeclaredAt, &e.CorporateNumber, &e.kana, &e.en); err != nil {
		return nil, err
	}
	e.DeclaredAt = e.DeclaredAt.UTC()
	e.norm = searchText(e.Name, e.kana, e.en)
	return e, nil
}

func scanEntry(s db.Scanner) (*entry, error) {
	e := &entry{}
	if err := s.Scan(&e.rid, &e.declarationID, &e.Number, &e.Name, &e.Stars, &e.Prefecture, &e.Industry, &e.Status, &e.DeclaredAt, &e.CorporateNumber, &e.kana, &e.en, &e.norm); err != nil {
		return nil, err
	}
	e.DeclaredAt = e.DeclaredAt.UTC()
	return e, nil
}

// lockIndex takes the index's write lock for the rest of the caller's
// transaction and moves its version on (see Lists). Posting blocks are read, changed and written back, so two
// writers must not interleave; on SQLite the single writer does this
// already, on PostgreSQL the row lock of the rid counter does.
func lockIndex(ctx context.Context, q db.Querier) error {
	_, err := q.ExecContext(ctx, `UPDATE registry_rids SET version = version + 1 WHERE id = 1`)
	return err
}

// allocRids takes n consecutive rids from the counter in the caller's
// transaction and returns the first.
func allocRids(ctx context.Context, q db.Querier, n int) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `UPDATE registry_rids SET last_rid = last_rid + ? WHERE id = 1 RETURNING last_rid`, n).Scan(&last)
	if err != nil {
		return 0, db.Classify(err)
	}
	return last - int64(n) + 1, nil
}

// Sync brings the index entry of one declaration in step with the
// declaration and its organisation. Call it in the transaction that
// changes a declaration's public fields or its organisation's prefecture,
// industry or corporate number, so the registry shows the change at once.
// A declaration that does not exist or is not listed has no entry.
func Sync(ctx context.Context, q db.Querier, declarationID string) error {
	if err := lockIndex(ctx, q); err != nil {
		return err
	}
	src, err := scanSource(q.QueryRowContext(ctx, `SELECT `+sourceCols+sourceFrom+` WHERE d.id = ? AND `+listed, declarationID))
	if err = db.Classify(err); err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	cur, cerr := scanEntry(q.QueryRowContext(ctx, `SELECT `+selectCols+` FROM registry_entries WHERE declaration_id = ?`, declarationID))
	if cerr = db.Classify(cerr); cerr != nil && !errors.Is(cerr, db.ErrNotFound) {
		return cerr
	}
	if cerr != nil {
		cur = nil
	}
	if err != nil {
		src = nil
	}
	return apply(ctx, q, cur, src)
}

// SyncOrg runs Sync for the declaration of an organisation, if it has one.
// The org package calls it after a change of profile.
func SyncOrg(ctx context.Context, q db.Querier, orgID string) error {
	var id string
	err := db.Classify(q.QueryRowContext(ctx, `SELECT id FROM declarations WHERE org_id = ?`, orgID).Scan(&id))
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return Sync(ctx, q, id)
}

// apply turns the entry cur (nil: none) into src (nil: none). A change of
// declared_at (a re-declaration) moves the entry to a new rid at the top
// of the order; other changes keep the rid and move only the keys that
// differ.
func apply(ctx context.Context, q db.Querier, cur, src *entry) error {
	if cur != nil && src != nil && cur.same(src) {
		return nil
	}
	ch := postingChanges{}
	if cur != nil && (src == nil || !cur.DeclaredAt.Equal(src.DeclaredAt)) {
		if _, err := q.ExecContext(ctx, `DELETE FROM registry_entries WHERE rid = ?`, cur.rid); err != nil {
			return err
		}
		ch.remove(cur.rid, cur.keys())
		cur = nil
	}
	if src != nil {
		if cur == nil {
			rid, err := allocRids(ctx, q, 1)
			if err != nil {
				return err
			}
			src.rid = rid
			if ins, err := insertNewEntries(ctx, q, []*entry{src}); err != nil {
				return err
			} else if len(ins) == 0 {
				return db.ErrConflict // an entry appeared although the index is locked
			}
			ch.add(rid, src.keys())
		} else {
			src.rid = cur.rid
			if _, err := q.ExecContext(ctx, `UPDATE registry_entries SET number = ?, name = ?, stars = ?, prefecture = ?, industry = ?, status = ?,
				declared_at = ?, corporate_number = ?, name_kana = ?, name_en = ?, norm = ? WHERE rid = ?`, src.Number, src.Name, src.Stars, src.Prefecture, src.Industry,
				src.Status, src.DeclaredAt, nullString(src.CorporateNumber), src.kana, src.en, src.norm, src.rid); err != nil {
				return err
			}
			del, add := diffKeys(cur.keys(), src.keys())
			ch.remove(cur.rid, del)
			ch.add(src.rid, add)
		}
	}
	return ch.write(ctx, q)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// entryRows is how many entries one multi-row INSERT carries.
const entryRows = 400

// diffKeys splits old and new (both sorted, distinct) into the keys to
// delete and the keys to add.
func diffKeys(old, new []string) (del, add []string) {
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i] < new[j]):
			del = append(del, old[i])
			i++
		case i == len(old) || new[j] < old[i]:
			add = append(add, new[j])
			j++
		default:
			i++
			j++
		}
	}
	return del, add
}

// postingKey is one block of one key's list.
type postingKey struct {
	key   string
	block int64
}

// postingChanges are rids to add to and remove from posting blocks.
type postingChanges map[postingKey]*struct{ add, del []uint16 }

func (c postingChanges) at(key string, rid int64) *struct{ add, del []uint16 } {
	k := postingKey{key, rid >> blockBits}
	v := c[k]
	if v == nil {
		v = &struct{ add, del []uint16 }{}
		c[k] = v
	}
	return v
}

func (c postingChanges) add(rid int64, keys []string) {
	for _, k := range keys {
		v := c.at(k, rid)
		v.add = append(v.add, uint16(rid&blockMask))
	}
}

func (c postingChanges) remove(rid int64, keys []string) {
	for _, k := range keys {
		v := c.at(k, rid)
		v.del = append(v.del, uint16(rid&blockMask))
	}
}

// write reads each changed block, changes it and writes it back (or
// deletes it when it is empty), and moves the counts. The caller holds
// lockIndex.
func (c postingChanges) write(ctx context.Context, q db.Querier) error {
	ks := make([]postingKey, 0, len(c))
	for k := range c {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b postingKey) int {
		if x := strings.Compare(a.key, b.key); x != 0 {
			return x
		}
		return int(a.block - b.block)
	})
	delta := map[string]int{}
	for _, k := range ks {
		ch := c[k]
		var raw []byte
		err := db.Classify(q.QueryRowContext(ctx, `SELECT bits FROM registry_postings WHERE key = ? AND block = ?`, k.key, k.block).Scan(&raw))
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		b, err := decodeBlock(raw)
		if err != nil {
			return err
		}
		before := b.n
		b = b.change(ch.add, ch.del)
		delta[k.key] += b.n - before
		if b.n == 0 {
			_, err = q.ExecContext(ctx, `DELETE FROM registry_postings WHERE key = ? AND block = ?`, k.key, k.block)
		} else {
			_, err = q.ExecContext(ctx, `INSERT INTO registry_postings (key, block, bits) VALUES (?, ?, ?)
				ON CONFLICT (key, block) DO UPDATE SET bits = excluded.bits`, k.key, k.block, b.encode())
		}
		if err != nil {
			return err
		}
	}
	return addCounts(ctx, q, delta)
}

// multiRow returns "(?, ?), (?, ?)…" for rows of width placeholders.
func multiRow(rows, width int) string {
	return strings.TrimSuffix(strings.Repeat(db.Marks(width)+", ", rows), ", ")
}

// addCounts adds delta[k] to each key's count; a count that reaches 0 is
// deleted.
func addCounts(ctx context.Context, q db.Querier, delta map[string]int) error {
	keys := make([]string, 0, len(delta))
	for k, n := range delta {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	const batch = 2000
	for start := 0; start < len(keys); start += batch {
		end := min(start+batch, len(keys))
		args := make([]any, 0, 2*(end-start))
		for _, k := range keys[start:end] {
			args = append(args, k, delta[k])
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO registry_counts (key, n) VALUES `+multiRow(end-start, 2)+`
			ON CONFLICT (key) DO UPDATE SET n = registry_counts.n + excluded.n`, args...); err != nil {
			return err
		}
	}
	if len(keys) > 0 {
		_, err := q.ExecContext(ctx, `DELETE FROM registry_counts WHERE n <= 0`)
		return err
	}
	return nil
}

// staleQuery finds index entries out of step with their declarations: a
// listed declaration without an entry, an entry whose declaration is gone
// or no longer listed, an entry that differs from its source.
const staleQuery = ` FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id
	LEFT JOIN registry_entries e ON e.declaration_id = d.id
	WHERE (` + listed + ` AND e.rid IS NULL)
	   OR (e.rid IS NOT NULL AND (d.status NOT IN ('active', 'withdrawn') OR e.number <> d.number OR e.name <> d.org_name
	       OR e.stars <> d.stars OR e.status <> d.status OR e.declared_at <> d.declared_at
	       OR e.prefecture <> ` + declaration.StatedPrefecture + ` OR e.industry <> ` + declaration.StatedIndustry + `
	       OR COALESCE(e.corporate_number, '') <> ` + declaration.StatedCorporateNumber + `
	       OR e.name_kana <> ` + sourceKana + ` OR e.name_en <> ` + sourceEn + `))`

// orphanQuery finds entries whose declaration is gone.
const orphanQuery = ` FROM registry_entries e WHERE NOT EXISTS (SELECT 1 FROM declarations d WHERE d.id = e.declaration_id)`

// Stale reports whether the index is out of step with the declarations. It
// stops at the first difference.
func Stale(ctx context.Context, q db.Querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1`+staleQuery+` LIMIT 1) s) + (SELECT COUNT(*) FROM (SELECT 1`+orphanQuery+` LIMIT 1) o)`).Scan(&n)
	return n > 0, err
}

// bulkThreshold is how many missing entries make Reindex build them in
// bulk (in the registry's order, a block per transaction) rather than one
// Sync each.
const bulkThreshold = 2000

// Reindex repairs the index: missing entries are added (in bulk, in the
// declarations' order, when there are many: after a migration the index
// is empty), stale and orphaned ones are synced one by one. It returns how
// many entries it wrote. Safe to run while the server serves.
func Reindex(ctx context.Context, d *db.DB) (int, error) {
	var missing int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*)`+sourceFrom+` LEFT JOIN registry_entries e ON e.declaration_id = d.id
		WHERE `+listed+` AND e.rid IS NULL`).Scan(&missing); err != nil {
		return 0, err
	}
	written := 0
	if missing >= bulkThreshold {
		n, err := bulkAddMissing(ctx, d, missing)
		written += n
		if err != nil {
			return written, err
		}
	}
	for {
		var ids []string
		rows, err := d.QueryContext(ctx, `SELECT d.id`+staleQuery+` UNION SELECT e.declaration_id`+orphanQuery+` LIMIT 1000`)
		if err != nil {
			return written, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return written, err
			}
			ids = append(ids, id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil || len(ids) == 0 {
			return written, err
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			for _, id := range ids {
				if err := Sync(ctx, tx, id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return written, err
		}
		written += len(ids)
	}
}

// EnsureIndex runs Reindex when Stale says it is needed; serve calls it
// at start, so entries missed by a flow that did not call Sync (or an
// index emptied by a migration) are repaired.
func EnsureIndex(ctx context.Context, d *db.DB) (int, error) {
	stale, err := Stale(ctx, d)
	if err != nil || !stale {
		return 0, err
	}
	return Reindex(ctx, d)
}

// bulkAddMissing adds the entries of listed declarations that have none,
// oldest first, through a builder. Entries a concurrent Sync adds in the
// meantime are skipped by the builder.
func bulkAddMissing(ctx context.Context, d *db.DB, missing int) (int, error) {
	var first int64
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		first, err = allocRids(ctx, tx, missing)
		return err
	}); err != nil {
		return 0, err
	}
	b := newBuilder(d, first, missing)
	var afterAt time.Time
	afterNum := ""
	started := false
	for b.next < first+int64(missing) {
		cond := `1 = 1`
		args := []any{}
		if started {
			cond = `(d.declared_at > ? OR (d.declared_at = ? AND d.number < ?))`
			args = append(args, afterAt, afterAt, afterNum)
		}
		rows, err := d.Read().QueryContext(ctx, `SELECT `+sourceCols+sourceFrom+` LEFT JOIN registry_entries e ON e.declaration_id = d.id
			WHERE `+listed+` AND e.rid IS NULL AND `+cond+` ORDER BY d.declared_at, d.number DESC LIMIT ?`, append(args, genRows*10)...)
		if err != nil {
			return b.written, err
		}
		n := 0
		for rows.Next() {
			e, err := scanSource(rows)
			if err != nil {
				rows.Close()
				return b.written, err
			}
			n++
			started, afterAt, afterNum = true, e.DeclaredAt, e.Number
			if err := b.add(ctx, e); err != nil {
				rows.Close()
				return b.written, err
			}
			if b.next == first+int64(missing) {
				break
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return b.written, err
		}
		if n == 0 {
			break
		}
	}
	return b.written, b.flush(ctx)
}
