package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/auth/totp"
)

// TestMFASetupPlantedBySession: a stolen session that restarts the setup
// while the owner is enrolling must neither get its own secret switched on
// by the owner's password nor read the owner's pending secret. The setup
// page the owner scanned is bound to the secret it showed: a code for it
// after another session restarted the setup is refused without showing
// the new secret, and a post without that page's binding shows nothing.
func TestMFASetupPlantedBySession(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.CreateUser("plant@example.jp", "plant password 1")
		owner, thief := e.SessionClient(u.ID), e.SessionClient(u.ID)
		expectStatus(t, e.Post(owner, "/settings/mfa/setup", nil), 200)
		ownerSecret, ownerSetup := e.TOTPSecret(u.ID), e.MFASetupID(u.ID)

		// The thief, without the password, cannot read the pending secret
		// through the enable form's answer.
		r := e.Post(thief, "/settings/mfa/enable", url.Values{"code": {"000000"}, "current_password": {"guess"}})
		if r.Status == http.StatusOK || r.Status == http.StatusUnprocessableEntity && strings.Contains(r.Body, ownerSecret) {
			t.Fatalf("a session without the setup page read the pending secret (%d)", r.Status)
		}

		// The thief restarts the setup: its own secret is now pending.
		r = e.Post(thief, "/settings/mfa/setup", nil)
		expectStatus(t, r, 200)
		thiefSecret := e.TOTPSecret(u.ID)
		if !strings.Contains(r.Body, thiefSecret) {
			t.Fatal("the setup page does not show its secret")
		}
		// The owner sends the code of the secret they scanned: refused,
		// and the thief's secret is not shown to be scanned instead.
		code, _ := totp.Code(ownerSecret, time.Now())
		r = e.Post(owner, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"plant password 1"}, "setup": {ownerSetup}})
		if r.Status == http.StatusOK || strings.Contains(r.Body, thiefSecret) {
			t.Fatalf("the owner's enrolment showed the secret another session planted (%d)", r.Status)
		}
		// Even with a code for the planted secret, the owner's page (bound
		// to the secret it showed) does not switch it on.
		code, _ = totp.Code(thiefSecret, time.Now())
		e.Post(owner, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"plant password 1"}, "setup": {ownerSetup}})
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, u.ID); n != 0 {
			t.Fatal("the secret another session planted was switched on with the owner's password")
		}

		// Started again by the owner, the setup works.
		expectStatus(t, e.Post(owner, "/settings/mfa/setup", nil), 200)
		code, _ = totp.Code(e.TOTPSecret(u.ID), time.Now())
		expectStatus(t, e.Post(owner, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"plant password 1"}, "setup": {e.MFASetupID(u.ID)}}), 200)
	})
}
