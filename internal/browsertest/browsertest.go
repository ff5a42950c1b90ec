// Package browsertest drives Debian's Chromium through chromedp in tests.
//
// It exists so that every browser test in the tree starts the browser the same
// way (headless, isolated profile, no background traffic, fixed window size and
// language), fails instead of hanging when the browser gets stuck, and leaves
// a screenshot and the page HTML behind when a step fails, because a bare
// "context deadline exceeded" says nothing about what the page showed.
//
// A typical test:
//
//	b := browsertest.New(t)
//	b.Run(
//		chromedp.Navigate(srv.URL),
//		chromedp.Click(chromedp.CSS("#go")),
//	)
//	b.WaitText("#out", "done")
//	if errs := b.ConsoleErrors(); len(errs) > 0 {
//		t.Errorf("console errors: %v", errs)
//	}
//
// The methods of a Browser call t.Fatal, so call them only from the goroutine
// of the test, as the testing package requires.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Environment variables that configure the helper.
const (
	// EnvChromium names the Chromium binary. It overrides DefaultChromium, so
	// that a developer on another distribution can point the tests at their
	// own browser.
	EnvChromium = "MAMORI_CHROMIUM"

	// EnvRequire is a comma-separated list of test dependencies that must be
	// present. When it contains "chromium", a missing browser fails the test
	// instead of skipping it, so that CI cannot go green by silently skipping
	// every browser test.
	EnvRequire = "MAMORI_TEST_REQUIRE"

	// EnvArtifacts is the directory for the screenshots and HTML dumps of
	// failed steps. CI can point it at a directory that it uploads.
	EnvArtifacts = "MAMORI_TEST_ARTIFACTS"
)

// DefaultChromium is where Debian's chromium package installs its launcher.
const DefaultChromium = "/usr/bin/chromium"

// Defaults for the options.
const (
	DefaultLang    = "ja"
	DefaultWidth   = 1280
	DefaultHeight  = 900
	DefaultTimeout = 60 * time.Second
)

// artifactTimeout bounds the capture of the screenshot and the HTML after a
// failure. The capture runs on a fresh context because the failure is often
// the expiry of the test's own deadline. It is generous: a busy machine
// stretches a full-page screenshot from milliseconds to seconds.
const artifactTimeout = 30 * time.Second

// startTimeout bounds starting Chromium and opening a tab, unless the tab's
// own timeout is longer. Starting is the step a busy machine stretches most
// (a test with a 5 s overall timeout failed in it when every core was
// taken), and how long it takes says nothing about the page under test, so
// it has a budget of its own and the tab's deadline starts after it.
const startTimeout = 2 * time.Minute

// closeTimeout bounds the graceful shutdown of the browser at cleanup. A
// graceful close lets Chromium stop its child processes itself, so that none
// of them writes into the profile directory while t.TempDir removes it.
const closeTimeout = 10 * time.Second

type config struct {
	lang          string
	width, height int
	timeout       time.Duration
}

// Option changes how New starts the browser.
type Option func(*config)

// WithLang sets the browser language: --lang for the UI and --accept-lang for
// navigator.language and the Accept-Language header. The default is "ja", so
// that tests see the Japanese UI unless they ask otherwise.
func WithLang(lang string) Option {
	return func(c *config) { c.lang = lang }
}

// WithViewport sets the window size (--window-size) and the viewport of every
// tab, in CSS pixels. The default is 1280x900, a common laptop size, so that
// layouts and screenshots are reproducible.
func WithViewport(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// WithTimeout sets the overall deadline of each tab's context, counted from
// when New or NewTab has the tab ready (starting the browser has its own
// budget, startTimeout). The default is 60 s. Every action run through the
// Browser shares it, so a hung browser fails the test instead of hanging
// until the go test timeout kills the whole package without any diagnostics.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Browser is one tab of a headless Chromium. New starts the browser with its
// first tab; NewTab opens more tabs in the same browser.
type Browser struct {
	t   testing.TB
	cfg config

	// base is the chromedp context of the tab, without a deadline. The
	// browser (first tab) or the tab lives as long as base. It is used to
	// capture artifacts after ctx has expired.
	base context.Context
	// ctx is base with the overall deadline. Actions run on it.
	ctx context.Context

	mu   sync.Mutex
	errs []chromedp.ConsoleMessage
}

// New starts a headless Chromium for the test and returns its first tab.
//
// The binary is $MAMORI_CHROMIUM, or /usr/bin/chromium. When it is missing,
// New skips the test, unless $MAMORI_TEST_REQUIRE lists "chromium", in which
// case it fails the test. The browser gets a fresh profile and is closed by
// t.Cleanup. A package whose tests start many browsers shares them through
// a Pool instead.
func New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	p := new(Pool)
	t.Cleanup(p.Close)
	return p.New(t, opts...)
}

// Pool keeps one Chromium per language and window size for the tests of a
// package, and gives each caller of New a tab in a browser context of its
// own (cookies, storage and cache apart, as in a fresh profile). Starting
// Chromium costs most of a second of both cores, and a walk through the
// product that plays five users would otherwise start five. The zero Pool
// is ready; Close it when the package's tests are done (in TestMain), or
// the browsers live until the test binary exits (the kernel kills them
// then, as chromedp asks it to on Linux).
type Pool struct {
	mu    sync.Mutex
	procs map[config]*process
}

// process is one running Chromium: the context of its first tab, which the
// browser lives as long as, and how to stop it.
type process struct {
	root   context.Context
	stop   func()
	closed bool
}

// New returns a tab of the pool's browser for the options' language and
// window size, starting that browser if it is not running. The tab has its
// own browser context, deadline and console log, and closes, with its
// browser context, at t.Cleanup. The rules for a missing Chromium are
// those of the package-level New.
func (p *Pool) New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	cfg := config{lang: DefaultLang, width: DefaultWidth, height: DefaultHeight, timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	exe, err := findChromium()
	if err != nil {
		if required("chromium") {
			t.Fatalf("browsertest: %v, and %s=%q requires it: install Debian's chromium package or set %s", err, EnvRequire, os.Getenv(EnvRequire), EnvChromium)
		}
		t.Skipf("browsertest: skipping browser test: %v (set %s=chromium to make this a failure)", err, EnvRequire)
	}
	proc, err := p.process(exe, cfg)
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return openTab(t, proc.root, cfg, chromedp.WithNewBrowserContext())
}

// Close stops the pool's browsers. Tabs still open fail their next step.
func (p *Pool) Close() {
	p.mu.Lock()
	procs := p.procs
	p.procs = nil
	p.mu.Unlock()
	for _, pr := range procs {
		pr.stop()
	}
}

// process returns the running browser for cfg's language and window size,
// starting one if there is none or the last one died.
func (p *Pool) process(exe string, cfg config) (*process, error) {
	key := config{lang: cfg.lang, width: cfg.width, height: cfg.height}
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr := p.procs[key]; pr != nil && pr.root.Err() == nil {
		return pr, nil
	} else if pr != nil {
		pr.stop()
	}
	pr, err := launch(exe, cfg)
	if err != nil {
		return nil, err
	}
	if p.procs == nil {
		p.procs = make(map[config]*process)
	}
	p.procs[key] = pr
	return pr, nil
}

// launch starts Chromium with a fresh profile in a directory of its own.
func launch(exe string, cfg config) (*process, error) {
	dataDir, err := os.MkdirTemp("", "mamori-chromium-")
	if err != nil {
		return nil, fmt.Errorf("creating the profile directory: %w", err)
	}
	output := &tailBuffer{max: 16 << 10}
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", "new"),
		// Containers and CI run as root, where the sandbox cannot start.
		chromedp.NoSandbox,
		// There is no GPU in CI; software rendering is deterministic.
		chromedp.Flag("disable-gpu", true),
		// No traffic that the test did not ask for: no update checks, no
		// sync, no QUIC probing, no component downloads. It keeps tests
		// hermetic and avoids unrelated console noise.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		// Tabs opened by NewTab must keep running timers and rendering while
		// another tab is in front, or waits in them stall.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		// /dev/shm is tiny in default Docker containers and Chromium crashes
		// when it fills up.
		chromedp.Flag("disable-dev-shm-usage", true),
		// Never touch the host's keyring.
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(cfg.width, cfg.height),
		// --lang picks the UI locale, but Debian ships only en-US.pak
		// unless chromium-l10n is installed, and then Chromium falls back to
		// en-US for navigator.language and Accept-Language as well.
		// --accept-lang sets those two directly, whatever is installed.
		chromedp.Flag("lang", cfg.lang),
		chromedp.Flag("accept-lang", cfg.lang),
		chromedp.CombinedOutput(output),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	root, cancelRoot := chromedp.NewContext(allocCtx)

	// The first Do starts the browser and binds its life to root, so it must
	// not run on a context with a deadline. Bound the start with a timer
	// that tears the allocator down instead.
	timer := time.AfterFunc(max(cfg.timeout, startTimeout), cancelAlloc)
	err = chromedp.Do(root)
	timer.Stop()
	pr := &process{root: root}
	pr.stop = func() {
		if pr.closed {
			return
		}
		pr.closed = true
		cctx, cancel := context.WithTimeout(root, closeTimeout)
		_ = chromedp.Cancel(cctx) // best effort; the kills below follow
		cancel()
		cancelRoot()
		cancelAlloc()
		killLeftovers(dataDir)
		_ = os.RemoveAll(dataDir)
	}
	if err != nil {
		pr.stop()
		return nil, fmt.Errorf("starting %s: %v\nbrowser output:\n%s", exe, err, output.String())
	}
	return pr, nil
}

// openTab opens a tab under parent (a browser's first tab or another tab),
// with the tab's deadline counted from when it is ready, and pins its
// viewport.
func openTab(t testing.TB, parent context.Context, cfg config, opts ...chromedp.ContextOption) *Browser {
	t.Helper()
	b := &Browser{t: t, cfg: cfg}
	base, cancelBase := chromedp.NewContext(parent, append(opts, chromedp.WithListener(b.listen))...)
	b.base = base

	// Canceling a context other than the browser's first closes only that
	// tab (and the browser context it owns), so the timer may cancel it.
	timer := time.AfterFunc(max(cfg.timeout, startTimeout), cancelBase)
	err := chromedp.Do(base)
	timer.Stop()
	if err != nil {
		cancelBase()
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	ctx, cancelCtx := context.WithTimeout(base, cfg.timeout)
	b.ctx = ctx
	t.Cleanup(func() {
		cancelCtx()
		cancelBase()
	})
	// Headless Chromium subtracts room for an imaginary toolbar from the
	// window, so the viewport would be 143 px shorter than asked. Pin it,
	// as Puppeteer does, so that layouts and screenshots match the option.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(cfg.width), int64(cfg.height))); err != nil {
		t.Fatalf("browsertest: setting the viewport: %v", err)
	}
	return b
}

// NewTab opens another tab in the same browser context, with its own
// deadline and its own console log. It shares cookies and storage with the
// other tabs of its context, which is what a test needs to open, say, a link
// from a mail in the session that requested it. The tab closes at t.Cleanup.
func (b *Browser) NewTab() *Browser {
	b.t.Helper()
	return openTab(b.t, b.base, b.cfg)
}

// Ctx returns the chromedp context of the tab, with the overall deadline. Use
// it for chromedp calls that the helpers do not cover, such as chromedp.Run
// of an action that returns a value. Failures there produce no artifacts.
func (b *Browser) Ctx() context.Context { return b.ctx }

// findChromium returns the path of the browser binary, or an error that says
// where it looked.
func findChromium() (string, error) {
	path, from := DefaultChromium, "the default path"
	if p := os.Getenv(EnvChromium); p != "" {
		path, from = p, "$"+EnvChromium
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("chromium not found at %s (%s): %w", path, from, err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("chromium at %s (%s) is not an executable file", path, from)
	}
	return path, nil
}

// JapaneseFont reports whether fontconfig knows a font for Japanese, the
// condition for a layout check of a Japanese page (how many lines wrap,
// how many pages print) to measure what a user's browser would show
// rather than boxes of fallback glyphs. Without one the test is told so,
// and fails if $MAMORI_TEST_REQUIRE lists "jafont".
func JapaneseFont(t testing.TB) bool {
	t.Helper()
	out, err := exec.Command("fc-list", ":lang=ja", "family").Output()
	if err == nil && len(bytes.TrimSpace(out)) > 0 {
		return true
	}
	if required("jafont") {
		t.Fatalf("%s lists jafont but fontconfig has no Japanese font (fc-list: %v); install fonts-noto-cjk", EnvRequire, err)
	}
	t.Log("no Japanese font installed: Japanese layout is measured with fallback glyphs")
	return false
}

// required reports whether $MAMORI_TEST_REQUIRE lists dep.
func required(dep string) bool {
	for _, s := range strings.Split(os.Getenv(EnvRequire), ",") {
		if strings.EqualFold(strings.TrimSpace(s), dep) {
			return true
		}
	}
	return false
}

// tailBuffer keeps the last max bytes written to it. It holds the browser's
// output for the error message when the browser does not start.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

// killLeftovers kills the processes that still use dir as their profile.
// Chromium's children (zygote, network service) can outlive a killed main
// process and keep writing into the profile while t.TempDir removes it,
// which fails the test. chromedp does this only for profiles it creates
// itself. Every child gets --user-data-dir on its command line, and the
// directory is unique to the test, so matching on it is safe.
func killLeftovers(dir string) {
	if goruntime.GOOS != "linux" {
		return
	}
	want := []byte("--user-data-dir=" + dir + "\x00")
	// Normally all are gone on the first round; a busy machine may take
	// seconds to deliver the kills, so the budget is generous.
	deadline := time.Now().Add(10 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		found := 0
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil || !bytes.Contains(cmdline, want) {
				continue
			}
			if p, err := os.FindProcess(pid); err == nil {
				if p.Kill() == nil {
					found++
				}
			}
		}
		if found == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}
