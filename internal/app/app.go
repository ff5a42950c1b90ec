// Package app wires mamori together: it opens the store, builds every
// capability with its dependencies passed explicitly, registers routes and
// runs the server and the background workers.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"mamori/internal/assets"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/auth/password"
	"mamori/internal/cloudcheck"
	"mamori/internal/config"
	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/declaration"
	"mamori/internal/i18n"
	"mamori/internal/incident"
	"mamori/internal/jobs"
	"mamori/internal/mail"
	"mamori/internal/masterkey"
	"mamori/internal/metrics"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/registry"
	"mamori/internal/selfcheck"
	"mamori/internal/sharing"
	"mamori/internal/signing"
	"mamori/internal/web"
)

// Version is set at build time with -ldflags "-X mamori/internal/app.Version=…".
var Version = "dev"

// App is a fully wired instance.
type App struct {
	Cfg      config.Config
	Log      *slog.Logger
	DB       *db.DB
	Catalog  *i18n.Catalog
	Render   *web.Renderer
	Router   *web.Router
	Jobs     *jobs.Queue
	Mail     *mail.Mailer
	Auth     *auth.Service
	Orgs     *org.Service
	Check    *selfcheck.Service
	Decl     *declaration.Service
	Keys     *signing.Keyring
	Policy   *policy.Service
	Registry *registry.Service
	Assets   *assets.Service
	Controls *controls.Service
	Cloud    *cloudcheck.Service
	Incident *incident.Service
	Sharing  *sharing.Service
	Box      *masterkey.Box
	Metrics  *metrics.Registry
	handler  http.Handler
	started  time.Time
}

// Capabilities lists every capability once, in the order their
// readiness items appear on an organisation's page, before its services
// exist: what LocaleSources and tests read. Adding a capability is adding
// it to App.capabilities.
func Capabilities() []web.Capability { return (&App{}).capabilities() }

// capabilities describes each capability with a's services, which serve
// its routes once Build has made them.
func (a *App) capabilities() []web.Capability {
	return []web.Capability{auth.Capability(a.Auth), org.Capability(a.Orgs), selfcheck.Capability(a.Check),
		declaration.Capability(a.Decl, a.Keys, a.Cfg.BaseURL), policy.Capability(a.Policy), registry.Capability(a.Registry),
		assets.Capability(a.Assets), controls.Capability(a.Controls), cloudcheck.Capability(a.Cloud), incident.Capability(a.Incident),
		sharing.Capability(a.Sharing), mail.Capability(a.DB, a.Render, a.Catalog), audit.Capability(a.DB, a.Render, a.Catalog)}
}

// LocaleSources lists package web's catalogs and every capability's.
func LocaleSources() []fs.FS {
	out := []fs.FS{web.Locales()}
	for _, c := range Capabilities() {
		out = append(out, c.Locales)
	}
	return out
}

// KeyedTables are the tables whose rows need the deployment's master key:
// sealed mail, shares whose pseudonyms are keyed with it, the signing keys
// it seals and the declarations whose records those keys signed. A start
// without a master key on a database holding any of them is refused
// (masterkey.NoKeyError) instead of making a fresh key.
func KeyedTables() []string {
	return []string{"signing_keys", "share_report_mails", "share_shares", "declarations"}
}

// OpenKey opens the deployment's master key and checks it against d: the
// key-check value, or, at the first start after an upgrade from a version
// without one, the oldest sealed mail (sharing.KeyProbe). Every command
// that seals, signs or copies the keys goes through it.
func OpenKey(ctx context.Context, cfg config.Config, d *db.DB) (*masterkey.Box, error) {
	return masterkey.Open(ctx, cfg, d, KeyedTables(), sharing.KeyProbe)
}

// Build wires an App on an open, migrated database.
func Build(cfg config.Config, d *db.DB, log *slog.Logger) (*App, error) {
	a := &App{Cfg: cfg, Log: log, DB: d, started: time.Now()}
	cat, err := i18n.Load(LocaleSources()...)
	if err != nil {
		return nil, err
	}
	a.Catalog = cat
	rd, err := web.NewRenderer(cat, log)
	if err != nil {
		return nil, err
	}
	rd.Signup = cfg.SignupOpen
	a.Render = rd
	if err := register(rd, Capabilities()); err != nil {
		return nil, err
	}
	a.Metrics = metrics.NewRegistry()
	a.Metrics.RegisterGoCollector()
	a.Jobs = jobs.New(d, log)
	a.Mail = mail.New(d, a.Jobs, cfg.SMTPURL, cfg.MailFrom)
	a.Auth = &auth.Service{DB: d, Cfg: cfg, Log: log, Mail: a.Mail, Catalog: cat, Render: rd, Params: password.Default}
	a.Orgs = &org.Service{DB: d, Cfg: cfg, Log: log, Mail: a.Mail, Catalog: cat, Render: rd}
	a.Decl = &declaration.Service{DB: d, Log: log, Catalog: cat, Render: rd, Window: cfg.DiagnosisWindow,
		DiagnosedAt: func(ctx context.Context, orgID string) (time.Time, error) {
			return selfcheck.LatestTakenAt(ctx, d.Read(), orgID)
		}}
	a.Orgs.Badges = a.Decl.Badges
	a.Orgs.Readiness = a.readiness
	a.Policy = &policy.Service{DB: d, Log: log, Catalog: cat, Render: rd, NextStep: a.Decl.TwoStarsPath}
	a.Registry = &registry.Service{DB: d, Log: log, Catalog: cat, Render: rd, BaseURL: cfg.BaseURL}
	a.Assets = &assets.Service{DB: d, Log: log, Catalog: cat, Render: rd}
	a.Controls = &controls.Service{DB: d, Log: log, Catalog: cat, Render: rd}
	a.Cloud = &cloudcheck.Service{DB: d, Log: log, Catalog: cat, Render: rd, Jobs: a.Jobs, Mail: a.Mail, BaseURL: cfg.BaseURL}
	a.Incident = &incident.Service{DB: d, Log: log, Catalog: cat, Render: rd}
	a.Assets.Clouds = func(ctx context.Context, q db.Querier, orgID string) (map[string][]assets.CloudRef, error) {
		m, err := cloudcheck.ServicesForAssets(ctx, q, orgID)
		if err != nil {
			return nil, err
		}
		out := make(map[string][]assets.CloudRef, len(m))
		for id, refs := range m {
			for _, r := range refs {
				out[id] = append(out[id], assets.CloudRef{ID: r.ID, Name: r.Name, Path: r.URL})
			}
		}
		return out, nil
	}
	a.Decl.Changed = registry.Sync
	a.Orgs.Changed = registry.SyncOrg
	a.Decl.PolicyURL = func(ctx context.Context, orgID string) (string, error) {
		p, err := policy.PublishedFor(ctx, d.Read(), orgID)
		if err != nil {
			return "", err // db.ErrNotFound when nothing is published
		}
		return p.URL, nil
	}
	// The master key is checked against the database before anything is
	// sealed or signed with it, and the signing keys live in the database
	// sealed with it, so every instance of a deployment has one key ring.
	if a.Box, err = OpenKey(context.Background(), cfg, d); err != nil {
		return nil, err
	}
	a.Auth.Box = a.Box
	if n, err := auth.SealLegacyTOTP(context.Background(), d, a.Box); err != nil {
		return nil, fmt.Errorf("sealing TOTP secrets: %w", err)
	} else if n > 0 {
		log.Info("auth: sealed the TOTP secrets stored in clear", "rows", n)
	}
	if a.Keys, err = signing.Open(context.Background(), d, a.Box, cfg.DataDir, log); err != nil {
		return nil, err
	}
	a.Sharing = &sharing.Service{DB: d, Log: log, Catalog: cat, Render: rd, Box: a.Box, Orgs: a.Orgs, Mail: a.Mail, BaseURL: cfg.BaseURL}
	// Reports and shares stored before their originals were sealed are
	// sealed now: the key is not in the database, so no migration could.
	if n, err := sharing.SealLegacy(context.Background(), d, a.Box); err != nil {
		return nil, fmt.Errorf("sealing stored shares: %w", err)
	} else if n > 0 {
		log.Info("sharing: sealed the hub's originals stored in clear", "rows", n)
	}
	a.Orgs.Notices = a.Sharing.Notices
	a.Orgs.Accepted = a.Sharing.InvitationAccepted
	content, err := selfcheck.LoadContent()
	if err != nil {
		return nil, err
	}
	a.Check = &selfcheck.Service{DB: d, Cfg: cfg, Log: log, Catalog: cat, Render: rd, Jobs: a.Jobs, Mail: a.Mail, Content: content}
	a.Orgs.LatestDiagnosis = a.Check.Standing

	eh := &web.ErrorHandler{Log: log, Catalog: cat, Render: rd}
	rt := web.NewRouter(eh)
	a.Router = rt
	a.routes(rt)
	stack := &web.Stack{Log: log, Errors: eh, Auth: a.Auth, Metrics: a.Metrics, MaxBodyBytes: cfg.MaxBodyBytes, BodyLimit: rt.BodyLimit,
		Timeouts: web.Timeouts{Read: readTimeout, Write: writeTimeout, UploadRate: minUploadRate}, Secure: cfg.Secure(), TrustedProxies: cfg.TrustedProxies}
	a.handler = stack.Wrap(rt)
	return a, nil
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) routes(rt *web.Router) {
	rt.Handle("GET /static/", web.Public, a.Render.ServeStatic)
	rt.Handle("GET /favicon.ico", web.Public, a.favicon)
	rt.Handle("GET /{$}", web.Public, a.home)
	rt.Handle("GET /healthz", web.Public, a.healthz)
	rt.Handle("GET /readyz", web.Public, a.readyz)
	// On the main listener /metrics needs the scrape token or an operator
	// administrator: behind a reverse proxy every request comes from
	// loopback, so the peer address proves nothing. The token-free way is
	// the loopback-only --metrics-addr listener (MetricsHandler).
	rt.HandleRaw("GET /metrics", web.RoleOrToken(a.Cfg.MetricsToken, web.RoleOperatorAdmin), a.Metrics.Handler())
	for _, c := range a.capabilities() {
		c.Routes(rt)
	}
}

// favicon answers browsers that ask for /favicon.ico on their own (before
// or without reading the page's icon link) with the digest-named SVG icon,
// so they log no failed load. The redirect is temporary because the
// digest changes with the icon.
func (a *App) favicon(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.Redirect(w, r, a.Render.AssetURL("favicon.svg"), http.StatusFound)
	return nil
}

func (a *App) home(w http.ResponseWriter, r *http.Request) error {
	p := a.Catalog.Printer(web.LangFrom(r.Context()))
	a.Render.Page(w, r, http.StatusOK, "web/home", web.Page{Title: p.T("home.title")})
	return nil
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// readyz answers 200 only when the database answers, so a load balancer
// stops sending traffic to an instance that lost its store.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.Ping(ctx); err != nil {
		a.Log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return nil
	}
	w.Write([]byte("ready\n"))
	return nil
}

// MetricsHandler is what the --metrics-addr listener serves: /metrics
// without authentication (configuration allows that listener on loopback
// only) and 404 for everything else. Its requests are not counted, so a
// scrape does not change what it reads.
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return mux
}

// register adds each capability's static files, then its pages (which
// link the files by digest); a capability listed twice is an error.
func register(rd *web.Renderer, caps []web.Capability) error {
	for _, c := range caps {
		if c.Static != nil {
			if err := rd.AddStatic(c.Name, c.Static); err != nil {
				return err
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range caps {
		if seen[c.Name] {
			return fmt.Errorf("capability %s registered twice", c.Name)
		}
		seen[c.Name] = true
		if c.Templates != nil {
			if err := rd.AddPages(c.Name, c.Templates, "templates"); err != nil {
				return err
			}
		}
	}
	return nil
}

// readiness gathers, for an organisation's page, how far its security
// work has come from the capabilities that own each part.
func (a *App) readiness(ctx context.Context, o *org.Org) ([]org.ReadinessItem, error) {
	q, now := a.DB.Read(), time.Now()
	var items []org.ReadinessItem
	// a's own capabilities, not Capabilities(): an item may depend on
	// the configuration (how recent a diagnosis must be).
	for _, c := range a.capabilities() {
		if c.Readiness == nil {
			continue
		}
		more, err := c.Readiness(ctx, q, o.ID, "/orgs/"+o.Slug, now)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	return items, nil
}
