package org

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/mail"
	"mamori/internal/org/jp"
)

func TestCreateAndLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := newUser(t, d, "owner@example.jp", true)
		in := CreateInput{Name: "株式会社やまだ製作所", NameKana: "ヤマダセイサクショ", NameEn: "Yamada Works", CorporateNumber: "7000012050002",
			Prefecture: "27", Industry: "E", Employees: ptr(45), CapitalYen: ptr(int64(30_000_000))}
		o, err := s.Create(ctx, d, nil, owner, in)
		if err != nil {
			t.Fatal(err)
		}
		if o.Slug != "yamada-works" {
			t.Errorf("slug %q", o.Slug)
		}
		got, err := BySlug(ctx, d.Read(), o.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != o.ID || got.Name != in.Name || got.NameKana != in.NameKana || got.CorporateNumber != in.CorporateNumber ||
			got.Prefecture != "27" || got.Industry != "E" || got.Wholesale || *got.Employees != 45 || *got.CapitalYen != 30_000_000 ||
			!got.CreatedAt.Equal(o.CreatedAt) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("round trip: %+v", got)
		}
		if got.SizeClass() != jp.SizeSME || got.SurveyBand() != jp.BandUpTo100 {
			t.Errorf("size %s", got.SizeClass())
		}
		ms, err := ListForUser(ctx, d.Read(), owner)
		if err != nil || len(ms) != 1 || ms[0].Role != RoleOwner || ms[0].Org.ID != o.ID {
			t.Fatalf("memberships %+v %v", ms, err)
		}
		evs, err := audit.List(ctx, d.Read(), audit.Filter{Action: audit.OrgCreated})
		if err != nil || len(evs) != 1 || evs[0].TargetID != o.ID {
			t.Errorf("audit %+v %v", evs, err)
		}

		// Unknown numbers stay unknown (nil), not zero.
		o2, err := s.Create(ctx, d, nil, owner, CreateInput{Name: "合同会社テスト"})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = BySlug(ctx, d, o2.Slug)
		if got.Employees != nil || got.CapitalYen != nil || got.CorporateNumber != "" || got.SizeClass() != jp.SizeUnknown {
			t.Errorf("unknowns: %+v", got)
		}
		if !regexp.MustCompile(`^org-[a-z0-9]{6}$`).MatchString(o2.Slug) {
			t.Errorf("random slug %q", o2.Slug)
		}
		if _, err := BySlug(ctx, d, "no-such-org"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("missing slug: %v", err)
		}
	})
}

func TestCreateSlugClash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		seen := map[string]bool{}
		for i := 0; i < 4; i++ {
			o, err := s.Create(ctx, d, nil, "", CreateInput{Name: "同名", NameEn: "Same Name"})
			if err != nil {
				t.Fatal(err)
			}
			if seen[o.Slug] || !ValidSlug(o.Slug) || !strings.HasPrefix(o.Slug, "same-name") {
				t.Fatalf("slug %q (seen %v)", o.Slug, seen)
			}
			seen[o.Slug] = true
		}
		// A name that would give a route word gets a random slug.
		o, err := s.Create(ctx, d, nil, "", CreateInput{Name: "New", NameEn: "new"})
		if err != nil || o.Slug == "new" {
			t.Fatalf("slug %q %v", o.Slug, err)
		}
	})
}

func TestCreateRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := newUser(t, d, "owner@example.jp", true)
		cases := []struct {
			in    CreateInput
			field string
			key   string
		}{
			{CreateInput{}, "name", "org.name_required"},
			{CreateInput{Name: strings.Repeat("長", 1<<20)}, "name", "org.name_invalid"},
			{CreateInput{Name: "x", CorporateNumber: "12345"}, "corporate_number", "org.corporate_number_length"},
			{CreateInput{Name: "x", CorporateNumber: "8000012050002"}, "corporate_number", "org.corporate_number_check"},
			{CreateInput{Name: "x", Prefecture: "99"}, "prefecture", "org.prefecture_invalid"},
			{CreateInput{Name: "x", Industry: "ZZ"}, "industry", "org.industry_invalid"},
			{CreateInput{Name: "x", NameKana: "ﾔﾏﾀﾞ<script>"}, "name_kana", "org.kana_invalid"},
			{CreateInput{Name: "x", Employees: ptr(-3)}, "employees", "org.employees_invalid"},
			{CreateInput{Name: "x", CapitalYen: ptr(int64(2e15))}, "capital_yen", "org.capital_invalid"},
		}
		for _, c := range cases {
			_, err := s.Create(ctx, d, nil, owner, c.in)
			if f := fieldsOf(t, err, apperr.Invalid); f[c.field] != c.key {
				t.Errorf("%s: got %v, want %s", c.field, f, c.key)
			}
		}
		// Several problems come back together.
		_, err := s.Create(ctx, d, nil, owner, CreateInput{Prefecture: "48", Industry: "a1"})
		if f := fieldsOf(t, err, apperr.Invalid); len(f) != 3 {
			t.Errorf("want 3 problems, got %v", f)
		}
		if _, err := s.Create(ctx, d, nil, "no-such-user", CreateInput{Name: "x"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown owner: %v", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n); err != nil || n != 0 {
			t.Errorf("refused input stored %d orgs (%v)", n, err)
		}
	})
}

func TestCreateStoresHostileTextVerbatim(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		names := []string{
			`'; DROP TABLE orgs; --`,
			`Robert'); DELETE FROM org_members WHERE ('1'='1`,
			`<script>alert("x")</script>`,
			`"><img src=x onerror=alert(1)>`,
			`? $1 %s {{.}}`,
		}
		for _, name := range names {
			o, err := s.Create(ctx, d, nil, "", CreateInput{Name: name, NameEn: name})
			if err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			got, err := BySlug(ctx, d, o.Slug)
			if err != nil || got.Name != name || got.NameEn != name {
				t.Fatalf("%q stored as %q (%v)", name, got.Name, err)
			}
			if !ValidSlug(o.Slug) {
				t.Errorf("slug %q from %q", o.Slug, name)
			}
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n); err != nil || n != len(names) {
			t.Errorf("orgs: %d, %v", n, err)
		}
	})
}

func TestCorporateNumberUnique(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		num := corp(t, "180301018771")
		a, err := s.Create(ctx, d, nil, "", CreateInput{Name: "A", CorporateNumber: num})
		if err != nil {
			t.Fatal(err)
		}
		// The same number typed differently is still the same number.
		_, err = s.Create(ctx, d, nil, "", CreateInput{Name: "B", CorporateNumber: "１ 1803 0101 8771"})
		if f := fieldsOf(t, err, apperr.Conflict); f["corporate_number"] != "org.corporate_number_taken" {
			t.Errorf("got %v", f)
		}
		// Alongside other problems it is reported with them.
		_, err = s.Create(ctx, d, nil, "", CreateInput{CorporateNumber: num})
		if f := fieldsOf(t, err, apperr.Invalid); f["corporate_number"] != "org.corporate_number_taken" || f["name"] == "" {
			t.Errorf("got %v", f)
		}
		b, err := s.Create(ctx, d, nil, "", CreateInput{Name: "B", CorporateNumber: corp(t, "000012050002")})
		if err != nil {
			t.Fatal(err)
		}
		in := inputOf(b)
		in.CorporateNumber = num
		_, err = s.Update(ctx, d, nil, b.Slug, in)
		if f := fieldsOf(t, err, apperr.Conflict); f["corporate_number"] != "org.corporate_number_taken" {
			t.Errorf("update: %v", f)
		}
		// Keeping one's own number is no conflict; clearing it frees it.
		in = inputOf(a)
		in.Name = "A renamed"
		if _, err := s.Update(ctx, d, nil, a.Slug, in); err != nil {
			t.Fatal(err)
		}
		in.CorporateNumber = ""
		if _, err := s.Update(ctx, d, nil, a.Slug, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, d, nil, "", CreateInput{Name: "C", CorporateNumber: num}); err != nil {
			t.Errorf("freed number refused: %v", err)
		}
		evs, _ := audit.List(ctx, d, audit.Filter{Action: audit.OrgUpdated})
		if len(evs) != 2 || !strings.Contains(evs[0].Detail, "corporate_number") {
			t.Errorf("audit %+v", evs)
		}
	})
}

func TestAddMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := newUser(t, d, "owner@example.jp", true)
		other := newUser(t, d, "other@example.jp", true)
		o, err := s.Create(ctx, d, nil, owner, CreateInput{Name: "A", NameEn: "alpha"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddMember(ctx, d, nil, o.Slug, other, RoleMember); err != nil {
			t.Fatal(err)
		}
		wantKey(t, s.AddMember(ctx, d, nil, o.Slug, other, RoleOwner), apperr.Conflict, "org.already_member")
		wantKey(t, s.AddMember(ctx, d, nil, o.Slug, owner, RoleMember), apperr.Conflict, "org.already_member")
		wantKey(t, s.AddMember(ctx, d, nil, o.Slug, "nobody", RoleMember), apperr.NotFound, "org.user_not_found")
		wantKey(t, s.AddMember(ctx, d, nil, "no-such-org", other, RoleMember), apperr.NotFound, "error.not_found")
		if f := fieldsOf(t, s.AddMember(ctx, d, nil, o.Slug, other, "admin"), apperr.Invalid); f["role"] != "org.role_invalid" {
			t.Errorf("role: %v", f)
		}
		ms, err := ListMembers(ctx, d, o.ID)
		if err != nil || len(ms) != 2 || ms[0].UserID != owner || ms[1].Role != RoleMember {
			t.Errorf("members %+v %v", ms, err)
		}
		// It also works inside a caller's transaction.
		third := newUser(t, d, "third@example.jp", true)
		err = d.InTx(ctx, func(tx *db.Tx) error { return s.AddMember(ctx, tx, nil, o.Slug, third, RoleOwner) })
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := otherActiveOwners(ctx, d, o.ID, ""); n != 2 {
			t.Errorf("owners %d", n)
		}
	})
}

func TestLastOwnerProtected(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		a := newUser(t, d, "a@example.jp", true)
		b := newUser(t, d, "b@example.jp", true)
		m := newUser(t, d, "m@example.jp", true)
		o, err := s.Create(ctx, d, nil, a, CreateInput{Name: "A"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddMember(ctx, d, nil, o.Slug, m, RoleMember); err != nil {
			t.Fatal(err)
		}
		wantKey(t, s.ChangeRole(ctx, d, nil, o.Slug, a, RoleMember), apperr.Conflict, "org.last_owner_demote")
		wantKey(t, s.RemoveMember(ctx, d, nil, o.Slug, a), apperr.Conflict, "org.last_owner_remove")
		if err := s.AddMember(ctx, d, nil, o.Slug, b, RoleOwner); err != nil {
			t.Fatal(err)
		}
		if err := s.ChangeRole(ctx, d, nil, o.Slug, a, RoleMember); err != nil {
			t.Fatalf("demote with another owner: %v", err)
		}
		wantKey(t, s.ChangeRole(ctx, d, nil, o.Slug, b, RoleMember), apperr.Conflict, "org.last_owner_demote")
		wantKey(t, s.RemoveMember(ctx, d, nil, o.Slug, b), apperr.Conflict, "org.last_owner_remove")
		// Members come and go freely; a second removal finds nobody.
		if err := s.RemoveMember(ctx, d, nil, o.Slug, m); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, d, nil, o.Slug, m); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("second removal: %v", err)
		}
		if err := s.ChangeRole(ctx, d, nil, o.Slug, a, RoleOwner); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, d, nil, o.Slug, b); err != nil {
			t.Fatalf("remove an owner while another remains: %v", err)
		}
		wantKey(t, s.ChangeRole(ctx, d, nil, o.Slug, a, "boss"), apperr.Invalid, "org.role_invalid")
		for _, action := range []string{audit.MemberRoleChange, audit.MemberRemoved} {
			if evs, _ := audit.List(ctx, d, audit.Filter{Action: action}); len(evs) != 2 {
				t.Errorf("%s: %d entries", action, len(evs))
			}
		}
	})
}

var linkRe = regexp.MustCompile(`https://mamori\.example/invitations/([a-z0-9]+)`)

func TestInvitations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		now := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		owner := newUser(t, d, "owner@example.jp", true)
		invitee := newUser(t, d, "hanako@example.jp", true)
		stranger := newUser(t, d, "stranger@example.jp", true)
		o, err := s.Create(ctx, d, nil, owner, CreateInput{Name: "山田商店"})
		if err != nil {
			t.Fatal(err)
		}

		token, inv, err := s.Invite(ctx, d, nil, o.Slug, " Hanako@Example.JP ", RoleMember, "ja")
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "hanako@example.jp" || !inv.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
			t.Errorf("invitation %+v", inv)
		}
		box, err := mail.List(ctx, d, "hanako@example.jp", 10, 0)
		if err != nil || len(box) != 1 {
			t.Fatalf("outbox %+v %v", box, err)
		}
		if m := linkRe.FindStringSubmatch(box[0].Body); m == nil || m[1] != token || !strings.Contains(box[0].Subject, "山田商店") {
			t.Errorf("mail %q / %q", box[0].Subject, box[0].Body)
		}
		var stored string
		d.QueryRowContext(ctx, `SELECT token_hash FROM org_invitations WHERE id = ?`, inv.ID).Scan(&stored)
		if stored == token || stored != auth.HashSecret(token) {
			t.Error("token not stored hashed")
		}
		if list, _ := InvitationsFor(ctx, d, "hanako@example.jp", invitee, now); len(list) != 1 || list[0].OrgName != "山田商店" {
			t.Errorf("dashboard list %+v", list)
		}

		// Wrong account, unknown token: refused, invitation untouched.
		_, err = s.AcceptInvitation(ctx, d, nil, token, stranger, "stranger@example.jp")
		wantKey(t, err, apperr.Forbidden, "invite.wrong_email")
		_, err = s.AcceptInvitation(ctx, d, nil, "nonsense", invitee, "hanako@example.jp")
		wantKey(t, err, apperr.NotFound, "invite.invalid")
		_, err = s.AcceptInvitationByID(ctx, d, nil, inv.ID, stranger, "stranger@example.jp")
		wantKey(t, err, apperr.NotFound, "invite.invalid")

		got, err := s.AcceptInvitation(ctx, d, nil, token, invitee, "HANAKO@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		if got.OrgSlug != o.Slug {
			t.Errorf("accepted %+v", got)
		}
		if role, err := MemberRole(ctx, d, o.ID, invitee); err != nil || role != RoleMember {
			t.Errorf("role %q %v", role, err)
		}
		// Single use.
		_, err = s.AcceptInvitation(ctx, d, nil, token, invitee, "hanako@example.jp")
		wantKey(t, err, apperr.Invalid, "invite.used")
		if apperr.From(err).Status != 410 {
			t.Errorf("status %d", apperr.From(err).Status)
		}
		// Inviting a member is refused.
		_, _, err = s.Invite(ctx, d, nil, o.Slug, "hanako@example.jp", RoleMember, "en")
		if f := fieldsOf(t, err, apperr.Conflict); f["email"] != "invite.already_member" {
			t.Errorf("got %v", f)
		}
		if _, _, err := s.Invite(ctx, d, nil, o.Slug, "not an address", "chief", "en"); len(fieldsOf(t, err, apperr.Invalid)) != 2 {
			t.Errorf("bad invite: %v", err)
		}

		// Expiry.
		late, _, err := s.Invite(ctx, d, nil, o.Slug, "stranger@example.jp", RoleOwner, "en")
		if err != nil {
			t.Fatal(err)
		}
		box, _ = mail.List(ctx, d, "stranger@example.jp", 10, 0)
		if len(box) != 1 || !strings.Contains(box[0].Body, "7 days") {
			t.Errorf("english mail %+v", box)
		}
		now = now.Add(7*24*time.Hour + time.Second)
		_, err = s.AcceptInvitation(ctx, d, nil, late, stranger, "stranger@example.jp")
		wantKey(t, err, apperr.Invalid, "invite.expired")
		if list, _ := InvitationsFor(ctx, d, "stranger@example.jp", stranger, now); len(list) != 0 {
			t.Errorf("expired invitation still listed")
		}

		// A new invitation replaces the open one; revoking ends it.
		first, _, err := s.Invite(ctx, d, nil, o.Slug, "stranger@example.jp", RoleMember, "ja")
		if err != nil {
			t.Fatal(err)
		}
		second, inv2, err := s.Invite(ctx, d, nil, o.Slug, "stranger@example.jp", RoleMember, "ja")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AcceptInvitation(ctx, d, nil, first, stranger, "stranger@example.jp")
		wantKey(t, err, apperr.Invalid, "invite.revoked")
		if pend, _ := PendingInvitations(ctx, d, o.ID, now); len(pend) != 1 || pend[0].ID != inv2.ID {
			t.Errorf("pending %+v", pend)
		}
		if err := s.RevokeInvitation(ctx, d, nil, o.Slug, inv2.ID); err != nil {
			t.Fatal(err)
		}
		wantKey(t, s.RevokeInvitation(ctx, d, nil, o.Slug, inv2.ID), apperr.NotFound, "invite.not_open")
		_, err = s.AcceptInvitation(ctx, d, nil, second, stranger, "stranger@example.jp")
		wantKey(t, err, apperr.Invalid, "invite.revoked")

		// Accepting from the dashboard, by id, for the verified address.
		_, inv3, err := s.Invite(ctx, d, nil, o.Slug, "stranger@example.jp", RoleOwner, "ja")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcceptInvitationByID(ctx, d, nil, inv3.ID, stranger, "stranger@example.jp"); err != nil {
			t.Fatal(err)
		}
		if n, _ := otherActiveOwners(ctx, d, o.ID, ""); n != 2 {
			t.Errorf("owners %d", n)
		}
		for action, want := range map[string]int{audit.InviteSent: 5, audit.InviteAccepted: 2, audit.InviteRevoked: 1} {
			if evs, _ := audit.List(ctx, d, audit.Filter{Action: action}); len(evs) != want {
				t.Errorf("%s: %d entries, want %d", action, len(evs), want)
			}
		}
	})
}

func TestInviteDailyLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		o, err := s.Create(ctx, d, nil, "", CreateInput{Name: "A"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < inviteDailyLimit; i++ {
			if _, _, err := s.Invite(ctx, d, nil, o.Slug, "p"+strings.Repeat("x", i)+"@example.jp", RoleMember, "ja"); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = s.Invite(ctx, d, nil, o.Slug, "one-more@example.jp", RoleMember, "ja")
		wantKey(t, err, apperr.TooMany, "invite.too_many")
	})
}

// Two owners demoting each other at the same moment must not leave the
// organisation without an owner.
func TestLastOwnerRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		a := newUser(t, d, "a@example.jp", true)
		b := newUser(t, d, "b@example.jp", true)
		for i := 0; i < 10; i++ {
			o, err := s.Create(ctx, d, nil, a, CreateInput{Name: "A"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.AddMember(ctx, d, nil, o.Slug, b, RoleOwner); err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 2)
			start := make(chan struct{})
			for _, u := range []string{a, b} {
				go func() {
					<-start
					if i%2 == 0 {
						errs <- s.ChangeRole(ctx, d, nil, o.Slug, u, RoleMember)
					} else {
						errs <- s.RemoveMember(ctx, d, nil, o.Slug, u)
					}
				}()
			}
			close(start)
			e1, e2 := <-errs, <-errs
			if (e1 == nil) == (e2 == nil) {
				t.Fatalf("round %d: want exactly one success, got %v and %v", i, e1, e2)
			}
			if n, _ := otherActiveOwners(ctx, d, o.ID, ""); n != 1 {
				t.Fatalf("round %d: %d owners left", i, n)
			}
		}
	})
}
