package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/apptest"
	"mamori/internal/web"
)

func TestSecurityHeaders(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		for _, path := range []string{"/", "/login", "/nope", "/api/v1/me"} {
			r := e.Get(e.Client(), path)
			wantCSP := web.CSP
			if strings.HasPrefix(path, "/api/") {
				wantCSP = web.APICSP
				if r.Header.Get("Permissions-Policy") != "" {
					t.Errorf("%s: document policies on a JSON response", path)
				}
			} else if r.Header.Get("Permissions-Policy") == "" || r.Header.Get("Cross-Origin-Opener-Policy") != "same-origin" {
				t.Errorf("%s: document policies missing", path)
			}
			if got := r.Header.Get("Content-Security-Policy"); got != wantCSP {
				t.Fatalf("%s: CSP %q", path, got)
			}
			for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
				if r.Header.Get(h) != want {
					t.Fatalf("%s: %s = %q", path, h, r.Header.Get(h))
				}
			}
			if r.Header.Get("Strict-Transport-Security") != "" {
				t.Fatalf("%s: HSTS over plain HTTP", path)
			}
			if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " style=") || strings.Contains(r.Body, "onclick=") {
				t.Fatalf("%s: inline script or style in page", path)
			}
		}
	})
}

func TestSessionCookieFlags(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.CreateUser("c@example.jp", "cookie password")
		r := e.Login(e.Client(), "c@example.jp", "cookie password")
		sc := r.Header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(sc, want) {
				t.Fatalf("session cookie %q lacks %s", sc, want)
			}
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		form := url.Values{"email": {"x@example.jp"}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}}.Encode()
		for _, hdr := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example"},
		} {
			hdr["Content-Type"] = "application/x-www-form-urlencoded"
			r := e.Do(e.Client(), "POST", "/signup", strings.NewReader(form), hdr)
			expectStatus(t, r, http.StatusForbidden)
			mustContain(t, r, "別のサイトからの送信")
		}
		if n := e.Count(`SELECT COUNT(*) FROM users`); n != 0 {
			t.Fatal("cross-origin sign-up stored a user")
		}
	})
}

func TestHostileInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		// Over the body limit: refused before parsing.
		big := strings.Repeat("あ", 400_000) // 1.2 MB
		r := e.Post(c, "/signup", url.Values{"email": {"big@example.jp"}, "name": {big}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}})
		expectStatus(t, r, http.StatusRequestEntityTooLarge)
		mustContain(t, r, "大きすぎます")
		// Long but within the limit: a field message.
		r = e.Post(c, "/signup", url.Values{"email": {"long@example.jp"}, "name": {strings.Repeat("名", 101)}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		// Invalid UTF-8.
		r = e.Do(c, "POST", "/signup", strings.NewReader("email=u%40example.jp&name=%ff%fe&password=long+enough+pw&password_confirm=long+enough+pw"),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		expectStatus(t, r, http.StatusBadRequest)
		mustContain(t, r, "UTF-8")
		if n := e.Count(`SELECT COUNT(*) FROM users`); n != 0 {
			t.Fatalf("hostile input stored %d users", n)
		}
		// Injection strings are stored verbatim and shown escaped.
		evil := `<script>alert(1)</script>'; DROP TABLE users;--`
		r = e.Post(c, "/signup", url.Values{"email": {"evil@example.jp"}, "name": {evil}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}})
		expectStatus(t, r, 200)
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE name = ?`, evil); n != 1 {
			t.Fatal("injection string not stored verbatim")
		}
		u := e.CreateUser("admin@example.jp", "admin password", web.RoleOperatorAdmin)
		r = e.Get(e.SessionClient(u.ID), "/admin/users?q=evil")
		expectStatus(t, r, 200)
		if strings.Contains(r.Body, "<script>alert(1)") {
			t.Fatal("stored name rendered unescaped")
		}
		mustContain(t, r, "&lt;script&gt;alert(1)&lt;/script&gt;")
		// Open redirects through next= are neutralised.
		e.CreateUser("n@example.jp", "next password")
		r = e.Post(e.Client(), "/login", url.Values{"email": {"n@example.jp"}, "password": {"next password"}, "next": {"//evil.example/x"}})
		expectStatus(t, r, http.StatusSeeOther)
		if r.Location != "/dashboard" {
			t.Fatalf("open redirect to %q", r.Location)
		}
	})
}

func TestErrorPagesTranslated(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		r := e.Get(e.Client(), "/no/such/page")
		expectStatus(t, r, 404)
		mustContain(t, r, "見つかりませんでした")
		r = e.Do(e.Client(), "GET", "/no/such/page", nil, map[string]string{"Accept-Language": "en"})
		mustContain(t, r, "could not find")
		r = e.Do(e.Client(), "DELETE", "/login", nil, nil)
		expectStatus(t, r, http.StatusMethodNotAllowed)
		r = e.Get(e.Client(), "/api/v1/nothing")
		expectStatus(t, r, 404)
		mustContain(t, r, `"code":"not_found"`)
	})
}

func TestLanguageNegotiation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		mustContain(t, e.Get(c, "/"), `lang="ja"`)
		mustContain(t, e.Do(c, "GET", "/", nil, map[string]string{"Accept-Language": "en-US,en;q=0.8"}), `lang="en"`)
		// The cookie beats the header.
		r := e.Post(c, "/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
		expectStatus(t, r, http.StatusSeeOther)
		if r.Location != "/login" {
			t.Fatalf("lang redirect %q", r.Location)
		}
		mustContain(t, e.Do(c, "GET", "/", nil, map[string]string{"Accept-Language": "ja"}), `lang="en"`, "Log in")
		expectStatus(t, e.Post(c, "/lang", url.Values{"lang": {"fr"}}), http.StatusBadRequest)
		// The user's setting beats the cookie.
		u := e.CreateUser("l@example.jp", "language pw 1")
		lc := e.SessionClient(u.ID)
		expectStatus(t, e.Post(lc, "/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND lang = 'en'`, u.ID); n != 1 {
			t.Fatal("language not saved on the account")
		}
		fresh := e.SessionClient(u.ID)
		mustContain(t, e.Get(fresh, "/settings"), `lang="en"`)
	})
}

func TestHealthAndMetrics(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		expectStatus(t, e.Get(e.Client(), "/healthz"), 200)
		r := e.Get(e.Client(), "/readyz")
		expectStatus(t, r, 200)
		e.Get(e.Client(), "/login")
		// Loopback is no credential on the main listener (behind a reverse
		// proxy everything is loopback): an operator administrator reads
		// /metrics there (TestMetricsAccess has the whole matrix).
		admin := e.CreateUser("metrics-admin@example.jp", "metrics password", web.RoleOperatorAdmin)
		r = e.Get(e.SessionClient(admin.ID), "/metrics")
		expectStatus(t, r, 200)
		mustContain(t, r, `mamori_http_requests_total{method="GET",route="GET /login",code="200"}`, "go_goroutines")
		if r := e.Get(e.Client(), "/metrics"); r.Status == http.StatusOK {
			t.Fatal("an anonymous loopback client read /metrics")
		}
	})
}
