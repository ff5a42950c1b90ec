package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"
)

// After a failure: a screenshot and the page's HTML saved for the reader
// of the test log.

// fail saves the artifacts of the current page and fails the test with err.
func (b *Browser) fail(err error) {
	b.t.Helper()
	for _, line := range b.saveArtifacts() {
		b.t.Log(line)
	}
	b.t.Fatalf("browsertest: %v", err)
}

// saveArtifacts writes a full-page screenshot and the HTML of the page, and
// returns lines that describe what it wrote or why it could not.
func (b *Browser) saveArtifacts() []string {
	dir := os.Getenv(EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "mamori-test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return []string{fmt.Sprintf("browsertest: cannot create the artifact directory: %v", err)}
	}
	name := sanitize(b.t.Name())
	stem := filepath.Join(dir, name+"-"+strconv.Itoa(nextArtifact(name)))

	// b.ctx may be the context that just expired, so capture on a fresh one.
	ctx, cancel := context.WithTimeout(b.base, artifactTimeout)
	defer cancel()

	var lines []string
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		lines = append(lines, fmt.Sprintf("browsertest: cannot read the URL: %v", err))
	} else {
		lines = append(lines, "browsertest: page URL: "+loc)
	}

	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		lines = append(lines, fmt.Sprintf("browsertest: cannot take a screenshot: %v", err))
	} else if err := os.WriteFile(stem+".png", png, 0o644); err != nil {
		lines = append(lines, fmt.Sprintf("browsertest: cannot save the screenshot: %v", err))
	} else {
		lines = append(lines, "browsertest: screenshot: "+stem+".png")
	}

	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement ? document.documentElement.outerHTML : ""`))
	if err != nil {
		lines = append(lines, fmt.Sprintf("browsertest: cannot read the page HTML: %v", err))
	} else {
		// The URL goes into the file too, so the dump stands on its own.
		content := "<!-- URL: " + strings.ReplaceAll(loc, "--", "%2D%2D") + " -->\n" + html
		if err := os.WriteFile(stem+".html", []byte(content), 0o644); err != nil {
			lines = append(lines, fmt.Sprintf("browsertest: cannot save the page HTML: %v", err))
		} else {
			lines = append(lines, "browsertest: page HTML: "+stem+".html")
		}
	}
	return lines
}

var (
	artifactMu    sync.Mutex
	artifactCount = map[string]int{}
)

// nextArtifact numbers the failures per test name, so that several tabs or
// browsers of one test do not overwrite each other's files.
func nextArtifact(name string) int {
	artifactMu.Lock()
	defer artifactMu.Unlock()
	artifactCount[name]++
	return artifactCount[name]
}

// sanitize turns a test name such as "TestLogin/bad_password#01" into a safe
// file name.
func sanitize(name string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
	s = strings.Trim(s, ".")
	if s == "" {
		s = "test"
	}
	if len(s) > 150 {
		s = s[:150]
	}
	return s
}
