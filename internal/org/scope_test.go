package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

// countingQ counts the statements that reach the database through it.
type countingQ struct {
	db.Querier
	n atomic.Int64
}

func (c *countingQ) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.Querier.QueryRowContext(ctx, q, args...)
}

func (c *countingQ) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.Querier.QueryContext(ctx, q, args...)
}

// scopeFixture is an organisation with an owner and a member, and an
// account that belongs to it in no way.
func scopeFixture(t *testing.T, d *db.DB) (s *Service, o *Org, owner, member, stranger string) {
	t.Helper()
	s = newTestService(t, d)
	owner = newUser(t, d, "owner@example.jp", true)
	member = newUser(t, d, "member@example.jp", true)
	stranger = newUser(t, d, "stranger@example.jp", true)
	o, err := s.Create(context.Background(), d, nil, owner, CreateInput{Name: "株式会社スコープ", NameEn: "Scope KK"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(context.Background(), d, nil, o.Slug, member, RoleMember); err != nil {
		t.Fatal(err)
	}
	return s, o, owner, member, stranger
}

// TestScopeLoadedOnce: the rule loads the organisation and the caller's
// role with one statement per request, however often the handler and its
// helpers ask for them; a request the rule refuses loads nothing and keeps
// its answer (404 to a non-member, 403 to a member on an owner's route).
func TestScopeLoadedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, o, owner, member, stranger := scopeFixture(t, d)
		q := &countingQ{Querier: d.Read()}
		show := func(w http.ResponseWriter, r *http.Request) error {
			// A handler and the helpers it calls each read the scope.
			a, b := FromRequest(r), FromRequest(r)
			if a != b {
				t.Error("two scopes in one request")
			}
			fmt.Fprintf(w, "%s %s owner=%v", a.Org.ID, a.Org.NameEn, b.IsOwner())
			return nil
		}
		eh := &web.ErrorHandler{Log: s.Log, Catalog: s.Catalog, Render: s.Render}
		hh := webtest.New(t, d, eh, func(rt *web.Router) {
			rt.Handle("GET /t/{org}", MemberAccess(q), show)
			rt.Handle("GET /t/{org}/owner", OwnerAccess(q), show)
		}, 0)
		for _, c := range []struct {
			path, user string
			status     int
			body       string
			loads      int64
		}{
			{"/t/" + o.Slug, owner, http.StatusOK, o.ID + " Scope KK owner=true", 1},
			{"/t/" + o.Slug, member, http.StatusOK, o.ID + " Scope KK owner=false", 1},
			{"/t/" + o.Slug + "/owner", owner, http.StatusOK, "owner=true", 1},
			{"/t/" + o.Slug + "/owner", member, http.StatusForbidden, "", 0},
			{"/t/" + o.Slug, stranger, http.StatusNotFound, "", 0},
			{"/t/no-such-org", owner, http.StatusNotFound, "", 0},
		} {
			before := q.n.Load()
			w := hh.Get(c.path, c.user)
			if w.Code != c.status || !strings.Contains(w.Body.String(), c.body) {
				t.Errorf("%s: %d %q, want %d %q", c.path, w.Code, w.Body.String(), c.status, c.body)
			}
			if n := q.n.Load() - before; n != c.loads {
				t.Errorf("%s: %d statements, want %d", c.path, n, c.loads)
			}
		}
	})
}

// TestFromRequestWithoutRule: a route registered without MemberAccess or
// OwnerAccess has no scope; asking for one is a mistake in the code and
// says which route has it.
func TestFromRequestWithoutRule(t *testing.T) {
	r, _ := http.NewRequest("GET", "/orgs/x", nil)
	r.Pattern = "GET /orgs/{org}"
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "GET /orgs/{org}") {
			t.Errorf("panic %v", p)
		}
	}()
	FromRequest(r)
}

// TestLockAndOwner is the table of the organisation-scoped helpers every
// capability uses in its writes: Lock and LockSlug (one not-found
// answer), IsOwner and LockOwned.
func TestLockAndOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, o, owner, member, stranger := scopeFixture(t, d)
		for _, c := range []struct {
			name  string
			run   func(q db.Querier) (*Org, error)
			owner bool // IsOwner's answer for the user, when user is set
			user  string
			key   string // "" for success
			code  apperr.Code
		}{
			{name: "lock by id", run: func(q db.Querier) (*Org, error) { return Lock(ctx, q, o.ID) }},
			{name: "lock by slug", run: func(q db.Querier) (*Org, error) { return LockSlug(ctx, q, o.Slug) }},
			{name: "lock unknown id", run: func(q db.Querier) (*Org, error) { return Lock(ctx, q, "nope") }, key: "error.not_found", code: apperr.NotFound},
			{name: "lock unknown slug", run: func(q db.Querier) (*Org, error) { return LockSlug(ctx, q, "nope") }, key: "error.not_found", code: apperr.NotFound},
			{name: "owner", user: owner, owner: true, run: func(q db.Querier) (*Org, error) { return LockOwned(ctx, q, o.ID, owner, "x.owner_only") }},
			{name: "member", user: member, run: func(q db.Querier) (*Org, error) { return LockOwned(ctx, q, o.ID, member, "x.owner_only") },
				key: "x.owner_only", code: apperr.Forbidden},
			{name: "stranger", user: stranger, run: func(q db.Querier) (*Org, error) { return LockOwned(ctx, q, o.ID, stranger, "x.owner_only") },
				key: "x.owner_only", code: apperr.Forbidden},
			{name: "owned unknown", run: func(q db.Querier) (*Org, error) { return LockOwned(ctx, q, "nope", owner, "x.owner_only") },
				key: "error.not_found", code: apperr.NotFound},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := d.InTx(ctx, func(tx *db.Tx) error {
					got, err := c.run(tx)
					if err == nil && (got.ID != o.ID || got.Name != o.Name) {
						t.Errorf("locked %+v", got)
					}
					return err
				})
				if c.key == "" {
					if err != nil {
						t.Fatal(err)
					}
				} else {
					wantKey(t, err, c.code, c.key)
					if c.code == apperr.NotFound && !errors.Is(err, db.ErrNotFound) {
						t.Errorf("not found is not db.ErrNotFound: %v", err)
					}
				}
				if c.user != "" {
					if got, err := IsOwner(ctx, d.Read(), o.ID, c.user); err != nil || got != c.owner {
						t.Errorf("IsOwner %v %v, want %v", got, err, c.owner)
					}
				}
			})
		}
	})
}
