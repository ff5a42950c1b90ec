package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// secret stands for what internal errors carry: connection strings, SQL,
// file paths. It must reach the log and never a response.
const secret = "pq: password authentication failed for user mamori_secret_user at /var/lib/secret.db"

type handlerEnv struct {
	eh  *web.ErrorHandler
	cat *i18n.Catalog
	log *bytes.Buffer
}

func newHandler(t *testing.T) handlerEnv {
	t.Helper()
	cat, err := i18n.Load(web.Locales())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rd, err := web.NewRenderer(cat, log)
	if err != nil {
		t.Fatal(err)
	}
	if !rd.Has("web/error") {
		t.Fatal("renderer has no web/error page")
	}
	return handlerEnv{eh: &web.ErrorHandler{Log: log, Catalog: cat, Render: rd}, cat: cat, log: &buf}
}

func (h handlerEnv) serve(method, target, lang string, err error) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	if lang != "" {
		r = r.WithContext(web.WithLang(r.Context(), lang))
	}
	w := httptest.NewRecorder()
	h.eh.Handle(w, r, err)
	return w
}

type apiBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decodeAPI(t *testing.T, w *httptest.ResponseRecorder) apiBody {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	var b apiBody
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	return b
}

func TestInternalErrorTextNeverShown(t *testing.T) {
	h := newHandler(t)
	cause := errors.New(secret)
	errs := []struct {
		name string
		err  error
	}{
		{"plain error", cause},
		{"wrapped error", fmt.Errorf("load org: %w", cause)},
		{"apperr.Errorf", apperr.Errorf("query failed: %v", cause)},
		{"internal with cause", apperr.Wrap(cause, apperr.Internal, "error.internal")},
		{"client error with cause", apperr.Wrap(cause, apperr.Invalid, "error.bad_json")},
		{"not found with cause", apperr.Wrap(cause, apperr.NotFound, "error.not_found")},
		{"db conflict", fmt.Errorf("%w: %s", db.ErrConflict, secret)},
	}
	for _, tt := range errs {
		for _, target := range []string{"/orgs/acme", "/api/v1/orgs/acme"} {
			for _, lang := range []string{"ja", "en"} {
				t.Run(tt.name+" "+target+" "+lang, func(t *testing.T) {
					h.log.Reset()
					w := h.serve(http.MethodGet, target, lang, tt.err)
					body := w.Body.String()
					for _, leak := range []string{"mamori_secret_user", "/var/lib/secret.db", "pq:", "password authentication"} {
						if strings.Contains(body, leak) {
							t.Errorf("response body leaks %q:\n%s", leak, body)
						}
					}
					if !strings.Contains(h.log.String(), "mamori_secret_user") {
						t.Errorf("cause not logged for operators; log: %s", h.log.String())
					}
					if w.Code >= 500 {
						want := h.cat.Printer(lang).T("error.internal")
						if strings.HasPrefix(target, "/api/") {
							b := decodeAPI(t, w)
							if b.Error.Code != "internal" || b.Error.Message != want {
								t.Errorf("API body %+v, want internal / %q", b, want)
							}
						} else if !strings.Contains(body, want) {
							t.Errorf("HTML page lacks %q", want)
						}
					}
				})
			}
		}
	}
}

func TestErrorStatuses(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		key    string
	}{
		{"invalid", apperr.New(apperr.Invalid, "error.bad_form"), 400, "invalid", "error.bad_form"},
		{"unauthorized", apperr.New(apperr.Unauthorized, "error.login_required"), 401, "unauthorized", "error.login_required"},
		{"forbidden", apperr.New(apperr.Forbidden, "error.forbidden"), 403, "forbidden", "error.forbidden"},
		{"not found", apperr.New(apperr.NotFound, "error.not_found"), 404, "not_found", "error.not_found"},
		{"db not found", fmt.Errorf("get org: %w", db.ErrNotFound), 404, "not_found", "error.not_found"},
		{"conflict", apperr.New(apperr.Conflict, "error.conflict"), 409, "conflict", "error.conflict"},
		{"too many", apperr.New(apperr.TooMany, "error.invalid_input"), 429, "too_many", "error.invalid_input"},
		{"too large", apperr.New(apperr.TooLarge, "error.too_large"), 413, "too_large", "error.too_large"},
		{"max bytes", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}), 413, "too_large", "error.too_large"},
		{"status override", apperr.New(apperr.Invalid, "error.method_not_allowed").WithStatus(405), 405, "invalid", "error.method_not_allowed"},
		{"internal", errors.New("boom"), 500, "internal", "error.internal"},
		// A busy answer (503) says to try again; only Internal hides its text.
		{"busy", apperr.New(apperr.TooMany, "error.invalid_input").WithStatus(503), 503, "too_many", "error.invalid_input"},
		{"internal with a status", apperr.Wrap(errors.New("boom"), apperr.Internal, "error.internal").WithStatus(502), 502, "internal", "error.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !h.cat.Has(tt.key) {
				t.Fatalf("test uses %q, which the catalog lacks", tt.key)
			}
			w := h.serve(http.MethodPost, "/api/v1/things", "en", tt.err)
			if w.Code != tt.status {
				t.Errorf("API status %d, want %d", w.Code, tt.status)
			}
			b := decodeAPI(t, w)
			if b.Error.Code != tt.code || b.Error.Message != h.cat.Printer("en").T(tt.key) || b.Error.Fields != nil {
				t.Errorf("API body %+v, want code %s and the en text of %s", b, tt.code, tt.key)
			}
			if (tt.status == 401) != (w.Header().Get("WWW-Authenticate") != "") {
				t.Errorf("WWW-Authenticate = %q on %d", w.Header().Get("WWW-Authenticate"), tt.status)
			}
			// A POST of an HTML form gets the page with the same status.
			w = h.serve(http.MethodPost, "/settings", "ja", tt.err)
			if w.Code != tt.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Errorf("HTML: status %d type %q, want %d text/html", w.Code, w.Header().Get("Content-Type"), tt.status)
			}
			if !strings.Contains(w.Body.String(), h.cat.Printer("ja").T(tt.key)) || !strings.Contains(w.Body.String(), `<html lang="ja">`) {
				t.Errorf("HTML page lacks the ja text of %s:\n%s", tt.key, w.Body.String())
			}
		})
	}
}

func TestAPIFieldErrors(t *testing.T) {
	h := newHandler(t)
	fs := apperr.FieldSet{}
	fs.Add("email", "error.bad_encoding")
	fs.Add("name", "error.bad_form")
	for _, lang := range []string{"ja", "en"} {
		w := h.serve(http.MethodPost, "/api/v1/users", lang, fs.Err())
		if w.Code != 400 {
			t.Errorf("status %d", w.Code)
		}
		p := h.cat.Printer(lang)
		b := decodeAPI(t, w)
		if b.Error.Code != "invalid" || b.Error.Message != p.T("error.invalid_input") ||
			len(b.Error.Fields) != 2 || b.Error.Fields["email"] != p.T("error.bad_encoding") || b.Error.Fields["name"] != p.T("error.bad_form") {
			t.Errorf("%s: body %+v", lang, b)
		}
	}
}

func TestUnauthorizedRedirectsToLogin(t *testing.T) {
	h := newHandler(t)
	unauth := apperr.New(apperr.Unauthorized, "error.login_required")
	tests := []struct {
		method, target string
		wantNext       string // "" means no redirect
	}{
		{http.MethodGet, "/dashboard", "/dashboard"},
		{http.MethodGet, "/orgs/acme/members?page=2&sort=name", "/orgs/acme/members?page=2&sort=name"},
		{http.MethodGet, "/%E6%A4%9C%E7%B4%A2?q=%E3%81%82", "/%E6%A4%9C%E7%B4%A2?q=%E3%81%82"},
		{http.MethodPost, "/settings", ""},
		{http.MethodGet, "/api/v1/me", ""},
	}
	for _, tt := range tests {
		w := h.serve(tt.method, tt.target, "ja", unauth)
		if tt.wantNext == "" {
			if w.Code != http.StatusUnauthorized || w.Header().Get("Location") != "" {
				t.Errorf("%s %s: status %d Location %q, want a plain 401", tt.method, tt.target, w.Code, w.Header().Get("Location"))
			}
			continue
		}
		if w.Code != http.StatusSeeOther {
			t.Errorf("%s %s: status %d, want 303", tt.method, tt.target, w.Code)
			continue
		}
		loc, err := url.Parse(w.Header().Get("Location"))
		if err != nil || loc.Path != "/login" || loc.Host != "" {
			t.Errorf("%s: Location %q, want /login?next=…", tt.target, w.Header().Get("Location"))
			continue
		}
		next := loc.Query().Get("next")
		if next != tt.wantNext {
			t.Errorf("%s: next = %q, want %q", tt.target, next, tt.wantNext)
		}
		if web.SafeNext(next) != next {
			t.Errorf("%s: next %q would be refused by SafeNext", tt.target, next)
		}
	}
}

func TestHTMLErrorEscapes(t *testing.T) {
	h := newHandler(t)
	// A missing key is shown as itself; it must still be escaped.
	w := h.serve(http.MethodGet, "/x", "en", apperr.New(apperr.Invalid, `<script>alert("x")</script>`))
	if strings.Contains(w.Body.String(), "<script>alert") || !strings.Contains(w.Body.String(), "&lt;script&gt;") {
		t.Errorf("message not escaped:\n%s", w.Body.String())
	}
}

func TestErrorHandlerWithoutRenderer(t *testing.T) {
	h := newHandler(t)
	h.eh.Render = nil
	w := h.serve(http.MethodGet, "/x", "en", errors.New(secret))
	if w.Code != 500 || strings.Contains(w.Body.String(), "mamori_secret_user") ||
		!strings.Contains(w.Body.String(), h.cat.Printer("en").T("error.internal")) {
		t.Errorf("status %d body %q", w.Code, w.Body.String())
	}
}

func TestRouterUnknownAndWrongMethod(t *testing.T) {
	h := newHandler(t)
	rt := web.NewRouter(h.eh)
	rt.Handle("GET /api/v1/ping", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return web.WriteJSON(w, 200, map[string]string{"ok": "yes"})
	})
	rt.Handle("GET /private", web.LoggedIn, func(w http.ResponseWriter, r *http.Request) error { return nil })
	tests := []struct {
		method, target string
		status         int
	}{
		{"GET", "/api/v1/ping", 200},
		{"POST", "/api/v1/ping", 405},
		{"GET", "/api/v1/nothing", 404},
		{"GET", "/private", 303}, // anonymous: to the login page
		{"GET", "/nothing", 404},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.target, nil)
		r = r.WithContext(web.WithLang(context.Background(), "en"))
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.target, w.Code, tt.status)
		}
		if tt.status == 405 && !strings.Contains(w.Header().Get("Allow"), "GET") {
			t.Errorf("405 without Allow: %q", w.Header().Get("Allow"))
		}
		if tt.status == 404 && strings.HasPrefix(tt.target, "/api/") {
			if b := decodeAPI(t, w); b.Error.Code != "not_found" {
				t.Errorf("404 body %+v", b)
			}
		}
	}
}
