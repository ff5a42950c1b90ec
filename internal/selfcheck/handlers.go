package selfcheck

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/web"
)

const draftCookie = "mamori_selfcheck"

func (s *Service) pageRoutes(rt *web.Router) {
	rt.Handle("GET /selfcheck", web.Public, s.introPage)
	rt.Handle("GET /selfcheck/part/{part}", web.Public, s.partPage)
	rt.Handle("POST /selfcheck/part/{part}", web.Public, s.partPost)
	rt.Handle("GET /selfcheck/result", web.Public, s.resultPage)
	rt.Handle("POST /selfcheck/reset", web.Public, s.resetPost)
	rt.Handle("GET /selfcheck/save", web.LoggedIn, s.savePage)
	rt.Handle("POST /selfcheck/save", web.LoggedIn, s.savePost)
}

func (s *Service) page(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, f *web.Form, data any) error {
	p := s.Catalog.Printer(web.LangFrom(r.Context()))
	s.Render.Page(w, r, status, "selfcheck/"+name, web.Page{Title: p.T(titleKey), Form: f, Data: data})
	return nil
}

// draft returns the visitor's draft and its hash ("" and nil when none).
func (s *Service) draft(r *http.Request) (string, *Draft, error) {
	ck, err := r.Cookie(draftCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return "", nil, nil
	}
	hash := auth.HashSecret(ck.Value)
	d, err := loadDraft(r.Context(), s.DB.Read(), hash)
	if errors.Is(err, db.ErrNotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	if _, ok := s.Content.Version(d.Version); !ok || d.Version != s.Content.Current.Version {
		// A draft begun before the question set changed starts again: its
		// answers were given to other wording.
		return hash, &Draft{Version: s.Content.Current.Version, Answers: map[string]string{}}, nil
	}
	return hash, d, nil
}

type introData struct {
	Items    int
	Answered int
	Parts    []partLink
}

type partLink struct {
	Number   int
	Title    string
	Count    int
	Answered int
}

func (s *Service) partLinks(d *Draft, lang string) ([]partLink, int) {
	var out []partLink
	total := 0
	for _, p := range s.Content.Current.Parts {
		pl := partLink{Number: p.Number, Title: p.Title.In(lang), Count: len(p.Items)}
		if d != nil {
			for _, it := range p.Items {
				if _, ok := d.Answers[strconv.Itoa(it.Number)]; ok {
					pl.Answered++
				}
			}
		}
		total += pl.Answered
		out = append(out, pl)
	}
	return out, total
}

func (s *Service) introPage(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.draft(r)
	if err != nil {
		return err
	}
	links, answered := s.partLinks(d, web.LangFrom(r.Context()))
	return s.page(w, r, http.StatusOK, "intro", "selfcheck.title", nil, introData{Items: len(s.Content.Current.Items()), Answered: answered, Parts: links})
}

type choice struct {
	Value   Answer
	Label   string
	Checked bool
}

type itemForm struct {
	Number   int
	Question string
	Why      string
	How      string
	Choices  []choice
	Error    string
}

type partData struct {
	Part     Part
	Title    string
	Intro    string
	Items    []itemForm
	Parts    []partLink
	Answered int
	Total    int
	Last     bool
}

func (s *Service) partNumber(r *http.Request) (*Part, error) {
	n, err := strconv.Atoi(r.PathValue("part"))
	if err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	for i := range s.Content.Current.Parts {
		if s.Content.Current.Parts[i].Number == n {
			return &s.Content.Current.Parts[i], nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "error.not_found")
}

func (s *Service) renderPart(w http.ResponseWriter, r *http.Request, status int, p *Part, answers map[string]string, errs map[string]string, d *Draft) error {
	lang := web.LangFrom(r.Context())
	pd := partData{Part: *p, Title: p.Title.In(lang), Intro: p.Intro.In(lang), Total: len(s.Content.Current.Items())}
	for _, it := range p.Items {
		key := strconv.Itoa(it.Number)
		f := itemForm{Number: it.Number, Question: it.Question.In(lang), Why: it.Why.In(lang), How: it.How.In(lang), Error: errs[key]}
		for _, a := range AnswerOrder {
			f.Choices = append(f.Choices, choice{Value: a, Label: s.Content.Answers[string(a)].In(lang), Checked: answers[key] == string(a)})
		}
		pd.Items = append(pd.Items, f)
	}
	pd.Parts, pd.Answered = s.partLinks(d, lang)
	pd.Last = p.Number == s.Content.Current.Parts[len(s.Content.Current.Parts)-1].Number
	f := web.NewForm(nil)
	if len(errs) > 0 {
		f.Error = "selfcheck.answer_all"
	}
	return s.page(w, r, status, "part", "selfcheck.title", f, pd)
}

func (s *Service) partPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.partNumber(r)
	if err != nil {
		return err
	}
	_, d, err := s.draft(r)
	if err != nil {
		return err
	}
	answers := map[string]string{}
	if d != nil {
		answers = d.Answers
	}
	return s.renderPart(w, r, http.StatusOK, p, answers, nil, d)
}

func (s *Service) partPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.partNumber(r)
	if err != nil {
		return err
	}
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	hash, d, err := s.draft(r)
	if err != nil {
		return err
	}
	if d == nil {
		d = &Draft{Version: s.Content.Current.Version, Answers: map[string]string{}}
	}
	posted := map[string]string{}
	errs := map[string]string{}
	for _, it := range p.Items {
		key := strconv.Itoa(it.Number)
		v := f.Get("q" + key)
		if _, ok := Points(Answer(v)); ok {
			posted[key] = v
		} else {
			errs[key] = "selfcheck.answer_missing"
		}
	}
	merged := map[string]string{}
	for k, v := range d.Answers {
		merged[k] = v
	}
	for k, v := range posted {
		merged[k] = v
	}
	if len(errs) > 0 {
		return s.renderPart(w, r, http.StatusUnprocessableEntity, p, merged, errs, d)
	}
	d.Answers = merged
	if hash == "" {
		token, h := auth.NewLinkSecret()
		hash = h
		http.SetCookie(w, &http.Cookie{Name: draftCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.Cfg.Secure(),
			SameSite: http.SameSiteLaxMode, MaxAge: int(draftTTL / time.Second)})
	}
	if err := saveDraft(r.Context(), s.DB, hash, d, s.now()); err != nil {
		return err
	}
	for _, next := range s.Content.Current.Parts {
		if next.Number > p.Number {
			http.Redirect(w, r, "/selfcheck/part/"+strconv.Itoa(next.Number), http.StatusSeeOther)
			return nil
		}
	}
	return s.toResult(w, r, d)
}

// toResult sends a complete draft to its result, an incomplete one to the
// first part with a gap.
func (s *Service) toResult(w http.ResponseWriter, r *http.Request, d *Draft) error {
	for _, p := range s.Content.Current.Parts {
		for _, it := range p.Items {
			if _, ok := d.Answers[strconv.Itoa(it.Number)]; !ok {
				http.Redirect(w, r, "/selfcheck/part/"+strconv.Itoa(p.Number), http.StatusSeeOther)
				return nil
			}
		}
	}
	http.Redirect(w, r, "/selfcheck/result", http.StatusSeeOther)
	return nil
}

func (s *Service) resultPage(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.draft(r)
	if err != nil {
		return err
	}
	if d == nil {
		http.Redirect(w, r, "/selfcheck", http.StatusSeeOther)
		return nil
	}
	if !d.Complete(s.Content.Current) {
		return s.toResult(w, r, d)
	}
	v := s.view(s.Content.Current, d.Answers, web.LangFrom(r.Context()), nil)
	v.CanSave = true
	return s.page(w, r, http.StatusOK, "result", "selfcheck.result_title", nil, v)
}

func (s *Service) resetPost(w http.ResponseWriter, r *http.Request) error {
	hash, _, err := s.draft(r)
	if err != nil {
		return err
	}
	if hash != "" {
		if err := deleteDraft(r.Context(), s.DB, hash); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: draftCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Cfg.Secure(), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/selfcheck", http.StatusSeeOther)
	return nil
}

type saveOrg struct {
	Slug, Name, Role string
	Sites            []Site
}

type saveData struct {
	Score int
	Band  string
	Orgs  []saveOrg
}

func (s *Service) completeDraft(r *http.Request) (string, *Draft, error) {
	hash, d, err := s.draft(r)
	if err != nil {
		return "", nil, err
	}
	if d == nil || !d.Complete(s.Content.Current) {
		return "", nil, apperr.New(apperr.NotFound, "selfcheck.no_result")
	}
	return hash, d, nil
}

func (s *Service) savePage(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.completeDraft(r)
	if err != nil {
		return err
	}
	return s.renderSave(w, r, http.StatusOK, web.NewForm(url.Values{}), d)
}

func (s *Service) renderSave(w http.ResponseWriter, r *http.Request, status int, f *web.Form, d *Draft) error {
	v := web.ViewerFrom(r.Context())
	res := s.view(s.Content.Current, d.Answers, web.LangFrom(r.Context()), nil)
	sd := saveData{Score: res.Score, Band: res.BandTitle}
	for _, m := range v.Orgs {
		sites, err := Sites(r.Context(), s.DB.Read(), m.OrgID)
		if err != nil {
			return err
		}
		sd.Orgs = append(sd.Orgs, saveOrg{Slug: m.Slug, Name: m.Name, Role: m.Role, Sites: sites})
	}
	return s.page(w, r, status, "save", "selfcheck.save_title", f, sd)
}

func (s *Service) savePost(w http.ResponseWriter, r *http.Request) error {
	hash, d, err := s.completeDraft(r)
	if err != nil {
		return err
	}
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	v := web.ViewerFrom(r.Context())
	m, ok := v.Membership(f.Get("org"))
	if !ok {
		f.Errors["org"] = "selfcheck.org_required"
		return s.renderSave(w, r, http.StatusUnprocessableEntity, f, d)
	}
	siteID := ""
	// Each organisation has its own site list; only the chosen one counts.
	site := f.Get("site_" + m.Slug)
	if site == "" {
		site = f.Get("site")
	}
	if site != "" {
		sites, err := Sites(r.Context(), s.DB.Read(), m.OrgID)
		if err != nil {
			return err
		}
		for _, st := range sites {
			if st.ID == site {
				siteID = st.ID
			}
		}
		if siteID == "" {
			f.Errors["site"] = "selfcheck.site_unknown"
			return s.renderSave(w, r, http.StatusUnprocessableEntity, f, d)
		}
	}
	var id string
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		var err error
		id, err = s.Save(r.Context(), tx, r, m.OrgID, siteID, v.UserID, d.Answers)
		if err != nil {
			return err
		}
		return deleteDraft(r.Context(), tx, hash)
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: draftCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Cfg.Secure(), SameSite: http.SameSiteLaxMode})
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/selfcheck/"+id, "flash.selfcheck_saved")
}

// Save scores answers with the current question set and stores the result
// with its reminder to check again in a year, in the caller's transaction.
func (s *Service) Save(ctx context.Context, tx db.Querier, r *http.Request, orgID, siteID, userID string, answers map[string]string) (string, error) {
	qs := s.Content.Current
	a, err := Validate(qs, answers)
	if err != nil {
		return "", err
	}
	res := Score(qs, a)
	now := s.now()
	id, err := SaveResult(ctx, tx, orgID, siteID, userID, res, answers, now)
	if err != nil {
		return "", err
	}
	if _, err := s.Jobs.Enqueue(ctx, tx, reminderJob, reminderPayload{ResultID: id, OrgID: orgID}, 5, now.AddDate(1, 0, 0)); err != nil {
		return "", err
	}
	return id, audit.Record(ctx, tx, r, audit.Entry{Action: "selfcheck.saved", TargetType: "org", TargetID: orgID,
		Detail: map[string]any{"result": id, "score": res.Score, "version": res.Version}})
}

func cleanSiteName(s string) (string, bool) {
	name, ok := web.CleanText(s, 100)
	return strings.TrimSpace(name), ok && strings.TrimSpace(name) != ""
}
