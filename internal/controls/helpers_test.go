package controls

import (
	"net/url"
	"testing"

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
	rd, log := webtest.Pages(t, cat, "controls", Templates)
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

// sheetForm is the whole sheet as the page submits it: an answer field
// for every control in answers and a note field for every control.
func sheetForm(answers map[string]Answer, notes map[string]string) url.Values {
	v := url.Values{}
	for _, c := range AllControls() {
		if a, ok := answers[c.Key]; ok {
			v.Set(answerField(c.Key), string(a))
		}
		v.Set(noteField(c.Key), notes[c.Key])
	}
	return v
}
