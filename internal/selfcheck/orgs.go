package selfcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/mail"
	"mamori/internal/org"
	"mamori/internal/web"
)

const reminderJob = "selfcheck.reminder"

type reminderPayload struct {
	ResultID string `json:"result_id"`
	OrgID    string `json:"org_id"`
}

func (s *Service) orgRoutes(rt *web.Router) {
	// The organisation the rules admit to is loaded once, into the request (org.FromRequest).
	member, owner := org.MemberAccess(s.DB.Read()), org.OwnerAccess(s.DB.Read())
	rt.Handle("GET /orgs/{org}/selfcheck", member, s.historyPage)
	rt.Handle("GET /orgs/{org}/selfcheck/{id}", member, s.storedPage)
	rt.Handle("POST /orgs/{org}/selfcheck/{id}/actions/{item}", member, s.donePost)
	rt.Handle("POST /orgs/{org}/selfcheck/sites", owner, s.sitePost)
}

type siteSummary struct {
	Name   string
	Latest *Stored
	Band   string
}

type historyData struct {
	Org       *org.Org
	Results   []*Stored
	Bands     map[string]string
	Trend     template.HTML
	Sites     []siteSummary
	Aggregate int
	HasAgg    bool
	SiteList  []Site
	IsOwner   bool
	Latest    *Stored
}

func (s *Service) historyPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	results, err := History(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return err
	}
	sites, err := Sites(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return err
	}
	lang := web.LangFrom(ctx)
	d := historyData{Org: o, Results: results, Bands: map[string]string{}, SiteList: sites}
	m, _ := web.ViewerFrom(ctx).Membership(o.Slug)
	d.IsOwner = m.Role == web.OrgRoleOwner
	for id, b := range s.Content.Bands {
		d.Bands[id] = b.Title.In(lang)
	}
	var pts []trendPoint
	latest := map[string]*Stored{}
	for _, st := range results {
		pts = append(pts, trendPoint{At: st.TakenAt, Score: st.Score})
		latest[st.SiteID] = st
	}
	if len(results) > 0 {
		d.Latest = results[len(results)-1]
	}
	d.Trend = trendChart(pts, s.Catalog.Printer(lang).T("selfcheck.chart.trend"))
	// The aggregate is the mean of each site's latest score, so a site
	// checked often does not outweigh one checked once.
	if len(latest) > 1 || (len(latest) == 1 && len(sites) > 0) {
		sum := 0
		for key, st := range latest {
			name := st.SiteName
			if key == "" {
				name = s.Catalog.Printer(lang).T("selfcheck.whole_org")
			}
			d.Sites = append(d.Sites, siteSummary{Name: name, Latest: st, Band: d.Bands[st.Band]})
			sum += st.Score
		}
		sort.Slice(d.Sites, func(i, j int) bool { return d.Sites[i].Name < d.Sites[j].Name })
		d.Aggregate = sum / len(latest)
		d.HasAgg = true
	}
	return s.page(w, r, http.StatusOK, "history", "selfcheck.history_title", nil, d)
}

func (s *Service) storedPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	st, err := ResultByID(ctx, s.DB.Read(), o.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	qs, ok := s.Content.Version(st.Version)
	if !ok {
		return apperr.Errorf("result %s uses unknown question set %s", st.ID, st.Version)
	}
	v := s.view(qs, st.Answers, web.LangFrom(ctx), st.Done)
	v.ID, v.OrgSlug, v.OrgName, v.SiteName, v.TakenAt = st.ID, o.Slug, o.Name, st.SiteName, st.TakenAt
	return s.page(w, r, http.StatusOK, "stored", "selfcheck.result_title", nil, v)
}

func (s *Service) donePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	st, err := ResultByID(ctx, s.DB.Read(), o.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	item, err := strconv.Atoi(r.PathValue("item"))
	qs, _ := s.Content.Version(st.Version)
	if err != nil || qs == nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	if _, ok := qs.Item(item); !ok {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	done := f.Get("done") == "1"
	if err := SetDone(ctx, s.DB, st.ID, item, web.ViewerFrom(ctx).UserID, done, s.now()); err != nil {
		return err
	}
	flash := "flash.selfcheck_action_done"
	if !done {
		flash = "flash.selfcheck_action_reopened"
	}
	return web.Redirect(w, r, fmt.Sprintf("/orgs/%s/selfcheck/%s#action-%d", o.Slug, st.ID, item), flash)
}

func (s *Service) sitePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	o := org.FromRequest(r).Org
	name, ok := cleanSiteName(f.Get("name"))
	if !ok {
		return apperr.Field("name", web.TextKey(f.Get("name"), "selfcheck.site_name_invalid"))
	}
	if _, err := AddSite(ctx, s.DB, o.ID, name, s.now()); err != nil {
		if errors.Is(err, db.ErrConflict) {
			return apperr.New(apperr.Conflict, "selfcheck.site_exists")
		}
		return err
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug+"/selfcheck", "flash.selfcheck_site_added")
}

// remind mails an organisation's owners a year after a result unless a
// newer result for the same site exists by then.
func (s *Service) remind(ctx context.Context, payload json.RawMessage) error {
	var p reminderPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	st, err := ResultByID(ctx, s.DB, p.OrgID, p.ResultID)
	if errors.Is(err, db.ErrNotFound) {
		return nil // deleted with its organisation
	}
	if err != nil {
		return err
	}
	var newer int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM selfcheck_results WHERE org_id = ? AND COALESCE(site_id, '') = ? AND taken_at > ?`,
		st.OrgID, st.SiteID, st.TakenAt).Scan(&newer); err != nil {
		return err
	}
	if newer > 0 {
		return nil
	}
	o, err := org.ByID(ctx, s.DB, st.OrgID)
	if err != nil {
		return db.Classify(err)
	}
	owners, err := org.OwnerContacts(ctx, s.DB, st.OrgID)
	if err != nil {
		return err
	}
	link := s.Cfg.BaseURL + "/selfcheck"
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, ow := range owners {
			pr := s.Catalog.Printer(ow.Lang)
			msg := mail.Message{To: ow.Email, Subject: pr.T("mail.selfcheck_reminder.subject"),
				Body: pr.T("mail.selfcheck_reminder.body", o.Name, st.Score, link)}
			if err := s.Mail.Send(ctx, tx, msg); err != nil {
				return err
			}
		}
		return nil
	})
}
