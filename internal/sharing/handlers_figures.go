package sharing

import (
	"net/http"

	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

type figuresData struct {
	Years   []*YearFigures
	Chart   Chart
	History []HistoryEntry
	Lures   []string
	Source  string // where the built-in published figures come from
}

// figuresPage shows the partnership's figures by Japanese fiscal year
// and quarter, with the years recorded before mamori, as a table and a
// bar chart.
func (s *Service) figuresPage(w http.ResponseWriter, r *http.Request) error {
	return s.figuresRender(w, r, http.StatusOK, web.NewForm(nil))
}

func (s *Service) figuresRender(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	ctx := r.Context()
	ys, err := Figures(ctx, s.DB.Read())
	if err != nil {
		return err
	}
	h, err := History(ctx, s.DB.Read())
	if err != nil {
		return err
	}
	return s.render(w, r, status, "figures", s.printer(r).T("sharing.figures_title"), f, figuresData{Years: ys, Chart: LayoutChart(ys), History: h, Lures: Lures,
		Source: PublishedSource(web.LangFrom(ctx))})
}

// historyPost enters one figure of a year before mamori.
func (s *Service) historyPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := SetHistory(ctx, tx, f.Get("fy"), f.Get("metric"), f.Get("value"), f.Get("note"), s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionHistorySet, TargetType: "share_history",
			Detail: map[string]any{"fy": f.Get("fy"), "metric": f.Get("metric"), "value": f.Get("value")}})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.figuresRender(w, r, web.FormStatus(err), f)
	}
	return web.Redirect(w, r, "/share/admin/figures", "flash.share_history_saved")
}
