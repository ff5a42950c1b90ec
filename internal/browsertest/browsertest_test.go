package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// appPage is a form whose behaviour lives in an external script, as the
// product's CSP requires.
const appPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>app</title></head>
<body>
<form id="f">
  <input id="name" name="name">
  <button id="go" type="button">Go</button>
</form>
<p id="out">before</p>
<script src="/app.js"></script>
</body></html>`

const appJS = `document.getElementById('go').addEventListener('click', () => {
  document.getElementById('out').textContent = 'hello, ' + document.getElementById('name').value;
});`

// inlinePage carries an inline script that its own CSP forbids.
const inlinePage = `<!doctype html>
<html><head><meta charset="utf-8"><title>csp</title></head>
<body><p id="out">static</p>
<script>document.getElementById('out').textContent = 'inline ran';</script>
</body></html>`

// errorsPage reports an error through console.error and throws.
const errorsPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>errors</title></head>
<body><p id="out">x</p><script src="/errors.js"></script></body></html>`

const errorsJS = `console.error('first', 42);
throw new Error('boom');`

// newServer serves the test pages under a strict CSP, the way the product
// does, so that the external script must work under it.
func newServer(t *testing.T) (*httptest.Server, *requestLog) {
	t.Helper()
	rl := &requestLog{}
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			rl.add(r)
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	script := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("GET /{$}", page(appPage))
	mux.HandleFunc("GET /app.js", script(appJS))
	mux.HandleFunc("GET /inline", page(inlinePage))
	mux.HandleFunc("GET /errors", page(errorsPage))
	mux.HandleFunc("GET /errors.js", script(errorsJS))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, rl
}

type requestLog struct {
	mu   sync.Mutex
	lang []string
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lang = append(l.lang, r.Header.Get("Accept-Language"))
}

func (l *requestLog) acceptLanguages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lang...)
}

func evaluate[T any](t *testing.T, b *Browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func TestClickChangesText(t *testing.T) {
	srv, rl := newServer(t)
	b := New(t)

	b.Run(chromedp.Navigate(srv.URL + "/"))
	if got := b.Text("#out"); got != "before" {
		t.Errorf("Text(#out) before the click = %q, want %q", got, "before")
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS("#name"), "Taro"),
		chromedp.Click(chromedp.CSS("#go")),
	)
	b.WaitText("#out", "hello, Taro")

	if got, want := b.Location(), srv.URL+"/"; got != want {
		t.Errorf("Location() = %q, want %q", got, want)
	}
	if got := evaluate[string](t, b, "navigator.language"); !strings.HasPrefix(got, "ja") {
		t.Errorf("navigator.language = %q, want ja by default", got)
	}
	if got := rl.acceptLanguages(); len(got) == 0 || !strings.HasPrefix(got[0], "ja") {
		t.Errorf("Accept-Language = %q, want ja first", got)
	}
	if w := evaluate[int](t, b, "window.innerWidth"); w != DefaultWidth {
		t.Errorf("window.innerWidth = %d, want %d", w, DefaultWidth)
	}
	if h := evaluate[int](t, b, "window.innerHeight"); h != DefaultHeight {
		t.Errorf("window.innerHeight = %d, want %d", h, DefaultHeight)
	}
	if errs := b.ConsoleErrors(); len(errs) != 0 {
		t.Errorf("ConsoleErrors() = %v, want none", errs)
	}
}

func TestConsoleErrorsReportsCSPViolation(t *testing.T) {
	srv, _ := newServer(t)
	b := New(t)
	b.Run(chromedp.Navigate(srv.URL + "/inline"))

	if got := b.Text("#out"); got != "static" {
		t.Errorf("Text(#out) = %q: the inline script ran despite the CSP", got)
	}
	errs := waitConsoleErrors(b, 1)
	var found bool
	for _, e := range errs {
		t.Logf("console error: type=%s source=%s text=%q url=%s", e.Type, e.Source, e.Text, e.URL)
		if strings.Contains(e.Text, "Content Security Policy") {
			found = true
		}
	}
	if !found {
		t.Errorf("ConsoleErrors() = %v, want a Content Security Policy violation", errs)
	}
}

func TestConsoleErrorsReportsExceptionsAndConsoleError(t *testing.T) {
	srv, _ := newServer(t)
	b := New(t)
	b.Run(chromedp.Navigate(srv.URL + "/errors"))

	errs := waitConsoleErrors(b, 2)
	if len(errs) != 2 {
		t.Fatalf("ConsoleErrors() = %v, want 2 entries", errs)
	}
	for _, e := range errs {
		t.Logf("console error: type=%s source=%s text=%q url=%s", e.Type, e.Source, e.Text, e.URL)
	}
	if e := errs[0]; e.Type != chromedp.ConsoleError || e.Text != "first 42" {
		t.Errorf("first entry = %v, want console error %q", e, "first 42")
	}
	if e := errs[1]; !e.IsException() || !strings.Contains(e.Text, "boom") {
		t.Errorf("second entry = %v, want an exception with boom", e)
	}
}

func TestNewTabAndOptions(t *testing.T) {
	srv, rl := newServer(t)
	b := New(t, WithLang("en"), WithViewport(800, 600))
	b.Run(chromedp.Navigate(srv.URL + "/"))
	if got := evaluate[string](t, b, "navigator.language"); !strings.HasPrefix(got, "en") {
		t.Errorf("navigator.language = %q, want en", got)
	}
	if got := rl.acceptLanguages(); len(got) == 0 || !strings.HasPrefix(got[0], "en") {
		t.Errorf("Accept-Language = %q, want en first", got)
	}
	if w := evaluate[int](t, b, "window.innerWidth"); w != 800 {
		t.Errorf("window.innerWidth = %d, want 800", w)
	}

	// Share state between tabs, as a link opened from a mail would need.
	b.Run(chromedp.Evaluate[chromedp.Void](`localStorage.setItem('k', 'v')`))

	tab := b.NewTab()
	tab.Run(chromedp.Navigate(srv.URL + "/errors"))
	if got := evaluate[string](t, tab, "localStorage.getItem('k')"); got != "v" {
		t.Errorf("localStorage in the new tab = %q, want v", got)
	}
	if w, h := evaluate[int](t, tab, "window.innerWidth"), evaluate[int](t, tab, "window.innerHeight"); w != 800 || h != 600 {
		t.Errorf("viewport of the new tab = %dx%d, want 800x600", w, h)
	}
	waitConsoleErrors(tab, 2)

	// Each tab keeps its own console log and its own location.
	if errs := b.ConsoleErrors(); len(errs) != 0 {
		t.Errorf("first tab ConsoleErrors() = %v, want none", errs)
	}
	if got, want := b.Location(), srv.URL+"/"; got != want {
		t.Errorf("first tab Location() = %q, want %q", got, want)
	}
	if got, want := tab.Location(), srv.URL+"/errors"; got != want {
		t.Errorf("new tab Location() = %q, want %q", got, want)
	}
	b.Run(chromedp.Click(chromedp.CSS("#go")))
	b.WaitText("#out", "hello")
}

// TestPoolSharesBrowsersNotState checks what a package's tests get from a
// Pool: one browser per language, and in it tabs that see nothing of each
// other's cookies or storage, as fresh profiles would.
func TestPoolSharesBrowsersNotState(t *testing.T) {
	srv, _ := newServer(t)
	p := new(Pool)
	t.Cleanup(p.Close)

	first := p.New(t)
	first.Run(chromedp.Navigate(srv.URL + "/"))
	first.Run(chromedp.Evaluate[chromedp.Void](`localStorage.setItem('k', 'v'); document.cookie = 'c=1'`))
	// A tab of the same user still sees them.
	tab := first.NewTab()
	tab.Run(chromedp.Navigate(srv.URL + "/"))
	if got := evaluate[string](t, tab, "localStorage.getItem('k') + '|' + document.cookie"); got != "v|c=1" {
		t.Errorf("localStorage in the user's second tab = %q, want v", got)
	}

	second := p.New(t)
	second.Run(chromedp.Navigate(srv.URL + "/"))
	if got := evaluate[string](t, second, "String(localStorage.getItem('k')) + '|' + document.cookie"); got != "null|" {
		t.Errorf("another user's tab sees storage and cookies %q, want none", got)
	}
	en := p.New(t, WithLang("en"))
	en.Run(chromedp.Navigate(srv.URL + "/"))
	if got := evaluate[string](t, en, "navigator.language"); !strings.HasPrefix(got, "en") {
		t.Errorf("navigator.language = %q, want en", got)
	}
	p.mu.Lock()
	n := len(p.procs)
	p.mu.Unlock()
	if n != 2 {
		t.Errorf("pool runs %d browsers for two languages, want 2", n)
	}

	// A browser that died is started again for the next caller.
	p.mu.Lock()
	for _, pr := range p.procs {
		pr.stop()
	}
	p.mu.Unlock()
	again := p.New(t)
	again.Run(chromedp.Navigate(srv.URL + "/"))
	again.Run(chromedp.Click(chromedp.CSS("#go")))
	again.WaitText("#out", "hello")
}

// waitConsoleErrors polls until the tab reported at least n errors, because
// the browser reports them asynchronously, or a minute passed (a budget for
// a busy machine, not a measure of speed).
func waitConsoleErrors(b *Browser, n int) []chromedp.ConsoleMessage {
	deadline := time.Now().Add(time.Minute)
	for {
		errs := b.ConsoleErrors()
		if len(errs) >= n || time.Now().After(deadline) {
			// Give stragglers a moment so that a test that counts sees
			// them; on a busy machine one may come later, and the count
			// then passes when it should not, never the other way.
			time.Sleep(200 * time.Millisecond)
			return b.ConsoleErrors()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fakeTB records the first Skip or Fatal and stops the goroutine, as the
// real ones do, so that the tests can check how New and Run fail.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
	logs    []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Log(args ...any) {
	f.mu.Lock()
	f.logs = append(f.logs, fmt.Sprint(args...))
	f.mu.Unlock()
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.mu.Lock()
	f.skipped = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// run calls fn on a goroutine of its own, since Skipf and Fatalf end it.
func (f *fakeTB) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

func TestMissingChromium(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-chromium")
	t.Setenv(EnvChromium, missing)

	t.Run("skips", func(t *testing.T) {
		t.Setenv(EnvRequire, "postgres")
		f := &fakeTB{TB: t}
		f.run(func() { New(f) })
		if f.skipped == "" || f.fatal != "" {
			t.Fatalf("skipped=%q fatal=%q, want a skip", f.skipped, f.fatal)
		}
		if !strings.Contains(f.skipped, missing) {
			t.Errorf("skip message %q does not name %s", f.skipped, missing)
		}
	})
	t.Run("required", func(t *testing.T) {
		t.Setenv(EnvRequire, "postgres, chromium")
		f := &fakeTB{TB: t}
		f.run(func() { New(f) })
		if f.fatal == "" || f.skipped != "" {
			t.Fatalf("skipped=%q fatal=%q, want a failure", f.skipped, f.fatal)
		}
		if !strings.Contains(f.fatal, missing) || !strings.Contains(f.fatal, EnvRequire) {
			t.Errorf("failure message %q does not name %s and %s", f.fatal, missing, EnvRequire)
		}
	})
}

func TestFailuresSaveArtifacts(t *testing.T) {
	srv, _ := newServer(t)
	dir := t.TempDir()
	t.Setenv(EnvArtifacts, dir)

	b := New(t)
	b.Run(chromedp.Navigate(srv.URL + "/"))
	tabCtx := b.ctx

	cases := []struct {
		name    string
		fail    func(wait time.Duration)
		wantErr string
	}{
		{"failing action", func(time.Duration) {
			b.Run(chromedp.Func(func(context.Context, *chromedp.Target) error {
				return errors.New("step failed on purpose")
			}))
		}, "step failed on purpose"},
		// The tab's deadline passes while WaitText waits, so this checks
		// that the artifacts are captured on a context of their own. The
		// deadline is the test's, wait from now: short, so that the case
		// does not take long, but WaitText must read the text once before
		// it passes to name it, which a busy machine can delay; then the
		// case is tried again with twice the wait.
		{"deadline", func(wait time.Duration) {
			ctx, cancel := context.WithTimeout(b.base, wait)
			defer cancel()
			b.ctx = ctx
			b.WaitText("#out", "never")
		}, `last text "before"`},
	}
	for _, c := range cases {
		var f *fakeTB
		for wait := 500 * time.Millisecond; ; wait *= 2 {
			f = &fakeTB{TB: t}
			b.t = f
			f.run(func() { c.fail(wait) })
			b.t, b.ctx = t, tabCtx
			if strings.Contains(f.fatal, c.wantErr) || wait > time.Minute {
				break
			}
			t.Logf("%s: %q after %v; trying with a longer wait", c.name, f.fatal, wait)
		}
		if !strings.Contains(f.fatal, c.wantErr) {
			t.Fatalf("%s: fatal = %q, want it to contain %q", c.name, f.fatal, c.wantErr)
		}
		// The number after the test name counts failures in the process,
		// so find the files through the log.
		logs := strings.Join(f.logs, "\n")
		pngs, _ := filepath.Glob(filepath.Join(dir, "TestFailuresSaveArtifacts-*.png"))
		var stem string
		for _, p := range pngs {
			if strings.Contains(logs, "screenshot: "+p) {
				stem = strings.TrimSuffix(p, ".png")
			}
		}
		if stem == "" {
			t.Fatalf("%s: no screenshot in %s named by the logs:\n%s", c.name, dir, logs)
		}
		if !strings.Contains(logs, "page HTML: "+stem+".html") {
			t.Errorf("%s: logs do not name the HTML dump:\n%s", c.name, logs)
		}
		png, err := os.ReadFile(stem + ".png")
		if err != nil {
			t.Fatalf("%s: screenshot: %v (logs: %q)", c.name, err, f.logs)
		}
		if !strings.HasPrefix(string(png), "\x89PNG") {
			t.Errorf("%s: %s.png is not a PNG", c.name, stem)
		}
		html, err := os.ReadFile(stem + ".html")
		if err != nil {
			t.Fatalf("%s: HTML: %v (logs: %q)", c.name, err, f.logs)
		}
		if !strings.Contains(string(html), `id="out"`) || !strings.Contains(string(html), srv.URL) {
			t.Errorf("%s: HTML dump lacks the page or its URL:\n%s", c.name, html)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"TestX":                  "TestX",
		"TestX/sub_case#01":      "TestX_sub_case_01",
		"TestX/../../etc/passwd": "TestX_.._.._etc_passwd",
		"TestJa/日本語":             "TestJa____",
		"..":                     "test",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
