package selfcheck

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

func (s *Service) apiRoutes(rt *web.Router) {
	rt.Handle("GET /api/v1/selfcheck/questions", web.Public, s.apiQuestions)
	rt.Handle("POST /api/v1/selfcheck/score", web.Public, s.apiScore)
	rt.Handle("GET /api/v1/orgs/{org}/selfcheck/results", web.OrgMember, s.apiResults)
	rt.Handle("POST /api/v1/orgs/{org}/selfcheck/results", web.OrgMember, s.apiSave)
}

type apiResult struct {
	ID      string `json:"id"`
	Site    string `json:"site"`
	Version string `json:"version"`
	Score   int    `json:"score"`
	Band    string `json:"band"`
	TakenAt string `json:"taken_at"`
}

type saveRequest struct {
	Answers map[string]string `json:"answers"`
	Site    string            `json:"site"`
}

// apiSave stores a result for an organisation; the response is sent only
// after the transaction committed, so an acknowledged save is durable.
func (s *Service) apiSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var req saveRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Answers == nil {
		return apperr.Field("answers", "selfcheck.answers_required")
	}
	v := web.ViewerFrom(ctx)
	m, _ := v.Membership(r.PathValue("org"))
	siteID, siteName := "", ""
	if req.Site != "" {
		sites, err := Sites(ctx, s.DB.Read(), m.OrgID)
		if err != nil {
			return err
		}
		for _, st := range sites {
			if st.ID == req.Site || st.Name == req.Site {
				siteID, siteName = st.ID, st.Name
			}
		}
		if siteID == "" {
			return apperr.Field("site", "selfcheck.site_unknown")
		}
	}
	var id string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.Save(ctx, tx, r, m.OrgID, siteID, v.UserID, req.Answers)
		return err
	})
	if err != nil {
		return err
	}
	st, err := ResultByID(ctx, s.DB, m.OrgID, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+m.Slug+"/selfcheck/results/"+id)
	return web.WriteJSON(w, http.StatusCreated, apiResult{ID: id, Site: siteName, Version: st.Version, Score: st.Score, Band: st.Band, TakenAt: st.TakenAt.UTC().Format(time.RFC3339)})
}

func (s *Service) apiResults(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _ := web.ViewerFrom(ctx).Membership(r.PathValue("org"))
	hist, err := History(ctx, s.DB.Read(), m.OrgID)
	if err != nil {
		return err
	}
	items := make([]apiResult, 0, len(hist))
	for i := len(hist) - 1; i >= 0; i-- {
		st := hist[i]
		items = append(items, apiResult{ID: st.ID, Site: st.SiteName, Version: st.Version, Score: st.Score, Band: st.Band, TakenAt: st.TakenAt.UTC().Format(time.RFC3339)})
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

// apiCache holds, per language, the question set document and each item's
// action object already encoded: the score endpoint then only decodes,
// adds up and concatenates.
type apiCache struct {
	questions []byte
	actions   map[int][]byte // item → `{"item":…,"part":…,"weight":…,"question":…,"steps":…,"threats":…` (open)
}

type apiItem struct {
	Number   int      `json:"number"`
	Question string   `json:"question"`
	Why      string   `json:"why"`
	How      string   `json:"how"`
	Steps    []string `json:"steps"`
	Threats  []string `json:"threats"`
	Weight   int      `json:"weight"`
}

type apiPart struct {
	Number int       `json:"number"`
	Title  string    `json:"title"`
	Items  []apiItem `json:"items"`
}

type apiThreat struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

func (s *Service) apiCaches() map[string]*apiCache {
	s.apiOnce.Do(func() {
		s.api = map[string]*apiCache{}
		qs := s.Content.Current
		for _, lang := range i18n.Languages {
			c := &apiCache{actions: map[int][]byte{}}
			doc := struct {
				Version string    `json:"version"`
				Parts   []apiPart `json:"parts"`
			}{Version: qs.Version}
			for _, p := range qs.Parts {
				ap := apiPart{Number: p.Number, Title: p.Title.In(lang)}
				for _, it := range p.Items {
					ap.Items = append(ap.Items, apiItem{Number: it.Number, Question: it.Question.In(lang), Why: it.Why.In(lang),
						How: it.How.In(lang), Steps: it.Steps.In(lang), Threats: it.Threats, Weight: it.Weight})
					threats := []apiThreat{}
					for _, id := range it.Threats {
						threats = append(threats, apiThreat{ID: id, Label: qs.Threats[id].In(lang)})
					}
					b, _ := json.Marshal(struct {
						Item     int         `json:"item"`
						Part     int         `json:"part"`
						Weight   int         `json:"weight"`
						Question string      `json:"question"`
						Steps    []string    `json:"steps"`
						Threats  []apiThreat `json:"threats"`
					}{it.Number, p.Number, it.Weight, it.Question.In(lang), it.Steps.In(lang), threats})
					c.actions[it.Number] = b[:len(b)-1] // leave the object open for "answer"
				}
				doc.Parts = append(doc.Parts, ap)
			}
			c.questions, _ = json.Marshal(doc)
			c.questions = append(c.questions, '\n')
			s.api[lang] = c
		}
	})
	return s.api
}

func apiLang(r *http.Request) (string, error) {
	if r.URL.RawQuery == "" {
		return web.LangFrom(r.Context()), nil
	}
	if v, ok := r.URL.Query()["lang"]; ok {
		if len(v) != 1 || !i18n.Supported(v[0]) {
			return "", apperr.Field("lang", "selfcheck.lang_invalid")
		}
		return v[0], nil
	}
	return web.LangFrom(r.Context()), nil
}

func (s *Service) apiQuestions(w http.ResponseWriter, r *http.Request) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(s.apiCaches()[lang].questions)
	return nil
}

type scoreRequest struct {
	Answers map[string]string `json:"answers"`
}

func (s *Service) apiScore(w http.ResponseWriter, r *http.Request) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	sc := scratchPool.Get().(*scoreScratch)
	defer scratchPool.Put(sc)
	body, err := readBody(r, sc.body[:0])
	if err != nil {
		return err
	}
	if cap(body) <= 16<<10 { // the pool keeps small buffers only
		sc.body = body
	}
	qs := s.Content.Current
	answers, err := scoreAnswers(body, qs, sc.answers)
	if err != nil {
		return err
	}
	sc.answers = answers
	res := &sc.result
	scoreInto(qs, answers, res)
	cache := s.apiCaches()[lang]
	b := scoreBufs.Get().(*bytes.Buffer)
	b.Reset()
	defer scoreBufs.Put(b)
	b.WriteString(`{"version":`)
	writeJSONString(b, res.Version)
	b.WriteString(`,"score":` + strconv.Itoa(res.Score) + `,"max":` + strconv.Itoa(res.Max) + `,"band":"` + res.Band + `","parts":[`)
	for i, p := range res.Parts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"number":` + strconv.Itoa(p.Number) + `,"score":` + strconv.Itoa(p.Score) + `,"max":` + strconv.Itoa(p.Max) + `}`)
	}
	b.WriteString(`],"review":[`)
	for i, n := range res.Review {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(n))
	}
	b.WriteString(`],"actions":[`)
	for i, a := range res.Actions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(cache.actions[a.Item])
		b.WriteString(`,"answer":"` + string(a.Answer) + `"}`)
	}
	b.WriteString("]}\n")
	h := w.Header()
	h["Content-Type"], h["Cache-Control"] = jsonContentType, noStore // shared, never changed
	// With its length known net/http sends the plan as it is, instead of
	// switching to chunked encoding after its first 2 KB.
	h["Content-Length"] = []string{strconv.Itoa(b.Len())}
	w.Write(b.Bytes())
	return nil
}

// Header values the score endpoint sets on every answer; net/http copies
// them when it writes the header, so they are shared.
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	noStore         = []string{"no-store"}
)

// scoreScratch is what one score request needs beside its response:
// reused through scratchPool, because the garbage collector's pauses set
// the endpoint's p99, and the request body, the answers and the result
// were half of what it allocated.
type scoreScratch struct {
	body    []byte
	answers Answers
	result  Result
}

var scratchPool = sync.Pool{New: func() any { return new(scoreScratch) }}

// scoreBufs reuses response buffers: a full plan is about 10 KB, and
// growing a fresh buffer to that size was most of the endpoint's cost.
var scoreBufs = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 16<<10)) }}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}
