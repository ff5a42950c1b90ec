package registry

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestGrams(t *testing.T) {
	want := []string{"会", "会社", "式", "式会", "株", "株式", "山", "山田", "田", "社", "社山"}
	slices.Sort(want)
	if got := nameGrams(Normalize("株式会社山田")); !slices.Equal(got, want) {
		t.Errorf("nameGrams = %q", got)
	}
	// The reading and the English name add their own grams; none spans
	// two fields, and a reading equal to the name adds nothing.
	text := searchText("山田", "ヤマダ", "Yamada K.K.")
	if text != "山田\nやまだ\nyamadakk" || searchText("ヤマダ", "やまだ", "") != "やまだ" {
		t.Errorf("searchText = %q", text)
	}
	want = []string{"山", "山田", "田", "や", "やま", "ま", "まだ", "だ", "y", "ya", "a", "am", "m", "ma", "ad", "d", "da", "ak", "k", "kk"}
	slices.Sort(want)
	if got := nameGrams(text); !slices.Equal(got, slices.Compact(want)) {
		t.Errorf("nameGrams(%q) = %q", text, got)
	}
	for q, want := range map[string][]string{
		"山": {"山"}, "山田": {"山田"}, "ﾔﾏ": {"やま"}, "会社": {"会社"}, "株式会社": {"会社", "式会", "株式"},
		"山田山田": {"山田", "田山"},
	} {
		if got := queryGrams(Normalize(q)); !slices.Equal(got, want) {
			t.Errorf("queryGrams(%s) = %q, want %q", q, got, want)
		}
	}
}

func TestBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 10, arrayMax - 1, arrayMax, arrayMax + 1, 30000, blockSize} {
		set := map[uint16]bool{}
		for len(set) < size {
			set[uint16(r.IntN(blockSize))] = true
		}
		var vals []uint16
		for v := range set {
			vals = append(vals, v)
		}
		b := block{}.change(vals, nil)
		if b.n != size {
			t.Fatalf("size %d: n = %d", size, b.n)
		}
		enc := b.encode()
		if (size >= arrayMax) != (len(enc) == bitmapSize) || (size < arrayMax && len(enc) != 2*size) {
			t.Fatalf("size %d: encoded in %d bytes", size, len(enc))
		}
		dec, err := decodeBlock(enc)
		if err != nil || dec.n != size || !slices.Equal(dec.values(), b.values()) {
			t.Fatalf("size %d: round trip %v", size, err)
		}
		if !slices.Equal(b.values(), slices.Sorted(maps.Keys(set))) {
			t.Fatalf("size %d: values differ from the set", size)
		}
		// Removing everything goes back through the array form to empty,
		// one value at a time and all at once.
		all := dec
		for v := range set {
			dec = dec.change(nil, []uint16{v})
		}
		if all.change(nil, vals).n != 0 {
			t.Fatalf("size %d: removing all at once left values", size)
		}
		if dec.n != 0 || len(dec.encode()) != 0 {
			t.Fatalf("size %d: after removing all: n %d, %d bytes", size, dec.n, len(dec.encode()))
		}
	}
	// intersect agrees with a map for every mix of arrays and bitmaps.
	scratch := make([]uint64, words)
	for _, sizes := range [][]int{{10, 20}, {3000, 5000}, {5000, 6000}, {100, 40000, 50000}, {40000, 30000, 20000}, {0, 5}} {
		var bs []block
		count := map[uint16]int{}
		for _, n := range sizes {
			var vals []uint16
			seen := map[uint16]bool{}
			for len(vals) < n {
				v := uint16(r.IntN(blockSize))
				if !seen[v] {
					seen[v] = true
					vals = append(vals, v)
					count[v]++
				}
			}
			slices.Sort(vals)
			bs = append(bs, fromSorted(vals))
		}
		var want []uint16
		for v, c := range count {
			if c == len(sizes) {
				want = append(want, v)
			}
		}
		slices.Sort(want)
		slices.SortFunc(bs, func(a, b block) int { return a.n - b.n })
		n, got := intersect(bs, false, scratch)
		if n != len(want) || got.n != n || !slices.Equal(got.values(), want) && len(want) > 0 {
			t.Errorf("sizes %v: %d values, want %d", sizes, n, len(want))
		}
		if n2, _ := intersect(bs, true, scratch); n2 != n {
			t.Errorf("sizes %v: count %d, want %d", sizes, n2, n)
		}
		// Descending pages agree with the ascending values.
		for _, sk := range []int{0, 1, n / 2, max(n-1, 0), n, n + 5} {
			var rev []uint16
			for i := len(want) - 1 - sk; i >= 0 && len(rev) < 7; i-- {
				rev = append(rev, want[i])
			}
			if d := got.descending(sk, 7, nil); !slices.Equal(d, rev) && (len(d) > 0 || len(rev) > 0) {
				t.Errorf("sizes %v: descending(%d, 7) = %v, want %v", sizes, sk, d, rev)
			}
		}
	}
	for _, bad := range [][]byte{{1}, {2, 0, 1, 0}, {1, 0, 1, 0}, make([]byte, bitmapSize-2), make([]byte, bitmapSize+2)} {
		if _, err := decodeBlock(bad); err == nil {
			t.Errorf("decodeBlock(%d bytes %v…) accepted", len(bad), bad[:min(4, len(bad))])
		}
	}
}

// FuzzDecodeBlock: stored blocks are ours, but a damaged database must
// give an error, never a panic or a block that encodes differently.
func FuzzDecodeBlock(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0})
	f.Add(make([]byte, bitmapSize))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := decodeBlock(raw)
		if err != nil {
			return
		}
		if b.n < arrayMax && len(raw) == bitmapSize {
			return // a sparse bitmap is read but stored as an array
		}
		if enc := b.encode(); string(enc) != string(raw) {
			t.Fatalf("re-encoded differently: %d → %d bytes", len(raw), len(enc))
		}
	})
}

// refEntry is a declaration read straight from declarations and orgs.
type refEntry struct {
	number, norm, pref, ind string
	stars                   int
	at                      time.Time
}

// reference answers q without the index: every listed declaration
// filtered in Go, newest first, then by number.
func reference(t *testing.T, d *db.DB, q Query) (int, []string) {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT d.number, d.org_name, COALESCE(o.name_kana, ''), COALESCE(o.name_en, ''), d.stars,
		COALESCE(o.prefecture, ''), COALESCE(o.industry, ''), d.declared_at
		FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id WHERE `+listed)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []refEntry
	norm := Normalize(q.Q)
	for rows.Next() {
		var e refEntry
		var name, kana, en string
		if err := rows.Scan(&e.number, &name, &kana, &en, &e.stars, &e.pref, &e.ind, &e.at); err != nil {
			t.Fatal(err)
		}
		e.norm = searchText(name, kana, en)
		if strings.Contains(e.norm, norm) && (q.Prefecture == "" || q.Prefecture == e.pref) && (q.Industry == "" || q.Industry == e.ind) &&
			(q.Stars == 0 || q.Stars == e.stars) {
			all = append(all, e)
		}
	}
	slices.SortFunc(all, func(a, b refEntry) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return strings.Compare(a.number, b.number)
	})
	var nums []string
	for _, e := range all[min(q.Offset(), len(all)):min(q.Offset()+q.PerPage, len(all))] {
		nums = append(nums, e.number)
	}
	return len(all), nums
}

// agree runs q through Search and checks its page and total against
// reference; with over, the total may exceed the reference's (a count by
// pieces).
func agree(t *testing.T, d *db.DB, q Query, lists *Lists, over bool) {
	t.Helper()
	res, err := Search(context.Background(), d.Read(), q, lists)
	if err != nil {
		t.Fatal(err)
	}
	total, want := reference(t, d, q)
	var got []string
	for _, e := range res.Entries {
		got = append(got, e.Number)
	}
	if (res.Total != total && !(over && res.Total > total)) || !slices.Equal(got, want) {
		t.Errorf("%+v: total %d, want %d; numbers %v, want %v", q, res.Total, total, got, want)
	}
}

// checkIndex rebuilds the postings and counts from the entries and
// compares them with what is stored.
func checkIndex(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	want := map[string][]int64{}
	rows, err := d.QueryContext(ctx, `SELECT `+selectCols+` FROM registry_entries`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range e.keys() {
			want[k] = append(want[k], e.rid)
		}
	}
	rows.Close()
	got := map[string][]int64{}
	rows, err = d.QueryContext(ctx, `SELECT key, block, bits FROM registry_postings ORDER BY key, block`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var blk int64
		var raw []byte
		if err := rows.Scan(&k, &blk, &raw); err != nil {
			t.Fatal(err)
		}
		b, err := decodeBlock(raw)
		if err != nil || b.n == 0 {
			t.Fatalf("%s/%d: %v, %d values", k, blk, err, b.n)
		}
		for _, v := range b.values() {
			got[k] = append(got[k], blk<<blockBits|int64(v))
		}
	}
	rows.Close()
	if len(got) != len(want) {
		t.Errorf("%d keys in postings, want %d", len(got), len(want))
	}
	for k, w := range want {
		slices.Sort(w)
		if !slices.Equal(got[k], w) {
			t.Errorf("postings of %q: %d rids, want %d", k, len(got[k]), len(w))
		}
	}
	counts := map[string]int{}
	rows, err = d.QueryContext(ctx, `SELECT key, n FROM registry_counts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		rows.Scan(&k, &n)
		counts[k] = n
	}
	rows.Close()
	for k, w := range want {
		if counts[k] != len(w) {
			t.Errorf("count of %q: %d, want %d", k, counts[k], len(w))
		}
		delete(counts, k)
	}
	if len(counts) > 0 {
		t.Errorf("counts of keys no entry holds: %v", counts)
	}
	if stale, err := Stale(ctx, d); err != nil || stale {
		t.Errorf("Stale = %v, %v", stale, err)
	}
}

// The index finds exactly what a scan of the declarations finds, in the
// same order, for one- and two-character queries, kana and width
// variants, legal forms, filters and pages, on every path: one list,
// intersections, names checked all at once and page by page.
func TestSearchMatchesReference(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Generate(ctx, d, 5000, 7, nil); err != nil {
			t.Fatal(err)
		}
		checkIndex(t, d)
		queries := []string{"", "山", "田", "山田", "精機", "やまだ", "ヤマダ", "ｻｸﾗ", "さくら", "アオイ", "ｱｵｲ", "工業", "商店",
			"株式会社", "会社", "株", "有限", "合同会社", "山田株式会社", "株式会社山", "式会社山", "社山", "東京", "大阪府",
			"next", "ＮＥＸＴ", "Blue Tech", "tech", "建設", "精", "ー", "山田精機", "鈴木建設株式会社", "存在しない", "x", "%", "_"}
		defer func() { verifyAll = 200 }()
		cache := NewLists(1 << 20) // small: fills and empties during the test
		for _, limit := range []int{1 << 20, 3} {
			verifyAll = limit
			lists := cache
			if limit == 3 {
				lists = nil
			}
			for _, s := range queries {
				for _, q := range []Query{
					{Q: s, Page: 1, PerPage: 20},
					{Q: s, Page: 2, PerPage: 7},
					{Q: s, Prefecture: "13", Page: 1, PerPage: 20},
					{Q: s, Stars: 2, Industry: "E", Page: 1, PerPage: 50},
					{Q: s, Prefecture: "27", Industry: "I", Stars: 1, Page: 1, PerPage: 100},
				} {
					// Past verifyAll the total may count names holding the
					// query's pieces apart; it is never less.
					agree(t, d, q, lists, limit == 3 && len([]rune(Normalize(s))) > 2)
				}
			}
		}
	})
}

// Sync moves an entry's keys when its name, stars, status or organisation
// change, moves it to the top when it is declared again, and drops it
// when the declaration is gone; Reindex repairs what Sync missed, in bulk
// when the index is empty.
func TestSyncAndReindex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Generate(ctx, d, 3000, 3, nil); err != nil {
			t.Fatal(err)
		}
		var id, orgID string
		if err := d.QueryRowContext(ctx, `SELECT id, org_id FROM declarations ORDER BY number LIMIT 1`).Scan(&id, &orgID); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		sync := func() {
			t.Helper()
			if err := d.InTx(ctx, func(tx *db.Tx) error { return Sync(ctx, tx, id) }); err != nil {
				t.Fatal(err)
			}
		}
		// One cache throughout: every change must show through it.
		cache := NewLists(DefaultListsBytes)
		one := func(q Query) Result {
			t.Helper()
			q.Page, q.PerPage = 1, 20
			res, err := Search(ctx, d.Read(), q, cache)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		exec(`UPDATE declarations SET org_name = '株式会社ゾゾゾ鬱', stars = 2, status = 'active' WHERE id = ?`, id)
		exec(`UPDATE orgs SET prefecture = '47', industry = 'B' WHERE id = ?`, orgID)
		sync()
		for _, q := range []Query{{Q: "鬱"}, {Q: "ぞぞ"}, {Q: "ゾ", Prefecture: "47", Industry: "B", Stars: 2}} {
			if res := one(q); res.Total != 1 {
				t.Errorf("%+v after change: %d", q, res.Total)
			}
		}
		if res := one(Query{}); res.Entries[0].Name == "株式会社ゾゾゾ鬱" {
			t.Error("a change that keeps the date moved the entry to the top")
		}
		checkIndex(t, d)
		// Declared again: a new date puts it first.
		exec(`UPDATE declarations SET declared_at = ? WHERE id = ?`, time.Now().UTC().Add(time.Hour), id)
		sync()
		if res := one(Query{}); res.Entries[0].Name != "株式会社ゾゾゾ鬱" || res.Total != 3000 {
			t.Errorf("re-declared entry not first: %+v", res.Entries[0])
		}
		checkIndex(t, d)
		// No longer listed: gone from the index.
		exec(`UPDATE declarations SET status = 'draft' WHERE id = ?`, id)
		sync()
		if res := one(Query{Q: "鬱"}); res.Total != 0 {
			t.Errorf("unlisted declaration still found")
		}
		if res := one(Query{}); res.Total != 2999 {
			t.Errorf("total %d after unlisting", res.Total)
		}
		checkIndex(t, d)
		exec(`UPDATE declarations SET status = 'withdrawn' WHERE id = ?`, id)
		if stale, _ := Stale(ctx, d); !stale {
			t.Error("a listed declaration without an entry is not stale")
		}
		// A rename without Sync is found and repaired.
		exec(`UPDATE declarations SET org_name = 'スズキ工業' WHERE id <> ? AND number = (SELECT MAX(number) FROM declarations)`, id)
		if n, err := EnsureIndex(ctx, d); err != nil || n != 2 {
			t.Fatalf("EnsureIndex wrote %d, %v; want 2", n, err)
		}
		if res := one(Query{Q: "すずき工業"}); res.Total != 1 {
			t.Errorf("rename not repaired: %d", res.Total)
		}
		checkIndex(t, d)
		// An emptied index is rebuilt in bulk, in the declarations' order.
		for _, tb := range []string{"registry_entries", "registry_postings", "registry_counts"} {
			exec(`DELETE FROM ` + tb)
		}
		if n, err := EnsureIndex(ctx, d); err != nil || n != 3000 {
			t.Fatalf("EnsureIndex after emptying: %d, %v", n, err)
		}
		checkIndex(t, d)
		for _, q := range []Query{{Q: "山"}, {Q: "やま", Prefecture: "13", Page: 2, PerPage: 5}, {Stars: 2}, {}} {
			if q.PerPage == 0 {
				q.Page, q.PerPage = 1, 20
			}
			agree(t, d, q, cache, false)
		}
		// Gone: the declaration deleted (the entry goes with it).
		if err := Sync(ctx, d, "no-such-id"); err != nil {
			t.Fatal(err)
		}
	})
}
