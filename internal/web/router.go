package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"mamori/internal/apperr"
)

// HandlerFunc is a handler that returns its error to one place, so error
// pages, JSON errors and logging are done the same way everywhere.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Access is a route's authorization rule. Every route must have one; the
// authorization matrix test walks all routes with every role.
type Access struct {
	Name  string
	check func(v *Viewer, r *http.Request) error
	// bearer, when set, admits a request by a machine credential it
	// carries instead of by its viewer (see RoleOrToken).
	bearer func(r *http.Request) bool
	// load, when set, runs once the rule admits a request (see Loading).
	load func(r *http.Request) (context.Context, error)
}

// Loading is the rule a with a step that runs once a admits a request:
// load returns the context the handler gets, carrying what every handler
// of the route would otherwise look up for itself (the organisation named
// by the path: org.MemberAccess and org.OwnerAccess). web knows no capability, so the
// capability that owns the thing provides the step. The name stays a's:
// who may come in is unchanged, and the authorization matrix says so. An
// error from load is the request's answer, as a handler's would be.
func (a Access) Loading(load func(r *http.Request) (context.Context, error)) Access {
	a.load = load
	return a
}

var (
	// Public routes are open to anyone, including anonymous visitors.
	Public = Access{Name: "public"}
	// LoggedIn routes need any fully logged-in account.
	LoggedIn = Access{Name: "logged_in", check: func(v *Viewer, r *http.Request) error { return nil }}
	// MFAPending routes serve a login that still owes its second factor.
	MFAPending = Access{Name: "mfa_pending"}
	// OrgMember routes need membership of the organisation named by the
	// {org} path value. Non-members get 404, never a hint it exists.
	OrgMember = Access{Name: "org_member", check: func(v *Viewer, r *http.Request) error {
		if _, ok := v.Membership(r.PathValue("org")); !ok {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return nil
	}}
	// OrgOwner routes need the owner role in the {org} organisation.
	OrgOwner = Access{Name: "org_owner", check: func(v *Viewer, r *http.Request) error {
		m, ok := v.Membership(r.PathValue("org"))
		if !ok {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if m.Role != OrgRoleOwner {
			return apperr.New(apperr.Forbidden, "error.forbidden")
		}
		return nil
	}}
)

// Role allows viewers holding any of the given global roles.
func Role(roles ...string) Access {
	return Access{Name: "role:" + strings.Join(roles, "|"), check: func(v *Viewer, r *http.Request) error {
		for _, role := range roles {
			if v.HasRole(role) {
				return nil
			}
		}
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}}
}

// RoleOrToken allows viewers holding any of roles, and any request whose
// bearer token ("Authorization: Bearer …") is token: a machine such as a
// metrics scraper has no account to log in with. The token is compared in
// constant time (as digests, so its length does not show either); an empty
// token admits nobody by token. Nothing else about the request (its peer
// address, forwarding headers) is trusted.
func RoleOrToken(token string, roles ...string) Access {
	a := Role(roles...)
	a.Name += "+token"
	want := sha256.Sum256([]byte(token))
	a.bearer = func(r *http.Request) bool {
		got, ok := BearerToken(r)
		if token == "" || !ok {
			return false
		}
		sum := sha256.Sum256([]byte(got))
		return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
	}
	return a
}

// BearerToken is the token of an "Authorization: Bearer …" header.
func BearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// Route is one registered endpoint.
type Route struct {
	Method string
	Path   string
	Access Access
	API    bool // answers JSON and accepts bearer tokens
}

// Router wraps http.ServeMux to record each route's access rule.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	errs   *ErrorHandler
	// uploads are the few routes that take bodies over the stack's
	// general limit (file imports), by pattern.
	uploads map[string]int64
}

// NewRouter returns an empty router whose handlers report errors to eh.
func NewRouter(eh *ErrorHandler) *Router {
	return &Router{mux: http.NewServeMux(), errs: eh}
}

// Handle registers pattern ("METHOD /path") with its access rule.
func (rt *Router) Handle(pattern string, access Access, h HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("web: pattern needs a method: " + pattern)
	}
	api := strings.HasPrefix(path, "/api/")
	rt.routes = append(rt.routes, Route{Method: method, Path: path, Access: access, API: api})
	rt.mux.Handle(pattern, rt.wrap(access, h))
}

// HandleUpload registers a route that accepts a body of up to maxBytes,
// above the general limit every other route keeps: only file uploads need
// it, and naming them here keeps the large limit off every other route.
func (rt *Router) HandleUpload(pattern string, access Access, maxBytes int64, h HandlerFunc) {
	if rt.uploads == nil {
		rt.uploads = map[string]int64{}
	}
	rt.uploads[pattern] = maxBytes
	rt.Handle(pattern, access, h)
}

// BodyLimit is the body limit of the route r goes to, or 0 for the
// general limit. Stack.BodyLimit calls it before routing.
func (rt *Router) BodyLimit(r *http.Request) int64 {
	if len(rt.uploads) == 0 || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return 0
	}
	_, pattern := rt.mux.Handler(r)
	return rt.uploads[pattern]
}

// HandleRaw registers a plain http.Handler (static files, metrics) with
// its access rule.
func (rt *Router) HandleRaw(pattern string, access Access, h http.Handler) {
	rt.Handle(pattern, access, func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	})
}

// Routes lists every registered route.
func (rt *Router) Routes() []Route { return append([]Route(nil), rt.routes...) }

// ServeHTTP dispatches; unknown paths get the translated 404 page.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern == "" {
		// ServeMux answers unknown paths and wrong methods itself in plain
		// text; we want our own page, so only its 405 is kept (with Allow).
		rec := &probeWriter{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			rt.errs.Handle(w, r, apperr.New(apperr.Invalid, "error.method_not_allowed").WithStatus(http.StatusMethodNotAllowed))
			return
		}
		rt.errs.Handle(w, r, apperr.New(apperr.NotFound, "error.not_found"))
		return
	}
	rt.mux.ServeHTTP(w, r)
}

type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *probeWriter) WriteHeader(s int)           { p.status = s }

func (rt *Router) wrap(access Access, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The mux sets Pattern on its own copy of the request; hand it back
		// to the metrics middleware, which only sees the outer one.
		if st := stateOf(r.Context()); st != nil {
			st.route = r.Pattern
		}
		if err := Authorize(access, r); err != nil {
			rt.errs.Handle(w, r, err)
			return
		}
		if access.load != nil {
			ctx, err := access.load(r)
			if err != nil {
				rt.errs.Handle(w, r, err)
				return
			}
			r = r.WithContext(ctx)
		}
		if err := h(w, r); err != nil {
			rt.errs.Handle(w, r, err)
		}
	})
}

// Authorize applies an access rule to a request.
func Authorize(access Access, r *http.Request) error {
	if access.bearer != nil && access.bearer(r) {
		return nil
	}
	switch access.Name {
	case Public.Name:
		return nil
	case MFAPending.Name:
		if PendingViewerFrom(r.Context()) == nil {
			return apperr.New(apperr.Unauthorized, "error.login_required")
		}
		return nil
	}
	v := ViewerFrom(r.Context())
	if v == nil {
		if _, ok := BearerToken(r); ok && access.bearer != nil {
			return apperr.New(apperr.Unauthorized, "error.token_invalid")
		}
		return apperr.New(apperr.Unauthorized, "error.login_required")
	}
	return access.check(v, r)
}
