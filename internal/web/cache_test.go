package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A response that sets a cookie never reaches shared caches, whatever
// the handler asked for.
func TestCookieResponsesArePrivate(t *testing.T) {
	for _, c := range []struct {
		cookie bool
		cache  string
		want   string
	}{
		{true, "public, max-age=31536000, immutable", "private, no-store"},
		{false, "public, max-age=31536000, immutable", "public, max-age=31536000, immutable"},
		{true, "no-store", "no-store"},
		{true, "", ""},
	} {
		rec := httptest.NewRecorder()
		sw := &statusWriter{ResponseWriter: rec}
		if c.cookie {
			http.SetCookie(sw, &http.Cookie{Name: "mamori_session", Value: "x"})
		}
		if c.cache != "" {
			sw.Header().Set("Cache-Control", c.cache)
		}
		sw.Write([]byte("body"))
		if got := rec.Header().Get("Cache-Control"); got != c.want {
			t.Errorf("cookie %v, %q: Cache-Control %q, want %q", c.cookie, c.cache, got, c.want)
		}
	}
}
