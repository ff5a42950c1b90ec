package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/web"
)

// browserTarget is where a browser on https://mamori.example.jp/login goes
// when it gets loc as a Location: per the WHATWG URL parser it drops tabs
// and newlines and treats backslashes as slashes.
func browserTarget(t *testing.T, loc string) *url.URL {
	t.Helper()
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	// Backslashes count as slashes only before the query.
	if i := strings.IndexAny(loc, "?#"); i >= 0 {
		loc = strings.ReplaceAll(loc[:i], `\`, "/") + loc[i:]
	} else {
		loc = strings.ReplaceAll(loc, `\`, "/")
	}
	base, _ := url.Parse("https://mamori.example.jp/login")
	u, err := url.Parse(loc)
	if err != nil {
		return base // an unparsable Location goes nowhere else
	}
	return base.ResolveReference(u)
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"", "/"},
		{"/", "/"},
		{"/dashboard", "/dashboard"},
		{"/ok?x=1", "/ok?x=1"},
		{"/orgs/acme/members?page=2#list", "/orgs/acme/members?page=2#list"},
		{"/ok?next=//evil.com", "/ok?next=//evil.com"}, // only a query value
		{"/検索?q=セキュリティ", "/検索?q=セキュリティ"},
		{"//evil.com", "/"},
		{"///evil.com", "/"},
		{`/\evil.com`, "/"},
		{`/\/evil.com`, "/"},
		{`/./\evil.com`, "/"},    // http.Redirect cleans this to /\evil.com
		{`/a/../\evil.com`, "/"}, // likewise
		{"/\t/evil.com", "/"},    // browsers drop the tab: //evil.com
		{"/\x00/evil.com", "/"},
		{"https://evil.com", "/"},
		{"http:evil.com", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.com", "/"},
		{"dashboard", "/"},
		{`\\evil.com`, "/"},
		{"/ok\r\nSet-Cookie: x=1", "/"},
		{"/ok\nLocation: https://evil.com", "/"},
		{"/ok\r", "/"},
	}
	for _, tt := range tests {
		got := web.SafeNext(tt.next)
		if got != tt.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
		// Whatever SafeNext lets through, the redirect built from it must
		// keep the browser on this site.
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest(http.MethodPost, "/login", nil), got, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		if u := browserTarget(t, loc); u.Host != "mamori.example.jp" || u.Scheme != "https" {
			t.Errorf("SafeNext(%q) → Location %q sends the browser to %s", tt.next, loc, u)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
		ok   bool
	}{
		{"  山田 太郎  ", 10, "山田 太郎", true},
		{"あいうえお", 5, "あいうえお", true}, // counted in characters, not bytes
		{"あいうえお", 4, "あいうえお", false},
		{"", 5, "", true},
		{"   ", 5, "", true},
		{"\t株式会社まもり\n", 20, "株式会社まもり", true}, // surrounding whitespace trimmed
		{"a\tb", 5, "a\tb", false},
		{"a\nb", 5, "a\nb", false},
		{"a\rb", 5, "a\rb", false},
		{"a\x00b", 5, "a\x00b", false},
		{"a\x7fb", 5, "a\x7fb", false},
		{"a\u0085b", 5, "a\u0085b", false}, // C1 control (NEL)
		{"a\u009bb", 5, "a\u009bb", false}, // C1 control (CSI)
		{"a\xffb", 5, "a\xffb", false},     // invalid UTF-8
		{"Ｒ＆Ｄ部", 5, "Ｒ＆Ｄ部", true},
		{"🙂🙂", 2, "🙂🙂", true},
		{"👨\u200d👩", 3, "👨\u200d👩", true}, // a joiner is not a direction control
		// Direction controls reorder the page around a name: refused.
		{"Evil\u202Egnp.exe", 20, "Evil\u202Egnp.exe", false},
		{"a\u202Ab", 5, "a\u202Ab", false},
		{"a\u2066b\u2069", 5, "a\u2066b\u2069", false},
		{"a\u200Fb", 5, "a\u200Fb", false},
		{"a\u061Cb", 5, "a\u061Cb", false},
	}
	for _, tt := range tests {
		got, ok := web.CleanText(tt.in, tt.max)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CleanText(%q, %d) = %q, %v; want %q, %v", tt.in, tt.max, got, ok, tt.want, tt.ok)
		}
	}
}

// TestBidiRefusedWithItsOwnMessage: CleanLines refuses direction
// controls too, and TextKey names them, since the writer cannot see them.
func TestBidiRefusedWithItsOwnMessage(t *testing.T) {
	for _, s := range []string{"本文\n\u202E逆順", "\u2067x\u2069"} {
		if _, ok := web.CleanLines(s, 100); ok {
			t.Errorf("CleanLines(%q) accepted", s)
		}
		if k := web.TextKey(s, "own.key"); k != "error.bidi_control" {
			t.Errorf("TextKey(%q) = %q", s, k)
		}
	}
	if _, ok := web.CleanLines("本文\n\t二行目", 100); !ok {
		t.Error("CleanLines refused lines and a tab")
	}
	if k := web.TextKey("too long", "own.key"); k != "own.key" {
		t.Errorf("TextKey without controls = %q", k)
	}
}

func formRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/settings", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestParseForm(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		limit   int64 // 0: no MaxBytesReader
		code    apperr.Code
		key     string
		field   string
		wantVal string
	}{
		{"valid", "name=%E5%B1%B1%E7%94%B0&x=1", 0, "", "", "name", "山田"},
		{"plain ascii", "email=a%40example.jp", 0, "", "", "email", "a@example.jp"},
		{"invalid UTF-8 value", "name=%ff", 0, apperr.Invalid, "error.bad_encoding", "", ""},
		{"invalid UTF-8 among valid", "a=ok&name=%E5%B1%ff", 0, apperr.Invalid, "error.bad_encoding", "", ""},
		{"invalid UTF-8 key", "%ff=1", 0, apperr.Invalid, "error.bad_encoding", "", ""},
		{"overlong encoding", "name=%C0%AF", 0, apperr.Invalid, "error.bad_encoding", "", ""},
		{"bad escape", "name=%zz", 0, apperr.Invalid, "error.bad_form", "", ""},
		{"too large", "name=" + strings.Repeat("a", 200), 64, apperr.TooLarge, "error.too_large", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := formRequest(tt.body)
			if tt.limit > 0 {
				r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, tt.limit)
			}
			f, err := web.ParseForm(r)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := f.Get(tt.field); got != tt.wantVal {
					t.Errorf("Get(%q) = %q, want %q", tt.field, got, tt.wantVal)
				}
				return
			}
			if !apperr.Is(err, tt.code) || apperr.From(err).Key != tt.key {
				t.Errorf("err = %v, want %s/%s", err, tt.code, tt.key)
			}
			if f != nil {
				t.Error("a form was returned with the error")
			}
		})
	}
}

func TestFormHelpers(t *testing.T) {
	var nilForm *web.Form
	if nilForm.Get("x") != "" || nilForm.Err("x") != "" {
		t.Error("nil Form must read as empty")
	}
	f := web.NewForm(url.Values{"email": {"a@example.jp"}})
	if f.Get("email") != "a@example.jp" {
		t.Error("Get")
	}
	tests := []struct {
		name      string
		err       error
		applied   bool
		formError string
		fields    map[string]string
	}{
		{"field error", apperr.Field("email", "error.email_taken"), true, "", map[string]string{"email": "error.email_taken"}},
		{"conflict", apperr.New(apperr.Conflict, "error.conflict"), true, "error.conflict", nil},
		{"too many", apperr.New(apperr.TooMany, "error.too_many", 5), true, "error.too_many", nil},
		{"forbidden goes elsewhere", apperr.New(apperr.Forbidden, "error.forbidden"), false, "", nil},
		{"internal goes elsewhere", apperr.Errorf("db down"), false, "", nil},
		{"plain error goes elsewhere", http.ErrBodyNotAllowed, false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &web.Form{}
			if got := f.Apply(tt.err); got != tt.applied {
				t.Fatalf("Apply = %v, want %v", got, tt.applied)
			}
			if f.Error != tt.formError {
				t.Errorf("Error = %q, want %q", f.Error, tt.formError)
			}
			for k, v := range tt.fields {
				if f.Err(k) != v {
					t.Errorf("Err(%q) = %q, want %q", k, f.Err(k), v)
				}
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type req struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	tests := []struct {
		name  string
		body  string
		limit int64
		code  apperr.Code // "" means accepted
	}{
		{"valid", `{"name":"山田","count":2}`, 0, ""},
		{"trailing whitespace", "{\"name\":\"a\"}\n \t", 0, ""},
		{"unknown field", `{"name":"a","admin":true}`, 0, apperr.Invalid},
		{"wrong type", `{"count":"two"}`, 0, apperr.Invalid},
		{"second value", `{"name":"a"} {"name":"b"}`, 0, apperr.Invalid},
		{"trailing garbage", `{"name":"a"}x`, 0, apperr.Invalid},
		{"trailing brace", `{"name":"a"}}`, 0, apperr.Invalid},
		{"trailing bracket", `{"name":"a"}]`, 0, apperr.Invalid},
		{"truncated", `{"name":"a"`, 0, apperr.Invalid},
		{"empty", ``, 0, apperr.Invalid},
		{"array", `[1]`, 0, apperr.Invalid},
		{"too large", `{"name":"` + strings.Repeat("あ", 100) + `"}`, 64, apperr.TooLarge},
		{"large only by trailing space", `{"name":"a"}` + strings.Repeat(" ", 100), 64, apperr.TooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(tt.body))
			if tt.limit > 0 {
				r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, tt.limit)
			}
			var v req
			err := web.DecodeJSON(r, &v)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if !apperr.Is(err, tt.code) {
				t.Errorf("err = %v, want code %s", err, tt.code)
			}
			want := "error.bad_json"
			if tt.code == apperr.TooLarge {
				want = "error.too_large"
			}
			if k := apperr.From(err).Key; k != want {
				t.Errorf("key = %q, want %q", k, want)
			}
		})
	}
}

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\yamada\見積書.xlsx`: "見積書.xlsx",
		"/tmp/a.eml":               "a.eml",
		"a\x00b\x1fc.csv":          "abc.csv",
		"":                         "x",
		"..":                       "..",
		"/":                        "x",
		strings.Repeat("あ", 120):   strings.Repeat("あ", 100),
	} {
		if got := web.CleanFilename(in, 100, "x"); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}
