package correlate

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestGenerate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, err := Generate(ctx, d, GenerateOptions{Indicators: 30_000, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if got := count(t, d, "correlation_indicators"); got != 30_000 || s.Indicators != 30_000 {
			t.Errorf("%d pairs stored, %d reported", got, s.Indicators)
		}
		if got := count(t, d, "correlation_reports"); got != s.Reports || s.Reports < 30_000/35 || s.Reports > 30_000/5 {
			t.Errorf("%d reports stored, %d reported", got, s.Reports)
		}
		if got := count(t, d, "correlation_values"); got != s.Values {
			t.Errorf("%d values stored, %d reported", got, s.Values)
		}
		checkCounts(t, d)
		// The distribution: most values unique, some shared a little, a
		// few too common.
		var unique, shared, moderate, common int
		rows, err := d.QueryContext(ctx, `SELECT reports FROM correlation_values`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n int
			rows.Scan(&n)
			switch {
			case n == 1:
				unique++
			case n <= 20:
				shared++
			case n <= TooCommon:
				moderate++
			default:
				common++
			}
		}
		rows.Close()
		if unique < 9*s.Values/10 || shared < 50 || moderate < 1 || common < 1 {
			t.Errorf("distribution: %d unique, %d shared by 2–20, %d by 21–%d, %d more", unique, shared, moderate, TooCommon, common)
		}
		for _, in := range slices.Concat(s.Unique[:100], s.Moderate, s.Common, slices.Concat(s.Campaigns...)) {
			if n, err := in.Normalize(); err != nil || n != in {
				t.Fatalf("generated %v is not canonical: %v, %v", in, n, err)
			}
		}
		// Identities continue after the generated ids.
		if err := Add(ctx, d, "after", time.Now(), []Indicator{{URLHost, "after.example"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := Generate(ctx, d, GenerateOptions{Indicators: 10}); err == nil {
			t.Error("generated into a store holding reports")
		}

		r := rand.New(rand.NewPCG(1, 2))
		linked := 0
		for range 20 {
			p := s.Probe(r, 50)
			ok, refused := Clean(p)
			if len(p) != 50 || len(ok) != 50 || len(refused) != 0 {
				t.Fatalf("probe of %d, %d distinct, refused %v", len(p), len(ok), refused)
			}
			ls, err := Links(ctx, d.Read(), "probe", p, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) > 0 {
				linked++
			}
			for _, l := range ls {
				for _, in := range l.Shared {
					if slices.Contains(s.Common, in) || in.Value == "www.google.com" {
						t.Errorf("linked on %v", in)
					}
				}
			}
		}
		if linked < 18 {
			t.Errorf("only %d of 20 probes linked", linked)
		}
	})
}

// BenchmarkLinks measures Links for a new report of 50 indicators
// against MAMORI_CORRELATE_BENCH_INDICATORS stored ones (default
// 100,000; the bench program runs a million).
func BenchmarkLinks(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("MAMORI_CORRELATE_BENCH_INDICATORS")); err == nil && v > 0 {
		n = v
	}
	engines := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres}
	for _, eng := range []string{"sqlite", "postgres"} {
		b.Run(eng, func(b *testing.B) {
			d := engines[eng](b)
			ctx := context.Background()
			s, err := Generate(ctx, d, GenerateOptions{Indicators: n, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%d indicators loaded in %s", n, s.Load)
			r := rand.New(rand.NewPCG(3, 4))
			probes := make([][]Indicator, 1000)
			for i := range probes {
				probes[i] = s.Probe(r, 50)
			}
			q := d.Read()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := Links(ctx, q, "probe", probes[i%len(probes)], 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
