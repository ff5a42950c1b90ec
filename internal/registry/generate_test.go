package registry

import (
	"context"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/declaration"
	"mamori/internal/org/jp"
)

func TestGenerate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 2000
		if err := Generate(ctx, d, n, 1, nil); err != nil {
			t.Fatal(err)
		}
		for table, want := range map[string]int{"orgs": n, "declarations": n, "registry_entries": n} {
			var got int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
		rows, err := d.QueryContext(ctx, `SELECT d.number, d.status, d.stars, o.prefecture, o.industry, COALESCE(o.corporate_number, '') FROM declarations d JOIN orgs o ON o.id = d.org_id`)
		if err != nil {
			t.Fatal(err)
		}
		prefs, inds, status := map[string]bool{}, map[string]bool{}, map[string]int{}
		corps := 0
		for rows.Next() {
			var num, st, pref, ind, corp string
			var stars int
			if err := rows.Scan(&num, &st, &stars, &pref, &ind, &corp); err != nil {
				t.Fatal(err)
			}
			if !declaration.ValidNumber(num) {
				t.Errorf("invalid number %s", num)
			}
			if corp != "" {
				corps++
				if err := jp.ValidateCorporateNumber(corp); err != nil {
					t.Errorf("corporate number %s: %v", corp, err)
				}
			}
			if stars != 1 && stars != 2 {
				t.Errorf("stars %d", stars)
			}
			prefs[pref], inds[ind] = true, true
			status[st]++
		}
		rows.Close()
		if len(prefs) != 47 {
			t.Errorf("%d prefectures present, want 47", len(prefs))
		}
		if len(inds) != 20 {
			t.Errorf("%d industries present, want 20", len(inds))
		}
		if status["withdrawn"] == 0 || status["withdrawn"] > n/10 || status["active"]+status["withdrawn"] != n {
			t.Errorf("statuses %v", status)
		}
		if corps < n/2 {
			t.Errorf("only %d corporate numbers", corps)
		}
		if stale, err := Stale(ctx, d); err != nil || stale {
			t.Errorf("index stale after Generate: %v %v", stale, err)
		}
		// Generated names are found, by the index and by the scan.
		for _, q := range []string{"山田", "精機", "山", "株式会社", "さくら"} {
			res, err := Search(ctx, d.Read(), Query{Q: q, Page: 1, PerPage: 20}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total == 0 || len(res.Entries) == 0 {
				t.Errorf("%s: nothing found", q)
			}
		}
		// A second run continues the counter.
		if err := Generate(ctx, d, 10, 2, nil); err != nil {
			t.Fatal(err)
		}
	})
}
