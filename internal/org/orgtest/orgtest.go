// Package orgtest makes the accounts and organisations that the tests of
// capabilities built on organisations (declaration, policy, …) start from.
// org's own tests cannot use it (it imports org).
package orgtest

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/mail"
	"mamori/internal/org"
	"mamori/internal/web"
)

// NewUser creates a verified Japanese-language account named after its
// address and returns its id.
func NewUser(t testing.TB, d *db.DB, email string) string {
	t.Helper()
	u, err := auth.CreateUser(context.Background(), d, email, strings.Split(email, "@")[0], "", "ja", true)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// NewOrg registers an organisation owned by owner, with members added.
func NewOrg(t testing.TB, d *db.DB, name, owner string, members ...string) *org.Org {
	t.Helper()
	ctx := context.Background()
	os := &org.Service{DB: d}
	o, err := os.Create(ctx, d, nil, owner, org.CreateInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if err := os.AddMember(ctx, d, nil, o.Slug, m, org.RoleMember); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// Catalog loads the platform's catalogs (web, auth, org, mail, audit)
// with a capability's own, as app.Build does, so a capability's handler
// tests render the same pages the application does.
func Catalog(t testing.TB, own ...fs.FS) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.Load(append([]fs.FS{web.Locales(), auth.Locales(), org.Locales(), mail.Locales(), audit.Locales()}, own...)...)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
