package app_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/apptest"
	"mamori/internal/mail"
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
		if !strings.Contains(page, "/password/reset/"+mail.SecretPlaceholder) {
			t.Errorf("/admin/outbox does not show the masked link")
		}
		if !strings.Contains(page, adminLink) {
			t.Errorf("/admin/outbox hides the administrator's own link %q", adminLink)
		}
		// The reset link still works for its recipient.
		if r := e.Get(e.Client(), victimLink); r.Status != 200 {
			t.Errorf("reset link: %d", r.Status)
		}
	})
}
