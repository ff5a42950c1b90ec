package app_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/auth/totp"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

// TestMFAEnrolmentAsksPassword: a stolen session alone (no password) must
// not switch a second factor of its own on; with the password it works and
// the other sessions end.
func TestMFAEnrolmentAsksPassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.CreateUser("enrol@example.jp", "enrol password 1")
		thief := e.SessionClient(u.ID)
		other := e.SessionClient(u.ID)
		expectStatus(t, e.Post(thief, "/settings/mfa/setup", nil), 200)
		secret := e.TOTPSecret(u.ID)
		code, _ := totp.Code(secret, time.Now())
		for _, pw := range []string{"", "wrong password 9"} {
			r := e.Post(thief, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {pw}, "setup": {e.MFASetupID(u.ID)}})
			expectStatus(t, r, http.StatusUnprocessableEntity)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, u.ID); n != 0 {
			t.Fatal("a session without the password switched the second factor on")
		}
		if n := e.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, u.ID); n != 0 {
			t.Fatalf("%d recovery codes made without the password", n)
		}
		r := e.Post(thief, "/settings/mfa/enable", url.Values{"code": {code}, "current_password": {"enrol password 1"}, "setup": {e.MFASetupID(u.ID)}})
		expectStatus(t, r, 200)
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND totp_enabled_at IS NOT NULL`, u.ID); n != 1 {
			t.Fatal("the factor is not on with the password")
		}
		if s := e.Get(other, "/settings"); s.Status == 200 {
			t.Fatal("another session survived the new factor")
		}
	})
}

// newOwnedOrg makes an organisation owned by ownerID and adds the others
// as owners.
func newOwnedOrg(t *testing.T, e *apptest.Env, name, ownerID string, owners ...string) string {
	t.Helper()
	ctx := context.Background()
	var slug string
	err := e.DB.InTx(ctx, func(tx *db.Tx) error {
		o, err := e.App.Orgs.Create(ctx, tx, nil, ownerID, org.CreateInput{Name: name})
		if err != nil {
			return err
		}
		slug = o.Slug
		for _, id := range owners {
			if err := e.App.Orgs.AddMember(ctx, tx, nil, slug, id, org.RoleOwner); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return slug
}

// TestRemovedOwnerInvitationsEnd: an owner who invites an address as
// owner and is then removed (or demoted) keeps no way back in: the open
// invitations they sent are withdrawn, and an invitation whose inviter is
// no longer an active owner is refused at acceptance.
func TestRemovedOwnerInvitationsEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := e.CreateUser("a@example.jp", "owner password a")
		b := e.CreateUser("b@example.jp", "owner password b")
		c := e.CreateUser("c@example.jp", "owner password c")
		d := e.CreateUser("d@example.jp", "owner password d")
		slug := newOwnedOrg(t, e, "招待検証株式会社", a.ID, b.ID, c.ID, d.ID)
		ac, bc, cc, dc := e.SessionClient(a.ID), e.SessionClient(b.ID), e.SessionClient(c.ID), e.SessionClient(d.ID)
		invite := func(cl *http.Client, email, role string) {
			t.Helper()
			expectStatus(t, e.Post(cl, "/orgs/"+slug+"/invitations", url.Values{"email": {email}, "role": {role}}), http.StatusSeeOther)
		}
		open := func(by string) int {
			return e.Count(`SELECT COUNT(*) FROM org_invitations WHERE invited_by = ? AND accepted_at IS NULL AND revoked_at IS NULL`, by)
		}
		invite(bc, "back-b@example.jp", "owner")
		invite(cc, "back-c@example.jp", "owner")
		invite(ac, "guest-a@example.jp", "member")

		// Removed: B's invitation goes, A's stays.
		expectStatus(t, e.Post(ac, "/orgs/"+slug+"/members/"+b.ID+"/remove", nil), http.StatusSeeOther)
		if n := open(b.ID); n != 0 {
			t.Fatalf("%d invitations of a removed owner still open", n)
		}
		if n := open(a.ID); n != 1 {
			t.Fatalf("the remaining owner's invitation was touched: %d open", n)
		}
		// Demoted: C's invitation goes.
		expectStatus(t, e.Post(ac, "/orgs/"+slug+"/members/"+c.ID+"/role", url.Values{"role": {"member"}}), http.StatusSeeOther)
		if n := open(c.ID); n != 0 {
			t.Fatalf("%d invitations of a demoted owner still open", n)
		}
		linkB := e.LastMailLink("back-b@example.jp")
		nb := e.CreateUser("back-b@example.jp", "back password b")
		r := e.Post(e.SessionClient(nb.ID), linkB, nil)
		if r.Status == http.StatusSeeOther || e.Count(`SELECT COUNT(*) FROM org_members WHERE user_id = ?`, nb.ID) != 0 {
			t.Fatalf("a removed owner's invitation let someone in (%d)", r.Status)
		}

		// Disabled (the invitation itself stays): acceptance checks that
		// the inviter is still an active owner.
		invite(dc, "back-d@example.jp", "owner")
		linkD := e.LastMailLink("back-d@example.jp")
		e.DB.ExecContext(context.Background(), `UPDATE users SET disabled_at = ? WHERE id = ?`, time.Now().UTC(), d.ID)
		nd := e.CreateUser("back-d@example.jp", "back password d")
		ndc := e.SessionClient(nd.ID)
		r = e.Post(ndc, linkD, nil)
		expectStatus(t, r, http.StatusGone)
		if e.Count(`SELECT COUNT(*) FROM org_members WHERE user_id = ?`, nd.ID) != 0 {
			t.Fatal("the invitation of a disabled owner made its acceptor a member")
		}
		// Enabled again, the owner's invitation works.
		e.DB.ExecContext(context.Background(), `UPDATE users SET disabled_at = NULL WHERE id = ?`, d.ID)
		expectStatus(t, e.Post(ndc, linkD, nil), http.StatusSeeOther)
		if e.Count(`SELECT COUNT(*) FROM org_members WHERE user_id = ? AND role = 'owner'`, nd.ID) != 1 {
			t.Fatal("a current owner's invitation did not work")
		}
	})
}

// TestAdminsDisableEachOther: two operator administrators disabling (or
// revoking) each other at the same moment must leave one active
// administrator; run with -race on both engines.
func TestAdminsDisableEachOther(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		a := e.CreateUser("admin-a@example.jp", "admin password a", web.RoleOperatorAdmin)
		b := e.CreateUser("admin-b@example.jp", "admin password b", web.RoleOperatorAdmin)
		for round := 0; round < 8; round++ {
			e.DB.ExecContext(ctx, `UPDATE users SET disabled_at = NULL`)
			e.DB.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, granted_at) SELECT id, ?, ? FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ?)`,
				web.RoleOperatorAdmin, time.Now().UTC(), web.RoleOperatorAdmin)
			e.DB.ExecContext(ctx, `DELETE FROM sessions`)
			ac, bc := e.SessionClient(a.ID), e.SessionClient(b.ID)
			// Even rounds: both disable; odd rounds: one disables, the
			// other revokes the role.
			bForm, bPath := url.Values{"op": {"disable"}}, "/admin/users/"+a.ID+"/status"
			if round%2 == 1 {
				bForm, bPath = url.Values{"op": {"revoke"}, "role": {web.RoleOperatorAdmin}}, "/admin/users/"+a.ID+"/roles"
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				rawPost(ac, e.URL, "/admin/users/"+b.ID+"/status", url.Values{"op": {"disable"}}, nil)
			}()
			go func() {
				defer wg.Done()
				<-start
				rawPost(bc, e.URL, bPath, bForm, nil)
			}()
			close(start)
			wg.Wait()
			n := e.Count(`SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = ? AND u.disabled_at IS NULL`, web.RoleOperatorAdmin)
			if n < 1 {
				t.Fatalf("round %d: no active operator administrator left", round)
			}
		}
	})
}

// TestLastActiveOwnerKept: an organisation whose other owners are all
// disabled keeps its active one: it cannot be demoted or removed, and its
// account cannot be disabled (the message names the organisation).
func TestLastActiveOwnerKept(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		admin := e.CreateUser("op@example.jp", "admin password 1", web.RoleOperatorAdmin)
		o := e.CreateUser("o@example.jp", "owner password o")
		p := e.CreateUser("p@example.jp", "owner password p")
		slug := newOwnedOrg(t, e, "最後のオーナー株式会社", o.ID, p.ID)
		e.DB.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, time.Now().UTC(), p.ID)
		oc, adm := e.SessionClient(o.ID), e.SessionClient(admin.ID)
		r := e.Post(adm, "/admin/users/"+o.ID+"/status", url.Values{"op": {"disable"}})
		expectStatus(t, r, http.StatusConflict)
		mustContain(t, r, "最後のオーナー株式会社")
		if e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND disabled_at IS NULL`, o.ID) != 1 {
			t.Fatal("the last active owner was disabled")
		}
		r = e.Post(oc, "/orgs/"+slug+"/members/"+o.ID+"/role", url.Values{"role": {"member"}})
		if e.Count(`SELECT COUNT(*) FROM org_members WHERE user_id = ? AND role = 'owner'`, o.ID) != 1 {
			t.Fatalf("the last active owner was demoted (%d) beside a disabled one", r.Status)
		}
		r = e.Post(oc, "/orgs/"+slug+"/members/"+o.ID+"/remove", nil)
		if e.Count(`SELECT COUNT(*) FROM org_members WHERE user_id = ?`, o.ID) != 1 {
			t.Fatalf("the last active owner was removed (%d) beside a disabled one", r.Status)
		}
		// A disabled owner may go; with P active again, O may be disabled.
		e.DB.ExecContext(ctx, `UPDATE users SET disabled_at = NULL WHERE id = ?`, p.ID)
		expectStatus(t, e.Post(adm, "/admin/users/"+o.ID+"/status", url.Values{"op": {"disable"}}), http.StatusSeeOther)
	})
}
