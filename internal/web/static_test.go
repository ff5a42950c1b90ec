package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"mamori/internal/i18n"
	"mamori/internal/web"
)

// testRenderer is the renderer with package web's own catalog and pages.
func testRenderer(t testing.TB) (*i18n.Catalog, *web.Renderer) {
	t.Helper()
	cat, err := i18n.Load(web.Locales())
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(cat, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return cat, rd
}

// TestStaticManyRanges: a request for thousands of one-byte ranges gets the
// file whole, not a multipart answer many times its size; one range is
// still served as 206.
func TestStaticManyRanges(t *testing.T) {
	_, rd := testRenderer(t)
	get := func(rng string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/static/app.css", nil)
		if rng != "" {
			r.Header.Set("Range", rng)
		}
		w := httptest.NewRecorder()
		rd.Static().ServeHTTP(w, r)
		return w
	}
	whole := get("")
	if whole.Code != http.StatusOK || whole.Body.Len() == 0 {
		t.Fatalf("GET app.css = %d, %d bytes", whole.Code, whole.Body.Len())
	}
	size := whole.Body.Len()
	var b strings.Builder
	b.WriteString("bytes=")
	for i := 0; i < 6000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		n := strconv.Itoa(i % size)
		b.WriteString(n + "-" + n)
	}
	w := get(b.String())
	if w.Code != http.StatusOK || w.Body.Len() > size+1024 {
		t.Errorf("6,000 ranges on a %d-byte file: %d, %d bytes (want 200 and at most the file plus 1 KB)", size, w.Code, w.Body.Len())
	}
	if w := get("bytes=0-9"); w.Code != http.StatusPartialContent || w.Body.Len() != 10 {
		t.Errorf("one range: %d, %d bytes", w.Code, w.Body.Len())
	}
}

// TestAddStatic: a capability's own file is served under its name with a
// digest address and the year-long cache the shared files get; its other
// names, a bad prefix and a second registration are refused.
func TestAddStatic(t *testing.T) {
	_, rd := testRenderer(t)
	files := fstest.MapFS{"card.css": {Data: []byte(".card{color:red}")}, "js/extra.js": {Data: []byte("1;")}}
	if err := rd.AddStatic("pkg", files); err != nil {
		t.Fatal(err)
	}
	u := rd.AssetURL("pkg/card.css")
	if !strings.HasPrefix(u, "/static/pkg/card.css?v=") || rd.AssetURL("pkg/js/extra.js") == "" {
		t.Fatalf("asset URLs %q %q", u, rd.AssetURL("pkg/js/extra.js"))
	}
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		rd.Static().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	w := get(u)
	if w.Code != http.StatusOK || w.Body.String() != ".card{color:red}" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s = %d %q %q %q", u, w.Code, w.Body.String(), w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	}
	for _, p := range []string{"/static/pkg/", "/static/pkg/missing.css", "/static/pkg/js/", "/static/other/card.css"} {
		if w := get(p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, w.Code)
		}
	}
	if w := get("/static/app.css"); w.Code != http.StatusOK {
		t.Errorf("shared file after AddStatic: %d", w.Code)
	}
	for _, prefix := range []string{"pkg", "", "a/b", "x.y"} {
		if err := rd.AddStatic(prefix, files); err == nil {
			t.Errorf("AddStatic(%q) accepted", prefix)
		}
	}
}
