package policy

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat := testCatalog(t)
	rd, err := web.NewRenderer(cat, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.AddPages("policy", Templates, "templates"); err != nil {
		t.Fatal(err)
	}
	return &Service{DB: d, Log: log, Catalog: cat, Render: rd}
}

func newUser(t testing.TB, d *db.DB, email string) string {
	t.Helper()
	u, err := auth.CreateUser(context.Background(), d, email, strings.Split(email, "@")[0], "", "ja", true)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// newOrg registers an organisation owned by owner, with members added.
func newOrg(t testing.TB, d *db.DB, name, owner string, members ...string) *org.Org {
	t.Helper()
	ctx := context.Background()
	os := &org.Service{DB: d}
	o, err := os.Create(ctx, d, nil, owner, org.CreateInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if err := os.AddMember(ctx, d, nil, o.Slug, m, org.RoleMember); err != nil {
			t.Fatal(err)
		}
	}
	return o
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

// harness drives the routes through a real web.Router. The session layer
// is replaced by an X-Test-User header whose viewer (with memberships) is
// read from the database on every request, as auth does; bodies are
// limited as the middleware stack limits them.
type harness struct {
	t *testing.T
	d *db.DB
	s *Service
	h http.Handler
}

func newHarness(t *testing.T, d *db.DB) *harness {
	s := newTestService(t, d)
	eh := &web.ErrorHandler{Log: s.Log, Catalog: s.Catalog, Render: s.Render}
	rt := web.NewRouter(eh)
	s.Routes(rt)
	hh := &harness{t: t, d: d, s: s}
	hh.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := "ja"
		if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
			lang = q
		}
		ctx := web.WithLang(r.Context(), lang)
		if uid := r.Header.Get("X-Test-User"); uid != "" {
			ctx = web.WithViewer(ctx, hh.viewer(uid))
		}
		r.Body = http.MaxBytesReader(w, r.Body, bodyLimit)
		rt.ServeHTTP(w, r.WithContext(ctx))
	})
	return hh
}

func (hh *harness) viewer(uid string) *web.Viewer {
	ctx := context.Background()
	v := &web.Viewer{UserID: uid, Verified: true}
	if err := hh.d.QueryRowContext(ctx, `SELECT email, name FROM users WHERE id = ?`, uid).Scan(&v.Email, &v.Name); err != nil {
		hh.t.Fatal(err)
	}
	rows, err := hh.d.QueryContext(ctx, `SELECT m.role, o.id, o.slug, o.name FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ?`, uid)
	if err != nil {
		hh.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m web.Membership
		rows.Scan(&m.Role, &m.OrgID, &m.Slug, &m.Name)
		v.Orgs = append(v.Orgs, m)
	}
	return v
}

func (hh *harness) do(method, path, user string, body io.Reader, contentType string) *httptest.ResponseRecorder {
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

func (hh *harness) get(path, user string) *httptest.ResponseRecorder {
	return hh.do("GET", path, user, nil, "")
}

func (hh *harness) post(path, user string, form url.Values) *httptest.ResponseRecorder {
	return hh.do("POST", path, user, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
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

func expectNot(t *testing.T, w *httptest.ResponseRecorder, absent ...string) {
	t.Helper()
	for _, c := range absent {
		if strings.Contains(w.Body.String(), c) {
			t.Errorf("body has %q", c)
		}
	}
}

// fixedNow returns a clock for Service.Now.
func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }
