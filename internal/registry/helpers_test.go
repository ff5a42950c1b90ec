package registry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/declaration"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

func testCatalog(t testing.TB) *i18n.Catalog {
	return orgtest.Catalog(t, declaration.Locales(), Locales())
}

// fixture declares organisations through declaration.Service, one day
// apart, so the registry's order is known.
type fixture struct {
	t     *testing.T
	d     *db.DB
	decl  *declaration.Service
	clock time.Time
	n     int
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{t: t, d: d, clock: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	f.decl = &declaration.Service{DB: d, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return f.clock }, Changed: Sync}
	return f
}

type declared struct {
	Org    *org.Org
	Owner  string
	Number string
	ID     string
}

// declare registers an organisation and declares one star for it, then
// syncs its search name as the declaration flow will.
func (f *fixture) declare(in org.CreateInput) declared {
	f.t.Helper()
	ctx := context.Background()
	f.n++
	email := "owner" + strings.Repeat("x", f.n) + "@example.jp"
	u, err := auth.CreateUser(ctx, f.d, email, "owner", "", "ja", true)
	if err != nil {
		f.t.Fatal(err)
	}
	o, err := (&org.Service{DB: f.d}).Create(ctx, f.d, nil, u.ID, in)
	if err != nil {
		f.t.Fatal(err)
	}
	f.clock = f.clock.Add(24 * time.Hour)
	dc, err := f.decl.DeclareOneStar(ctx, nil, o.ID, "", u.ID, declaration.OneStarInput{
		Commit: [declaration.NumPrinciples]bool{true, true, true, true, true}, DeclarantName: "山田太郎", Authorised: true})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := Sync(ctx, f.d, dc.ID); err != nil {
		f.t.Fatal(err)
	}
	return declared{Org: o, Owner: u.ID, Number: dc.Number, ID: dc.ID}
}

func (f *fixture) withdraw(x declared) {
	f.t.Helper()
	if _, err := f.decl.Withdraw(context.Background(), nil, x.Org.ID, x.Owner, "test"); err != nil {
		f.t.Fatal(err)
	}
}

// newHarness serves the registry's routes through a real web.Router.
func newHarness(t *testing.T, d *db.DB) (*Service, http.Handler) {
	t.Helper()
	cat := testCatalog(t)
	rd, log := webtest.Pages(t, cat, "registry", Templates)
	s := &Service{DB: d, Log: log, Catalog: cat, Render: rd, BaseURL: "https://mamori.example.jp/"}
	rt := web.NewRouter(&web.ErrorHandler{Log: log, Catalog: cat, Render: rd})
	s.Routes(rt)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := "ja"
		if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
			lang = q
		}
		rt.ServeHTTP(w, r.WithContext(web.WithLang(r.Context(), lang)))
	})
	return s, h
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

func expect(t *testing.T, w *httptest.ResponseRecorder, status int, contains ...string) {
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

// badCheckDigit changes a number's check digit.
func badCheckDigit(n string) string {
	c := n[10] + 1
	if c > '9' {
		c = '0'
	}
	return n[:10] + string(c)
}
