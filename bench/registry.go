package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mamori/internal/declaration"
)

// Targets from the registry issue (SQLite; PostgreSQL's figures are
// reported beside them).
const (
	targetGenerateMin     = 3.0 // minutes for 3.4 million
	targetSearchP50Ms     = 5.0
	targetSearchP99Ms     = 25.0
	targetSearchRPS       = 2000.0
	targetFilterP99Ms     = 10.0
	targetVerifyRatio     = 0.5
	targetCSVSeconds      = 60.0
	targetCSVPeakMB       = 200.0
	targetRegistryAtCount = 3_400_000
)

// registryResult is the registry scenario of one engine.
type registryResult struct {
	Count          int         `json:"count"`
	GenerateSec    float64     `json:"generate_seconds"`
	IndexCheckMs   float64     `json:"index_check_ms"`
	DBBytes        int64       `json:"sqlite_file_bytes,omitempty"`
	CSVSec         float64     `json:"csv_seconds"`
	CSVRows        int         `json:"csv_rows"`
	CSVBytes       int64       `json:"csv_bytes"`
	CSVPeakRSSMB   float64     `json:"csv_peak_rss_mb"`
	Search         *loadResult `json:"search"`
	Filter         *loadResult `json:"filter"`
	VerifyCeiling  *loadResult `json:"verify_ceiling"`
	Verify         *loadResult `json:"verify"`
	VerifyBytes    int         `json:"verify_bytes"`
	RatioVerify    float64     `json:"ratio_verify_ceiling"`
	SearchQueries  int         `json:"search_queries"`
	FilterQueries  int         `json:"filter_queries"`
	VerifyNumbers  int         `json:"verify_numbers"`
	AfterLoadRSSMB float64     `json:"rss_after_load_mb"`
}

// searchTerms are what people type into a registry search: surnames,
// places, trade words, brand and katakana names in every script and
// width, single characters, legal forms, a company's full name, Latin
// names, and names nobody has. Each is sent as /api/v1/registry?q=….
var searchTerms = strings.Fields(`
	山田 佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山口 松本 井上 木村 斎藤 清水 森 池田
	札幌 仙台 横浜 川崎 新潟 金沢 静岡 浜松 名古屋 京都 大阪 神戸 姫路 岡山 広島 高松 松山 福岡 熊本 那覇
	建設 工務店 製作所 精機 工業 食品 印刷 電機 鉄工所 商店 商事 物産 運輸 物流 不動産 設計 歯科 薬局 介護 美容室
	サクラ さくら ｻｸﾗ アオイ あおい ミドリ テクノ グリーン スマイル フジ ユニオン オリオン やまだ ヤマダ
	山 田 東 電 福 中 大 工 商 光
	山田建設 佐藤工業 鈴木商店 横浜運輸 大阪製作所 東京電機 田中精機 京都印刷 福岡不動産 高橋歯科
	株式会社山田 山田建設株式会社 有限会社佐藤 株式会社 有限会社 合同会社
	tech next blue ＮＥＸＴ Sun+Tech
	存在しない会社 ゾゾゾ商会 qwerty`)

// filterQueries are filter-only searches: every prefecture, every
// industry, each star level, and common pairs.
func filterQueries() []string {
	var qs []string
	for p := 1; p <= 47; p++ {
		qs = append(qs, fmt.Sprintf("prefecture=%02d", p))
	}
	for c := 'A'; c <= 'T'; c++ {
		qs = append(qs, "industry="+string(c))
	}
	qs = append(qs, "stars=1", "stars=2")
	for i, p := range []string{"13", "27", "14", "23", "01", "40", "47", "31"} {
		for _, ind := range []string{"E", "I", "D", "M", "G", "B"} {
			qs = append(qs, "prefecture="+p+"&industry="+ind)
		}
		qs = append(qs, "prefecture="+p+"&stars="+strconv.Itoa(1+i%2))
	}
	qs = append(qs, "prefecture=13&industry=E&stars=2", "industry=I&stars=2", "prefecture=27&page=5")
	return qs
}

// runRegistry fills a new store with o.registryCount synthetic
// declarations (timed), starts mamori on it, waits for its start-up index
// check, exports the CSV once (timed, peak RSS), then loads name search,
// filter-only search and the verification page (against a ceiling).
func runRegistry(ctx context.Context, eng, bin, tmp string, st store, o options) (*registryResult, error) {
	res := &registryResult{Count: o.registryCount}
	fmt.Fprintf(os.Stderr, "bench: %s: generating %d declarations …\n", eng, o.registryCount)
	if err := os.MkdirAll(st.dataDir, 0o755); err != nil {
		return nil, err
	}
	genLog := filepath.Join(tmp, eng+"-generate.log")
	lf, err := os.Create(genLog)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"dev", "generate-registry", "--count", strconv.Itoa(o.registryCount)}, st.flags()...)...)
	cmd.Stdout, cmd.Stderr, cmd.Env = lf, lf, childEnv()
	t0 := time.Now()
	err = cmd.Run()
	lf.Close()
	if err != nil {
		return nil, fmt.Errorf("generate-registry: %w\n%s", err, tail(genLog))
	}
	res.GenerateSec = time.Since(t0).Seconds()
	if fi, err := os.Stat(filepath.Join(st.dataDir, "mamori.db")); err == nil && st.databaseURL == "" {
		res.DBBytes = fi.Size()
	}

	logPath := filepath.Join(tmp, eng+"-registry.log")
	srv, _, err := startServer(ctx, bin, st, logPath)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	fmt.Fprintf(os.Stderr, "bench: %s: waiting for the start-up index check …\n", eng)
	if res.IndexCheckMs, err = waitIndexCheck(ctx, srv, 15*time.Minute); err != nil {
		return nil, err
	}

	fmt.Fprintf(os.Stderr, "bench: %s: GET /registry.csv …\n", eng)
	// Writing 5 to clear_refs resets the peak RSS, so VmHWM afterwards is
	// the export's own peak (with the server's baseline).
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.pid()), []byte("5"), 0)
	t0 = time.Now()
	if res.CSVRows, res.CSVBytes, err = exportCSV(ctx, srv.base); err != nil {
		return nil, err
	}
	res.CSVSec = time.Since(t0).Seconds()
	res.CSVPeakRSSMB = procMB(srv.pid(), "VmHWM")
	if res.CSVRows != o.registryCount {
		return nil, fmt.Errorf("registry.csv has %d rows, want %d", res.CSVRows, o.registryCount)
	}

	load := func(name string, urls []string, base string, pid int) (*loadResult, error) {
		fmt.Fprintf(os.Stderr, "bench: %s: %s …\n", eng, name)
		full := make([]string, len(urls))
		for i, u := range urls {
			full[i] = base + u
		}
		sc := scenario{name: name, clients: o.registryClients, method: "GET", urls: full, expect: http.StatusOK, pid: pid, lean: o.loadgen == "lean"}
		return runLoad(ctx, sc, o.warmup, o.duration)
	}
	var search []string
	for _, t := range searchTerms {
		search = append(search, "/api/v1/registry?q="+url.QueryEscape(strings.ReplaceAll(t, "+", " ")))
	}
	res.SearchQueries = len(search)
	if res.Search, err = load("GET /api/v1/registry?q=…", search, srv.base, srv.pid()); err != nil {
		return nil, err
	}
	var filters []string
	for _, f := range filterQueries() {
		filters = append(filters, "/api/v1/registry?"+f)
	}
	res.FilterQueries = len(filters)
	if res.Filter, err = load("GET /api/v1/registry?<filters>", filters, srv.base, srv.pid()); err != nil {
		return nil, err
	}

	// Verification pages of 1,000 declarations spread over the registry.
	r := rand.New(rand.NewPCG(42, 42))
	var pages []string
	for range 1000 {
		s := strconv.FormatInt(1_000_000_001+r.Int64N(int64(o.registryCount)), 10)
		pages = append(pages, "/v/"+s+string(declaration.CheckDigit(s)))
	}
	res.VerifyNumbers = len(pages)
	body, ctype, err := fetchBody(ctx, srv.base+pages[0])
	if err != nil {
		return nil, err
	}
	res.VerifyBytes = len(body)
	ceil, err := startCeiling(ctx, tmp, eng+"-verify", body, ctype)
	if err != nil {
		return nil, err
	}
	res.VerifyCeiling, err = load("ceiling: GET /v/{number}", pages, ceil.base, ceil.pid())
	ceil.stop()
	if err != nil {
		return nil, err
	}
	if res.Verify, err = load("GET /v/{number}", pages, srv.base, srv.pid()); err != nil {
		return nil, err
	}
	if res.VerifyCeiling.RPS > 0 {
		res.RatioVerify = res.Verify.RPS / res.VerifyCeiling.RPS
	}
	res.AfterLoadRSSMB = procMB(srv.pid(), "VmRSS")
	return res, nil
}

// waitIndexCheck waits for serve's "registry index checked" log line and
// returns the time it reports.
func waitIndexCheck(ctx context.Context, srv *proc, timeout time.Duration) (float64, error) {
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(srv.logPath)
		for line := range strings.SplitSeq(string(b), "\n") {
			if strings.Contains(line, "registry index checked") {
				_, after, _ := strings.Cut(line, " ms=")
				msv, _ := strconv.ParseFloat(strings.Fields(after + " 0")[0], 64)
				return msv, nil
			}
			if strings.Contains(line, "registry index check") && strings.Contains(line, "ERROR") {
				return 0, errors.New("registry index check failed: " + line)
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no registry index check after %s; log tail:\n%s", timeout, tail(srv.logPath))
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// exportCSV downloads /registry.csv and counts its data rows (names hold
// no line breaks, so lines are rows).
func exportCSV(ctx context.Context, base string) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/registry.csv", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("registry.csv: %s", resp.Status)
	}
	br := bufio.NewReaderSize(resp.Body, 1<<20)
	lines, n := 0, int64(0)
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			lines++
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return lines - 1, n, nil // the header is not a row
}

// fetchBody GETs u and returns the 200 body and its Content-Type.
func fetchBody(ctx context.Context, u string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return b, resp.Header.Get("Content-Type"), err
}

// registryTargets compares the registry figures with the targets.
// Generation time is scaled to 3.4 million when fewer were generated.
func registryTargets(rr *registryResult) []target {
	scale := float64(targetRegistryAtCount) / float64(rr.Count)
	genMin := rr.GenerateSec * scale / 60
	label := func(s string) string {
		if rr.Count != targetRegistryAtCount {
			return s + fmt.Sprintf(" (%d rows)", rr.Count)
		}
		return s
	}
	ok := func(l *loadResult) bool { return l != nil && l.Errors == 0 && l.Requests > 0 }
	return []target{
		{label("generate 3.4M (scaled)"), fmt.Sprintf("%.2f min", genMin), fmt.Sprintf("< %.0f min", targetGenerateMin), genMin < targetGenerateMin},
		{label("name search p50"), fmt.Sprintf("%.2f ms", rr.Search.P50Ms), fmt.Sprintf("≤ %.0f ms", targetSearchP50Ms), ok(rr.Search) && rr.Search.P50Ms <= targetSearchP50Ms},
		{label("name search p99"), fmt.Sprintf("%.2f ms", rr.Search.P99Ms), fmt.Sprintf("≤ %.0f ms", targetSearchP99Ms), ok(rr.Search) && rr.Search.P99Ms <= targetSearchP99Ms},
		{label(fmt.Sprintf("name search req/s @ %d", rr.Search.Clients)), fmt.Sprintf("%.0f /s", rr.Search.RPS), fmt.Sprintf("≥ %.0f /s", targetSearchRPS), ok(rr.Search) && rr.Search.RPS >= targetSearchRPS},
		{label("filter-only p99"), fmt.Sprintf("%.2f ms", rr.Filter.P99Ms), fmt.Sprintf("≤ %.0f ms", targetFilterP99Ms), ok(rr.Filter) && rr.Filter.P99Ms <= targetFilterP99Ms},
		{label("/v/{number} ÷ ceiling"), fmt.Sprintf("%.2f", rr.RatioVerify), fmt.Sprintf("≥ %.1f", targetVerifyRatio), ok(rr.Verify) && ok(rr.VerifyCeiling) && rr.RatioVerify >= targetVerifyRatio},
		{label("CSV export time"), fmt.Sprintf("%.1f s", rr.CSVSec), fmt.Sprintf("< %.0f s", targetCSVSeconds), rr.CSVSec < targetCSVSeconds},
		{label("CSV export peak RSS"), fmt.Sprintf("%.1f MB", rr.CSVPeakRSSMB), fmt.Sprintf("< %.0f MB", targetCSVPeakMB), rr.CSVPeakRSSMB > 0 && rr.CSVPeakRSSMB < targetCSVPeakMB},
	}
}

// printRegistry prints the registry scenario's figures.
func printRegistry(w io.Writer, rr *registryResult) {
	fmt.Fprintf(w, "\nregistry: %d declarations generated in %.1f s", rr.Count, rr.GenerateSec)
	if rr.DBBytes > 0 {
		fmt.Fprintf(w, " (SQLite file %.2f GB)", float64(rr.DBBytes)/1e9)
	}
	fmt.Fprintf(w, "; start-up index check %.0f ms\n", rr.IndexCheckMs)
	fmt.Fprintf(w, "registry.csv: %d rows, %.1f MB in %.1f s; server peak RSS during export %.1f MB\n",
		rr.CSVRows, float64(rr.CSVBytes)/1e6, rr.CSVSec, rr.CSVPeakRSSMB)
	fmt.Fprintf(w, "search mix: %d name queries, %d filter queries, %d verification pages (%d bytes each)\n",
		rr.SearchQueries, rr.FilterQueries, rr.VerifyNumbers, rr.VerifyBytes)
	fmt.Fprintf(w, "\n%-38s %7s %9s %9s %8s %8s %8s %8s %6s %7s %7s %9s\n",
		"scenario", "clients", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "srv cpu", "gen cpu", "µs cpu/req")
	for _, s := range []*loadResult{rr.Search, rr.Filter, rr.VerifyCeiling, rr.Verify} {
		fmt.Fprintf(w, "%-38s %7d %9d %9.0f %8.2f %8.2f %8.2f %8.2f %6d %7.2f %7.2f %9.0f\n",
			s.Name, s.Clients, s.Requests, s.RPS, s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs, s.Errors, s.ServerCPU, s.GenCPU, s.ServerCPUPerReqMs*1000)
		if s.Errors > 0 {
			fmt.Fprintf(w, "  ! %s: %d errors, statuses %v, e.g. %s\n", s.Name, s.Errors, s.Statuses, s.ErrorSample)
		}
	}
	fmt.Fprintf(w, "/v/{number} ÷ ceiling: %.0f ÷ %.0f req/s = %.2f; server RSS after load %.1f MB\n",
		rr.Verify.RPS, rr.VerifyCeiling.RPS, rr.RatioVerify, rr.AfterLoadRSSMB)
}
