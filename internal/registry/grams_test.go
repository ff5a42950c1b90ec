package registry

import (
	"context"
	"slices"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestGrams(t *testing.T) {
	if got := nameGrams(Normalize("株式会社山田")); !slices.Equal(got, []string{"山", "山田", "田", "社山"}) {
		t.Errorf("nameGrams = %q", got)
	}
	if got := nameGrams(Normalize("ヤマダ有限会社")); !slices.Equal(got, []string{"だ", "だ有", "ま", "まだ", "や", "やま"}) {
		t.Errorf("nameGrams = %q", got)
	}
	for q, want := range map[string][]string{
		"山": {"山"}, "山田": {"山田"}, "ﾔﾏ": {"やま"}, "株式会社": nil, "会社": nil, "株": nil,
		"山田株式会社": {"山田", "田株"}, "式会社山": {"社山"},
	} {
		if got := queryGrams(Normalize(q)); !slices.Equal(got, want) {
			t.Errorf("queryGrams(%s) = %q, want %q", q, got, want)
		}
	}
}

// likeSearch is the search before the gram index: a LIKE scan, with an
// exact count. The indexed Search must agree with it.
func likeSearch(ctx context.Context, rq db.Querier, q Query) (total int, numbers []string, err error) {
	n := escapeLike.Replace(Normalize(q.Q))
	from := ` FROM declarations d JOIN registry_names n ON n.declaration_id = d.id LEFT JOIN orgs o ON o.id = d.org_id
		WHERE ` + listed + ` AND n.norm LIKE '%' || CAST(? AS TEXT) || '%' ESCAPE '\'`
	args := []any{n}
	if q.Prefecture != "" {
		from += ` AND o.prefecture = ?`
		args = append(args, q.Prefecture)
	}
	if q.Stars != 0 {
		from += ` AND d.stars = ?`
		args = append(args, q.Stars)
	}
	if err := rq.QueryRowContext(ctx, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := rq.QueryContext(ctx, `SELECT d.number`+from+` ORDER BY d.declared_at DESC, d.number LIMIT ? OFFSET ?`, append(args, q.PerPage, q.Offset())...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		numbers = append(numbers, s)
	}
	return total, numbers, rows.Err()
}

// The gram index finds exactly what the LIKE scan finds, for one- and
// two-character queries, kana and width variants, legal forms and queries
// that span one, on both paths (postings read whole and the walk in
// order).
func TestSearchMatchesLike(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Generate(ctx, d, 5000, 7, nil); err != nil {
			t.Fatal(err)
		}
		queries := []string{"山", "田", "山田", "精機", "やまだ", "ヤマダ", "ｻｸﾗ", "さくら", "アオイ", "ｱｵｲ", "工業", "商店",
			"株式会社", "会社", "株", "有限", "合同会社", "山田株式会社", "株式会社山", "式会社山", "社山", "東京", "大阪府",
			"next", "ＮＥＸＴ", "Blue Tech", "tech", "建設", "精", "ー", "山田精機", "鈴木建設株式会社", "存在しない", "x", "%", "_"}
		for _, limit := range []int{5000, 50} {
			candidateLimit = limit
			for _, s := range queries {
				for _, q := range []Query{
					{Q: s, Page: 1, PerPage: 20},
					{Q: s, Page: 2, PerPage: 7},
					{Q: s, Prefecture: "13", Page: 1, PerPage: 20},
					{Q: s, Stars: 2, Page: 1, PerPage: 50},
				} {
					res, err := Search(ctx, d.Read(), q)
					if err != nil {
						t.Fatal(err)
					}
					total, want, err := likeSearch(ctx, d.Read(), q)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, e := range res.Entries {
						got = append(got, e.Number)
					}
					if wantTotal := min(total, CountCap); res.Total != wantTotal || res.TotalCapped != (total > CountCap) || !slices.Equal(got, want) {
						t.Errorf("limit %d %+v: total %d %v, want %d; numbers %v, want %v", limit, q, res.Total, res.TotalCapped, total, got, want)
					}
				}
			}
		}
		candidateLimit = 5000
		// Renaming through Sync moves the grams and the counts.
		var id string
		if err := d.QueryRowContext(ctx, `SELECT id FROM declarations ORDER BY id LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET org_name = '株式会社ゾゾゾ鬱' WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		if err := Sync(ctx, d, id); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"鬱", "ぞぞ", "ゾ"} {
			if res, err := Search(ctx, d.Read(), Query{Q: s, Page: 1, PerPage: 20}); err != nil || res.Total != 1 {
				t.Errorf("%s after rename: %d %v", s, res.Total, err)
			}
		}
		checkCounts(t, d)
		// Rows from before the gram index (no rid) are reindexed at start.
		if _, err := d.ExecContext(ctx, `DELETE FROM registry_grams`); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{`DELETE FROM registry_gram_counts`, `UPDATE registry_names SET rid = NULL`} {
			if _, err := d.ExecContext(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := EnsureIndex(ctx, d); err != nil || n != 5000 {
			t.Fatalf("EnsureIndex: %d %v", n, err)
		}
		checkCounts(t, d)
		if res, err := Search(ctx, d.Read(), Query{Q: "鬱", Page: 1, PerPage: 20}); err != nil || res.Total != 1 {
			t.Errorf("after reindex: %d %v", res.Total, err)
		}
	})
}

// checkCounts compares registry_gram_counts with the postings.
func checkCounts(t *testing.T, d *db.DB) {
	t.Helper()
	var bad int
	err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM (
		SELECT g.gram, COUNT(*) AS n FROM registry_grams g GROUP BY g.gram) p
		FULL OUTER JOIN (SELECT gram, n FROM registry_gram_counts WHERE n <> 0) c ON c.gram = p.gram
		WHERE p.n IS NULL OR c.n IS NULL OR p.n <> c.n`).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d grams with a wrong count", bad)
	}
}
