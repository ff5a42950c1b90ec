package cloudcheck

import (
	"context"
	"net/url"
	"strconv"
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
	rd, log := webtest.Pages(t, cat, "cloudcheck", Templates)
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

// t0 is the tests' usual present.
var t0 = time.Date(2025, 4, 1, 1, 0, 0, 0, time.UTC)

// newAsset adds a standing asset to the organisation's ledger. The row is
// written directly, with only the ledger's required columns, so these
// tests do not depend on how package assets validates its forms.
func newAsset(t testing.TB, d *db.DB, orgID, name string) string {
	t.Helper()
	ctx := context.Background()
	id := db.NewID()
	var pos int
	if err := d.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM assets WHERE org_id = ?`, orgID).Scan(&pos); err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	if _, err := d.ExecContext(ctx, `INSERT INTO assets (id, org_id, position, name, confidentiality, integrity, availability, created_at, updated_at)
		VALUES (?, ?, ?, ?, 2, 2, 2, ?, ?)`, id, orgID, pos, name, now, now); err != nil {
		t.Fatal(err)
	}
	return id
}

// deleteAsset marks an asset deleted, as the ledger does.
func deleteAsset(t testing.TB, d *db.DB, id string) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), `UPDATE assets SET deleted_at = ? WHERE id = ?`, db.Now(), id); err != nil {
		t.Fatal(err)
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

// countAudit counts audit entries with the action.
func countAudit(t testing.TB, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
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

// allAnswers is a complete check: every point answered a, but points
// listed in no answered No.
func allAnswers(a Answer, no ...int) AnswersInput {
	var in AnswersInput
	for i := range in {
		in[i].Answer = string(a)
	}
	for _, n := range no {
		in[n-1].Answer = string(No)
	}
	return in
}

// checkForm is in as the check form's values.
func checkForm(in AnswersInput) url.Values {
	v := url.Values{}
	for i, p := range in {
		v.Set("p"+strconv.Itoa(i+1), p.Answer)
		v.Set("note"+strconv.Itoa(i+1), p.Note)
	}
	return v
}

// serviceForm is the service form's values.
func serviceForm(name, provider, purpose, u string, assetIDs ...string) url.Values {
	return url.Values{"name": {name}, "provider": {provider}, "purpose": {purpose}, "url": {u}, "assets": assetIDs}
}
