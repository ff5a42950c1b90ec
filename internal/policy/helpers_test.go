package policy

import (
	"context"
	"net/url"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
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
	rd, log := webtest.Pages(t, cat, "policy", Templates)
	return &Service{DB: d, Log: log, Catalog: cat, Render: rd}
}

// fullInput is a complete policy ready to publish.
func fullInput(lang string) DraftInput {
	in := DraftInput{Lang: lang, Intro: "前文です。", Representative: "山田 太郎", RepresentativeTitle: "代表取締役"}
	for i := range in.Sections {
		in.Sections[i] = "本文 " + SectionKeys[i]
	}
	return in
}

// editForm is the editor form for in with the given action.
func editForm(in DraftInput, action string) url.Values {
	v := formOf(in)
	v.Set("action", action)
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

// wantField checks that err is an input error naming field with key.
func wantField(t testing.TB, err error, field, key string) {
	t.Helper()
	if got := apperr.From(err).Fields[field]; got != key {
		t.Fatalf("field %s: want %q, got %q (%v)", field, key, got, err)
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
	return &harness{Harness: webtest.Serve(t, d, s.Catalog, s.Render, s.Log, s.Routes, webtest.BodyLimit), s: s}
}

var (
	expect    = webtest.Expect
	expectNot = webtest.ExpectNot
)

// fixedNow returns a clock for Service.Now.
func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }
