package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/app"
	"mamori/internal/config"
)

// storeArgs points commands at a temporary SQLite store; the PostgreSQL
// paths of the same store functions are covered by the HTTP tests.
func storeArgs(t *testing.T) []string {
	return []string{"--data-dir", t.TempDir()}
}

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Run(args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAdminCommands(t *testing.T) {
	st := storeArgs(t)
	code, out, errs := run(t, "a long passphrase\n", append([]string{"admin", "create-user", "--email", "Owner@Example.jp", "--role", "operator_admin", "--password-stdin"}, st...)...)
	if code != 0 {
		t.Fatalf("create-user: %d %s", code, errs)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(lastLine(out)) {
		t.Fatalf("create-user last line %q", lastLine(out))
	}
	// Bad input: clear message, non-zero, nothing created.
	code, _, errs = run(t, "", append([]string{"admin", "create-user", "--email", "not-an-email", "--role", "king"}, st...)...)
	if code == 0 || !strings.Contains(errs, "--email") || !strings.Contains(errs, "--role") {
		t.Fatalf("bad create-user: %d %q", code, errs)
	}
	code, _, errs = run(t, "", append([]string{"admin", "create-user", "--email", "owner@example.jp"}, st...)...)
	if code == 0 || !strings.Contains(errs, "already registered") {
		t.Fatalf("duplicate create-user: %d %q", code, errs)
	}
	code, _, errs = run(t, "short\n", append([]string{"admin", "create-user", "--email", "s@example.jp", "--password-stdin"}, st...)...)
	if code == 0 || !strings.Contains(errs, "10 characters") {
		t.Fatalf("short password: %d %q", code, errs)
	}

	code, out, errs = run(t, "", append([]string{"admin", "create-org", "--name", "山田精機株式会社", "--owner", "owner@example.jp", "--prefecture", "13", "--industry", "E", "--employees", "42"}, st...)...)
	if code != 0 {
		t.Fatalf("create-org: %d %s", code, errs)
	}
	slug := lastLine(out)
	if slug == "" || strings.Contains(slug, " ") {
		t.Fatalf("slug %q", slug)
	}
	for _, bad := range [][]string{
		{"--prefecture", "48"},
		{"--industry", "Z"},
		{"--corporate-number", "1234567890123"},
		{"--employees", "many"},
	} {
		args := append(append([]string{"admin", "create-org", "--name", "X社", "--owner", "owner@example.jp"}, bad...), st...)
		if code, _, errs := run(t, "", args...); code == 0 || errs == "" {
			t.Fatalf("create-org %v accepted", bad)
		}
	}
	if code, _, errs := run(t, "", append([]string{"admin", "create-org", "--name", "X社", "--owner", "ghost@example.jp"}, st...)...); code == 0 || !strings.Contains(errs, "ghost@example.jp") {
		t.Fatalf("unknown owner: %q", errs)
	}

	run(t, "", append([]string{"admin", "create-user", "--email", "staff@example.jp"}, st...)...)
	code, out, errs = run(t, "", append([]string{"admin", "add-member", "--org", slug, "--email", "staff@example.jp"}, st...)...)
	if code != 0 {
		t.Fatalf("add-member: %d %s", code, errs)
	}
	if code, _, _ := run(t, "", append([]string{"admin", "add-member", "--org", slug, "--email", "staff@example.jp"}, st...)...); code == 0 {
		t.Fatal("adding a member twice succeeded")
	}

	code, out, errs = run(t, "", append([]string{"admin", "create-token", "--email", "staff@example.jp"}, st...)...)
	if code != 0 || !strings.HasPrefix(lastLine(out), "mamori_") {
		t.Fatalf("create-token: %d %q %s", code, out, errs)
	}

	if code, out, _ := run(t, "", "version"); code != 0 || !strings.HasPrefix(out, "mamori ") {
		t.Fatalf("version: %q", out)
	}
	if code, _, _ := run(t, "", "frobnicate"); code != 2 {
		t.Fatal("unknown command accepted")
	}
}

func TestConfigErrorsAtStart(t *testing.T) {
	code, _, errs := run(t, "", "serve", "--addr", "nonsense", "--log-format", "xml", "--database-url", "mysql://x")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"addr", "log-format", "database-url"} {
		if !strings.Contains(errs, want) {
			t.Fatalf("message lacks %s: %s", want, errs)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServeLifecycle starts the real server: first-run setup link,
// commands against the same store while it runs, a bearer token on the
// API, and graceful shutdown that finishes an in-flight request.
func TestServeLifecycle(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Addr = "127.0.0.1:0"
	cfg.BaseURL = "http://127.0.0.1:1"
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, cfg, log, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	m := regexp.MustCompile(`setup_url=\S*(/setup/[a-z0-9]+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no setup link in log:\n%s", logs.String())
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Get(base + m[1])
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("setup page: %v %v", err, res)
	}
	res.Body.Close()
	form := url.Values{"email": {"root@example.jp"}, "password": {"setup password 1"}, "password_confirm": {"setup password 1"}}
	res, err = cl.PostForm(base+m[1], form)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup post: %v %v", err, res)
	}
	res.Body.Close()
	res, _ = cl.PostForm(base+m[1], form)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("setup link reused: %d", res.StatusCode)
	}
	res.Body.Close()

	// Commands work on the live store.
	code, out, errs := run(t, "", "admin", "create-token", "--email", "root@example.jp", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("create-token while serving: %s", errs)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+lastLine(out))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me struct {
		Email string   `json:"email"`
		Roles []string `json:"roles"`
	}
	json.NewDecoder(res.Body).Decode(&me)
	res.Body.Close()
	if me.Email != "root@example.jp" || len(me.Roles) != 1 || me.Roles[0] != "operator_admin" {
		t.Fatalf("me = %+v", me)
	}

	// An in-flight request (body still arriving) completes after shutdown
	// has begun.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "email=nobody%40example.jp&password=whatever+it+is"
	io.WriteString(conn, "POST /login HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body[:10])
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	io.WriteString(conn, body[10:])
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(reply), "HTTP/1.1 401") {
		t.Fatalf("in-flight request got %.200q", reply)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Fatal("no clean stop logged")
	}
}

func TestDevGenerateRegistry(t *testing.T) {
	st := storeArgs(t)
	code, out, errs := run(t, "", append([]string{"dev", "generate-registry", "--count", "300", "--seed", "7"}, st...)...)
	if code != 0 || lastLine(out) != "300" {
		t.Fatalf("generate: %d %q %s", code, out, errs)
	}
	if code, _, _ := run(t, "", append([]string{"dev", "generate-registry", "--count", "0"}, st...)...); code != 2 {
		t.Fatal("count 0 accepted")
	}
}
