package policy

import (
	"context"
	"net/url"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/mail"
	"mamori/internal/org"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

func testCatalog(t testing.TB) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.Load(web.Locales(), auth.Locales(), org.Locales(), mail.Locales(), audit.Locales(), Locales())
	if err != nil {
		t.Fatal(err)
	}
	return cat
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
	e := apperr.As(err)
	if e.Code != code || e.Key != key {
		t.Fatalf("want %s/%s, got %s/%s (%v)", code, key, e.Code, e.Key, err)
	}
}

// wantField checks that err is an input error naming field with key.
func wantField(t testing.TB, err error, field, key string) {
	t.Helper()
	if got := apperr.As(err).Fields[field]; got != key {
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

// bodyLimit is the default MaxBodyBytes the middleware stack applies.
const bodyLimit = 1 << 20

// harness serves this package's routes through webtest, with the
// Service at hand for setting up fixtures.
type harness struct {
	*webtest.Harness
	s *Service
}

func newHarness(t *testing.T, d *db.DB) *harness {
	s := newTestService(t, d)
	eh := &web.ErrorHandler{Log: s.Log, Catalog: s.Catalog, Render: s.Render}
	return &harness{Harness: webtest.New(t, d, eh, s.Routes, bodyLimit), s: s}
}

var (
	expect    = webtest.Expect
	expectNot = webtest.ExpectNot
)

// fixedNow returns a clock for Service.Now.
func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }
