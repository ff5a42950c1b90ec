package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/auth/totp"
)

func mustContain(t *testing.T, r apptest.Response, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Fatalf("status %d: body does not contain %q:\n%.2000s", r.Status, w, r.Body)
		}
	}
}

func expectStatus(t *testing.T, r apptest.Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status = %d, want %d (Location %q)\n%.1500s", r.Status, want, r.Location, r.Body)
	}
}

func TestSignupVerifyLogin(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		r := e.Get(c, "/signup")
		expectStatus(t, r, 200)
		mustContain(t, r, "アカウント作成")

		// Bad input: every problem reported, nothing stored.
		bad := []struct {
			name string
			form url.Values
			want string
		}{
			{"bad email", url.Values{"email": {"not-an-address"}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}}, "メールアドレスの形式"},
			{"short password", url.Values{"email": {"a@example.jp"}, "password": {"short"}, "password_confirm": {"short"}}, "10文字以上"},
			{"mismatch", url.Values{"email": {"a@example.jp"}, "password": {"long enough pw"}, "password_confirm": {"long enough px"}}, "一致しません"},
			{"control chars in name", url.Values{"email": {"a@example.jp"}, "name": {"a\x01b"}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}}, "制御文字"},
		}
		// Addresses net/mail reads as another address (a look-alike
		// account the victim's mailbox would verify) or that sending
		// refused (a 500 after the account was stored): a field message.
		for _, addr := range []string{"victim@example.jp(x)", "taro(x)@example.jp", "Taro <taro@example.jp>", "<taro@example.jp>",
			`"taro"@example.jp`, "taro@[192.0.2.1]", "taro@example.jp.", "たろう@example.jp"} {
			bad = append(bad, struct {
				name string
				form url.Values
				want string
			}{addr, url.Values{"email": {addr}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}}, "メールアドレスの形式"})
		}
		for _, b := range bad {
			r := e.Post(c, "/signup", b.form)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d", b.name, r.Status)
			}
			mustContain(t, r, b.want)
		}
		r = e.Post(c, "/signup?lang=en", url.Values{"email": {"victim@example.jp(x)"}, "password": {"long enough pw"}, "password_confirm": {"long enough pw"}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "valid e-mail address")
		if n := e.Count(`SELECT COUNT(*) FROM users`) + e.Count(`SELECT COUNT(*) FROM mail_outbox`); n != 0 {
			t.Fatalf("bad sign-ups stored %d users and mails", n)
		}

		pw := "correct horse battery"
		r = e.Post(c, "/signup", url.Values{"email": {"Ｔａｒｏ＠Example.JP"}, "name": {"山田 太郎"}, "password": {pw}, "password_confirm": {pw}})
		expectStatus(t, r, 200)
		mustContain(t, r, "taro@example.jp")
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE email = 'taro@example.jp' AND email_verified_at IS NULL`); n != 1 {
			t.Fatal("user not stored unverified")
		}

		// Signing up again with the same address answers the same and mails
		// the owner instead of revealing the account.
		r = e.Post(c, "/signup", url.Values{"email": {"taro@example.jp"}, "password": {pw + "x"}, "password_confirm": {pw + "x"}})
		expectStatus(t, r, 200)
		if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'taro@example.jp'`); n != 2 {
			t.Fatalf("outbox has %d mails, want 2", n)
		}

		// Login before verification is refused with a resend offer.
		r = e.Login(c, "taro@example.jp", pw)
		expectStatus(t, r, http.StatusForbidden)
		mustContain(t, r, "確認が済んでいません", `id="resend"`)

		var verifyLink string
		{
			var body string
			e.DB.QueryRowContext(context.Background(), `SELECT body FROM mail_outbox WHERE to_addr = 'taro@example.jp' AND subject LIKE '%確認%' ORDER BY created_at LIMIT 1`).Scan(&body)
			i := strings.Index(body, "/verify/")
			if i < 0 {
				t.Fatalf("no verify link in %q", body)
			}
			verifyLink = strings.Fields(body[i:])[0]
		}
		expectStatus(t, e.Get(c, verifyLink), 200)
		r = e.Post(c, verifyLink, nil)
		expectStatus(t, r, http.StatusSeeOther)
		if r.Location != "/login" {
			t.Fatalf("verify redirect to %q", r.Location)
		}
		expectStatus(t, e.Post(c, verifyLink, nil), http.StatusNotFound) // single use

		before := cookieValue(e, c)
		r = e.Login(c, "TARO@example.jp", pw)
		expectStatus(t, r, http.StatusSeeOther)
		if r.Location != "/dashboard" {
			t.Fatalf("login redirect %q", r.Location)
		}
		after := cookieValue(e, c)
		if after == "" || after == before {
			t.Fatal("login did not issue a new session id")
		}
		expectStatus(t, e.Get(c, "/settings"), 200)
		if n := e.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'login.success'`); n != 1 {
			t.Fatalf("audit login.success = %d", n)
		}

		// Logout ends the session server-side.
		r = e.Post(c, "/logout", nil)
		expectStatus(t, r, http.StatusSeeOther)
		r = e.Get(c, "/settings")
		expectStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/login?next=") {
			t.Fatalf("anonymous settings redirect %q", r.Location)
		}
	})
}

func cookieValue(e *apptest.Env, c *http.Client) string {
	u, _ := url.Parse(e.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == e.App.Auth.CookieName() {
			return ck.Value
		}
	}
	return ""
}

func TestLoginRateLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.CreateUser("hanako@example.jp", "right password!")
		c := e.Client()
		for i := 0; i < e.App.Cfg.LoginMaxFailures-1; i++ {
			r := e.Login(c, "hanako@example.jp", "wrong password")
			expectStatus(t, r, http.StatusUnauthorized)
			mustContain(t, r, "正しくありません")
		}
		r := e.Login(c, "hanako@example.jp", "wrong password")
		expectStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, r, "一時的にロック")
		// Even the right password is refused while locked.
		r = e.Login(c, "hanako@example.jp", "right password!")
		expectStatus(t, r, http.StatusTooManyRequests)
		if n := e.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure'`); n != e.App.Cfg.LoginMaxFailures {
			t.Fatalf("audit failures = %d", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM sessions`); n != 0 {
			t.Fatal("locked login created a session")
		}
		// English message for an English visitor.
		r = e.Do(c, "POST", "/login", strings.NewReader("email=hanako%40example.jp&password=x"), map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en-GB,en;q=0.9"})
		mustContain(t, r, "Too many failed logins")
		// Unknown accounts fail the same way, without revealing existence.
		r = e.Login(e.Client(), "nobody@example.jp", "whatever pw")
		expectStatus(t, r, http.StatusUnauthorized)
	})
}

// English counts agree with their noun: the last try before the lock is
// "1 more failed attempt", the others "n more failed attempts".
func TestLoginFailedCountInEnglish(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.CreateUser("hanako@example.jp", "right password!")
		c := e.Client()
		en := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"}
		for left := e.App.Cfg.LoginMaxFailures - 1; left >= 1; left-- {
			r := e.Do(c, "POST", "/login", strings.NewReader("email=hanako%40example.jp&password=wrong+password"), en)
			expectStatus(t, r, http.StatusUnauthorized)
			want := fmt.Sprintf("(%d more failed attempts will lock", left)
			if left == 1 {
				want = "(1 more failed attempt will lock"
			}
			mustContain(t, r, want)
		}
	})
}

func TestPasswordResetAndChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.CreateUser("ken@example.jp", "old password 1")
		other := e.Client()
		expectStatus(t, e.Login(other, "ken@example.jp", "old password 1"), http.StatusSeeOther)

		c := e.Client()
		r := e.Post(c, "/password/forgot", url.Values{"email": {"ken@example.jp"}})
		expectStatus(t, r, 200)
		r = e.Post(c, "/password/forgot", url.Values{"email": {"nobody@example.jp"}})
		expectStatus(t, r, 200) // same answer
		link := e.LastMailLink("ken@example.jp")
		if !strings.HasPrefix(link, "/password/reset/") {
			t.Fatalf("reset link %q", link)
		}
		expectStatus(t, e.Get(c, link), 200)
		r = e.Post(c, link, url.Values{"password": {"new password 22"}, "password_confirm": {"different 22x"}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		r = e.Post(c, link, url.Values{"password": {"new password 22"}, "password_confirm": {"new password 22"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectStatus(t, e.Post(c, link, url.Values{"password": {"new password 33"}, "password_confirm": {"new password 33"}}), http.StatusNotFound)
		// The reset ended the other session.
		expectStatus(t, e.Get(other, "/settings"), http.StatusSeeOther)
		expectStatus(t, e.Login(c, "ken@example.jp", "old password 1"), http.StatusUnauthorized)
		expectStatus(t, e.Login(c, "ken@example.jp", "new password 22"), http.StatusSeeOther)

		// Change password: wrong current password is refused.
		r = e.Post(c, "/settings/password", url.Values{"current_password": {"nope nope nope"}, "password": {"third password 3"}, "password_confirm": {"third password 3"}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "現在のパスワードが正しくありません")
		second := e.Client()
		expectStatus(t, e.Login(second, "ken@example.jp", "new password 22"), http.StatusSeeOther)
		r = e.Post(c, "/settings/password", url.Values{"current_password": {"new password 22"}, "password": {"third password 3"}, "password_confirm": {"third password 3"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectStatus(t, e.Get(c, "/settings"), 200)                      // rotated, still in
		expectStatus(t, e.Get(second, "/settings"), http.StatusSeeOther) // others ended
		if n := e.Count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('account.password_reset','account.password_changed')`); n != 2 {
			t.Fatalf("audit entries = %d", n)
		}
	})
}

func TestTOTPSecondFactor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.CreateUser("mfa@example.jp", "mfa password 1")
		c := e.Client()
		expectStatus(t, e.Login(c, "mfa@example.jp", "mfa password 1"), http.StatusSeeOther)
		r := e.Post(c, "/settings/mfa/setup", nil)
		expectStatus(t, r, 200)
		mustContain(t, r, "<svg", `id="mfa-secret"`)
		secret := e.TOTPSecret(u.ID)
		r = e.Post(c, "/settings/mfa/enable", url.Values{"code": {"000000"}, "current_password": {"mfa password 1"}, "setup": {e.MFASetupID(u.ID)}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		code, _ := totp.Code(secret, time.Now())
		r = e.Post(c, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"mfa password 1"}, "setup": {e.MFASetupID(u.ID)}})
		expectStatus(t, r, 200)
		codes := extractCodes(r.Body)
		if len(codes) != 10 {
			t.Fatalf("got %d recovery codes", len(codes))
		}
		if n := e.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND code_hash <> ?`, u.ID, codes[0]); n != 10 {
			t.Fatal("recovery codes not stored hashed")
		}
		expectStatus(t, e.Post(c, "/logout", nil), http.StatusSeeOther)

		// Password alone now only reaches the second step.
		r = e.Login(c, "mfa@example.jp", "mfa password 1")
		expectStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/login/mfa") {
			t.Fatalf("redirect %q", r.Location)
		}
		expectStatus(t, e.Get(c, "/settings"), http.StatusSeeOther)
		expectStatus(t, e.Post(c, "/login/mfa", url.Values{"code": {"123456"}}), http.StatusUnprocessableEntity)
		// The code used at enrolment cannot be replayed.
		r = e.Post(c, "/login/mfa", url.Values{"code": {code}})
		if r.Status == http.StatusSeeOther {
			t.Fatal("replayed TOTP code accepted")
		}
		r = e.Post(c, "/login/mfa", url.Values{"code": {codes[0]}})
		expectStatus(t, r, http.StatusSeeOther)
		expectStatus(t, e.Get(c, "/settings"), 200)

		// A recovery code works once.
		c2 := e.Client()
		e.Login(c2, "mfa@example.jp", "mfa password 1")
		expectStatus(t, e.Post(c2, "/login/mfa", url.Values{"code": {codes[0]}}), http.StatusUnprocessableEntity)

		// Disabling needs the password.
		expectStatus(t, e.Post(c, "/settings/mfa/disable", url.Values{"current_password": {"wrong wrong"}}), http.StatusUnprocessableEntity)
		expectStatus(t, e.Post(c, "/settings/mfa/disable", url.Values{"current_password": {"mfa password 1"}}), http.StatusSeeOther)
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NULL`, u.ID); n != 1 {
			t.Fatal("MFA still on")
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('mfa.enabled','mfa.disabled','mfa.recovery_code_used')`); n != 3 {
			t.Fatalf("mfa audit entries = %d", n)
		}
	})
}

func extractCodes(body string) []string {
	i := strings.Index(body, `id="recovery-codes"`)
	if i < 0 {
		return nil
	}
	rest := body[i:]
	rest = rest[:strings.Index(rest, "</ul>")]
	var out []string
	for _, part := range strings.Split(rest, "<li>")[1:] {
		out = append(out, strings.TrimSpace(strings.Split(part, "</li>")[0]))
	}
	return out
}

func TestAPITokens(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.CreateUser("api@example.jp", "api password 1", "analyst")
		c := e.SessionClient(u.ID)
		r := e.Post(c, "/settings/tokens", url.Values{"name": {"スクリプト"}})
		expectStatus(t, r, 200)
		i := strings.Index(r.Body, "mamori_")
		if i < 0 {
			t.Fatal("token not shown")
		}
		token := r.Body[i : i+7+52]
		bearer := func(tok string) apptest.Response {
			return e.Do(e.Client(), "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + tok})
		}
		r = bearer(token)
		expectStatus(t, r, 200)
		mustContain(t, r, `"email":"api@example.jp"`, `"roles":["analyst"]`)
		if n := e.Count(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?`, token); n != 0 {
			t.Fatal("token stored in clear")
		}
		r = bearer("mamori_nottherealtoken")
		expectStatus(t, r, http.StatusUnauthorized)
		mustContain(t, r, `"code":"unauthorized"`)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Fatal("no WWW-Authenticate on 401")
		}
		// Anonymous API access is 401 JSON, not a login redirect.
		r = e.Get(e.Client(), "/api/v1/me")
		expectStatus(t, r, http.StatusUnauthorized)
		var id string
		e.DB.QueryRowContext(context.Background(), `SELECT id FROM api_tokens WHERE user_id = ?`, u.ID).Scan(&id)
		expectStatus(t, e.Post(c, "/settings/tokens/"+id+"/revoke", nil), http.StatusSeeOther)
		expectStatus(t, bearer(token), http.StatusUnauthorized)
		// Another user cannot revoke someone else's token.
		other := e.CreateUser("other@example.jp", "other password")
		expectStatus(t, e.Post(e.SessionClient(other.ID), "/settings/tokens/"+id+"/revoke", nil), http.StatusNotFound)
	})
}

// TestSignupKeepsDestination: someone invited to an organisation signs up
// from the invitation page and lands back there after confirming.
func TestSignupKeepsDestination(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		pw := "destination pw 1"
		for _, tc := range []struct{ next, want string }{
			{"/invitations/abc", "/login?next=%2Finvitations%2Fabc"},
			{"//evil.example/", "/login"},
		} {
			email := strings.NewReplacer("/", "", ".", "").Replace(tc.next) + "@example.jp"
			r := e.Post(c, "/signup", url.Values{"email": {email}, "password": {pw}, "password_confirm": {pw}, "next": {tc.next}})
			expectStatus(t, r, 200)
			r = e.Post(c, e.LastMailLink(email), nil)
			expectStatus(t, r, http.StatusSeeOther)
			if r.Location != tc.want {
				t.Fatalf("next %q: verified, sent to %q, want %q", tc.next, r.Location, tc.want)
			}
		}
	})
}

// TestSessionRotatesOnPrivilegeChange: when an administrator grants a
// role, the user's next request gets a new session id and the old id no
// longer works.
func TestSessionRotatesOnPrivilegeChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.CreateUser("root@example.jp", "admin password 1", "operator_admin")
		u := e.CreateUser("staff@example.jp", "staff password 1")
		c := e.SessionClient(u.ID)
		old := cookieValue(e, c)
		expectStatus(t, e.Get(c, "/admin"), http.StatusForbidden)
		r := e.Post(e.SessionClient(admin.ID), "/admin/users/"+u.ID+"/roles", url.Values{"role": {"operator_admin"}, "op": {"grant"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectStatus(t, e.Get(c, "/admin"), 200)
		now := cookieValue(e, c)
		if now == old || now == "" {
			t.Fatal("session id not rotated after a role grant")
		}
		stale := e.Client()
		base, _ := url.Parse(e.URL)
		stale.Jar.SetCookies(base, []*http.Cookie{{Name: e.App.Auth.CookieName(), Value: old, Path: "/"}})
		expectStatus(t, e.Get(stale, "/admin"), http.StatusSeeOther) // to the login page
		if n := e.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'role.granted'`); n != 1 {
			t.Fatal("role grant not audited")
		}
	})
}
