package registry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"mamori/internal/db"
)

// Load tests against a large generated registry; skipped unless asked for.
//
//	MAMORI_REGISTRY_GEN=100000 MAMORI_REGISTRY_DIR=/tmp/reg go test -run TestGenerateTiming -v ./internal/registry
//	MAMORI_REGISTRY_DIR=/tmp/reg go test -run '^$' -bench BenchmarkSearch3M -benchtime 2000x ./internal/registry
func TestGenerateTiming(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MAMORI_REGISTRY_GEN"))
	dir := os.Getenv("MAMORI_REGISTRY_DIR")
	if n <= 0 || dir == "" {
		t.Skip("MAMORI_REGISTRY_GEN and MAMORI_REGISTRY_DIR not set")
	}
	ctx := context.Background()
	d, err := db.OpenSQLite(ctx, filepath.Join(dir, "mamori.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := Generate(ctx, d, n, 1, os.Stderr); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("%d declarations in %s: %.0f/s", n, el, float64(n)/el.Seconds())
}

// benchQueries are a mix of one- and two-character queries, kana, a longer
// one and a legal form.
var benchQueries = []string{"山", "田", "山田", "精機", "工業", "商店", "さくら", "ヤマ", "佐藤", "鈴木建設",
	"東", "電", "大阪", "運輸", "アオイ", "福", "テック", "株式会社", "中村", "木"}

func BenchmarkSearch3M(b *testing.B) {
	dir := os.Getenv("MAMORI_REGISTRY_DIR")
	if dir == "" {
		b.Skip("MAMORI_REGISTRY_DIR not set")
	}
	ctx := context.Background()
	d, err := db.OpenSQLite(ctx, filepath.Join(dir, "mamori.db"), db.Options{ReadConns: 16})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	filters := []Query{{}, {Prefecture: "13"}, {Industry: "E"}, {Stars: 2}, {Prefecture: "27", Industry: "I"}}
	lists := NewLists(DefaultListsBytes)
	per := map[string][]time.Duration{}
	var mu sync.Mutex
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	const clients = 16
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < b.N; i += clients {
				q := Query{Page: 1, PerPage: 20}
				kind := "q"
				switch {
				case i%10 == 9:
					f := filters[i%len(filters)]
					q.Prefecture, q.Industry, q.Stars = f.Prefecture, f.Industry, f.Stars
					kind = "filter"
				case i%10 == 8:
					f := filters[i%len(filters)]
					q.Q, q.Prefecture, q.Industry, q.Stars = benchQueries[i%len(benchQueries)], f.Prefecture, f.Industry, f.Stars
					kind = "q+filter"
				default:
					q.Q = benchQueries[i%len(benchQueries)]
				}
				t0 := time.Now()
				if _, err := Search(ctx, d.Read(), q, lists); err != nil {
					b.Error(err)
					return
				}
				el := time.Since(t0)
				mu.Lock()
				per[kind] = append(per[kind], el)
				per["all"] = append(per["all"], el)
				if kind == "q" {
					per["q="+q.Q] = append(per["q="+q.Q], el)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	b.StopTimer()
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ds := per[k]
		slices.Sort(ds)
		fmt.Fprintf(os.Stderr, "%-12s n=%5d p50=%8s p99=%8s max=%8s\n", k, len(ds), ds[len(ds)/2], ds[len(ds)*99/100], ds[len(ds)-1])
	}
	b.Logf("%d searches at %d clients in %s: %.0f/s", b.N, clients, total, float64(b.N)/total.Seconds())
}
