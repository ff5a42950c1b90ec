package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"mamori/internal/auth/password"
)

// Seed account. The password only has to satisfy mamori's policy.
const (
	benchEmail    = "bench@example.jp"
	benchPassword = "bench-パスワード-2024"
	benchOrg      = "ベンチ株式会社"
)

// store is where one server instance keeps its data: always a fresh data
// directory, plus a fresh PostgreSQL database for the postgres engine.
type store struct {
	dataDir     string
	databaseURL string
}

func (s store) flags() []string {
	f := []string{"--data-dir", s.dataDir}
	if s.databaseURL != "" {
		f = append(f, "--database-url", s.databaseURL)
	}
	return f
}

type target struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Target string `json:"target"`
	Pass   bool   `json:"pass"`
}

type engineResult struct {
	Engine                string          `json:"engine"`
	StartMs               []float64       `json:"start_to_ready_ms"`
	StartMedianMs         float64         `json:"start_to_ready_median_ms"`
	IdleRSSMB             float64         `json:"idle_rss_mb"`
	FirstLoginRSSMB       float64         `json:"rss_after_first_login_mb"`
	AfterLoadRSSMB        float64         `json:"rss_after_load_mb"`
	PeakRSSMB             float64         `json:"peak_rss_mb"`
	DashboardBytes        int             `json:"dashboard_bytes,omitempty"`
	ContentType           string          `json:"content_type,omitempty"`
	Argon2id              argonParams     `json:"argon2id"`
	Ceiling               *loadResult     `json:"ceiling,omitempty"` // for the dashboard
	Dashboard             *loadResult     `json:"dashboard,omitempty"`
	Login                 *loadResult     `json:"login,omitempty"`
	RatioDashboardCeiling float64         `json:"ratio_dashboard_ceiling,omitempty"`
	ScoreBytes            int             `json:"score_bytes,omitempty"`
	ScoreContentType      string          `json:"score_content_type,omitempty"`
	ScoreResult           string          `json:"score_result,omitempty"`
	ScoreCeiling          *loadResult     `json:"score_ceiling,omitempty"`
	Score                 *loadResult     `json:"score,omitempty"`
	RatioScoreCeiling     float64         `json:"ratio_score_ceiling,omitempty"`
	Saves                 *loadResult     `json:"saves,omitempty"`
	Kill9                 *killCheck      `json:"kill9,omitempty"`
	Registry              *registryResult `json:"registry,omitempty"`
	Assets                *assetsResult   `json:"assets,omitempty"`
	Correlation           *corrResult     `json:"correlation,omitempty"`
	Targets               []target        `json:"targets"`
}

// newStores returns a function handing out empty stores for one engine, and
// the cleanup that removes whatever it had to start or create.
func newStores(ctx context.Context, eng string, o options, tmp string) (func(context.Context, int) (store, error), func(), error) {
	if eng == "sqlite" {
		return func(_ context.Context, n int) (store, error) {
			return store{dataDir: filepath.Join(tmp, fmt.Sprintf("sqlite-%d", n))}, nil
		}, func() {}, nil
	}
	adminURL := o.databaseURL
	var cluster *pgCluster
	if adminURL == "" {
		fmt.Fprintln(os.Stderr, "bench: starting a throwaway PostgreSQL cluster …")
		c, err := startPG(ctx, o.pgBin)
		if err != nil {
			return nil, nil, err
		}
		cluster, adminURL = c, c.url
	}
	var created []string
	fresh := func(ctx context.Context, n int) (store, error) {
		name := fmt.Sprintf("mamori_bench_%d_%d", os.Getpid(), n)
		u, err := createDatabase(ctx, adminURL, name)
		if err != nil {
			return store{}, err
		}
		created = append(created, name)
		return store{dataDir: filepath.Join(tmp, fmt.Sprintf("pg-%d", n)), databaseURL: u}, nil
	}
	cleanup := func() {
		if cluster != nil {
			cluster.stop() // the whole cluster goes; no need to drop databases
			return
		}
		for _, name := range created {
			dropDatabase(adminURL, name)
		}
	}
	return fresh, cleanup, nil
}

// runEngine measures one engine end to end.
func runEngine(ctx context.Context, eng, bin, tmp string, fresh func(context.Context, int) (store, error), o options) (*engineResult, error) {
	res := &engineResult{Engine: eng}
	fmt.Fprintf(os.Stderr, "bench: %s: %d cold starts …\n", eng, o.starts)
	var srv *proc
	var st store
	defer func() {
		if srv != nil {
			srv.stop()
		}
	}()
	for i := range o.starts {
		var err error
		if st, err = fresh(ctx, i); err != nil {
			return nil, err
		}
		p, ready, err := startServer(ctx, bin, st, filepath.Join(tmp, fmt.Sprintf("%s-%d.log", eng, i)))
		if err != nil {
			return nil, err
		}
		res.StartMs = append(res.StartMs, ms(ready))
		if i < o.starts-1 {
			p.stop()
		} else {
			srv = p // the last cold start is the one we load
		}
	}
	res.StartMedianMs = median(res.StartMs)

	fmt.Fprintf(os.Stderr, "bench: %s: seeding …\n", eng)
	slug, err := seed(ctx, bin, st)
	if err != nil {
		return nil, err
	}
	if err := sleep(ctx, o.idle); err != nil {
		return nil, err
	}
	res.IdleRSSMB = procMB(srv.pid(), "VmRSS")
	res.Argon2id = storedArgonParams(ctx, st)

	cookie, err := login(ctx, srv.base)
	if err != nil {
		return nil, err
	}
	res.FirstLoginRSSMB = procMB(srv.pid(), "VmRSS")

	load := func(sc scenario, name string, clients, pid int) (*loadResult, error) {
		sc.name, sc.clients, sc.pid, sc.lean = name, clients, pid, o.loadgen == "lean"
		fmt.Fprintf(os.Stderr, "bench: %s: %s …\n", eng, sc.name)
		return runLoad(ctx, sc, o.warmup, o.duration)
	}

	if o.has("dashboard") {
		body, ctype, err := fetchDashboard(ctx, srv.base, cookie)
		if err != nil {
			return nil, err
		}
		res.DashboardBytes, res.ContentType = len(body), ctype
		ceil, err := startCeiling(ctx, tmp, eng+"-dashboard", body, ctype)
		if err != nil {
			return nil, err
		}
		get := func(base string) scenario {
			h := http.Header{"Cookie": {"mamori_session=" + cookie}}
			return scenario{method: "GET", url: base + "/dashboard", header: h, expect: http.StatusOK}
		}
		res.Ceiling, err = load(get(ceil.base), "ceiling: GET /dashboard", o.clients, ceil.pid())
		ceil.stop()
		if err != nil {
			return nil, err
		}
		if res.Dashboard, err = load(get(srv.base), "GET /dashboard", o.clients, srv.pid()); err != nil {
			return nil, err
		}
		if res.Ceiling.RPS > 0 {
			res.RatioDashboardCeiling = res.Dashboard.RPS / res.Ceiling.RPS
		}
	}
	if o.has("login") {
		if res.Login, err = load(loginScenario(srv.base), "POST /login", o.loginClients, srv.pid()); err != nil {
			return nil, err
		}
	}
	if o.has("score") {
		body, ctype, err := fetchScore(ctx, srv.base)
		if err != nil {
			return nil, err
		}
		res.ScoreBytes, res.ScoreContentType, res.ScoreResult = len(body), ctype, scoreSummary(body)
		ceil, err := startCeiling(ctx, tmp, eng+"-score", body, ctype)
		if err != nil {
			return nil, err
		}
		res.ScoreCeiling, err = load(scoreScenario(ceil.base), "ceiling: POST …/score", o.clients, ceil.pid())
		ceil.stop()
		if err != nil {
			return nil, err
		}
		if res.Score, err = load(scoreScenario(srv.base), "POST "+scorePath, o.clients, srv.pid()); err != nil {
			return nil, err
		}
		if res.ScoreCeiling.RPS > 0 {
			res.RatioScoreCeiling = res.Score.RPS / res.ScoreCeiling.RPS
		}
	}
	var token string
	if o.has("saves") || o.has("kill9") || o.has("assets") {
		if token, err = createToken(ctx, bin, st); err != nil {
			return nil, err
		}
	}
	if o.has("saves") {
		sc := saveScenario(srv.base, slug, token)
		if res.Saves, err = load(sc, sc.name, o.clients, srv.pid()); err != nil {
			return nil, err
		}
	}
	res.AfterLoadRSSMB = procMB(srv.pid(), "VmRSS")
	res.PeakRSSMB = procMB(srv.pid(), "VmHWM")
	if o.has("assets") {
		if res.Assets, err = runAssets(ctx, eng, srv.base, srv.pid(), slug, token); err != nil {
			return nil, fmt.Errorf("assets: %w", err)
		}
	}

	if o.has("kill9") {
		fmt.Fprintf(os.Stderr, "bench: %s: kill -9 under save load after %s, restart, verify …\n", eng, o.killAfter)
		kc, p, err := runKillCheck(ctx, srv, bin, st, filepath.Join(tmp, eng+"-after-kill.log"), slug, token, o.clients, o.killAfter)
		if p != nil {
			srv = p // the deferred stop now ends the restarted server
		}
		if err != nil {
			return nil, err
		}
		res.Kill9 = kc
	}

	if o.has("registry") {
		srv.stop() // the registry runs on its own store and server
		rst, err := fresh(ctx, o.starts)
		if err != nil {
			return nil, err
		}
		if res.Registry, err = runRegistry(ctx, eng, bin, tmp, rst, o); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
	}
	if o.has("correlation") { // in this process, on a store of its own
		if res.Correlation, err = runCorrelation(ctx, eng, fresh, o); err != nil {
			return nil, fmt.Errorf("correlation: %w", err)
		}
	}
	res.Targets = engineTargets(res, o)
	return res, nil
}

// engineTargets compares one engine's figures with both issues' targets.
// A scenario that was not run has no target rows.
func engineTargets(res *engineResult, o options) []target {
	var ts []target
	if res.Dashboard != nil {
		ts = append(ts,
			target{"dashboard req/s ÷ ceiling", fmt.Sprintf("%.2f", res.RatioDashboardCeiling), fmt.Sprintf("≥ %.2f", targetRatio),
				res.RatioDashboardCeiling >= targetRatio && res.Dashboard.Errors == 0 && res.Ceiling.Errors == 0},
			target{fmt.Sprintf("dashboard p99 @ %d clients", res.Dashboard.Clients), fmt.Sprintf("%.2f ms", res.Dashboard.P99Ms),
				fmt.Sprintf("≤ %.0f ms", targetP99Ms), res.Dashboard.P99Ms <= targetP99Ms && res.Dashboard.Errors == 0})
	}
	ts = append(ts,
		target{"idle RSS", fmt.Sprintf("%.1f MB", res.IdleRSSMB), fmt.Sprintf("≤ %.0f MB", targetIdleRSSMB),
			res.IdleRSSMB > 0 && res.IdleRSSMB <= targetIdleRSSMB},
		target{"start to ready (median)", fmt.Sprintf("%.0f ms", res.StartMedianMs), fmt.Sprintf("≤ %.0f ms", targetReadyMs),
			res.StartMedianMs <= targetReadyMs})
	if res.Score != nil {
		ts = append(ts,
			target{"score req/s ÷ ceiling", fmt.Sprintf("%.2f", res.RatioScoreCeiling), fmt.Sprintf("≥ %.2f", targetScoreRatio),
				res.RatioScoreCeiling >= targetScoreRatio && res.Score.Errors == 0 && res.ScoreCeiling.Errors == 0},
			target{fmt.Sprintf("score p99 @ %d clients", res.Score.Clients), fmt.Sprintf("%.2f ms", res.Score.P99Ms),
				fmt.Sprintf("≤ %.0f ms", targetScoreP99Ms), res.Score.P99Ms <= targetScoreP99Ms && res.Score.Errors == 0})
	}
	if res.Saves != nil && res.Engine == "sqlite" { // PostgreSQL: measured, no threshold
		ts = append(ts, target{fmt.Sprintf("durable saves/s @ %d clients", res.Saves.Clients), fmt.Sprintf("%.0f /s", res.Saves.RPS),
			fmt.Sprintf("≥ %.0f /s", targetSavesPerSec), res.Saves.RPS >= targetSavesPerSec && res.Saves.Errors == 0})
	}
	if res.Registry != nil {
		rts := registryTargets(res.Registry)
		if res.Engine != "sqlite" { // PostgreSQL: measured, no threshold
			for i := range rts {
				rts[i].Target = "(reported)"
			}
		}
		ts = append(ts, rts...)
	}
	if res.Assets != nil {
		ts = append(ts, assetsTargets(res.Assets)...)
	}
	if res.Correlation != nil {
		ts = append(ts, correlationTargets(res.Engine, res.Correlation)...)
	}
	if k := res.Kill9; k != nil {
		ts = append(ts, target{"acknowledged saves lost, kill -9", fmt.Sprintf("%d of %d", k.Lost, k.Acknowledged), "0 (of > 0)", k.Pass})
	}
	return ts
}

// loginScenario posts the seed account's correct credentials, without a
// cookie, exactly as a browser's login form would.
func loginScenario(base string) scenario {
	form := url.Values{"email": {benchEmail}, "password": {benchPassword}}.Encode()
	h := http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"},
		"Origin":       {base},
	}
	return scenario{name: "POST /login", method: "POST", url: base + "/login", body: form, header: h, expect: http.StatusSeeOther}
}

// seed creates the account and its organisation with mamori's own admin
// commands, against the store of the running server, and returns the
// organisation's slug (the last line create-org prints).
func seed(ctx context.Context, bin string, st store) (string, error) {
	if _, err := admin(ctx, bin, st, benchPassword+"\n", "create-user", "--email", benchEmail, "--name", "ベンチ 太郎", "--password-stdin"); err != nil {
		return "", err
	}
	slug, err := admin(ctx, bin, st, "", "create-org", "--name", benchOrg, "--owner", benchEmail,
		"--prefecture", "13", "--industry", "E", "--employees", "40")
	if err == nil && (slug == "" || strings.ContainsAny(slug, " /")) {
		err = fmt.Errorf("mamori admin create-org: unexpected last line %q (want the slug)", slug)
	}
	return slug, err
}

// storedArgonParams reads the cost parameters from the seed account's
// stored PHC hash; it falls back to password.Default's if that fails.
func storedArgonParams(ctx context.Context, st store) argonParams {
	h, err := storedHash(ctx, st, benchEmail)
	if err == nil {
		if p, ok := parsePHC(h); ok {
			return p
		}
		err = fmt.Errorf("unrecognised hash format")
	}
	fmt.Fprintf(os.Stderr, "bench: could not read the stored hash (%v); quoting password.Default\n", err)
	d := password.Default
	return argonParams{d.Memory, d.Iterations, d.Parallelism, "password.Default; stored hash unreadable"}
}

// parsePHC reads "$argon2id$v=19$m=19456,t=2,p=1$salt$key".
func parsePHC(h string) (argonParams, bool) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return argonParams{}, false
	}
	var p argonParams
	if n, _ := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Parallelism); n != 3 {
		return argonParams{}, false
	}
	p.Source = "stored hash of " + benchEmail
	return p, true
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
