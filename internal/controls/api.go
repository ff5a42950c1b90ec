package controls

import (
	"net/http"
	"time"

	"mamori/internal/web"
)

type apiControl struct {
	Key       string   `json:"key"`
	Chapter   string   `json:"chapter"`
	Media     []Medium `json:"media"`
	Answer    Answer   `json:"answer"` // "" when unanswered
	Note      string   `json:"note"`
	UpdatedAt string   `json:"updated_at,omitempty"`
}

type apiSheet struct {
	Version  string       `json:"version"`
	Answered int          `json:"answered"`
	Total    int          `json:"total"`
	Controls []apiControl `json:"controls"`
	// Vulnerability is keyed by medium; "none" is the value over all
	// controls, for assets whose medium is not set.
	Vulnerability map[string]Derived `json:"vulnerability"`
}

// apiNoMedium is the JSON key of the value over all controls.
const apiNoMedium = "none"

// apiSheet is the organisation's sheet as JSON: every control in order
// with its answer and note, and the vulnerability per medium.
func (s *Service) apiSheet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _ := web.ViewerFrom(ctx).Membership(r.PathValue("org"))
	recs, err := AnswersFor(ctx, s.DB.Read(), m.OrgID)
	if err != nil {
		return err
	}
	out := apiSheet{Version: ContentVersion(), Controls: []apiControl{}, Vulnerability: map[string]Derived{}}
	for _, c := range AllControls() {
		rec := recs[c.Key]
		ac := apiControl{Key: c.Key, Chapter: c.Chapter, Media: c.Media, Answer: rec.Answer, Note: rec.Note}
		if !rec.UpdatedAt.IsZero() {
			ac.UpdatedAt = rec.UpdatedAt.UTC().Format(time.RFC3339)
		}
		if rec.Answer != "" {
			out.Answered++
		}
		out.Total++
		out.Controls = append(out.Controls, ac)
	}
	for m, d := range DeriveAll(answerMap(recs)) {
		k := string(m)
		if m == NoMedium {
			k = apiNoMedium
		}
		out.Vulnerability[k] = d
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
