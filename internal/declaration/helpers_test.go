package declaration

import (
	"context"
	"net/url"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/webtest"
)

func testCatalog(t testing.TB) *i18n.Catalog {
	return orgtest.Catalog(t, Locales())
}

// newTestService wires a Service the way app.Build would.
func newTestService(t testing.TB, d *db.DB) *Service {
	t.Helper()
	cat := testCatalog(t)
	rd, log := webtest.Pages(t, cat, "declaration", Templates)
	rd.Signup = true
	return &Service{DB: d, Log: log, Catalog: cat, Render: rd}
}

func makeOwner(t testing.TB, d *db.DB, o *org.Org, user string) {
	t.Helper()
	if err := (&org.Service{DB: d}).AddMember(context.Background(), d, nil, o.Slug, user, org.RoleOwner); err != nil {
		t.Fatal(err)
	}
}

// fullInput is a complete one-star declaration.
func fullInput(name string) OneStarInput {
	return OneStarInput{Commit: [NumPrinciples]bool{true, true, true, true, true}, DeclarantName: name, DeclarantTitle: "代表取締役", Authorised: true}
}

// fullForm is a complete one-star form.
func fullForm(name string) url.Values {
	v := url.Values{"declarant_name": {name}, "declarant_title": {"代表取締役"}, "authorised": {"1"}}
	for i := 1; i <= NumPrinciples; i++ {
		v.Set(commitField(i), "1")
	}
	return v
}

func wantKey(t testing.TB, err error, code apperr.Code, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s/%s, got nil", code, key)
	}
	e := apperr.From(err)
	if e.Code != code || e.Key != key {
		t.Fatalf("want %s/%s, got %s/%s (%v)", code, key, e.Code, e.Key, err)
	}
}

func countRows(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// harness serves this package's routes through webtest, with the
// Service at hand for setting up fixtures.
type harness struct {
	*webtest.Harness
	s *Service
}

func newHarness(t *testing.T, d *db.DB) *harness {
	s := newTestService(t, d)
	return &harness{Harness: webtest.Serve(t, d, s.Catalog, s.Render, s.Log, s.Routes, 0), s: s}
}

var (
	expect    = webtest.Expect
	expectNot = webtest.ExpectNot
)

// fixedNow returns a clock for Service.Now.
func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }
