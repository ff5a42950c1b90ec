package assets

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Audit actions recorded by this package. Keep them stable: operators
// search for them.
const (
	ActionCreated        = "assets.created"
	ActionUpdated        = "assets.updated"
	ActionDeleted        = "assets.deleted"
	ActionRestored       = "assets.restored"
	ActionImported       = "assets.imported"
	ActionSettingsChange = "assets.risk_settings_changed"
)

// MaxImportBytes is the largest ledger file accepted. A 10,000-row ledger
// is about 1 MB as XLSX and 3 MB as CSV, so 20 MB leaves room for notes
// while a mistaken upload (a 50 MB scan, a video) is refused at once.
const MaxImportBytes = 20 << 20

// CloudRef is a cloud service an asset is stored in, as the cloud check
// names it.
type CloudRef struct {
	ID, Name, Path string
}

// Service holds the ledger's handlers and their dependencies.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Clouds lists, per asset id, the cloud services it is stored in
	// (package cloudcheck); nil when that capability is not wired.
	Clouds func(ctx context.Context, q db.Querier, orgID string) (map[string][]CloudRef, error)
	// Now is replaceable so tests can fix dates.
	Now func() time.Time

	vocOnce sync.Once
	voc     *Vocabulary
}

// Routes registers the ledger, the risk analysis, the import and the API.
// Members keep the ledger (in a small company whoever knows the asset
// records it); the owner decides the risk method and threshold, since
// they decide which risks the company accepts.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle("GET /orgs/{org}/assets", web.OrgMember, s.listPage)
	rt.Handle("GET /orgs/{org}/assets/new", web.OrgMember, s.newPage)
	rt.Handle("POST /orgs/{org}/assets/new", web.OrgMember, s.newPost)
	rt.Handle("GET /orgs/{org}/assets/{id}", web.OrgMember, s.editPage)
	rt.Handle("POST /orgs/{org}/assets/{id}", web.OrgMember, s.editPost)
	rt.Handle("POST /orgs/{org}/assets/{id}/duplicate", web.OrgMember, s.duplicatePost)
	rt.Handle("POST /orgs/{org}/assets/{id}/delete", web.OrgMember, s.deletePost)
	rt.Handle("POST /orgs/{org}/assets/{id}/restore", web.OrgMember, s.restorePost)
	rt.Handle("GET /orgs/{org}/risk", web.OrgMember, s.riskPage)
	rt.Handle("POST /orgs/{org}/risk/settings", web.OrgOwner, s.settingsPost)
	rt.Handle("GET /orgs/{org}/assets/import", web.OrgMember, s.importPage)
	rt.HandleUpload("POST /orgs/{org}/assets/import", web.OrgMember, MaxImportBytes, s.importPost)
	rt.Handle("GET /orgs/{org}/asset-imports/{id}", web.OrgMember, s.previewPage)
	rt.Handle("POST /orgs/{org}/asset-imports/{id}", web.OrgMember, s.confirmPost)
	rt.Handle("GET /api/v1/orgs/{org}/assets", web.OrgMember, s.apiList)
	rt.Handle("GET /api/v1/orgs/{org}/assets.xlsx", web.OrgMember, s.apiExportXLSX)
	rt.Handle("GET /api/v1/orgs/{org}/assets.csv", web.OrgMember, s.apiExportCSV)
	rt.HandleUpload("POST /api/v1/orgs/{org}/assets/import", web.OrgMember, MaxImportBytes, s.apiImport)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return db.Now()
}

func (s *Service) printer(r *http.Request) *i18n.Printer {
	return s.Catalog.Printer(web.LangFrom(r.Context()))
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name, title string, f *web.Form, data any) error {
	s.Render.Page(w, r, status, "assets/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// orgOf is the {org} of the request as the viewer's membership names it;
// the route's access rule has checked it.
func orgOf(r *http.Request) web.Membership {
	m, _ := web.ViewerFrom(r.Context()).Membership(r.PathValue("org"))
	return m
}
