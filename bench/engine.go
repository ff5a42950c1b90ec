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
	Engine                string      `json:"engine"`
	StartMs               []float64   `json:"start_to_ready_ms"`
	StartMedianMs         float64     `json:"start_to_ready_median_ms"`
	IdleRSSMB             float64     `json:"idle_rss_mb"`
	FirstLoginRSSMB       float64     `json:"rss_after_first_login_mb"`
	AfterLoadRSSMB        float64     `json:"rss_after_load_mb"`
	PeakRSSMB             float64     `json:"peak_rss_mb"`
	DashboardBytes        int         `json:"dashboard_bytes"`
	ContentType           string      `json:"content_type"`
	Argon2id              argonParams `json:"argon2id"`
	Ceiling               *loadResult `json:"ceiling"`
	Dashboard             *loadResult `json:"dashboard"`
	Login                 *loadResult `json:"login"`
	RatioDashboardCeiling float64     `json:"ratio_dashboard_ceiling"`
	Targets               []target    `json:"targets"`
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
	if err := seed(ctx, bin, st); err != nil {
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
	body, ctype, err := fetchDashboard(ctx, srv.base, cookie)
	if err != nil {
		return nil, err
	}
	res.DashboardBytes, res.ContentType = len(body), ctype
	res.FirstLoginRSSMB = procMB(srv.pid(), "VmRSS")

	ceil, err := startCeiling(ctx, tmp, eng, body, ctype)
	if err != nil {
		return nil, err
	}
	defer ceil.stop()

	get := func(base string) scenario {
		h := http.Header{"Cookie": {"mamori_session=" + cookie}}
		return scenario{method: "GET", url: base + "/dashboard", header: h, expect: http.StatusOK}
	}
	sc := get(ceil.base)
	sc.name, sc.clients, sc.pid = "ceiling (bare net/http)", o.clients, ceil.pid()
	fmt.Fprintf(os.Stderr, "bench: %s: %s …\n", eng, sc.name)
	if res.Ceiling, err = runLoad(ctx, sc, o.warmup, o.duration); err != nil {
		return nil, err
	}
	sc = get(srv.base)
	sc.name, sc.clients, sc.pid = "GET /dashboard", o.clients, srv.pid()
	fmt.Fprintf(os.Stderr, "bench: %s: %s …\n", eng, sc.name)
	if res.Dashboard, err = runLoad(ctx, sc, o.warmup, o.duration); err != nil {
		return nil, err
	}
	sc = loginScenario(srv.base)
	sc.clients, sc.pid = o.loginClients, srv.pid()
	fmt.Fprintf(os.Stderr, "bench: %s: %s …\n", eng, sc.name)
	if res.Login, err = runLoad(ctx, sc, o.warmup, o.duration); err != nil {
		return nil, err
	}
	res.AfterLoadRSSMB = procMB(srv.pid(), "VmRSS")
	res.PeakRSSMB = procMB(srv.pid(), "VmHWM")

	if res.Ceiling.RPS > 0 {
		res.RatioDashboardCeiling = res.Dashboard.RPS / res.Ceiling.RPS
	}
	res.Targets = []target{
		{"dashboard req/s ÷ ceiling", fmt.Sprintf("%.2f", res.RatioDashboardCeiling), fmt.Sprintf("≥ %.2f", targetRatio),
			res.RatioDashboardCeiling >= targetRatio && res.Dashboard.Errors == 0},
		{fmt.Sprintf("dashboard p99 @ %d clients", o.clients), fmt.Sprintf("%.2f ms", res.Dashboard.P99Ms),
			fmt.Sprintf("≤ %.0f ms", targetP99Ms), res.Dashboard.P99Ms <= targetP99Ms && res.Dashboard.Errors == 0},
		{"idle RSS", fmt.Sprintf("%.1f MB", res.IdleRSSMB), fmt.Sprintf("≤ %.0f MB", targetIdleRSSMB),
			res.IdleRSSMB > 0 && res.IdleRSSMB <= targetIdleRSSMB},
		{"start to ready (median)", fmt.Sprintf("%.0f ms", res.StartMedianMs), fmt.Sprintf("≤ %.0f ms", targetReadyMs),
			res.StartMedianMs <= targetReadyMs},
	}
	return res, nil
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
// commands, against the store of the running server.
func seed(ctx context.Context, bin string, st store) error {
	if _, err := admin(ctx, bin, st, benchPassword+"\n", "create-user", "--email", benchEmail, "--name", "ベンチ 太郎", "--password-stdin"); err != nil {
		return err
	}
	_, err := admin(ctx, bin, st, "", "create-org", "--name", benchOrg, "--owner", benchEmail,
		"--prefecture", "13", "--industry", "E", "--employees", "40")
	return err
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
