package web

import (
	"context"
	"slices"
)

// Global roles an account may hold beside its organisation memberships.
const (
	RoleOperatorAdmin = "operator_admin"
	RoleAnalyst       = "analyst"
	RoleSpecialist    = "specialist"
	RoleSupporter     = "supporter"
	RoleShareMember   = "share_member"
)

// GlobalRoles lists every assignable global role, in display order.
var GlobalRoles = []string{RoleOperatorAdmin, RoleAnalyst, RoleSpecialist, RoleSupporter, RoleShareMember}

// Organisation membership roles: an SME's owner (sme_owner) or member
// (sme_member).
const (
	OrgRoleOwner  = "owner"
	OrgRoleMember = "member"
)

// Membership is one organisation the viewer belongs to.
type Membership struct {
	OrgID string
	Slug  string
	Name  string
	Role  string
}

// Viewer is who is making the request. Nil means anonymous.
type Viewer struct {
	UserID      string
	Email       string
	Name        string
	Lang        string
	Roles       []string
	Orgs        []Membership
	SessionHash string // empty when authenticated by API token
	TokenID     string // set when authenticated by API token
	// Pending is true between a correct password and the second factor;
	// such a session may only finish the login.
	Pending    bool
	MFAEnabled bool
	Verified   bool
}

// HasRole reports a global role.
func (v *Viewer) HasRole(role string) bool { return v != nil && slices.Contains(v.Roles, role) }

// Membership finds the viewer's membership in an organisation by slug.
func (v *Viewer) Membership(slug string) (Membership, bool) {
	if v == nil {
		return Membership{}, false
	}
	for _, m := range v.Orgs {
		if m.Slug == slug {
			return m, true
		}
	}
	return Membership{}, false
}

// DisplayName is the name, or the e-mail when no name was given.
func (v *Viewer) DisplayName() string {
	if v.Name != "" {
		return v.Name
	}
	return v.Email
}

type ctxKey int

const (
	viewerKey ctxKey = iota
	langKey
	stateKey
)

// requestState carries what the middleware learns about a request (its
// route pattern, language and viewer) in one context value, filled in
// place, so the chain copies the request once instead of once per layer.
type requestState struct {
	route  string
	lang   string
	viewer *Viewer
	hasV   bool
}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey).(*requestState)
	return st
}

// WithViewer stores the viewer in a context.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	if st := stateOf(ctx); st != nil {
		st.viewer, st.hasV = v, true
		return ctx
	}
	return context.WithValue(ctx, viewerKey, v)
}

func rawViewer(ctx context.Context) *Viewer {
	if st := stateOf(ctx); st != nil && st.hasV {
		return st.viewer
	}
	v, _ := ctx.Value(viewerKey).(*Viewer)
	return v
}

// ViewerFrom returns the request's viewer, nil when anonymous or pending
// its second factor.
func ViewerFrom(ctx context.Context) *Viewer {
	v := rawViewer(ctx)
	if v != nil && v.Pending {
		return nil
	}
	return v
}

// PendingViewerFrom returns a viewer that still owes its second factor.
func PendingViewerFrom(ctx context.Context) *Viewer {
	v := rawViewer(ctx)
	if v != nil && v.Pending {
		return v
	}
	return nil
}

// WithLang stores the negotiated language.
func WithLang(ctx context.Context, lang string) context.Context {
	if st := stateOf(ctx); st != nil {
		st.lang = lang
		return ctx
	}
	return context.WithValue(ctx, langKey, lang)
}

// LangFrom returns the negotiated language (ja by default).
func LangFrom(ctx context.Context) string {
	if st := stateOf(ctx); st != nil && st.lang != "" {
		return st.lang
	}
	if l, ok := ctx.Value(langKey).(string); ok {
		return l
	}
	return "ja"
}
