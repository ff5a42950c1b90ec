package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mamori/internal/app"
	"mamori/internal/apptest"
	"mamori/internal/auth"
	"mamori/internal/auth/password"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/masterkey"
	"mamori/internal/org/orgtest"
	"mamori/internal/registry"
	"mamori/internal/sharing"
	"mamori/internal/signing"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// instance is one wired application with its own HTTP server.
type instance struct {
	a   *app.App
	d   *db.DB
	url string
}

func startInstance(t *testing.T, cfg config.Config, d *db.DB) (*instance, error) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	a, err := app.Build(cfg, d, quiet)
	if err != nil {
		return nil, err
	}
	a.Auth.Params = password.Fast
	srv.Config.Handler = a.Handler()
	return &instance{a: a, d: d, url: srv.URL}, nil
}

func get(t *testing.T, c *http.Client, u string) (int, []byte) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// someDeclaration makes declarations (the registry's generator) and
// returns one number.
func someDeclaration(t *testing.T, d *db.DB) string {
	t.Helper()
	ctx := context.Background()
	if err := registry.Generate(ctx, d, 3, 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	var n string
	if err := d.QueryRowContext(ctx, `SELECT number FROM declarations ORDER BY number LIMIT 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// verifyAgainst checks a signed record against the key document an
// instance publishes.
func verifyAgainst(t *testing.T, record []byte, in *instance) error {
	t.Helper()
	code, doc := get(t, http.DefaultClient, in.url+"/.well-known/mamori-declarations-key")
	if code != 200 {
		t.Fatalf("key document: %d", code)
	}
	keys, err := signing.ParseKeysDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = signing.VerifyEnvelope(record, keys)
	return err
}

func randomKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Two instances on one PostgreSQL database (separate data directories,
// the same MAMORI_SECRET_KEY) are one deployment: one key ring, sessions
// that end everywhere, jobs run once. Another master key is refused.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dbs := dbtest.PostgresShared(t, 3)
	ctx := context.Background()
	key := randomKey()
	cfgFor := func(secret string) config.Config {
		cfg := config.Default()
		cfg.DataDir, cfg.SecretKey = t.TempDir(), secret
		return cfg
	}
	// Both start at the same moment on the empty database.
	var a, b *instance
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { a, errA = startInstance(t, cfgFor(key), dbs[0]) })
	wg.Go(func() { b, errB = startInstance(t, cfgFor(key), dbs[1]) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}

	// One key ring: the same key document, and a record signed by one
	// verifies against the other's.
	_, docA := get(t, http.DefaultClient, a.url+"/.well-known/mamori-declarations-key")
	_, docB := get(t, http.DefaultClient, b.url+"/.well-known/mamori-declarations-key")
	if !bytes.Equal(docA, docB) {
		t.Fatalf("the instances publish different keys:\n%s\n%s", docA, docB)
	}
	number := someDeclaration(t, a.d)
	code, rec := get(t, http.DefaultClient, a.url+"/api/v1/declarations/"+number)
	if code != 200 {
		t.Fatalf("record: %d %s", code, rec)
	}
	if err := verifyAgainst(t, rec, b); err != nil {
		t.Fatalf("a record signed by A does not verify against B's key: %v", err)
	}
	// A rotation through one instance reaches the other on its refresh,
	// and what was signed before still verifies there.
	if _, err := a.a.Keys.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.a.Keys.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	_, rec2 := get(t, http.DefaultClient, b.url+"/api/v1/declarations/"+number)
	for _, r := range [][]byte{rec, rec2} {
		if err := verifyAgainst(t, r, a); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
	}
	if b.a.Keys.CurrentID() != a.a.Keys.CurrentID() {
		t.Fatal("B signs with another key after the rotation")
	}

	// Another master key: refused, with the message saying what to do.
	_, err := startInstance(t, cfgFor(randomKey()), dbs[2])
	if !errors.Is(err, masterkey.ErrWrongKey) || !strings.Contains(err.Error(), "set MAMORI_SECRET_KEY to the same value on every instance") {
		t.Fatalf("another master key: %v", err)
	}
	// No master key at all: refused too, never a fresh one.
	_, err = startInstance(t, cfgFor(""), dbs[2])
	var nk *masterkey.NoKeyError
	if !errors.As(err, &nk) {
		t.Fatalf("no master key: %v", err)
	}

	// Sessions: logging out on A, or changing the password on A, ends the
	// session on B (B's read cache may hold it up to a second).
	pw := "a long passphrase 1"
	h, _ := password.Hash(pw, password.Fast)
	u, err := auth.CreateUser(ctx, a.d, "two@example.jp", "", h, "", true)
	if err != nil {
		t.Fatal(err)
	}
	login := func(in *instance) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res := post(t, c, in.url, "/login", url.Values{"email": {u.Email}, "password": {pw}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		return c
	}
	// The same cookie on the other instance.
	onB := func(c *http.Client, fromURL string) *http.Client {
		from, _ := url.Parse(fromURL)
		to, _ := url.Parse(b.url)
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(to, c.Jar.Cookies(from))
		return &http.Client{Jar: jar, CheckRedirect: c.CheckRedirect}
	}
	loggedIn := func(c *http.Client) bool {
		code, _ := get(t, c, b.url+"/settings")
		return code == 200
	}
	endsOnB := func(what string, c *http.Client) {
		t.Helper()
		apptest.WaitFor(t, what+" on A ends the session on B", func() bool { return !loggedIn(c) })
	}
	ca := login(a)
	cb := onB(ca, a.url)
	if !loggedIn(cb) {
		t.Fatal("A's session does not work on B")
	}
	if res := post(t, ca, a.url, "/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	endsOnB("logout", cb)

	ca = login(a)
	other := onB(login(a), a.url) // a second session of the same user, used on B
	if !loggedIn(other) {
		t.Fatal("second session")
	}
	newPW := "another long passphrase 2"
	if res := post(t, ca, a.url, "/settings/password", url.Values{"current_password": {pw}, "password": {newPW}, "password_confirm": {newPW}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d", res.StatusCode)
	}
	endsOnB("password change", other)

	// Jobs: enqueued once, run once with both instances' workers running.
	var runs atomic.Int64
	for _, in := range []*instance{a, b} {
		in.a.Jobs.Register("test.once", func(context.Context, json.RawMessage) error { runs.Add(1); return nil })
		in.a.Jobs.Poll = 20 * time.Millisecond
	}
	const jobs = 40
	for i := range jobs {
		if _, err := a.a.Jobs.Enqueue(ctx, a.d, "test.once", i, 1, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	wctx, stop := context.WithCancel(ctx)
	var workers sync.WaitGroup
	for _, in := range []*instance{a, b} {
		workers.Go(func() { in.a.Jobs.Run(wctx) })
	}
	done := 0
	apptest.Eventually(func() bool {
		a.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'test.once' AND status = 'done'`).Scan(&done)
		return done == jobs
	})
	stop()
	workers.Wait()
	if done != jobs || runs.Load() != jobs {
		t.Fatalf("%d jobs done, %d runs; want %d each", done, runs.Load(), jobs)
	}
}

func post(t *testing.T, c *http.Client, base, path string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// backupMail is the reported mail sealed before a backup.
const backupMail = "From: attacker@example.com\r\nSubject: invoice\r\n\r\nsecret body\r\n"

// sealedAndSigned opens cfg's store, starts an instance on it and leaves
// what a backup must carry to be of use: a reported mail sealed with the
// master key (backupMail) and a declaration record signed with the
// deployment's key, returned as served.
func sealedAndSigned(t *testing.T, cfg config.Config) (*db.DB, *instance, *sharing.Report, []byte) {
	t.Helper()
	ctx := context.Background()
	d, err := app.Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	orig, err := startInstance(t, cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	uid := orgtest.NewUser(t, d, "reporter@example.jp")
	o := orgtest.NewOrg(t, d, "報告株式会社", uid)
	sharing.AddMember(ctx, d, o.ID, "", db.Now())
	rep, err := sharing.CreateReport(ctx, d, orig.a.Box, o.ID, uid, sharing.ReportInput{Summary: "請求書", NoticedAt: "2026-11-26T11:30", Recipients: "1"},
		[]sharing.MailFile{{Name: "a.eml", Body: []byte(backupMail)}}, db.Now())
	if err != nil {
		t.Fatal(err)
	}
	number := someDeclaration(t, d)
	code, record := get(t, http.DefaultClient, orig.url+"/api/v1/declarations/"+number)
	if code != 200 {
		t.Fatalf("record: %d", code)
	}
	return d, orig, rep, record
}

// A backup taken while the server writes finishes, and restores into a
// data directory whose server opens the mail sealed before the backup and
// publishes the key that signed a declaration before it.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	d, orig, rep, record := sealedAndSigned(t, cfg)

	counts := func(d *db.DB) map[string]int {
		m := map[string]int{}
		for _, table := range []string{"users", "orgs", "declarations", "share_report_mails", "signing_keys", "key_check", "jobs"} {
			var n int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			m[table] = n
		}
		return m
	}
	before := counts(d)
	// A writer that does not stop while the backup runs.
	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := orig.a.Jobs.Enqueue(ctx, d, "test.noop", nil, 1, time.Now().Add(time.Hour)); err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	})
	apptest.WaitFor(t, "the writer going", func() bool { return written.Load() >= 20 })
	file := filepath.Join(t.TempDir(), "mamori.backup")
	atStart := written.Load()
	start := time.Now()
	code, out, errs := run(t, "", "backup", "--data-dir", dir, "--to", file)
	took := time.Since(start)
	during := written.Load() - atStart
	close(stop)
	wg.Wait()
	if code != 0 || strings.TrimSpace(out) != file {
		t.Fatalf("backup: %d %q %s", code, out, errs)
	}
	t.Logf("backup took %s while %d jobs were written", took.Round(time.Millisecond), during)
	if during == 0 {
		t.Fatal("nothing was written during the backup")
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	after := counts(d)
	if code, _, _ := run(t, "", "backup", "--data-dir", dir, "--to", file); code != 1 {
		t.Fatal("backup overwrote an existing file")
	}

	// Restore into a new directory.
	restored := filepath.Join(t.TempDir(), "restored")
	if code, _, errs := run(t, "", "restore", "--from", file, "--data-dir", restored); code != 0 {
		t.Fatalf("restore: %d %s", code, errs)
	}
	for p, want := range map[string]os.FileMode{restored: 0o700, filepath.Join(restored, "keys"): 0o700, filepath.Join(restored, "mamori.db"): 0o600, filepath.Join(restored, "keys", "secret.key"): 0o600} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: %v %v, want %o", p, fi, err, want)
		}
	}
	rcfg := config.Default()
	rcfg.DataDir = restored
	rd, err := app.Open(ctx, rcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	got := counts(rd)
	for table, n := range before {
		if table == "jobs" {
			if got[table] < before[table] || got[table] > after[table] {
				t.Fatalf("jobs: %d restored, %d before and %d after the backup", got[table], before[table], after[table])
			}
			continue
		}
		if got[table] != n {
			t.Fatalf("%s: %d rows restored, %d backed up", table, got[table], n)
		}
	}
	res, err := startInstance(t, rcfg, rd)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sharing.OpenMail(ctx, rd, res.a.Box, rep.ID, rep.Mails[0].ID)
	if err != nil || string(m.Body) != backupMail {
		t.Fatalf("the restored server cannot open the sealed mail: %v", err)
	}
	if err := verifyAgainst(t, record, res); err != nil {
		t.Fatalf("a declaration signed before the backup does not verify against the restored key: %v", err)
	}
	if res.a.Keys.CurrentID() != orig.a.Keys.CurrentID() {
		t.Fatal("the restored server signs with another key")
	}

	// The database without its keys (what copying mamori.db alone gave):
	// the server refuses to start instead of making fresh keys.
	bare := t.TempDir()
	raw, _ := os.ReadFile(filepath.Join(restored, "mamori.db"))
	os.WriteFile(filepath.Join(bare, "mamori.db"), raw, 0o600)
	bcfg := config.Default()
	bcfg.DataDir = bare
	bd, err := app.Open(ctx, bcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer bd.Close()
	_, err = app.Build(bcfg, bd, quiet)
	var nk *masterkey.NoKeyError
	if !errors.As(err, &nk) || !strings.Contains(err.Error(), "no master key is configured") {
		t.Fatalf("a database without its keys: %v", err)
	}
	if _, err := os.Stat(filepath.Join(bare, "keys", "secret.key")); err == nil {
		t.Fatal("a fresh master key was made")
	}
}

// freshBackup sets up a new data directory (an empty database and its
// keys) and returns the path of its backup.
func freshBackup(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	d, err := app.Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Build(cfg, d, quiet); err != nil {
		t.Fatal(err)
	}
	d.Close()
	file := filepath.Join(t.TempDir(), "b.tgz")
	if code, _, errs := run(t, "", "backup", "--data-dir", dir, "--to", file); code != 0 {
		t.Fatalf("backup: %s", errs)
	}
	return file
}

// Restore refuses a target that is not empty and a backup that is
// damaged, truncated or altered, and leaves nothing behind when it does.
func TestRestoreRefuses(t *testing.T) {
	file := freshBackup(t)
	good, _ := os.ReadFile(file)

	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), []byte("x"), 0o600)
	if code, _, errs := run(t, "", "restore", "--from", file, "--data-dir", full); code != 1 || !strings.Contains(errs, "not empty") {
		t.Fatalf("non-empty target: %d %s", code, errs)
	}

	damaged := map[string][]byte{
		"truncated":   good[:len(good)*2/3],
		"flipped":     flip(good, len(good)/2),
		"last byte":   flip(good, len(good)-1),
		"not gzip":    []byte("hello"),
		"empty":       {},
		"other files": tamperedManifest(t, good),
	}
	for name, b := range damaged {
		p := filepath.Join(t.TempDir(), "bad")
		os.WriteFile(p, b, 0o600)
		target := filepath.Join(t.TempDir(), "new")
		code, _, errs := run(t, "", "restore", "--from", p, "--data-dir", target)
		if code != 1 || !strings.Contains(errs, "damaged") {
			t.Errorf("%s: %d %s", name, code, errs)
		}
		if _, err := os.Stat(target); err == nil {
			t.Errorf("%s: the target was created", name)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(target), ".mamori-restore-*")); len(left) > 0 {
			t.Errorf("%s: staging left behind: %v", name, left)
		}
	}
	// The good file still restores (into an existing empty directory).
	empty := t.TempDir()
	if code, _, errs := run(t, "", "restore", "--from", file, "--data-dir", empty); code != 0 {
		t.Fatalf("restore into an empty directory: %s", errs)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

// tamperedManifest rewrites the backup with the database replaced by other
// bytes of the same size, under the original manifest.
func tamperedManifest(t *testing.T, good []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := app.RewriteBackupForTest(bytes.NewReader(good), &out, func(name string, data []byte) []byte {
		if name == "mamori.db" {
			data = bytes.Repeat([]byte{0}, len(data))
		}
		return data
	}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// The key commands work on the database's key ring: verify-declaration
// --data-dir reads the published keys, rotate-declaration-key rotates (the
// old key stays published) and --revoke withdraws an old key.
func TestKeyCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	d, err := app.Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	in, err := startInstance(t, cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	number := someDeclaration(t, d)
	_, record := get(t, http.DefaultClient, in.url+"/api/v1/declarations/"+number)
	rec := filepath.Join(t.TempDir(), "rec.json")
	os.WriteFile(rec, record, 0o600)
	old := in.a.Keys.CurrentID()
	verify := func() (int, string) {
		code, out, errs := run(t, "", "verify-declaration", "--data-dir", dir, rec)
		return code, out + errs
	}
	if code, out := verify(); code != 0 || !strings.Contains(out, "(key "+old+")") {
		t.Fatalf("verify: %d %s", code, out)
	}
	code, out, errs := run(t, "", "rotate-declaration-key", "--data-dir", dir)
	id := lastLine(out)
	if code != 0 || len(id) != 16 || id == old {
		t.Fatalf("rotate: %d %q %s", code, out, errs)
	}
	if err := in.a.Keys.Refresh(ctx); err != nil || in.a.Keys.CurrentID() != id {
		t.Fatalf("the server does not see the rotation: %v", err)
	}
	if code, out := verify(); code != 0 {
		t.Fatalf("a record signed before the rotation: %d %s", code, out)
	}
	if code, _, _ := run(t, "", "rotate-declaration-key", "--data-dir", dir, "--revoke", id); code != 1 {
		t.Fatal("the current key was revoked")
	}
	if code, _, errs := run(t, "", "rotate-declaration-key", "--data-dir", dir, "--revoke", old); code != 0 {
		t.Fatalf("revoke: %s", errs)
	}
	if code, out := verify(); code != 1 || !strings.Contains(out, "unknown key id") {
		t.Fatalf("a record signed by a revoked key: %d %s", code, out)
	}
	if code, _, _ := run(t, "", "verify-declaration", "--data-dir", t.TempDir(), rec); code != 1 {
		t.Fatal("an empty data directory verified")
	}
}

// The PostgreSQL drill: backup drives pg_dump and takes the keys but not
// a master key from MAMORI_SECRET_KEY; the dump restored with pg_restore
// into a new database, with the same key set, opens the sealed mail and
// publishes the key that signed before the backup.
func TestBackupRestorePostgres(t *testing.T) {
	base := os.Getenv("MAMORI_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("MAMORI_TEST_DATABASE_URL not set")
	}
	for _, bin := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skip(bin + " not on PATH")
		}
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	newDB := func() string {
		name := "mamori_bk_" + randomKey()[:12]
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			t.Skipf("cannot create a database for the drill: %v", err)
		}
		t.Cleanup(func() { admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
		u, _ := url.Parse(base)
		u.Path = "/" + name
		return u.String()
	}
	key := randomKey()
	srcURL, dstURL := newDB(), newDB()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL, cfg.SecretKey = dir, srcURL, key
	_, _, rep, record := sealedAndSigned(t, cfg)

	envWith := func(k string) func(string) string {
		return func(name string) string {
			if name == "MAMORI_SECRET_KEY" {
				return k
			}
			return ""
		}
	}
	file := filepath.Join(t.TempDir(), "pg.backup")
	var out, errb bytes.Buffer
	if code := app.Run([]string{"backup", "--database-url", srcURL, "--data-dir", dir, "--to", file}, nil, &out, &errb, envWith(key)); code != 0 {
		t.Fatalf("backup: %d %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "master key not included: MAMORI_SECRET_KEY") {
		t.Fatalf("the backup does not say the key is not in it: %s", errb.String())
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if code, _, errs := run(t, "", "restore", "--from", file, "--data-dir", restored); code != 0 || !strings.Contains(errs, "pg_restore") || !strings.Contains(errs, "MAMORI_SECRET_KEY") {
		t.Fatalf("restore: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(restored, "keys", "secret.key")); err == nil {
		t.Fatal("a key file was restored although the key came from MAMORI_SECRET_KEY")
	}
	if b, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname", dstURL, filepath.Join(restored, "postgres.dump")).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, b)
	}
	rcfg := config.Default()
	rcfg.DataDir, rcfg.DatabaseURL = restored, dstURL
	rd, err := app.Open(ctx, rcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	// Without the key: refused. With it: the old mail opens, the old
	// record verifies.
	var nk *masterkey.NoKeyError
	if _, err := app.Build(rcfg, rd, quiet); !errors.As(err, &nk) {
		t.Fatalf("restored without MAMORI_SECRET_KEY: %v", err)
	}
	rcfg.SecretKey = key
	res, err := startInstance(t, rcfg, rd)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sharing.OpenMail(ctx, rd, res.a.Box, rep.ID, rep.Mails[0].ID)
	if err != nil || string(m.Body) != backupMail {
		t.Fatalf("sealed mail after restore: %v", err)
	}
	if err := verifyAgainst(t, record, res); err != nil {
		t.Fatalf("record signed before the backup: %v", err)
	}
}

// pg_dump is given the password through its environment, never on the
// command line that every local user can read.
func TestBackupKeepsPasswordOffCommandLine(t *testing.T) {
	conn, pw := app.SplitPasswordForTest("postgres://mamori:s3cr%40t@db.example:5432/mamori?sslmode=require")
	if pw != "s3cr@t" || strings.Contains(conn, "s3cr") || conn != "postgres://mamori@db.example:5432/mamori?sslmode=require" {
		t.Fatalf("%q %q", conn, pw)
	}
	if conn, pw := app.SplitPasswordForTest("postgres://mamori@db/x"); pw != "" || conn != "postgres://mamori@db/x" {
		t.Fatalf("%q %q", conn, pw)
	}
}

// An existing empty target is filled, not replaced: the data directory is
// often a volume's mount point (which cannot be removed or renamed onto)
// or a symbolic link to one. Restore used to remove the target and rename
// its staging directory there: a mount point failed with "device or
// resource busy", and a link was replaced by a directory on the link's
// file system while the volume stayed empty.
func TestRestoreKeepsTheTargetDirectory(t *testing.T) {
	file := freshBackup(t)

	// A umask that takes the owner's write bits (0277) must not leave the
	// restored database read-only or the keys unreadable to the server.
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)

	volume := filepath.Join(t.TempDir(), "volume")
	if err := os.Mkdir(volume, 0o755); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(volume)
	link := filepath.Join(t.TempDir(), "mamori")
	if err := os.Symlink(volume, link); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "", "restore", "--from", file, "--data-dir", link); code != 0 {
		t.Fatalf("restore: %d %s", code, errs)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link to the volume was replaced: %v %v", fi, err)
	}
	after, err := os.Stat(volume)
	if err != nil || !os.SameFile(before, after) || after.Mode().Perm() != 0o700 {
		t.Fatalf("the volume's directory was replaced or left open: %v %v", after, err)
	}
	for _, name := range []string{"mamori.db", "keys/secret.key"} {
		if fi, err := os.Stat(filepath.Join(volume, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s not restored into the volume: %v %v", name, fi, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(volume, "keys")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("keys directory: %v %v", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(volume, ".mamori-restore-*")); len(left) > 0 {
		t.Fatalf("staging left behind: %v", left)
	}
	syscall.Umask(old)
	rcfg := config.Default()
	rcfg.DataDir = link
	rd, err := app.Open(context.Background(), rcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if _, err := app.Build(rcfg, rd, quiet); err != nil {
		t.Fatalf("the restored directory does not start: %v", err)
	}
}

// The first start after an upgrade from a version without a key-check
// value writes one. That start used to accept any master key: an operator
// who set a newly generated MAMORI_SECRET_KEY at the upgrade (instead of
// the old keys/secret.key) got a server that wrote the new key as the
// deployment's, sealed new data with it and could open no mail reported
// before. It is refused now, and the right key still starts.
func TestUpgradeRefusesANewMasterKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		cfg.SecretKey = randomKey()
		a, err := app.Build(cfg, d, quiet)
		if err != nil {
			t.Fatal(err)
		}
		uid := orgtest.NewUser(t, d, "reporter@example.jp")
		o := orgtest.NewOrg(t, d, "報告株式会社", uid)
		sharing.AddMember(ctx, d, o.ID, "", db.Now())
		if _, err := sharing.CreateReport(ctx, d, a.Box, o.ID, uid, sharing.ReportInput{Summary: "請求書", NoticedAt: "2026-11-26T11:30", Recipients: "1"},
			[]sharing.MailFile{{Name: "a.eml", Body: []byte("From: attacker@example.com\r\nSubject: invoice\r\n\r\nsecret body\r\n")}}, db.Now()); err != nil {
			t.Fatal(err)
		}
		// The database as the older version left it: sealed mail, no
		// key-check value, no key ring.
		for _, q := range []string{`DELETE FROM key_check`, `DELETE FROM signing_current`, `DELETE FROM signing_keys`} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		other := cfg
		other.SecretKey = randomKey()
		if _, err := app.Build(other, d, quiet); !errors.Is(err, masterkey.ErrWrongKey) {
			t.Fatalf("a new master key on an upgraded database: %v, want ErrWrongKey", err)
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM key_check`).Scan(&n)
		if n != 0 {
			t.Fatal("the refused key was written as the deployment's")
		}
		if _, err := app.Build(cfg, d, quiet); err != nil {
			t.Fatalf("the deployment's own key: %v", err)
		}
	})
}

// The backup before an upgrade is often taken with the new binary while
// the old servers run. It used to migrate the live database first: the
// running servers were left on a schema they do not know, and the
// "pre-upgrade" backup held the new schema, which the old version refuses
// to restore. It copies the database as it is now.
func TestBackupDoesNotMigrate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A store left by a version before the key ring (0018 and earlier).
	old, err := db.OpenSQLite(ctx, filepath.Join(dir, "mamori.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	ms, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	last := ""
	for _, m := range ms {
		if m.Name >= "0019" {
			break
		}
		if _, err := old.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		old.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, '2026-01-01T00:00:00.000000Z')`, m.Name)
		last = m.Name
	}
	old.Close()
	os.MkdirAll(filepath.Join(dir, "keys"), 0o700)
	os.WriteFile(filepath.Join(dir, "keys", "secret.key"), []byte(randomKey()+"\n"), 0o600)

	file := filepath.Join(t.TempDir(), "b.tgz")
	if code, _, errs := run(t, "", "backup", "--data-dir", dir, "--to", file); code != 0 {
		t.Fatalf("backup: %d %s", code, errs)
	}
	d, err := db.OpenSQLite(ctx, filepath.Join(dir, "mamori.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var level string
	d.QueryRowContext(ctx, `SELECT MAX(name) FROM schema_migrations`).Scan(&level)
	if level != last {
		t.Fatalf("the live database was migrated to %s by the backup (was %s)", level, last)
	}
	restored := filepath.Join(t.TempDir(), "r")
	code, _, errs := run(t, "", "restore", "--from", file, "--data-dir", restored)
	if code != 0 || !strings.Contains(errs, last) {
		t.Fatalf("restore: %d %s (want the schema %s)", code, errs, last)
	}
	// The restored copy upgrades like the original would.
	rcfg := config.Default()
	rcfg.DataDir = restored
	rd, err := app.Open(ctx, rcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if _, err := app.Build(rcfg, rd, quiet); err != nil {
		t.Fatal(err)
	}
}

// An upgraded data directory still holds the old keyring's files: private
// signing keys in clear PEM. The database holds them sealed after the
// first start, so a backup leaves them out; with MAMORI_SECRET_KEY the
// backup used to carry the current signing key in clear although it is
// documented to hold no key. A restore still signs with the same key.
func TestBackupLeavesImportedKeyFilesOut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	os.MkdirAll(keys, 0o700)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	id := signing.KeyID(priv.Public().(ed25519.PublicKey))
	os.WriteFile(filepath.Join(keys, "declarations-"+id+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(keys, "current"), []byte(id+"\n"), 0o600)

	secret := randomKey()
	cfg := config.Default()
	cfg.DataDir, cfg.SecretKey = dir, secret
	d, err := app.Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(cfg, d, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if a.Keys.CurrentID() != id {
		t.Fatalf("the old current key %s was not imported as current: %s", id, a.Keys.CurrentID())
	}
	d.Close()
	env := func(k string) string {
		if k == "MAMORI_SECRET_KEY" {
			return secret
		}
		return ""
	}
	file := filepath.Join(t.TempDir(), "b.tgz")
	var out, errb bytes.Buffer
	if code := app.Run([]string{"backup", "--data-dir", dir, "--to", file}, strings.NewReader(""), &out, &errb, env); code != 0 {
		t.Fatalf("backup: %s", errb.String())
	}
	raw, _ := os.ReadFile(file)
	var names []string
	if err := app.RewriteBackupForTest(bytes.NewReader(raw), io.Discard, func(name string, data []byte) []byte {
		names = append(names, name)
		if bytes.Contains(data, []byte("PRIVATE KEY")) {
			t.Errorf("%s holds a private key in clear", name)
		}
		return data
	}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "keys/") {
			t.Errorf("%s is in a backup whose master key is not", n)
		}
	}
	restored := filepath.Join(t.TempDir(), "r")
	if code, _, errs := run(t, "", "restore", "--from", file, "--data-dir", restored); code != 0 {
		t.Fatalf("restore: %s", errs)
	}
	rcfg := config.Default()
	rcfg.DataDir, rcfg.SecretKey = restored, secret
	rd, err := app.Open(ctx, rcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ra, err := app.Build(rcfg, rd, quiet)
	if err != nil || ra.Keys.CurrentID() != id {
		t.Fatalf("the restored server: %v, signs with %s, want %s", err, ra.Keys.CurrentID(), id)
	}
}
