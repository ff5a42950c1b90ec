package web_test

import (
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"testing"

	"mamori/internal/web"
)

// TestFlashCookieSecureOverHTTPS: the flash cookie is Secure whenever the
// response goes out over HTTPS (TLS served here, or the HSTS the stack
// sets for an https deployment behind a proxy), like the session cookie.
func TestFlashCookieSecureOverHTTPS(t *testing.T) {
	for _, tt := range []struct {
		name       string
		tls, hsts  bool
		wantSecure bool
	}{
		{"plain http", false, false, false},
		{"tls", true, false, true},
		{"https behind a proxy", false, true, true},
	} {
		r := httptest.NewRequest("POST", "/settings", nil)
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		if tt.hsts {
			w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		}
		web.Redirect(w, r, "/", "flash.saved")
		sc := w.Header().Get("Set-Cookie")
		if !strings.Contains(sc, "mamori_flash=") || strings.Contains(sc, "; Secure") != tt.wantSecure {
			t.Errorf("%s: Set-Cookie %q, want Secure %v", tt.name, sc, tt.wantSecure)
		}
	}
}
