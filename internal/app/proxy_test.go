package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/apptest"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// TestLoginBudgetBehindProxy: behind a reverse proxy every request comes
// from the proxy's address. With the proxy trusted, the per-address login
// budget is each client's own, so one person guessing passwords locks out
// only itself; without it, X-Forwarded-For is ignored, so a client cannot
// escape its budget by writing the header.
func TestLoginBudgetBehindProxy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		post := func(e *apptest.Env, i int, xff string) int {
			form := url.Values{"email": {fmt.Sprintf("spray%d@example.jp", i)}, "password": {"some guess 123"}}
			req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = "127.0.0.1:50000" // the proxy
			req.Header.Set("X-Forwarded-For", xff)
			w := httptest.NewRecorder()
			e.Server.Config.Handler.ServeHTTP(w, req)
			return w.Code
		}
		t.Run("trusted", func(t *testing.T) {
			e := apptest.StartWith(t, d, func(c *config.Config) {
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
			})
			limit := e.App.Cfg.LoginMaxFailures * 10
			for i := 0; i < limit; i++ {
				if s := post(e, i, "203.0.113.7"); s == http.StatusTooManyRequests {
					t.Fatalf("attempt %d refused before the limit", i)
				}
			}
			if s := post(e, limit, "203.0.113.7"); s != http.StatusTooManyRequests {
				t.Fatalf("the guessing client: %d, want 429", s)
			}
			// Writing another address to the left does not help it.
			if s := post(e, limit+1, "198.51.100.9, 203.0.113.7"); s != http.StatusTooManyRequests {
				t.Fatalf("the guessing client with a forged entry: %d, want 429", s)
			}
			// Everyone else behind the proxy still logs in.
			if s := post(e, limit+2, "198.51.100.9"); s == http.StatusTooManyRequests {
				t.Fatal("another client behind the proxy was locked out")
			}
			var ip string
			d.QueryRowContext(t.Context(), `SELECT ip FROM audit_log WHERE ip <> '' ORDER BY seq DESC LIMIT 1`).Scan(&ip)
			if ip != "198.51.100.9" {
				t.Errorf("audit records %q, want the client", ip)
			}
		})
		t.Run("not trusted", func(t *testing.T) {
			e := apptest.Start(t, d)
			limit := e.App.Cfg.LoginMaxFailures * 10
			// The earlier subtest's failures were counted under the
			// clients' addresses; these all count under the peer.
			for i := 0; i < limit; i++ {
				post(e, 1000+i, fmt.Sprintf("192.0.2.%d", i+1))
			}
			if s := post(e, 2000, "192.0.2.200"); s != http.StatusTooManyRequests {
				t.Fatalf("a made-up X-Forwarded-For escaped the budget: %d", s)
			}
		})
	})
}
