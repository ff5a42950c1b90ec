// Package incident helps an organisation get ready for a security
// incident and keep a record of the ones it has (DESIGN.md §2.7): a guided
// one-page incident response card — whom to call inside and outside, the
// first steps for five common situations, where to report — printable on
// one A4 sheet, and an incident log. The seed's survey found that only
// 13.7% of small firms define what to do when an incident is found; the
// card is that definition in its smallest useful form (docs/incident.md).
package incident

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var locales embed.FS

//go:embed static
var static embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }

// Static holds the card's print stylesheet, served by the renderer as
// /static/incident/card.css (web.Renderer.AddStatic): the page CSP allows
// no inline style, and the shared stylesheets belong to package web.
func Static() fs.FS { s, _ := fs.Sub(static, "static"); return s }

// Audit actions recorded by this package. Keep them stable: operators
// search for them.
const (
	ActionCardSaved = "incident.card_saved"
	ActionCreated   = "incident.created"
	ActionUpdated   = "incident.updated"
	ActionClosed    = "incident.closed"
	ActionReopened  = "incident.reopened"
)

// Service holds the incident card and log logic and handlers.
type Service struct {
	DB      *db.DB
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Now is replaceable so tests can fix dates.
	Now func() time.Time
}

// Routes registers the members' pages. Every member of an organisation
// may read and change its card and log: the person who handles incidents
// in a small firm is often not its owner, and every change is audited.
func (s *Service) Routes(rt *web.Router) {
	member := org.MemberAccess(s.DB.Read()) // loads the organisation into the request (org.FromRequest)
	rt.Handle("GET /orgs/{org}/incident", member, s.showPage)
	rt.Handle("GET /orgs/{org}/incident/card", member, s.cardPage)
	rt.Handle("POST /orgs/{org}/incident/card", member, s.cardPost)
	rt.Handle("GET /orgs/{org}/incident/card/print", member, s.printPage)
	rt.Handle("GET /orgs/{org}/incident/log/new", member, s.newPage)
	rt.Handle("POST /orgs/{org}/incident/log/new", member, s.newPost)
	rt.Handle("GET /orgs/{org}/incident/log/{id}", member, s.entryPage)
	rt.Handle("POST /orgs/{org}/incident/log/{id}", member, s.entryPost)
	rt.Handle("POST /orgs/{org}/incident/log/{id}/close", member, s.closePost)
	rt.Handle("POST /orgs/{org}/incident/log/{id}/reopen", member, s.reopenPost)
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
	s.Render.Page(w, r, status, "incident/"+name, web.Page{Title: title, Form: f, Data: data})
	return nil
}

// CardStatus is where an organisation stands on incident readiness, for
// the organisation's dashboard.
type CardStatus struct {
	// Saved is true once someone has saved the card; the defaults count
	// only after that review.
	Saved bool
	// Done is true when the card meets the rule in docs/incident.md.
	Done bool
	// Missing lists what keeps the card from being done, as requirement
	// codes (ReqSaved, ReqInternalPhone, ReqOutsideContact, ReqSteps +
	// situation), in that order; empty when Done.
	Missing []string
	// UpdatedAt is the last save, zero when never saved.
	UpdatedAt time.Time
	// OpenIncidents counts the log's open entries.
	OpenIncidents int
}

// Status tells whether the organisation's card is done and how many
// incidents are open. An organisation with nothing recorded is simply
// not done, with no incidents.
func Status(ctx context.Context, q db.Querier, orgID string) (CardStatus, error) {
	var st CardStatus
	sc, err := CardFor(ctx, q, orgID)
	switch {
	case err == nil:
		st.Saved, st.UpdatedAt = true, sc.UpdatedAt
		st.Missing = sc.Card.Missing()
	case errors.Is(err, db.ErrNotFound):
		// The editor starts from our defaults, so what else is missing
		// is what the defaults lack.
		def := DefaultCard(i18n.Default, nil)
		st.Missing = append([]string{ReqSaved}, def.Missing()...)
	default:
		return st, err
	}
	st.Done = len(st.Missing) == 0
	if st.OpenIncidents, err = CountOpen(ctx, q, orgID); err != nil {
		return st, err
	}
	return st, nil
}
