package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/auth/password"
	"mamori/internal/auth/totp"
)

// TestEndedSessionMintsNothing: a session ended by a password reset on one
// instance is still served for up to a second from another instance's
// session cache. In that second it must not be able to mint a credential
// that outlives the reset: an API token, a renewed session, or (from a
// pending second-factor session) a full session. Review of issue 11 point
// 3: each of these was created after the reset and kept working.
func TestEndedSessionMintsNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e2 := apptest.Start(t, secondDB(t, e.DB))
		ctx := context.Background()
		u := e.CreateUser("stale@example.jp", "old password 11", "analyst")
		pw := "old password 11"
		reset := func(next string) {
			t.Helper()
			expectStatus(t, e.Post(e.Client(), "/password/forgot", url.Values{"email": {"stale@example.jp"}}), 200)
			l := e.LastMailLink("stale@example.jp")
			expectStatus(t, e.Post(e.Client(), l, url.Values{"password": {next}, "password_confirm": {next}}), http.StatusSeeOther)
			pw = next
		}
		sessions := func() int {
			return e.Count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID)
		}
		liveTokens := func() int {
			return e.Count(`SELECT COUNT(*) FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL`, u.ID)
		}

		// 1. An API token asked for through the ended session.
		a := e2.Client()
		expectStatus(t, e2.Login(a, "stale@example.jp", pw), http.StatusSeeOther)
		expectStatus(t, e2.Get(a, "/settings"), 200) // e2 now holds the session in its cache
		reset("new password 22")
		r := e2.Post(a, "/settings/tokens", url.Values{"name": {"backdoor"}})
		if n := liveTokens(); n != 0 {
			t.Fatalf("an ended session (answered %d) created an API token that outlives the reset (%d live)", r.Status, n)
		}
		if n := sessions(); n != 0 {
			t.Fatalf("%d sessions after the reset", n)
		}

		// 2. A settings change that renews the session id (switching the
		// second factor on) through the ended session.
		a = e2.Client()
		expectStatus(t, e2.Login(a, "stale@example.jp", pw), http.StatusSeeOther)
		expectStatus(t, e2.Post(a, "/settings/mfa/setup", nil), 200)
		secret := e.TOTPSecret(u.ID)
		code, _ := totp.Code(secret, time.Now())
		expectStatus(t, e2.Get(a, "/settings"), 200) // the setup wrote on e2: cache the session again
		reset("third password 33")
		r = e2.Post(a, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"third password 33"}, "setup": {e.MFASetupID(u.ID)}})
		if n := sessions(); n != 0 {
			t.Fatalf("an ended session (answered %d) was renewed into one that outlives the reset (%d sessions)", r.Status, n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, u.ID); n != 0 {
			t.Fatal("an ended session switched the second factor on: the owner who reset the password is locked out")
		}
		e.DB.ExecContext(ctx, `UPDATE users SET totp_secret = ?, totp_enabled_at = ?, totp_last_step = 0 WHERE id = ?`, secret, time.Now().UTC(), u.ID)

		// 3. The second factor given through a pending session that the
		// reset ended.
		a = e2.Client()
		r = e2.Login(a, "stale@example.jp", pw)
		expectStatus(t, r, http.StatusSeeOther)
		expectStatus(t, e2.Get(a, "/login/mfa"), 200)
		reset("fourth password 44")
		code, _ = totp.Code(secret, time.Now())
		r = e2.Post(a, "/login/mfa", url.Values{"code": {code}})
		if n := sessions(); n != 0 {
			t.Fatalf("a pending session ended by the reset finished its login (answered %d, %d sessions)", r.Status, n)
		}
	})
}

// TestLoginRacingPasswordChange: logins with the old password keep
// arriving (through two instances) while the owner changes the password.
// A login that verified the old password just before the change committed
// must not store its session just after it: that session would survive
// the change. Review of issue 11 point 3: a session did.
func TestLoginRacingPasswordChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e2 := apptest.Start(t, secondDB(t, e.DB))
		u := e.CreateUser("race@example.jp", "password no 0")
		owner := e.SessionClient(u.ID)
		for round := 1; round <= 6; round++ {
			old, next := fmt.Sprintf("password no %d", round-1), fmt.Sprintf("password no %d", round)
			e.DB.ExecContext(context.Background(), `DELETE FROM login_failures`)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var tried atomic.Int64
			// Three at a time, for the reason TestLoginRacingMFAEnable
			// gives: each login in flight holds a reserved attempt of the
			// account's budget (5), and the change's own password check
			// needs one; six answered the change 429 on a busy machine.
			for i := 0; i < 3; i++ {
				env := []*apptest.Env{e, e2}[i%2]
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						rawPost(noRedirect(), env.URL, "/login", url.Values{"email": {"race@example.jp"}, "password": {old}}, nil)
						tried.Add(1)
					}
				}()
			}
			apptest.WaitFor(t, "logins under way", func() bool { return tried.Load() >= 3 })
			expectStatus(t, e.Post(owner, "/settings/password", url.Values{"current_password": {old}, "password": {next}, "password_confirm": {next}}), http.StatusSeeOther)
			close(stop)
			wg.Wait()
			// Only the owner's (renewed) session remains.
			if n := e.Count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID); n != 1 {
				t.Fatalf("round %d: %d sessions after the change, want only the owner's", round, n)
			}
		}
	})
}

// TestAddressLimitIPv6Prefix: the per-address login budget (ten times the
// per-account one) counts an IPv6 client by its /64, the block one
// subscriber or host is given; counted per address, a client walks its
// /64 and never meets the limit while spraying passwords over many
// accounts. Review of issue 11 point 2.
func TestAddressLimitIPv6Prefix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		h := e.Server.Config.Handler
		limit := e.App.Cfg.LoginMaxFailures * 10
		post := func(i int, remote string) int {
			form := url.Values{"email": {fmt.Sprintf("spray%d@example.jp", i)}, "password": {"some guess 123"}}
			req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = remote
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w.Code
		}
		for i := 0; i < limit; i++ {
			if s := post(i, fmt.Sprintf("[2001:db8:7:9::%x]:40000", i+1)); s == http.StatusTooManyRequests {
				t.Fatalf("attempt %d refused before the limit", i)
			}
		}
		if s := post(limit, "[2001:db8:7:9:ffff::1]:40000"); s != http.StatusTooManyRequests {
			t.Fatalf("attempt %d from the same /64: %d, want 429", limit+1, s)
		}
		// Another /64, and IPv4, have budgets of their own.
		if s := post(limit+1, "[2001:db8:7:a::1]:40000"); s == http.StatusTooManyRequests {
			t.Fatal("another /64 was refused")
		}
		if s := post(limit+2, "192.0.2.7:40000"); s == http.StatusTooManyRequests {
			t.Fatal("an IPv4 client was refused")
		}
	})
}

// TestLoginUpgradesHashAndLogsIn: a login whose password hash is upgraded
// to the current parameters still gets its session (the session is
// stored only while the verified hash is the account's, and the upgrade
// replaces it), and the upgrade never writes over a hash that changed
// since it was verified.
func TestLoginUpgradesHashAndLogsIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.App.Auth.Params = password.Default
		u := e.CreateUser("upgrade@example.jp", "older hash pw 1") // hashed with password.Fast
		var before string
		e.DB.QueryRowContext(context.Background(), `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&before)
		c := e.Client()
		expectStatus(t, e.Login(c, "upgrade@example.jp", "older hash pw 1"), http.StatusSeeOther)
		expectStatus(t, e.Get(c, "/settings"), 200)
		var after string
		e.DB.QueryRowContext(context.Background(), `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&after)
		if after == before {
			t.Fatal("hash not upgraded")
		}
	})
}

// TestHashUpgradeRacingChange: a login that verified the old password
// upgrades its hash while the owner changes the password. The upgrade
// must not write the old password back over the new one.
func TestHashUpgradeRacingChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.App.Auth.Params = password.Default
		u := e.CreateUser("upgrace@example.jp", "")
		owner := e.SessionClient(u.ID)
		for round := 0; round < 8; round++ {
			old, next := fmt.Sprintf("old password %d", round), fmt.Sprintf("new password %d", round)
			h, _ := password.Hash(old, password.Fast) // older parameters: the next login upgrades it
			e.DB.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, h, u.ID)
			e.DB.ExecContext(ctx, `DELETE FROM login_failures`)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				rawPost(noRedirect(), e.URL, "/login", url.Values{"email": {"upgrace@example.jp"}, "password": {old}}, nil)
			}()
			expectStatus(t, e.Post(owner, "/settings/password", url.Values{"current_password": {old}, "password": {next}, "password_confirm": {next}}), http.StatusSeeOther)
			wg.Wait()
			var stored string
			e.DB.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&stored)
			if ok, _ := password.Verify(old, stored); ok {
				t.Fatalf("round %d: the login's hash upgrade wrote the old password back over the change", round)
			}
		}
	})
}

// TestLoginRacingMFAEnable: logins with the password alone keep arriving
// while the owner switches the second factor on. A login that found the
// factor off just before the switch committed must not store a full
// session just after it: that session would skip the factor that the
// switch was meant to require (and that ends the other sessions).
func TestLoginRacingMFAEnable(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("mfarace@example.jp", "the password 1")
		for round := 0; round < 6; round++ {
			e.DB.ExecContext(ctx, `UPDATE users SET totp_enabled_at = NULL, totp_secret = '' WHERE id = ?`, u.ID)
			e.DB.ExecContext(ctx, `DELETE FROM sessions`)
			owner := e.SessionClient(u.ID)
			expectStatus(t, e.Post(owner, "/settings/mfa/setup", nil), 200)
			secret := e.TOTPSecret(u.ID)
			code, _ := totp.Code(secret, time.Now())
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var tried atomic.Int64
			// Three at a time: each login holds a reserved attempt of the
			// account's budget (5) while it hashes, and the switch's own
			// password check needs one too; more logins in flight would
			// answer the switch 429 instead of racing it.
			for i := 0; i < 3; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						rawPost(noRedirect(), e.URL, "/login", url.Values{"email": {"mfarace@example.jp"}, "password": {"the password 1"}}, nil)
						tried.Add(1)
					}
				}()
			}
			apptest.WaitFor(t, "logins under way", func() bool { return tried.Load() >= 3 })
			expectStatus(t, e.Post(owner, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"the password 1"}, "setup": {e.MFASetupID(u.ID)}}), 200)
			close(stop)
			wg.Wait()
			if n := e.Count(`SELECT COUNT(*) FROM sessions WHERE user_id = ? AND stage = 'full'`, u.ID); n != 1 {
				t.Fatalf("round %d: %d full sessions after the second factor was switched on, want only the owner's", round, n)
			}
		}
	})
}
