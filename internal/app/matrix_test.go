package app_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"mamori/internal/apptest"
	"mamori/internal/assets"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

// routeRules is the authorization table: every route and the rule it must
// be registered with. A new route without an entry fails
// TestAuthorizationMatrix, so nobody adds an endpoint without deciding
// who may use it.
var routeRules = map[string]string{
	"GET /static/":                                        "public",
	"GET /favicon.ico":                                    "public",
	"GET /{$}":                                            "public",
	"GET /healthz":                                        "public",
	"GET /readyz":                                         "public",
	"GET /metrics":                                        "role:operator_admin+token", // or the scrape token (TestMetricsAccess)
	"GET /signup":                                         "public",
	"POST /signup":                                        "public",
	"GET /verify/{token}":                                 "public",
	"POST /verify/{token}":                                "public",
	"POST /verify-resend":                                 "public",
	"GET /login":                                          "public",
	"POST /login":                                         "public",
	"GET /login/mfa":                                      "mfa_pending",
	"POST /login/mfa":                                     "mfa_pending",
	"POST /logout":                                        "public",
	"GET /password/forgot":                                "public",
	"POST /password/forgot":                               "public",
	"GET /password/reset/{token}":                         "public",
	"POST /password/reset/{token}":                        "public",
	"POST /lang":                                          "public",
	"GET /setup/{token}":                                  "public",
	"POST /setup/{token}":                                 "public",
	"GET /settings":                                       "logged_in",
	"POST /settings/profile":                              "logged_in",
	"POST /settings/password":                             "logged_in",
	"POST /settings/mfa/setup":                            "logged_in",
	"POST /settings/mfa/enable":                           "logged_in",
	"POST /settings/mfa/disable":                          "logged_in",
	"POST /settings/mfa/recovery":                         "logged_in",
	"POST /settings/tokens":                               "logged_in",
	"POST /settings/tokens/{id}/revoke":                   "logged_in",
	"POST /settings/sessions/revoke":                      "logged_in",
	"GET /api/v1/me":                                      "logged_in",
	"GET /api/v1/tokens":                                  "logged_in",
	"GET /admin":                                          "role:operator_admin",
	"GET /admin/users":                                    "role:operator_admin",
	"GET /admin/users/{id}":                               "role:operator_admin",
	"POST /admin/users/{id}/roles":                        "role:operator_admin",
	"POST /admin/users/{id}/status":                       "role:operator_admin",
	"GET /admin/outbox":                                   "role:operator_admin",
	"GET /admin/audit":                                    "role:operator_admin",
	"GET /dashboard":                                      "logged_in",
	"POST /dashboard/invitations/{id}/accept":             "logged_in",
	"GET /orgs":                                           "logged_in",
	"GET /orgs/new":                                       "logged_in",
	"POST /orgs/new":                                      "logged_in",
	"GET /orgs/{org}":                                     "org_member",
	"GET /orgs/{org}/edit":                                "org_owner",
	"POST /orgs/{org}/edit":                               "org_owner",
	"GET /orgs/{org}/members":                             "org_member",
	"POST /orgs/{org}/invitations":                        "org_owner",
	"POST /orgs/{org}/invitations/{id}/revoke":            "org_owner",
	"POST /orgs/{org}/members/{user}/role":                "org_owner",
	"POST /orgs/{org}/members/{user}/remove":              "org_owner",
	"POST /orgs/{org}/leave":                              "org_member",
	"GET /invitations/{token}":                            "public",
	"POST /invitations/{token}":                           "logged_in",
	"GET /api/v1/orgs":                                    "logged_in",
	"POST /api/v1/orgs":                                   "logged_in",
	"GET /api/v1/orgs/{org}":                              "org_member",
	"PATCH /api/v1/orgs/{org}":                            "org_owner",
	"GET /selfcheck":                                      "public",
	"GET /selfcheck/part/{part}":                          "public",
	"POST /selfcheck/part/{part}":                         "public",
	"GET /selfcheck/result":                               "public",
	"POST /selfcheck/reset":                               "public",
	"GET /selfcheck/save":                                 "logged_in",
	"POST /selfcheck/save":                                "logged_in",
	"GET /api/v1/selfcheck/questions":                     "public",
	"POST /api/v1/selfcheck/score":                        "public",
	"GET /api/v1/orgs/{org}/selfcheck/results":            "org_member",
	"POST /api/v1/orgs/{org}/selfcheck/results":           "org_member",
	"GET /principles":                                     "public",
	"GET /v/{number}":                                     "public",
	"GET /v/{number}/badge.svg":                           "public",
	"GET /registry":                                       "public",
	"GET /api/v1/registry":                                "public",
	"GET /registry.csv":                                   "public",
	"GET /orgs/{org}/policy":                              "org_member",
	"GET /orgs/{org}/policy/edit":                         "org_owner",
	"POST /orgs/{org}/policy/edit":                        "org_owner",
	"POST /orgs/{org}/policy/external":                    "org_owner",
	"GET /p/{slug}/policy":                                "public",
	"GET /p/{slug}/policy/{version}":                      "public",
	"GET /api/v1/declarations/{number}":                   "public",
	"GET /.well-known/mamori-declarations-key":            "public",
	"GET /orgs/{org}/declaration":                         "org_member",
	"GET /orgs/{org}/declaration/one-star":                "org_owner",
	"POST /orgs/{org}/declaration/one-star":               "org_owner",
	"GET /orgs/{org}/declaration/two-stars":               "org_owner",
	"POST /orgs/{org}/declaration/two-stars":              "org_owner",
	"POST /orgs/{org}/declaration/withdraw":               "org_owner",
	"POST /orgs/{org}/declaration/refresh-name":           "org_owner",
	"GET /orgs/{org}/selfcheck":                           "org_member",
	"GET /orgs/{org}/selfcheck/{id}":                      "org_member",
	"POST /orgs/{org}/selfcheck/{id}/actions/{item}":      "org_member",
	"POST /orgs/{org}/selfcheck/sites":                    "org_owner",
	"GET /api/v1/orgs/{org}/members":                      "org_member",
	"GET /orgs/{org}/assets":                              "org_member",
	"GET /orgs/{org}/assets/new":                          "org_member",
	"POST /orgs/{org}/assets/new":                         "org_member",
	"GET /orgs/{org}/assets/{id}":                         "org_member",
	"POST /orgs/{org}/assets/{id}":                        "org_member",
	"POST /orgs/{org}/assets/{id}/duplicate":              "org_member",
	"POST /orgs/{org}/assets/{id}/delete":                 "org_member",
	"POST /orgs/{org}/assets/{id}/restore":                "org_member",
	"GET /orgs/{org}/risk":                                "org_member",
	"POST /orgs/{org}/risk/settings":                      "org_owner",
	"GET /orgs/{org}/assets/import":                       "org_member",
	"POST /orgs/{org}/assets/import":                      "org_member",
	"GET /orgs/{org}/asset-imports/{id}":                  "org_member",
	"POST /orgs/{org}/asset-imports/{id}":                 "org_member",
	"GET /api/v1/orgs/{org}/assets":                       "org_member",
	"GET /api/v1/orgs/{org}/assets.xlsx":                  "org_member",
	"GET /api/v1/orgs/{org}/assets.csv":                   "org_member",
	"POST /api/v1/orgs/{org}/assets/import":               "org_member",
	"GET /orgs/{org}/controls":                            "org_member",
	"POST /orgs/{org}/controls":                           "org_member",
	"GET /api/v1/orgs/{org}/controls":                     "org_member",
	"GET /orgs/{org}/cloud":                               "org_member",
	"GET /orgs/{org}/cloud/new":                           "org_member",
	"POST /orgs/{org}/cloud/new":                          "org_member",
	"POST /orgs/{org}/cloud/none":                         "org_member",
	"GET /orgs/{org}/cloud/{id}":                          "org_member",
	"POST /orgs/{org}/cloud/{id}":                         "org_member",
	"GET /orgs/{org}/cloud/{id}/edit":                     "org_member",
	"POST /orgs/{org}/cloud/{id}/edit":                    "org_member",
	"POST /orgs/{org}/cloud/{id}/delete":                  "org_member",
	"POST /orgs/{org}/cloud/{id}/restore":                 "org_member",
	"GET /orgs/{org}/incident":                            "org_member",
	"GET /orgs/{org}/incident/card":                       "org_member",
	"POST /orgs/{org}/incident/card":                      "org_member",
	"GET /orgs/{org}/incident/card/print":                 "org_member",
	"GET /orgs/{org}/incident/log/new":                    "org_member",
	"POST /orgs/{org}/incident/log/new":                   "org_member",
	"GET /orgs/{org}/incident/log/{id}":                   "org_member",
	"POST /orgs/{org}/incident/log/{id}":                  "org_member",
	"POST /orgs/{org}/incident/log/{id}/close":            "org_member",
	"POST /orgs/{org}/incident/log/{id}/reopen":           "org_member",
	"GET /share/admin":                                    "role:analyst",
	"POST /share/admin/members":                           "role:analyst",
	"GET /share/admin/members/{org}":                      "role:analyst",
	"POST /share/admin/members/{org}/ndas":                "role:analyst",
	"POST /share/admin/members/{org}/sigs":                "role:analyst",
	"POST /share/admin/members/{org}/staff":               "role:analyst",
	"POST /share/admin/members/{org}/staff/{user}/remove": "role:analyst",
	"GET /orgs/{org}/hub-staff":                           "org_owner",
	"POST /orgs/{org}/hub-staff":                          "org_owner",
	"POST /share/admin/members/{org}/leave":               "role:analyst",
	"GET /share/admin/sigs/new":                           "role:analyst",
	"POST /share/admin/sigs/new":                          "role:analyst",
	"GET /share/admin/sigs/{id}":                          "role:analyst",
	"POST /share/admin/sigs/{id}":                         "role:analyst",
	"GET /share/admin/reports":                            "role:analyst",
	"GET /share/admin/reports/{id}":                       "role:analyst",
	"GET /share/admin/reports/{id}/mails/{mail}":          "role:analyst",
	"POST /share/admin/reports/{id}/share":                "role:analyst",
	"POST /share/admin/reports/{id}/close":                "role:analyst",
	"GET /share/admin/shares/{id}":                        "role:analyst",
	"POST /share/admin/shares/{id}":                       "role:analyst",
	"GET /share/admin/warnings":                           "role:analyst",
	"POST /share/admin/warnings":                          "role:analyst",
	"GET /share/admin/figures":                            "role:analyst",
	"POST /share/admin/figures/history":                   "role:analyst",
	"GET /share":                                          "role:share_member",
	"GET /share/reports/new":                              "role:share_member",
	"POST /share/reports/new":                             "role:share_member",
	"GET /share/reports/{id}":                             "role:share_member",
	"POST /share/reports/{id}/answer":                     "role:share_member",
	"GET /share/shares/{id}":                              "role:share_member",
	"POST /share/shares/{id}/sighting":                    "role:share_member",
	"GET /share/boundary/{org}":                           "role:share_member",
	"POST /share/boundary/{org}":                          "role:share_member",
}

// The roles a request can come from.
var matrixRoles = []string{"anonymous", "mfa_pending", "user", "sme_member", "sme_owner", "outsider_owner",
	"analyst", "specialist", "supporter", "share_member", "operator_admin"}

type outcome string

const (
	allow  outcome = "allow"  // authorization passed (any status but 401/403, no login redirect)
	login  outcome = "login"  // 401 or redirect to the login page
	forbid outcome = "forbid" // 403
	hide   outcome = "hide"   // 404: the organisation is not revealed
)

func expected(rule, role string) outcome {
	anon := role == "anonymous" || role == "mfa_pending"
	switch {
	case rule == "public":
		return allow
	case rule == "mfa_pending":
		if role == "mfa_pending" {
			return allow
		}
		return login
	case anon:
		return login
	case rule == "logged_in":
		return allow
	case strings.HasPrefix(rule, "role:"):
		// "+token" also admits a machine token, which no role here holds.
		for _, r := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(rule, "role:"), "+token"), "|") {
			if r == role {
				return allow
			}
		}
		return forbid
	case rule == "org_member":
		if role == "sme_member" || role == "sme_owner" {
			return allow
		}
		return hide
	case rule == "org_owner":
		switch role {
		case "sme_owner":
			return allow
		case "sme_member":
			return forbid
		}
		return hide
	}
	panic("unknown rule " + rule)
}

func TestRouteTableComplete(t *testing.T) {
	e := apptest.Start(t, dbtest.SQLite(t))
	seen := map[string]bool{}
	for _, r := range e.App.Router.Routes() {
		key := r.Method + " " + r.Path
		seen[key] = true
		want, ok := routeRules[key]
		if !ok {
			t.Errorf("route %q has no entry in routeRules (registered as %q)", key, r.Access.Name)
			continue
		}
		if want != r.Access.Name {
			t.Errorf("route %q registered as %q, table says %q", key, r.Access.Name, want)
		}
	}
	for key := range routeRules {
		if !seen[key] {
			t.Errorf("routeRules has %q but no such route is registered", key)
		}
	}
}

type fixture struct {
	users     map[string]*auth.User
	org       *org.Org
	outsider  *org.Org
	bystander *auth.User
}

func seed(t *testing.T, e *apptest.Env) *fixture {
	ctx := context.Background()
	f := &fixture{users: map[string]*auth.User{}}
	for _, role := range matrixRoles[1:] {
		var global []string
		switch role {
		case "analyst", "specialist", "supporter", "share_member", "operator_admin":
			global = []string{role}
		}
		f.users[role] = e.CreateUser(role+"@example.jp", "matrix password", global...)
	}
	f.bystander = e.CreateUser("bystander@example.jp", "matrix password")
	err := e.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		f.org, err = e.App.Orgs.Create(ctx, tx, nil, f.users["sme_owner"].ID, org.CreateInput{Name: "マトリクス株式会社", Prefecture: "13", Industry: "E"})
		if err != nil {
			return err
		}
		f.outsider, err = e.App.Orgs.Create(ctx, tx, nil, f.users["outsider_owner"].ID, org.CreateInput{Name: "よそ株式会社"})
		if err != nil {
			return err
		}
		if err := e.App.Orgs.AddMember(ctx, tx, nil, f.org.Slug, f.users["sme_member"].ID, "member"); err != nil {
			return err
		}
		return e.App.Orgs.AddMember(ctx, tx, nil, f.org.Slug, f.bystander.ID, "member")
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// restore undoes what a previous request may have changed (left the
// organisation, disabled an account, changed a role) so each request in
// the matrix sees the same fixture.
func (f *fixture) restore(t *testing.T, e *apptest.Env) {
	ctx := context.Background()
	now := db.Now()
	stmts := []struct {
		q    string
		args []any
	}{
		{`UPDATE users SET disabled_at = NULL, totp_enabled_at = NULL`, nil},
		{`DELETE FROM sessions`, nil},
		{`INSERT INTO org_members (org_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?) ON CONFLICT (org_id, user_id) DO UPDATE SET role = 'owner'`, []any{f.org.ID, f.users["sme_owner"].ID, now}},
		{`INSERT INTO org_members (org_id, user_id, role, created_at) VALUES (?, ?, 'member', ?) ON CONFLICT (org_id, user_id) DO UPDATE SET role = 'member'`, []any{f.org.ID, f.users["sme_member"].ID, now}},
		{`INSERT INTO org_members (org_id, user_id, role, created_at) VALUES (?, ?, 'member', ?) ON CONFLICT (org_id, user_id) DO UPDATE SET role = 'member'`, []any{f.org.ID, f.bystander.ID, now}},
	}
	for _, s := range stmts {
		if _, err := e.DB.ExecContext(ctx, s.q, s.args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, role := range []string{"analyst", "specialist", "supporter", "share_member", "operator_admin"} {
		auth.GrantRole(ctx, e.DB, f.users[role].ID, role)
	}
}

func (f *fixture) client(t *testing.T, e *apptest.Env, role string) *http.Client {
	c := e.Client()
	switch role {
	case "anonymous":
	case "mfa_pending":
		tok, err := auth.CreateSession(context.Background(), e.DB, f.users["user"].ID, auth.StageMFA, e.App.Cfg.SessionTTL, "127.0.0.1", "matrix")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(e.URL)
		c.Jar.SetCookies(u, []*http.Cookie{{Name: e.App.Auth.CookieName(), Value: tok, Path: "/"}})
	default:
		e.SetSession(c, f.users[role].ID)
	}
	return c
}

func (f *fixture) path(p string) string {
	r := strings.NewReplacer("{org}", f.org.Slug, "{user}", f.bystander.ID, "{id}", f.bystander.ID,
		"{token}", strings.Repeat("a", 52), "{mail}", "m1", "{part}", "1", "{item}", "1", "{number}", "10000000017", "{slug}", "no-such-org", "{version}", "1", "{$}", "")
	return r.Replace(p)
}

func classify(r apptest.Response) outcome {
	switch {
	case r.Status == http.StatusUnauthorized, r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, "/login"):
		return login
	case r.Status == http.StatusForbidden:
		return forbid
	case r.Status == http.StatusNotFound:
		return hide
	}
	return allow
}

func TestAuthorizationMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := seed(t, e)
		routes := e.App.Router.Routes()
		sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
		for _, rt := range routes {
			key := rt.Method + " " + rt.Path
			rule, ok := routeRules[key]
			if !ok {
				t.Errorf("%s: no rule", key)
				continue
			}
			for _, role := range matrixRoles {
				f.restore(t, e)
				want := expected(rule, role)
				c := f.client(t, e, role)
				var r apptest.Response
				p := f.path(rt.Path)
				if rt.Method == "GET" {
					r = e.Get(c, p)
				} else {
					hdr := map[string]string{"Origin": e.URL, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"}
					body := ""
					if rt.API {
						hdr["Content-Type"] = "application/json"
						body = "{}"
					}
					r = e.Do(c, rt.Method, p, strings.NewReader(body), hdr)
				}
				got := classify(r)
				// A public or permitted route may legitimately answer 404
				// for the fake ids and tokens the matrix uses.
				if want == allow && got == hide {
					got = allow
				}
				// Public routes answer 401 or send to the login page as part
				// of their own work (a failed login); only a 403 is wrong.
				if rule == "public" && got != forbid {
					got = allow
				}
				if got != want {
					t.Errorf("%s as %s: got %s (status %d, Location %q), want %s", key, role, got, r.Status, r.Location, want)
				}
			}
		}
	})
}

// TestOrgDataNeverCrossesOrganisations checks the API hides another
// organisation entirely.
func TestOrgDataNeverCrossesOrganisations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := seed(t, e)
		c := e.SessionClient(f.users["outsider_owner"].ID)
		ctx := context.Background()
		secret, err := assets.Create(ctx, e.DB, f.org.ID, assets.Input{Name: "極秘の設計図", C: "3", I: "3", A: "3"}, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		paths := []string{"/orgs/" + f.org.Slug, "/api/v1/orgs/" + f.org.Slug, "/api/v1/orgs/" + f.org.Slug + "/members", "/orgs/" + f.org.Slug + "/members",
			"/api/v1/orgs/" + f.org.Slug + "/assets", "/api/v1/orgs/" + f.org.Slug + "/assets.xlsx", "/api/v1/orgs/" + f.org.Slug + "/assets.csv",
			"/orgs/" + f.org.Slug + "/assets", "/orgs/" + f.org.Slug + "/assets/" + secret.ID, "/orgs/" + f.org.Slug + "/risk",
			"/api/v1/orgs/" + f.org.Slug + "/controls", "/orgs/" + f.org.Slug + "/cloud", "/orgs/" + f.org.Slug + "/incident"}
		// The outsider's own organisation does not open another's asset either.
		paths = append(paths, "/orgs/"+f.outsider.Slug+"/assets/"+secret.ID)
		for _, p := range paths {
			r := e.Get(c, p)
			expectStatus(t, r, http.StatusNotFound)
			if strings.Contains(r.Body, "マトリクス") || strings.Contains(r.Body, "極秘") {
				t.Fatalf("%s leaks the organisation name", p)
			}
		}
		// An import aimed at another organisation is refused unread.
		r := e.Do(c, "POST", "/api/v1/orgs/"+f.org.Slug+"/assets/import", strings.NewReader("情報資産の名称,機密性,完全性,可用性\r\n侵入,1,1,1\r\n"),
			map[string]string{"Content-Type": "text/csv", "Origin": e.URL, "Sec-Fetch-Site": "same-origin"})
		expectStatus(t, r, http.StatusNotFound)
		if n := e.Count(`SELECT COUNT(*) FROM assets`); n != 1 {
			t.Fatalf("assets after a cross-organisation import: %d", n)
		}
		r = e.Get(c, "/api/v1/orgs")
		expectStatus(t, r, 200)
		if strings.Contains(r.Body, f.org.Slug) {
			t.Fatal("org list leaks another organisation")
		}
	})
}
