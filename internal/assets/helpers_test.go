package assets

import (
	"context"
	"net/url"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/webtest"
)

func testCatalog(t testing.TB) *i18n.Catalog {
	return orgtest.Catalog(t, controls.Locales(), Locales())
}

// newTestService wires a Service the way app.Build would.
func newTestService(t testing.TB, d *db.DB) *Service {
	t.Helper()
	cat := testCatalog(t)
	rd, log := webtest.Pages(t, cat, "assets", Templates)
	return &Service{DB: d, Log: log, Catalog: cat, Render: rd,
		Now: func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) }}
}

// harness serves this package's routes with an owner, a member and an
// outsider who owns another organisation.
type harness struct {
	*webtest.Harness
	s                       *Service
	d                       *db.DB
	org, other              *org.Org
	owner, member, outsider string
}

func newHarness(t *testing.T, d *db.DB) *harness {
	s := newTestService(t, d)
	h := &harness{Harness: webtest.Serve(t, d, s.Catalog, s.Render, s.Log, s.Routes, MaxImportBytes+(1<<20)), s: s, d: d}
	h.owner, h.member, h.outsider = orgtest.NewUser(t, d, "owner@example.jp"), orgtest.NewUser(t, d, "member@example.jp"), orgtest.NewUser(t, d, "outsider@example.jp")
	h.org = orgtest.NewOrg(t, d, "台帳株式会社", h.owner, h.member)
	h.other = orgtest.NewOrg(t, d, "よそ株式会社", h.outsider)
	return h
}

// add creates an asset directly in the store.
func (h *harness) add(t *testing.T, orgID string, in Input) *Asset {
	t.Helper()
	a, err := Create(context.Background(), h.d, orgID, in, h.s.now())
	if err != nil {
		t.Fatal(err, apperr.From(err).Fields)
	}
	return a
}

func (h *harness) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := h.d.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// answerAll answers every control protecting the given media with a.
func answerAll(t *testing.T, d *db.DB, orgID, userID string, a controls.Answer) {
	t.Helper()
	var in []controls.Input
	for _, c := range controls.AllControls() {
		in = append(in, controls.Input{Key: c.Key, Answer: a})
	}
	s := &controls.Service{DB: d}
	if _, err := s.Save(context.Background(), nil, orgID, userID, in); err != nil {
		t.Fatal(err)
	}
}

func assetForm(kv ...string) url.Values {
	v := url.Values{"confidentiality": {"2"}, "integrity": {"2"}, "availability": {"2"}, "personal_data": {"none"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var (
	expect    = webtest.Expect
	expectNot = webtest.ExpectNot
)
