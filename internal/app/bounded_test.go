package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/apptest"
)

// TestAnonymousLoginTextBounded: an anonymous client posting logins with
// an address as long as the body limit allows cannot make the append-only
// audit log or the failure records keep that text. The address is clipped
// in the audit log and digested in login_failures, where its failures
// still count toward the lock.
func TestAnonymousLoginTextBounded(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		long := strings.Repeat("a", 300<<10) + "@example.jp" // 300 KB
		c := e.Client()
		locked := false
		for i := range 8 {
			r := e.Post(c, "/login", url.Values{"email": {long}, "password": {"wrong password"}})
			if r.Status == http.StatusTooManyRequests {
				locked = true
				break
			}
			if i >= 6 {
				t.Fatalf("attempt %d: status %d, want the lock", i+1, r.Status)
			}
		}
		if !locked {
			t.Fatal("failures of a long address never locked it")
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('login.failure', 'login.locked')`); n == 0 {
			t.Fatal("no login audit entries")
		}
		if n := e.Count(`SELECT COALESCE(MAX(LENGTH(actor_email)), 0) FROM audit_log`); n > 254 {
			t.Errorf("audit_log keeps an address of %d characters", n)
		}
		if n := e.Count(`SELECT COALESCE(MAX(LENGTH(detail)), 0) FROM audit_log`); n > 2048 {
			t.Errorf("audit_log keeps a detail of %d characters", n)
		}
		if n := e.Count(`SELECT COALESCE(MAX(LENGTH(subject)), 0) FROM login_failures`); n > 300 {
			t.Errorf("login_failures keeps a subject of %d characters", n)
		}
		total := e.Count(`SELECT COALESCE(SUM(LENGTH(actor_email) + LENGTH(COALESCE(detail, ''))), 0) FROM audit_log`) +
			e.Count(`SELECT COALESCE(SUM(LENGTH(subject)), 0) FROM login_failures`)
		t.Logf("stored %d characters of text for 8 logins with a %d-byte address", total, len(long))
		if total > 16<<10 {
			t.Errorf("%d characters stored", total)
		}
	})
}
