package controls

import (
	"net/url"
	"testing"

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
	rd, log := webtest.Pages(t, cat, "controls", Templates)
	return &Service{DB: d, Log: log, Catalog: cat, Render: rd}
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
