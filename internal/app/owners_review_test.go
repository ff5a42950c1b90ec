package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/auth/totp"
)

// TestMFAEnrolmentAsksPassword: a stolen session alone (no password) must
// not switch a second factor of its own on; with the password it works and
// the other sessions end.
func TestMFAEnrolmentAsksPassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("enrol@example.jp", "enrol password 1")
		thief := e.SessionClient(u.ID)
		other := e.SessionClient(u.ID)
		expectStatus(t, e.Post(thief, "/settings/mfa/setup", nil), 200)
		var secret string
		e.DB.QueryRowContext(ctx, `SELECT totp_secret FROM users WHERE id = ?`, u.ID).Scan(&secret)
		code, _ := totp.Code(secret, time.Now())
		for _, pw := range []string{"", "wrong password 9"} {
			r := e.Post(thief, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {pw}})
			expectStatus(t, r, http.StatusUnprocessableEntity)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, u.ID); n != 0 {
			t.Fatal("a session without the password switched the second factor on")
		}
		if n := e.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, u.ID); n != 0 {
			t.Fatalf("%d recovery codes made without the password", n)
		}
		r := e.Post(thief, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"enrol password 1"}})
		expectStatus(t, r, 200)
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, u.ID); n != 1 {
			t.Fatal("the factor is not on with the password")
		}
		if s := e.Get(other, "/settings"); s.Status == 200 {
			t.Fatal("another session survived the new factor")
		}
	})
}
