package registry

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/declaration"
	"mamori/internal/org/jp"
	"mamori/internal/policy"
	"mamori/internal/web"
)

// apiItem is one entry of GET /api/v1/registry.
type apiItem struct {
	Number     string `json:"number"`
	Name       string `json:"name"`
	Stars      int    `json:"stars"`
	Prefecture string `json:"prefecture"`
	Industry   string `json:"industry"`
	Status     string `json:"status"`
	DeclaredAt string `json:"declared_at"`
	// CorporateNumber is "" when the organisation has none.
	CorporateNumber string `json:"corporate_number"`
}

type apiResult struct {
	Total   int       `json:"total"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
	Items   []apiItem `json:"items"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// searchAPI answers GET /api/v1/registry with one page of results.
func (s *Service) searchAPI(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := Search(r.Context(), s.DB.Read(), q, s.postingLists())
	if err != nil {
		return err
	}
	out := apiResult{Total: res.Total, Page: q.Page, PerPage: q.PerPage, Items: make([]apiItem, 0, len(res.Entries))}
	for _, e := range res.Entries {
		out.Items = append(out.Items, apiItem{Number: e.Number, Name: e.Name, Stars: e.Stars, Prefecture: e.Prefecture,
			Industry: e.Industry, Status: e.Status, DeclaredAt: rfc3339(e.DeclaredAt), CorporateNumber: e.CorporateNumber})
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return web.WriteJSON(w, http.StatusOK, out)
}

// option is one choice of a select on the search form.
type option struct{ Code, Name string }

type searchData struct {
	Result      Result
	Searched    bool // any parameter given
	Prefectures []option
	Industries  []option
	// PrevURL and NextURL are the pager's links, "" at either end; Pages
	// its numbered pages (nil for one page).
	PrevURL, NextURL string
	Pages            []pageLink
}

// PrefectureName and IndustryName are for the results table.
func (d searchData) PrefectureName(code string) string { return lookup(d.Prefectures, code) }
func (d searchData) IndustryName(code string) string   { return lookup(d.Industries, code) }

func lookup(opts []option, code string) string {
	for _, o := range opts {
		if o.Code == code {
			return o.Name
		}
	}
	return ""
}

func prefectureOptions(lang string) []option {
	var out []option
	for _, p := range jp.Prefectures() {
		name := p.NameJa
		if lang == "en" {
			name = p.NameEn
		}
		out = append(out, option{p.Code, name})
	}
	return out
}

func industryOptions(lang string) []option {
	var out []option
	for _, i := range jp.Industries() {
		name := i.NameJa
		if lang == "en" {
			name = i.NameEn
		}
		out = append(out, option{i.Code, i.Code + " " + name})
	}
	return out
}

// prefectureName is a prefecture's name in lang, "" when unknown.
func prefectureName(code, lang string) string {
	p, ok := jp.PrefectureByCode(code)
	if !ok {
		return ""
	}
	if lang == "en" {
		return p.NameEn
	}
	return p.NameJa
}

// searchPage is the public registry: a search form and one page of
// results. Bad parameters show the form again with the problems, as 400.
func (s *Service) searchPage(w http.ResponseWriter, r *http.Request) error {
	lang := web.LangFrom(r.Context())
	raw := r.URL.Query()
	f := web.NewForm(raw)
	data := searchData{Prefectures: prefectureOptions(lang), Industries: industryOptions(lang)}
	title := s.printer(r).T("registry.title")
	q, err := ParseQuery(raw)
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		data.Result = Result{Query: q, Entries: []Entry{}}
		return s.render(w, r, http.StatusBadRequest, "search", title, f, data)
	}
	for k := range raw {
		if k != "lang" && raw.Get(k) != "" {
			data.Searched = true
		}
	}
	if data.Result, err = Search(r.Context(), s.DB.Read(), q, s.postingLists()); err != nil {
		return err
	}
	link := func(page int) string {
		v := q.Values()
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if e := v.Encode(); e != "" {
			return "/registry?" + e
		}
		return "/registry"
	}
	if q.Page > 1 {
		data.PrevURL = link(q.Page - 1)
	}
	if q.Page < data.Result.Pages() && q.Page < MaxPage {
		data.NextURL = link(q.Page + 1)
	}
	data.Pages = pageLinks(q.Page, min(data.Result.Pages(), MaxPage), link)
	return s.render(w, r, http.StatusOK, "search", title, f, data)
}

// record is a declaration as the verification page shows it.
type record struct {
	Entry
	OrgID string
}

// byNumber finds the declaration with number, active or withdrawn:
// 400 for a malformed number or a wrong check digit, 404 when unknown.
func byNumber(ctx context.Context, q db.Querier, number string) (*record, error) {
	if err := declaration.CheckNumber(number); err != nil {
		e := apperr.From(err)
		return nil, &apperr.Error{Code: apperr.Invalid, Key: e.Fields["number"], Fields: e.Fields}
	}
	rec, err := recordByNumber(ctx, q, number)
	if errors.Is(err, db.ErrNotFound) {
		return nil, apperr.Wrap(err, apperr.NotFound, "registry.not_found")
	}
	return rec, err
}

type verifyData struct {
	Rec            *record
	PrefectureName string
	PolicyURL      string // "" when no policy is published
	RecordURL      string // the signed public record
	BadgeURL       string
	PageURL        string
	Snippet        string // HTML to embed the badge, shown as text
}

// verifyPage is the public verification page of one declaration. It is
// the page badges link to, so it is asked for far more than any other:
// the rendered page of an anonymous visitor is kept in a read cache
// (fresh until the next write on this instance, and at most
// verifyCacheTTL), keyed by what the page depends on (verifyCacheKey).
func (s *Service) verifyPage(w http.ResponseWriter, r *http.Request) error {
	key, ok := s.verifyCacheKey(r)
	if !ok || !web.Shared(r) {
		body, err := s.renderVerify(w, r)
		if err != nil {
			return err
		}
		web.WriteHTML(w, http.StatusOK, body)
		return nil
	}
	body, err := s.verifyPages().Get(key, func() ([]byte, error) { return s.renderVerify(w, r) })
	if err != nil {
		return err
	}
	web.WriteHTML(w, http.StatusOK, body)
	return nil
}

// verifyCacheKey is the cache key of r's verification page, and false
// when the page is not to be cached. The page depends on the language,
// the path (one number), the query (which the layout echoes) and, only
// without a configured base URL, the Host header. Host and query are the
// client's to choose: keyed as they came, each made-up value would keep
// its own copy of the page (and the key) until the cache filled, and push
// the real pages out. So only the query a badge link carries (none, or
// lang=) is cached, and a host no longer than a DNS name.
func (s *Service) verifyCacheKey(r *http.Request) (string, bool) {
	switch r.URL.RawQuery {
	case "", "lang=ja", "lang=en":
	default:
		return "", false
	}
	host := ""
	if s.BaseURL == "" {
		if host = r.Host; len(host) > 255 {
			return "", false
		}
	}
	return web.LangFrom(r.Context()) + "|" + host + "|" + r.URL.Path + "?" + r.URL.RawQuery, true
}

// renderVerify builds the verification page of the number in r's path.
func (s *Service) renderVerify(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ctx := r.Context()
	q := s.DB.Read()
	rec, err := byNumber(ctx, q, r.PathValue("number"))
	if err != nil {
		return nil, err
	}
	p := s.printer(r)
	data := verifyData{Rec: rec, PrefectureName: prefectureName(rec.Prefecture, web.LangFrom(ctx)),
		RecordURL: "/api/v1/declarations/" + rec.Number}
	pub, err := policy.PublishedFor(ctx, q, rec.OrgID)
	switch {
	case err == nil:
		data.PolicyURL = pub.URL
	case !errors.Is(err, db.ErrNotFound):
		return nil, err
	}
	base := s.base(r)
	data.PageURL = base + "/v/" + rec.Number
	data.BadgeURL = data.PageURL + "/badge.svg"
	lang := ""
	if web.LangFrom(ctx) == "en" {
		lang = "?lang=en"
	}
	data.Snippet = `<a href="` + data.PageURL + `"><img src="` + data.BadgeURL + lang + `" width="` + strconv.Itoa(badgeWidth) +
		`" height="` + strconv.Itoa(badgeHeight) + `" alt="` + xmlEscape(p.T("registry.badge.programme")+" "+rec.Mark()+" "+rec.Number) + `"></a>`
	return s.Render.Bytes(w, r, "registry/verify", web.Page{Title: p.T("registry.verify_title", rec.Number), Data: data})
}
