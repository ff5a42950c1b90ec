package app_test

import (
	"net/http"
	"strings"
	"testing"

	"mamori/internal/apptest"
)

// TestStaticServesFilesOnly: /static/ is not a directory listing, and the
// file server's redirects for index.html and directories are not reachable
// either; the embedded files themselves are served, a capability's own
// under its name.
func TestStaticServesFilesOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		for _, path := range []string{"/static/", "/static/index.html", "/static/nope.css", "/static/app.css/", "/static/incident/", "/static/incident/nope.css", "/incident/card.css"} {
			r := e.Get(c, path)
			if r.Status != http.StatusNotFound {
				t.Errorf("GET %s = %d (Location %q), want 404", path, r.Status, r.Location)
			}
			for _, name := range []string{"app.css", "app.js", "print.css"} {
				if strings.Contains(r.Body, `href="`+name) {
					t.Errorf("GET %s lists %s:\n%s", path, name, r.Body)
				}
			}
		}
		r := e.Get(c, "/static/")
		mustContain(t, r, "見つかりませんでした")
		// A capability's own file (Renderer.AddStatic) is served the same way.
		for _, name := range []string{"app.css", "app.js", "print.css", "favicon.svg", "incident/card.css"} {
			r := e.Get(c, "/static/"+name+"?v=1")
			expectStatus(t, r, http.StatusOK)
			if r.Body == "" {
				t.Errorf("/static/%s is empty", name)
			}
		}
		// Browsers ask for /favicon.ico on their own: it leads to the icon
		// every page links.
		r = e.Get(c, "/favicon.ico")
		expectStatus(t, r, http.StatusFound)
		if !strings.HasPrefix(r.Location, "/static/favicon.svg?v=") {
			t.Fatalf("/favicon.ico leads to %q", r.Location)
		}
		icon := e.Get(c, r.Location)
		expectStatus(t, icon, http.StatusOK)
		if ct := icon.Header.Get("Content-Type"); ct != "image/svg+xml" || !strings.Contains(icon.Body, "<svg") {
			t.Errorf("icon served as %q: %.80s", ct, icon.Body)
		}
		mustContain(t, e.Get(c, "/"), `rel="icon" href="/static/favicon.svg?v=`)
	})
}
