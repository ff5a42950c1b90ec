// Package webtest drives one capability's routes through a real
// web.Router without the session layer: an X-Test-User header names the
// user, whose viewer (verification, memberships and global roles) is read from the
// database on every request, as auth does. Capability packages use it to
// test their handlers without wiring the whole application.
package webtest

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// Harness serves routes registered by one capability.
type Harness struct {
	t testing.TB
	d *db.DB
	h http.Handler
}

// New registers routes on a router answering errors through eh. A
// positive maxBody limits request bodies as the middleware stack does.
// The language is ja unless the query says ?lang=en.
func New(t testing.TB, d *db.DB, eh *web.ErrorHandler, routes func(*web.Router), maxBody int64) *Harness {
	rt := web.NewRouter(eh)
	routes(rt)
	hh := &Harness{t: t, d: d}
	hh.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := "ja"
		if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
			lang = q
		}
		ctx := web.WithLang(r.Context(), lang)
		if uid := r.Header.Get("X-Test-User"); uid != "" {
			ctx = web.WithViewer(ctx, hh.viewer(uid))
		}
		if maxBody > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		rt.ServeHTTP(w, r.WithContext(ctx))
	})
	return hh
}

// BodyLimit is the general body limit the middleware stack applies by
// default (config's MaxBodyBytes).
const BodyLimit = 1 << 20

// Serve is New with the error handler app.Build gives every route, for a
// capability whose service holds its catalog, renderer and logger.
func Serve(t testing.TB, d *db.DB, cat *i18n.Catalog, rd *web.Renderer, log *slog.Logger, routes func(*web.Router), maxBody int64) *Harness {
	return New(t, d, &web.ErrorHandler{Log: log, Catalog: cat, Render: rd}, routes, maxBody)
}

func (hh *Harness) viewer(uid string) *web.Viewer {
	ctx := context.Background()
	v := &web.Viewer{UserID: uid}
	var verified *time.Time
	if err := hh.d.QueryRowContext(ctx, `SELECT email, name, email_verified_at FROM users WHERE id = ?`, uid).Scan(&v.Email, &v.Name, &verified); err != nil {
		hh.t.Fatal(err)
	}
	v.Verified = verified != nil
	rows, err := hh.d.QueryContext(ctx, `SELECT m.role, o.id, o.slug, o.name FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ?`, uid)
	if err != nil {
		hh.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m web.Membership
		if err := rows.Scan(&m.Role, &m.OrgID, &m.Slug, &m.Name); err != nil {
			hh.t.Fatal(err)
		}
		v.Orgs = append(v.Orgs, m)
	}
	roles, err := hh.d.QueryContext(ctx, `SELECT role FROM user_roles WHERE user_id = ? ORDER BY role`, uid)
	if err != nil {
		hh.t.Fatal(err)
	}
	defer roles.Close()
	for roles.Next() {
		var role string
		if err := roles.Scan(&role); err != nil {
			hh.t.Fatal(err)
		}
		v.Roles = append(v.Roles, role)
	}
	return v
}

// Do sends a request as user ("" for anonymous).
func (hh *Harness) Do(method, path, user string, body io.Reader, contentType string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if user != "" {
		r.Header.Set("X-Test-User", user)
	}
	w := httptest.NewRecorder()
	hh.h.ServeHTTP(w, r)
	return w
}

// ServeHTTP serves a request built by the test, with a writer of its
// own (one that blocks, say); the X-Test-User header names the viewer.
func (hh *Harness) ServeHTTP(w http.ResponseWriter, r *http.Request) { hh.h.ServeHTTP(w, r) }

// Get fetches a page.
func (hh *Harness) Get(path, user string) *httptest.ResponseRecorder {
	return hh.Do("GET", path, user, nil, "")
}

// Post submits a urlencoded form.
func (hh *Harness) Post(path, user string, form url.Values) *httptest.ResponseRecorder {
	return hh.Do("POST", path, user, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// API sends a JSON body ("" for none).
func (hh *Harness) API(method, path, user, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return hh.Do(method, path, user, rd, "application/json")
}

// Expect checks the status and that the body contains each string.
func Expect(t *testing.T, w *httptest.ResponseRecorder, status int, contains ...string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body:\n%s", w.Code, status, w.Body.String())
	}
	for _, c := range contains {
		if !strings.Contains(w.Body.String(), c) {
			t.Errorf("body lacks %q:\n%s", c, w.Body.String())
		}
	}
}

// ExpectNot checks the body contains none of the strings.
func ExpectNot(t *testing.T, w *httptest.ResponseRecorder, absent ...string) {
	t.Helper()
	for _, c := range absent {
		if strings.Contains(w.Body.String(), c) {
			t.Errorf("body has %q", c)
		}
	}
}

// Pages is a renderer over cat with the page templates of one package
// (templates/ in pages, named prefix/…) parsed as app.Build parses them,
// and the discarding logger tests give services.
func Pages(t testing.TB, cat *i18n.Catalog, prefix string, pages fs.FS) (*web.Renderer, *slog.Logger) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rd, err := web.NewRenderer(cat, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.AddPages(prefix, pages, "templates"); err != nil {
		t.Fatal(err)
	}
	return rd, log
}
