package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/app"
	"mamori/internal/apptest"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/mailparse"
	"mamori/internal/masterkey"
	"mamori/internal/sharing"
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

// disableAccount marks the account disabled in the SQLite store of dataDir,
// as an operator's disable does.
func disableAccount(t *testing.T, dataDir, email string) {
	t.Helper()
	d, err := db.Open(context.Background(), "", dataDir, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(context.Background(), `UPDATE users SET disabled_at = ? WHERE email = ?`, db.Now(), email); err != nil {
		t.Fatal(err)
	}
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

	// A disabled account cannot be the only owner of a new organisation:
	// it would start with nobody able to manage it.
	run(t, "", append([]string{"admin", "create-user", "--email", "gone@example.jp"}, st...)...)
	disableAccount(t, st[1], "gone@example.jp")
	if code, _, errs := run(t, "", append([]string{"admin", "create-org", "--name", "停止社", "--owner", "gone@example.jp"}, st...)...); code == 0 || !strings.Contains(errs, "disabled") {
		t.Fatalf("disabled owner: %d %q", code, errs)
	}

	run(t, "", append([]string{"admin", "create-user", "--email", "staff@example.jp"}, st...)...)
	code, _, errs = run(t, "", append([]string{"admin", "add-member", "--org", slug, "--email", "staff@example.jp"}, st...)...)
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
	case <-time.After(apptest.Patience):
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
	if res.StatusCode != http.StatusGone {
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
	// has begun. Events are ordered by what the server shows, not by
	// sleeps: the request asks for 100 Continue, which the server sends
	// when the handler first reads the body, so the request is in flight
	// once it comes; the body follows once the listener refuses new
	// connections, which is the first thing Shutdown does.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(apptest.Patience))
	body := "email=nobody%40example.jp&password=whatever+it+is"
	io.WriteString(conn, "POST /login HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("before the body: %q %v", line, err)
	}
	if line, _ := br.ReadString('\n'); line != "\r\n" {
		t.Fatalf("after 100 Continue: %q", line)
	}
	cancel()
	apptest.WaitFor(t, "the listener closed by Shutdown", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	io.WriteString(conn, body)
	reply, _ := io.ReadAll(br)
	if !strings.HasPrefix(string(reply), "HTTP/1.1 401") {
		t.Fatalf("in-flight request got %.200q", reply)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(apptest.Patience):
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
	// The store it filled has its master key: a server starts on it (the
	// benchmark harness generates, then serves).
	if code, out, errs := run(t, "", append([]string{"rotate-declaration-key"}, st...)...); code != 0 || len(lastLine(out)) != 16 {
		t.Fatalf("a command that builds the app on the generated store: %d %q %s", code, out, errs)
	}
}

// TestMailParseCLI runs "mamori mail parse" on a whole mail, a broken one
// and a missing file: one JSON line per readable file, the broken one
// with its errors, exit status 1 for the missing one after the others.
func TestMailParseCLI(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.eml")
	broken := filepath.Join(dir, "broken.eml")
	os.WriteFile(good, []byte("Received: from evil.example (evil.example [203.0.113.5]) by mx.example.jp; Tue, 1 Apr 2025 10:11:12 +0900\r\n"+
		"From: =?UTF-8?B?5oKq5Lq6?= <bad@evil.example>\r\nTo: Taro Yamada <t.yamada@example.jp>\r\nSubject: test\r\n"+
		"Date: Tue, 1 Apr 2025 10:11:00 +0900\r\n\r\nDear Mr Yamada, see hxxps://evil[.]example/x?email=t.yamada@example.jp\r\n"), 0o644)
	os.WriteFile(broken, []byte("Subject: broken\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nhttp://broken.example.com/\n"), 0o644)
	code, out, errs := run(t, "", "mail", "parse", "--boundary", "example.jp,192.0.2.0/24", good, filepath.Join(dir, "missing.eml"), broken)
	if code != 1 || !strings.Contains(errs, "missing.eml") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %d: %s", len(lines), out)
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"file", "message_id", "date", "subject", "from", "reply_to", "return_path", "to", "cc", "received", "sending_ips", "x_mailer", "urls", "domains", "ips", "emails", "attachments", "errors"} {
		if _, ok := first[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if first["file"] != "good.eml" || fmt.Sprint(first["sending_ips"]) != "[203.0.113.5]" || fmt.Sprint(first["urls"]) != "[https://evil.example/x?email=t.yamada@example.jp]" {
		t.Errorf("first record: %s", lines[0])
	}
	if errsList, _ := second["errors"].([]any); len(errsList) == 0 {
		t.Errorf("broken mail has no errors: %s", lines[1])
	}
	// Sanitised, with the key from the environment: the same pseudonym
	// twice, and no recipient anywhere.
	master := strings.Repeat("5a", 32)
	env := func(k string) string {
		if k == "MAMORI_SECRET_KEY" {
			return master
		}
		return ""
	}
	var o1, o2, e1 bytes.Buffer
	if c := app.Run([]string{"mail", "parse", "--sanitize", "--boundary", "example.jp", good}, strings.NewReader(""), &o1, &e1, env); c != 0 {
		t.Fatalf("sanitize: %d %s", c, e1.String())
	}
	app.Run([]string{"mail", "parse", "--sanitize", good}, strings.NewReader(""), &o2, &e1, env)
	s := o1.String()
	if strings.Contains(strings.ToLower(s), "yamada") || strings.Contains(s, `"to":`) || strings.Contains(s, `"cc":`) || !strings.Contains(s, `"recipients":["recipient-`) {
		t.Fatalf("sanitised output: %s", s)
	}
	var r1, r2 struct{ Recipients []string }
	json.Unmarshal(o1.Bytes(), &r1)
	json.Unmarshal(o2.Bytes(), &r2)
	if len(r1.Recipients) != 1 || r1.Recipients[0] != r2.Recipients[0] {
		t.Fatalf("pseudonyms differ between runs with one key: %v %v", r1.Recipients, r2.Recipients)
	}
	// They are the hub's pseudonyms: derived from the master key as the
	// sharing hub derives them, so the command's output matches shares.
	k, _ := config.DecodeKey(master)
	box, _ := masterkey.New(k)
	var msg struct{ To []struct{ Address string } }
	var plain bytes.Buffer
	app.Run([]string{"mail", "parse", good}, strings.NewReader(""), &plain, &e1, env)
	json.Unmarshal(plain.Bytes(), &msg)
	if len(msg.To) == 0 || r1.Recipients[0] != mailparse.Pseudonym(sharing.PseudonymKey(box), msg.To[0].Address) {
		t.Fatalf("the command's pseudonym %v is not the hub's for %v", r1.Recipients, msg.To)
	}
	// A master key that is not one is refused, not used as text.
	bad := func(k string) string {
		if k == "MAMORI_SECRET_KEY" {
			return "not a key"
		}
		return ""
	}
	if c := app.Run([]string{"mail", "parse", "--sanitize", good}, strings.NewReader(""), &o2, &e1, bad); c != 2 || !strings.Contains(e1.String(), "MAMORI_SECRET_KEY") {
		t.Fatalf("bad MAMORI_SECRET_KEY: exit %d, %s", c, e1.String())
	}
	if c, _, errs := run(t, "", "mail", "parse", "--max-size", "-5", good); c != 2 || !strings.Contains(errs, "--max-size") {
		t.Fatalf("negative --max-size: exit %d, %s", c, errs)
	}
	if code, _, _ := run(t, "", "mail", "parse"); code != 2 {
		t.Fatal("no files accepted")
	}
	if code, _, _ := run(t, "", "mail", "frobnicate"); code != 2 {
		t.Fatal("unknown mail command accepted")
	}
}
