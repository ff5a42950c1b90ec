// Package apptest starts the real mamori application for tests: the real
// router and middleware, a real database (SQLite, and PostgreSQL when
// configured) and a real HTTP server on loopback.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"mamori/internal/app"
	"mamori/internal/auth"
	"mamori/internal/auth/password"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// Env is one running application.
type Env struct {
	T      testing.TB
	App    *app.App
	DB     *db.DB
	Server *httptest.Server
	URL    string
}

// Each runs fn against a fresh application per available database engine.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { fn(t, Start(t, d)) })
}

// TestSecretKey is the master key of test instances (64 hex digits).
const TestSecretKey = "6d616d6f72692074657374206d6173746572206b657920666f72206170707465"

// Start wires and serves the application on d.
func Start(t testing.TB, d *db.DB) *Env {
	t.Helper()
	return StartWith(t, d, nil)
}

// StartWith is Start with the configuration adjusted by edit before the
// application is built (e.g. two instances sharing one data directory).
func StartWith(t testing.TB, d *db.DB, edit func(*config.Config)) *Env {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	// One master key for every test instance, as a deployment sets
	// MAMORI_SECRET_KEY on each: a second instance on the same database
	// (two-instance tests) would otherwise be refused for holding another
	// key. Tests of key handling build their own configuration.
	cfg.SecretKey = TestSecretKey
	if edit != nil {
		edit(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MAMORI_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	cfg.BaseURL = srv.URL
	if edit != nil {
		edit(&cfg)
	}
	a, err := app.Build(cfg, d, log)
	if err != nil {
		t.Fatal(err)
	}
	a.Auth.Params = password.Fast
	srv.Config.Handler = a.Handler()
	t.Cleanup(srv.Close)
	return &Env{T: t, App: a, DB: d, Server: srv, URL: srv.URL}
}

// Client returns an HTTP client with its own cookie jar that does not
// follow redirects, so tests see each 303 and its Location.
func (e *Env) Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Response is a read response.
type Response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

// Do sends a request and reads the whole answer.
func (e *Env) Do(c *http.Client, method, path string, body io.Reader, header map[string]string) Response {
	e.T.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: string(b), Location: res.Header.Get("Location")}
}

// Get fetches a path.
func (e *Env) Get(c *http.Client, path string) Response { return e.Do(c, "GET", path, nil, nil) }

// Post submits a urlencoded form the way a same-origin browser would.
func (e *Env) Post(c *http.Client, path string, form url.Values) Response {
	return e.Do(c, "POST", path, strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": e.URL, "Sec-Fetch-Site": "same-origin",
	})
}

// CreateUser makes a verified account with the given global roles.
func (e *Env) CreateUser(email, pw string, roles ...string) *auth.User {
	e.T.Helper()
	ctx := context.Background()
	h := ""
	if pw != "" {
		var err error
		if h, err = password.Hash(pw, password.Fast); err != nil {
			e.T.Fatal(err)
		}
	}
	u, err := auth.CreateUser(ctx, e.DB, email, "", h, "", true)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, r := range roles {
		if _, err := auth.GrantRole(ctx, e.DB, u.ID, r); err != nil {
			e.T.Fatal(err)
		}
	}
	return u
}

// SessionClient returns a client already logged in as userID, with the
// session created directly in the store (no password round trip).
func (e *Env) SessionClient(userID string) *http.Client {
	e.T.Helper()
	c := e.Client()
	e.SetSession(c, userID)
	return c
}

// SetSession replaces c's session cookie with a fresh session for userID.
func (e *Env) SetSession(c *http.Client, userID string) {
	e.T.Helper()
	tok, err := auth.CreateSession(context.Background(), e.DB, userID, auth.StageFull, e.App.Cfg.SessionTTL, "127.0.0.1", "test")
	if err != nil {
		e.T.Fatal(err)
	}
	u, _ := url.Parse(e.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: e.App.Auth.CookieName(), Value: tok, Path: "/"}})
}

// Login logs in through the real form.
func (e *Env) Login(c *http.Client, email, pw string) Response {
	return e.Post(c, "/login", url.Values{"email": {email}, "password": {pw}})
}

var linkRE = regexp.MustCompile(`https?://[^\s]+`)

// LastMailLink returns the first URL in the newest outbox mail to addr.
func (e *Env) LastMailLink(addr string) string {
	e.T.Helper()
	var body string
	err := e.DB.QueryRowContext(context.Background(), `SELECT body FROM mail_outbox WHERE to_addr = ? ORDER BY created_at DESC, id DESC LIMIT 1`, strings.ToLower(addr)).Scan(&body)
	if err != nil {
		e.T.Fatalf("no mail to %s: %v", addr, err)
	}
	m := linkRE.FindString(body)
	if m == "" {
		e.T.Fatalf("no link in mail to %s: %q", addr, body)
	}
	return strings.TrimPrefix(m, e.URL)
}

// TOTPSecret returns a user's TOTP secret in clear, opening the sealed
// value stored in users.totp_secret.
func (e *Env) TOTPSecret(userID string) string {
	e.T.Helper()
	var stored string
	if err := e.DB.QueryRowContext(context.Background(), `SELECT totp_secret FROM users WHERE id = ?`, userID).Scan(&stored); err != nil {
		e.T.Fatal(err)
	}
	secret, err := auth.OpenTOTP(e.App.Box, userID, stored)
	if err != nil {
		e.T.Fatal(err)
	}
	return secret
}

// MFASetupID is what the second-factor setup page binds its enable form
// to (the "setup" field): the pending secret it showed.
func (e *Env) MFASetupID(userID string) string {
	e.T.Helper()
	var stored string
	if err := e.DB.QueryRowContext(context.Background(), `SELECT totp_secret FROM users WHERE id = ?`, userID).Scan(&stored); err != nil {
		e.T.Fatal(err)
	}
	return auth.MFASetupID(stored)
}

// Count runs a COUNT(*) query.
func (e *Env) Count(query string, args ...any) int {
	e.T.Helper()
	var n int
	if err := e.DB.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.T.Fatal(err)
	}
	return n
}

// Patience is how long a test waits for something asynchronous (a server
// to start or stop, a worker to run a job, another instance to notice a
// change) before it fails. It is generous because the wait ends as soon
// as the thing happens: a busy machine makes such a test slower, never
// failed. It is a budget, not a measure of speed.
const Patience = time.Minute

// Eventually polls cond until it holds or Patience has passed, and says
// whether it held. It does not fail the test, so goroutines other than
// the test's may use it.
func Eventually(cond func() bool) bool {
	deadline := time.Now().Add(Patience)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// WaitFor polls cond until it holds and fails the test when it has not
// after Patience; what says what was awaited.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !Eventually(cond) {
		t.Fatalf("waited %v: %s", Patience, what)
	}
}
