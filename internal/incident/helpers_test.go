package incident

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
	rd, log := webtest.Pages(t, cat, "incident", Templates)
	if err := rd.AddStatic("incident", Static()); err != nil {
		t.Fatal(err)
	}
	return &Service{DB: d, Log: log, Catalog: cat, Render: rd}
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

func countRows(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// countAudit counts audit entries with an action.
func countAudit(t testing.TB, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantField checks that err is an input error naming field with key.
func wantField(t testing.TB, err error, field, key string) {
	t.Helper()
	if got := apperr.From(err).Fields[field]; got != key {
		t.Fatalf("field %s: want %q, got %q (%v)", field, key, got, err)
	}
}

// doneCard is a card that meets the done rule: one internal contact with
// a phone, the IT vendor, and our steps.
func doneCard() Card {
	c := DefaultCard("ja", nil)
	c.Internal[0].Name, c.Internal[0].Phone, c.Internal[0].Email = "山田 太郎", "03-1234-5678", "taro@example.jp"
	c.Outside[2] = Contact{Name: "株式会社サポート", Phone: "06-0000-1111", Email: "help@support.example.jp", Note: "契約番号 A-12"}
	return c
}

// cardForm is the editor form for c with an action and base revision.
func cardForm(c Card, action string, revision int) url.Values {
	v := formOf(&c)
	v.Set("action", action)
	v.Set("revision", itoa(revision))
	return v
}

// entryForm is the new/edit entry form.
func entryForm(title, foundAt string, revision int) url.Values {
	v := url.Values{"title": {title}, "found_at": {foundAt}, "description": {"経理のパソコンで警告が出た"},
		"impact": {"経理のパソコン1台"}, "actions": {"LAN ケーブルを抜いた"}}
	if revision > 0 {
		v.Set("revision", itoa(revision))
	}
	return v
}
