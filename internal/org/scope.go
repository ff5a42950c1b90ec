package org

import (
	"context"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/web"
)

// Scope is the organisation a request under /orgs/{org} works on and the
// caller's role in it. The route's access rule (MemberAccess, OwnerAccess) loads it
// once, so a handler and the helpers it calls read the same organisation
// from the request instead of each looking it up by the path again.
type Scope struct {
	Org  *Org
	Role string
}

// IsOwner reports whether the caller owns the organisation.
func (sc *Scope) IsOwner() bool { return sc.Role == RoleOwner }

type scopeKey struct{}

// MemberAccess is web.OrgMember that also loads the organisation into
// the request (FromRequest). Non-members still get 404 from the rule itself,
// before anything is loaded. q is where it reads, normally the reader.
func MemberAccess(q db.Querier) web.Access { return web.OrgMember.Loading(loadScope(q)) }

// OwnerAccess is web.OrgOwner that also loads the organisation into the
// request.
func OwnerAccess(q db.Querier) web.Access { return web.OrgOwner.Loading(loadScope(q)) }

// loadScope reads the organisation the viewer's membership names: the
// rule has just found that membership, so its id and role are the ones it
// admitted. An organisation gone since the session was read is not found.
func loadScope(q db.Querier) func(r *http.Request) (context.Context, error) {
	return func(r *http.Request) (context.Context, error) {
		ctx := r.Context()
		m, ok := web.ViewerFrom(ctx).Membership(r.PathValue("org"))
		if !ok {
			return nil, apperr.New(apperr.NotFound, "error.not_found")
		}
		o, err := ByID(ctx, q, m.OrgID)
		if err != nil {
			return nil, orgNotFound(err)
		}
		return context.WithValue(ctx, scopeKey{}, &Scope{Org: o, Role: m.Role}), nil
	}
}

// FromRequest is the request's Scope. It panics on a route registered
// without MemberAccess or OwnerAccess: that is a mistake in the code, which the first
// test of the route shows, not something a request can cause.
func FromRequest(r *http.Request) *Scope {
	sc, ok := r.Context().Value(scopeKey{}).(*Scope)
	if !ok {
		panic("org: " + r.Pattern + " is not registered with org.MemberAccess or org.OwnerAccess")
	}
	return sc
}
