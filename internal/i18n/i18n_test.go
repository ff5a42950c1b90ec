package i18n_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"mamori/internal/audit"
	"mamori/internal/i18n"
	"mamori/internal/mail"
	"mamori/internal/web"
)

func TestFromAcceptLanguage(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "ja"},
		{"ja", "ja"},
		{"en", "en"},
		{"en-US", "en"},
		{"EN-gb", "en"},
		{"ja-JP", "ja"},
		{"en-US,en;q=0.9", "en"},
		{"ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja"},
		{"en;q=0.8, ja;q=0.9", "ja"},
		{"en;q=0.9,ja;q=0.8", "en"},
		{"ja;q=0.1, en; q=0.2", "en"},
		{"fr-FR,fr;q=0.9,en;q=0.5", "en"},
		{"zh-Hant-TW, en-GB;q=0.7", "en"},
		{"en, ja", "en"},         // equal quality: the first listed wins
		{"fr-FR,de;q=0.9", "ja"}, // only languages we do not speak
		{"*", "ja"},
		{"english", "ja"},
		{";;;,,,", "ja"},
		{"q=1", "ja"},
		{"\x00\xff garbage", "ja"},
		{"en;q=0", "ja"},     // q=0 means "not acceptable"
		{"ja;q=0, en", "en"}, // refused Japanese, English acceptable
		{"fr, en;q=0", "ja"}, // nothing acceptable: default
		{"en;q=abc, ja;q=0.5", "en"},
	}
	for _, tt := range tests {
		if got := i18n.FromAcceptLanguage(tt.header); got != tt.want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, user, cookie, header, want string
	}{
		{"nothing", "", "", "", "ja"},
		{"header", "", "", "en-US", "en"},
		{"cookie over header", "", "ja", "en-US", "ja"},
		{"cookie alone", "", "en", "", "en"},
		{"user over cookie and header", "ja", "en", "en", "ja"},
		{"user en", "en", "ja", "ja", "en"},
		{"unsupported user setting ignored", "fr", "en", "ja", "en"},
		{"unsupported cookie ignored", "", "fr", "en", "en"},
		{"unsupported everything", "de", "xx", "fr", "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "mamori_lang", Value: tt.cookie})
			}
			if tt.header != "" {
				r.Header.Set("Accept-Language", tt.header)
			}
			if got := i18n.Negotiate(tt.user, r); got != tt.want {
				t.Errorf("Negotiate = %q, want %q", got, tt.want)
			}
		})
	}
}

func catalog(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load(fstest.MapFS{
		"ja.json": {Data: []byte(`{"greet": "{0}さん、こんにちは", "count": "{0}件中{1}件目（{0}）", "plain": "保存しました", "brace": "{x} は {0}"}`)},
		"en.json": {Data: []byte(`{"greet": "Hello, {0}", "count": "{1} of {0} ({0})", "plain": "Saved", "brace": "{x} is {0}"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPrinterT(t *testing.T) {
	c := catalog(t)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"ja", "greet", []any{"山田"}, "山田さん、こんにちは"},
		{"en", "greet", []any{"Yamada"}, "Hello, Yamada"},
		{"ja", "count", []any{10, 3}, "10件中3件目（10）"},
		{"en", "count", []any{10, 3}, "3 of 10 (10)"},
		{"en", "plain", nil, "Saved"},
		{"en", "plain", []any{"unused"}, "Saved"},
		{"en", "greet", nil, "Hello, {0}"}, // too few arguments leave the placeholder
		{"en", "brace", []any{"x"}, "{x} is x"},
		{"en", "missing.key", nil, "missing.key"},
		{"ja", "missing.key", []any{1}, "missing.key"},
		{"fr", "plain", nil, "保存しました"}, // unknown language falls back to Japanese
		{"", "plain", nil, "保存しました"},
		// An argument is inserted once, never expanded again: a name that
		// looks like a placeholder stays as typed.
		{"en", "count", []any{"{1}", "{0}"}, "{0} of {1} ({1})"},
	}
	for _, tt := range tests {
		p := c.Printer(tt.lang)
		if got := p.T(tt.key, tt.args...); got != tt.want {
			t.Errorf("Printer(%q).T(%q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
		if got := p.TA(tt.key, tt.args); got != tt.want {
			t.Errorf("Printer(%q).TA(%q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
	if c.Printer("en").Lang() != "en" || c.Printer("xx").Lang() != "ja" {
		t.Error("Printer.Lang does not report the language used")
	}
	if !c.Has("greet") || c.Has("missing.key") {
		t.Error("Has")
	}
	if got := c.Keys(); !slices.Equal(got, []string{"brace", "count", "greet", "plain"}) {
		t.Errorf("Keys() = %q", got)
	}
}

func TestLoad(t *testing.T) {
	good := func(ja, en string) fstest.MapFS {
		return fstest.MapFS{"ja.json": {Data: []byte(ja)}, "en.json": {Data: []byte(en)}}
	}
	tests := []struct {
		name    string
		sources []fstest.MapFS
		wantErr string // "" means Load succeeds
	}{
		{"two sources merge", []fstest.MapFS{good(`{"a":"あ"}`, `{"a":"a"}`), good(`{"b":"い"}`, `{"b":"b"}`)}, ""},
		{"duplicate key across sources", []fstest.MapFS{good(`{"a":"あ"}`, `{"a":"a"}`), good(`{"a":"え"}`, `{"b":"b"}`)}, `"a"`},
		{"duplicate only in en", []fstest.MapFS{good(`{"a":"あ"}`, `{"a":"a"}`), good(`{"b":"い"}`, `{"a":"b"}`)}, `"a"`},
		{"malformed ja", []fstest.MapFS{good(`{"a":"あ",}`, `{"a":"a"}`)}, "ja.json"},
		{"malformed en", []fstest.MapFS{good(`{"a":"あ"}`, `{"a":`)}, "en.json"},
		{"not strings", []fstest.MapFS{good(`{"a":1}`, `{"a":"a"}`)}, "ja.json"},
		{"missing en", []fstest.MapFS{{"ja.json": {Data: []byte(`{}`)}}}, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srcs []fs.FS
			for _, m := range tt.sources {
				srcs = append(srcs, m)
			}
			_, err := i18n.Load(srcs...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load error %v, want one mentioning %s", err, tt.wantErr)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	c, err := i18n.Load(fstest.MapFS{
		"ja.json": {Data: []byte(`{"both": "両方", "only_ja": "日本語だけ", "blank_en": "空"}`)},
		"en.json": {Data: []byte(`{"both": "both", "only_en": "English only", "blank_en": "  "}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"en: blank_en", "en: only_ja", "ja: only_en"}
	if got := c.Problems(); !slices.Equal(got, want) {
		t.Errorf("Problems() = %q, want %q", got, want)
	}
}

// TestShippedCatalogsComplete loads the catalogs of the packages this one
// serves and checks every key is translated, non-empty, in both languages.
func TestShippedCatalogsComplete(t *testing.T) {
	c, err := i18n.Load(web.Locales(), mail.Locales(), audit.Locales())
	if err != nil {
		t.Fatal(err)
	}
	if ps := c.Problems(); len(ps) > 0 {
		t.Errorf("untranslated or empty keys: %q", ps)
	}
	for _, key := range []string{"error.internal", "error.not_found", "error.bad_json", "error.too_large", "error.login_required"} {
		if !c.Has(key) {
			t.Errorf("catalog lacks %q, which the error handler uses", key)
		}
	}
}

// N picks English's singular variant for exactly one and the plain
// message otherwise; Japanese always uses the plain message; the count only
// chooses, so it can be shown formatted or not at all.
func TestN(t *testing.T) {
	c, err := i18n.Load(fstest.MapFS{
		"ja.json": {Data: []byte(`{"count": "{0}件", "none_one": "{0}分", "of": "{0}/{1}件"}`)},
		"en.json": {Data: []byte(`{"count": "{0} results", "count.one": "{0} result", "none_one": "{0} min", "of": "{0} of {1} services", "of.one": "{0} of {1} service"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	en, ja := c.Printer("en"), c.Printer("ja")
	tests := []struct {
		p    *i18n.Printer
		key  string
		n    int
		args []any
		want string
	}{
		{en, "count", 1, []any{1}, "1 result"},
		{en, "count", 0, []any{0}, "0 results"},
		{en, "count", 2, []any{2}, "2 results"},
		{en, "count", -1, []any{-1}, "-1 results"},
		{en, "count", 1092, []any{"1,092"}, "1,092 results"},
		{en, "none_one", 1, []any{1}, "1 min"}, // no variant: the plain message
		{en, "of", 1, []any{0, 1}, "0 of 1 service"},
		{en, "of", 2, []any{1, 2}, "1 of 2 services"},
		{en, "missing", 1, nil, "missing"},
		{ja, "count", 1, []any{1}, "1件"},
		{ja, "count", 2, []any{2}, "2件"},
		{ja, "of", 1, []any{0, 1}, "0/1件"},
	}
	for _, tt := range tests {
		if got := tt.p.N(tt.key, tt.n, tt.args...); got != tt.want {
			t.Errorf("%s N(%q, %d) = %q, want %q", tt.p.Lang(), tt.key, tt.n, got, tt.want)
		}
	}
	// A message carried as key and arguments (an error, a notice) names its
	// count with Count: T chooses by the first one and shows it.
	for _, tt := range []struct {
		p    *i18n.Printer
		key  string
		args []any
		want string
	}{
		{en, "count", []any{i18n.Count(1)}, "1 result"},
		{en, "count", []any{i18n.Count(3)}, "3 results"},
		{en, "count", []any{1}, "1 results"}, // a plain int chooses nothing
		{en, "of", []any{0, i18n.Count(1)}, "0 of 1 service"},
		{en, "of", []any{1, i18n.Count(2)}, "1 of 2 services"},
		{ja, "count", []any{i18n.Count(1)}, "1件"},
	} {
		if got := tt.p.T(tt.key, tt.args...); got != tt.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tt.p.Lang(), tt.key, tt.args, got, tt.want)
		}
		if got := tt.p.TA(tt.key, tt.args); got != tt.want {
			t.Errorf("%s TA(%q, %v) = %q, want %q", tt.p.Lang(), tt.key, tt.args, got, tt.want)
		}
	}
}

// A .one variant is English's alone: Japanese has no plural forms, so one
// there is refused, as is an empty one or one without its message.
func TestProblemsPlural(t *testing.T) {
	c, err := i18n.Load(fstest.MapFS{
		"ja.json": {Data: []byte(`{"n": "{0}件", "n.one": "{0}件", "m": "{0}分"}`)},
		"en.json": {Data: []byte(`{"n": "{0} items", "n.one": "{0} item", "m": "{0} minutes", "m.one": " ", "gone.one": "{0} thing"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"en: gone.one (no gone)", "en: m.one", "ja: n.one (no plural forms)"}
	if got := c.Problems(); !slices.Equal(got, want) {
		t.Errorf("Problems() = %q, want %q", got, want)
	}
}

// Dates are Japanese days whatever the server's zone, written one way per
// language; a date-time is that date with the time.
func TestDates(t *testing.T) {
	at := time.Date(2025, 3, 31, 16, 5, 0, 0, time.UTC) // 1 April 01:05 in Japan
	for _, tt := range []struct{ got, want string }{
		{i18n.Date(at, "ja"), "2025年4月1日"},
		{i18n.Date(at, "en"), "1 April 2025"},
		{i18n.DateTime(at, "ja"), "2025年4月1日 01:05"},
		{i18n.DateTime(at, "en"), "1 April 2025 01:05 JST"},
		{i18n.Date(at, "fr"), "2025年4月1日"},
		{i18n.Day(at), "2025-04-01"},
		{i18n.Date(time.Time{}, "en"), ""},
		{i18n.DateTime(time.Time{}, "ja"), ""},
		{at.In(i18n.Zone()).Format(time.DateTime), "2025-04-01 01:05:00"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
