package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/i18n"
	"mamori/internal/web"
)

// TestStaticManyRanges: a request for thousands of one-byte ranges gets the
// file whole, not a multipart answer many times its size; one range is
// still served as 206.
func TestStaticManyRanges(t *testing.T) {
	cat, err := i18n.Load(web.Locales())
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(cat, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err != nil {
		t.Fatal(err)
	}
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
