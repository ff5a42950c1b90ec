package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"mamori/internal/app"
	"mamori/internal/apptest"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/web"
)

const testMetricsToken = "test-metrics-token-0123456789abcdef0123"

// seriesLine matches one sample of the request counter.
var seriesLine = regexp.MustCompile(`^mamori_http_requests_total\{method="([^"]*)",route="([^"]*)",code="([^"]*)"\} `)

// junkRequest is the i-th request of an anonymous client trying to add
// series: made-up methods (one of them 32 KB long), random paths and
// queries, odd and forwarding headers. Kinds cycle with i, so every kind
// is sent in each round of len(kinds) requests.
func junkRequest(t *testing.T, e *apptest.Env, rng *rand.Rand, i int) *http.Request {
	t.Helper()
	word := func(n int) string {
		const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	method, path := "GET", "/"+word(12)+"/"+word(8)+"?"+word(4)+"="+word(30)
	hdr := map[string]string{}
	switch i % 10 {
	case 0:
		method = "X" + word(32<<10) // a 32 KB method
	case 1:
		method = word(10)
	case 2:
		method = "PROPFIND"
		path = "/login"
	case 3:
		method = word(6)
		path = "/metrics"
	case 4:
		path = "/static/" + word(20)
	case 5:
		hdr["X-Forwarded-For"] = "203.0.113." + fmt.Sprint(rng.IntN(250))
		hdr["X-Client-IP"], hdr["True-Client-IP"], hdr["CF-Connecting-IP"] = word(15), word(15), word(15)
	case 6:
		method = "POST"
		hdr["Sec-Fetch-Site"] = "cross-site" // refused before routing
	case 7:
		method = "DELETE"
		path = "/v/" + word(11)
	case 8:
		hdr["Accept-Language"] = word(20)
		hdr["X-"+word(10)] = word(200)
		path = "/registry?q=" + word(5) + "&" + word(8) + "=1"
	case 9:
		method = "BREW"
		path = "/api/v1/" + word(10)
		hdr["Authorization"] = "Bearer " + word(40)
	}
	req, err := http.NewRequest(method, e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return req
}

func send(t *testing.T, c *http.Client, req *http.Request) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

// scrape reads /metrics with the token and returns the body.
func scrape(t *testing.T, e *apptest.Env) string {
	t.Helper()
	r := e.Do(e.Client(), "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer " + testMetricsToken})
	expectStatus(t, r, http.StatusOK)
	return r.Body
}

// TestAnonymousCannotAddMetricsSeries: no request an anonymous client can
// send adds a series. After one round of every kind of junk request, more
// rounds (new random methods, paths, headers) leave the number of series,
// the size of a scrape and the heap where they were; every label value is
// from its closed set (known methods or "other", registered route patterns
// or "unmatched", status codes).
func TestAnonymousCannotAddMetricsSeries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := apptest.StartWith(t, d, func(c *config.Config) { c.MetricsToken = testMetricsToken })
		rng := rand.New(rand.NewPCG(1, 2))
		c := e.Client()
		for i := range 10 {
			send(t, c, junkRequest(t, e, rng, i))
		}
		scrape(t, e) // the scrape's own series exists from here on
		series, size := e.App.Metrics.Series(), len(scrape(t, e))

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		const rounds = 40 // 400 requests, 40 of them with a 32 KB method
		for i := range rounds * 10 {
			send(t, c, junkRequest(t, e, rng, i))
		}
		c.CloseIdleConnections()
		body := scrape(t, e)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)

		if got := e.App.Metrics.Series(); got != series {
			t.Errorf("series grew from %d to %d", series, got)
		}
		// Counts may gain digits; label text may not.
		if len(body) > size+512 {
			t.Errorf("a scrape grew from %d to %d bytes", size, len(body))
		}
		// The old registry kept each 32 KB method twice (map key and label
		// value): 40 of them held over 2.5 MB. Allow for noise elsewhere.
		if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 2<<20 {
			t.Errorf("live heap grew by %d bytes over the junk requests", grew)
		}
		t.Logf("series %d, scrape %d bytes, live heap %+d bytes after %d junk requests", series, len(body), int64(after.HeapAlloc)-int64(before.HeapAlloc), rounds*10)

		routes := map[string]bool{web.RouteUnmatched: true}
		for _, rt := range e.App.Router.Routes() {
			routes[rt.Method+" "+rt.Path] = true
		}
		methods := map[string]bool{"other": true}
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"} {
			methods[m] = true
		}
		code := regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]xx)$`)
		n := 0
		sc := bufio.NewScanner(strings.NewReader(body))
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "mamori_http_requests_total{") {
				continue
			}
			n++
			m := seriesLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("unexpected series %.200q", line)
				continue
			}
			if !methods[m[1]] || !routes[m[2]] || !code.MatchString(m[3]) {
				t.Errorf("label outside its closed set: %.200q", line)
			}
		}
		if n == 0 || n > 40 {
			t.Errorf("%d request series after junk from one anonymous client", n)
		}
	})
}

// TestMetricsAccess is the /metrics access matrix on the main listener:
// loopback and forwarding headers count for nothing; the scrape token
// (MAMORI_METRICS_TOKEN) or an operator administrator's session reads it.
func TestMetricsAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := apptest.StartWith(t, d, func(c *config.Config) { c.MetricsToken = testMetricsToken })
		admin := e.CreateUser("ops@example.jp", "metrics password", web.RoleOperatorAdmin)
		user := e.CreateUser("user@example.jp", "metrics password")
		analyst := e.CreateUser("analyst@example.jp", "metrics password", web.RoleAnalyst)
		get := func(c *http.Client, hdr map[string]string) apptest.Response {
			return e.Do(c, "GET", "/metrics", nil, hdr)
		}
		// Anonymous on loopback, plain or with any forwarding header: the
		// login page, never the metrics.
		r := get(e.Client(), nil)
		expectStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/login") {
			t.Fatalf("anonymous /metrics went to %q", r.Location)
		}
		for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP", "X-Forwarded-Host", "X-Original-Forwarded-For"} {
			for _, v := range []string{"127.0.0.1", "203.0.113.9", "for=127.0.0.1"} {
				if r := get(e.Client(), map[string]string{h: v}); r.Status == http.StatusOK || strings.Contains(r.Body, "go_goroutines") {
					t.Errorf("anonymous with %s: %s read /metrics", h, v)
				}
			}
		}
		// Tokens: wrong, truncated, extended, other schemes, in the query.
		for _, auth := range []string{"Bearer wrong", "Bearer " + testMetricsToken[:len(testMetricsToken)-1], "Bearer " + testMetricsToken + "x",
			"Bearer " + strings.ToUpper(testMetricsToken), "Basic " + testMetricsToken, testMetricsToken, "Bearer"} {
			r := get(e.Client(), map[string]string{"Authorization": auth})
			if r.Status == http.StatusOK || strings.Contains(r.Body, "go_goroutines") {
				t.Errorf("Authorization %q read /metrics", auth)
			}
			if strings.HasPrefix(auth, "Bearer ") && (r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "") {
				t.Errorf("Authorization %q: status %d, WWW-Authenticate %q; want a 401 challenge, not a login form", auth, r.Status, r.Header.Get("WWW-Authenticate"))
			}
		}
		if r := e.Get(e.Client(), "/metrics?token="+testMetricsToken); r.Status == http.StatusOK {
			t.Error("a token in the query string read /metrics")
		}
		// The right token, from an anonymous client and through a proxy.
		for _, hdr := range []map[string]string{
			{"Authorization": "Bearer " + testMetricsToken},
			{"Authorization": "bearer  " + testMetricsToken, "X-Forwarded-For": "203.0.113.9"},
		} {
			r := get(e.Client(), hdr)
			expectStatus(t, r, http.StatusOK)
			mustContain(t, r, "go_goroutines", "mamori_http_requests_total")
		}
		// Sessions: an operator administrator reads it; other accounts do not.
		expectStatus(t, get(e.SessionClient(admin.ID), nil), http.StatusOK)
		expectStatus(t, get(e.SessionClient(user.ID), nil), http.StatusForbidden)
		expectStatus(t, get(e.SessionClient(analyst.ID), map[string]string{"X-Forwarded-For": "127.0.0.1"}), http.StatusForbidden)
		// Only GET and HEAD.
		if r := e.Do(e.Client(), "POST", "/metrics", nil, map[string]string{"Authorization": "Bearer " + testMetricsToken}); r.Status == http.StatusOK {
			t.Errorf("POST /metrics: %d", r.Status)
		}

		// Without a configured token, no bearer token opens it.
		e2 := apptest.Start(t, d)
		for _, auth := range []string{"Bearer ", "Bearer " + testMetricsToken, "Bearer x"} {
			if r := e2.Do(e2.Client(), "GET", "/metrics", nil, map[string]string{"Authorization": auth}); r.Status == http.StatusOK {
				t.Errorf("no token configured: %q read /metrics", auth)
			}
		}
	})
}

// TestMetricsListener starts the real server with --metrics-addr: that
// loopback listener serves /metrics with no credentials and nothing else,
// while the main listener keeps refusing anonymous loopback requests.
func TestMetricsListener(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.MetricsAddr = "127.0.0.1:0"
	cfg.BaseURL = "http://127.0.0.1:1"
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, cfg, log, func(a string) { addrc <- a }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(apptest.Patience):
		t.Fatal("server did not start")
	}
	m := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", logs.String())
	}
	maddr := m[1]
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := func(method, url string) (int, string) {
		req, _ := http.NewRequest(method, url, nil)
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	send(t, cl, mustRequest(t, "GET", "http://"+addr+"/healthz"))
	// net/http takes any token as a method, up to the header limit
	// (MaxHeaderBytes, 64 KB, plus 4 KB of slack for the request line):
	// a 32 KB method is served (and counted as "other"), a 100 KB one is
	// refused before any handler runs.
	if code, _ := status("X"+strings.Repeat("M", 32<<10), "http://"+addr+"/healthz"); code != http.StatusMethodNotAllowed {
		t.Errorf("32 KB method: %d, want 405", code)
	}
	if code, _ := status("X"+strings.Repeat("M", 100<<10), "http://"+addr+"/healthz"); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KB method: %d, want 431", code)
	}
	code, body := status("GET", "http://"+maddr+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, `route="GET /healthz"`) ||
		!strings.Contains(body, `mamori_http_requests_total{method="other",route="unmatched",code="405"} 1`) || strings.Contains(body, "MMMM") {
		t.Fatalf("metrics listener: %d\n%.3000s", code, body)
	}
	for _, p := range []string{"/", "/healthz", "/login", "/admin", "/debug/pprof/"} {
		if code, _ := status("GET", "http://"+maddr+p); code != http.StatusNotFound {
			t.Errorf("metrics listener serves %s: %d", p, code)
		}
	}
	if code, _ := status("POST", "http://"+maddr+"/metrics"); code == http.StatusOK {
		t.Error("metrics listener answers POST")
	}
	if code, _ := status("GET", "http://"+addr+"/metrics"); code == http.StatusOK {
		t.Error("the main listener answers an anonymous loopback /metrics")
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
