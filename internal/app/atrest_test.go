package app_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/auth"
	"mamori/internal/auth/totp"
	"mamori/internal/db"
	"mamori/internal/mail"
	"mamori/internal/org/orgtest"
	"mamori/internal/web"
)

// Issue 23 point 4: without SMTP the outbox is the delivery channel, but an
// operator administrator reading /admin/outbox must not see another
// person's reset link (its token is stored elsewhere as a digest only);
// the administrator's own mail keeps its link.
func TestOutboxMasksOthersLinkSecrets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.CreateUser("admin@example.jp", "correct horse battery", web.RoleOperatorAdmin)
		e.CreateUser("victim@example.jp", "correct horse battery")
		e.Post(e.Client(), "/password/forgot", url.Values{"email": {"victim@example.jp"}})
		e.Post(e.Client(), "/password/forgot", url.Values{"email": {"admin@example.jp"}})
		victimLink := e.LastMailLink("victim@example.jp")
		adminLink := e.LastMailLink("admin@example.jp")
		token := victimLink[strings.LastIndex(victimLink, "/")+1:]
		if len(token) < 16 {
			t.Fatalf("no token in %q", victimLink)
		}
		r := e.Get(e.SessionClient(admin.ID), "/admin/outbox")
		if r.Status != 200 {
			t.Fatalf("outbox: %d", r.Status)
		}
		page := html.UnescapeString(r.Body)
		if strings.Contains(page, token) {
			t.Errorf("/admin/outbox shows the victim's reset token")
		}
		if !strings.Contains(page, "/password/reset/［リンクの秘密の値は表示しません］") || strings.Contains(page, mail.SecretPlaceholder) {
			t.Errorf("/admin/outbox does not show the masked link in the reader's language")
		}
		if en := html.UnescapeString(e.Get(e.SessionClient(admin.ID), "/admin/outbox?lang=en").Body); !strings.Contains(en, "/password/reset/[link secret not shown]") {
			t.Errorf("/admin/outbox in English does not show the masked link")
		}
		if !strings.Contains(page, adminLink) {
			t.Errorf("/admin/outbox hides the administrator's own link %q", adminLink)
		}
		// Verification and invitation mail are masked the same way.
		e.Post(e.Client(), "/signup", url.Values{"email": {"newcomer@example.jp"}, "password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}})
		o := orgtest.NewOrg(t, e.DB, "伏字株式会社", admin.ID)
		expectStatus(t, e.Post(e.SessionClient(admin.ID), "/orgs/"+o.Slug+"/invitations", url.Values{"email": {"guest@example.jp"}, "role": {"member"}}), http.StatusSeeOther)
		r = e.Get(e.SessionClient(admin.ID), "/admin/outbox")
		page = html.UnescapeString(r.Body)
		for _, to := range []string{"newcomer@example.jp", "guest@example.jp"} {
			link := e.LastMailLink(to)
			if tok := link[strings.LastIndex(link, "/")+1:]; len(tok) < 16 || strings.Contains(page, tok) {
				t.Errorf("/admin/outbox shows the secret of %s (%q)", link, tok)
			}
		}
		// The reset link still works for its recipient.
		if r := e.Get(e.Client(), victimLink); r.Status != 200 {
			t.Errorf("reset link: %d", r.Status)
		}
	})
}

// dbFileHolds reports whether the SQLite files behind e (database and
// WAL) hold s; on PostgreSQL the column check has to do.
func dbFileHolds(t *testing.T, e *apptest.Env, s string) bool {
	t.Helper()
	if e.DB.Dialect() != db.SQLite {
		return false
	}
	var path string
	if err := e.DB.QueryRowContext(context.Background(), `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// Issue 23 point 5: users.totp_secret was stored in clear. A secret set at
// enrolment is stored sealed, one an older version stored in clear is
// sealed at start, and both still let their owner log in.
func TestTOTPSecretSealedAtRest(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("sealed@example.jp", "mfa password 1")
		c := e.SessionClient(u.ID)
		expectStatus(t, e.Post(c, "/settings/mfa/setup", nil), 200)
		secret := e.TOTPSecret(u.ID)
		var stored string
		e.DB.QueryRowContext(ctx, `SELECT totp_secret FROM users WHERE id = ?`, u.ID).Scan(&stored)
		if secret == "" || strings.Contains(stored, secret) {
			t.Fatalf("TOTP secret stored as %q", stored)
		}
		if dbFileHolds(t, e, secret) {
			t.Errorf("the database file holds the TOTP secret %q", secret)
		}
		code, _ := totp.Code(secret, time.Now())
		expectStatus(t, e.Post(c, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"mfa password 1"}, "setup": {e.MFASetupID(u.ID)}}), 200)

		// A secret an older version stored in clear.
		const legacy = "JBSWY3DPEHPK3PXPMAMORILEGACY2345"
		old := e.CreateUser("legacy@example.jp", "mfa password 1")
		if _, err := e.DB.ExecContext(ctx, `UPDATE users SET totp_secret = ?, totp_enabled_at = ?, totp_last_step = 0 WHERE id = ?`, legacy, db.Now(), old.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := auth.SealLegacyTOTP(ctx, e.DB, e.App.Box); err != nil || n != 1 {
			t.Fatalf("SealLegacyTOTP = %d, %v", n, err)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE totp_secret LIKE ?`, "%"+legacy+"%"); n != 0 {
			t.Fatal("the legacy TOTP secret is still stored in clear")
		}
		if dbFileHolds(t, e, legacy) {
			t.Error("the database file still holds the legacy TOTP secret")
		}
		if got := e.TOTPSecret(old.ID); got != legacy {
			t.Fatalf("sealed legacy secret opens to %q", got)
		}
		lc := e.Client()
		r := e.Login(lc, "legacy@example.jp", "mfa password 1")
		if !strings.HasPrefix(r.Location, "/login/mfa") {
			t.Fatalf("login: %d %q", r.Status, r.Location)
		}
		code, _ = totp.Code(legacy, time.Now())
		expectStatus(t, e.Post(lc, "/login/mfa", url.Values{"code": {code}}), http.StatusSeeOther)
		expectStatus(t, e.Get(lc, "/settings"), 200)
	})
}
