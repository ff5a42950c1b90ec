package assets

import (
	"errors"
	"net/http"
	"strconv"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

type riskData struct {
	Org      web.Membership
	Analysis *Analysis
	Above    []Assessment
	Heat     [][]HeatCell
	Methods  []*Method
	Changes  []Change
	IsOwner  bool
	// Unassessed are the assets still missing a threat or vulnerability.
	Unassessed []Assessment
	HeatSVG    HeatSVG
	// Cell lists the assets of the heat map cell the query names.
	Cell     *HeatCell
	CellRows []Assessment
}

// riskPage is the risk analysis: the heat map, the assets at or over the
// threshold with their treatment, the ones still to assess, and (for the
// owner) the method and threshold with the history of changes.
func (s *Service) riskPage(w http.ResponseWriter, r *http.Request) error {
	return s.riskRender(w, r, http.StatusOK, nil)
}

func (s *Service) riskRender(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	ctx := r.Context()
	m := orgOf(r)
	an, err := Analyse(ctx, s.DB.Read(), m.OrgID)
	if err != nil {
		return err
	}
	d := riskData{Org: m, Analysis: an, Above: an.Above(), Heat: an.HeatMap(), Methods: Methods, IsOwner: m.Role == web.OrgRoleOwner,
		HeatSVG: an.Layout()}
	q := r.URL.Query()
	if imp, err := strconv.Atoi(q.Get("importance")); err == nil {
		col, _ := strconv.Atoi(q.Get("column"))
		for _, row := range d.Heat {
			for i := range row {
				if int(row[i].Importance) == imp && row[i].Column == col {
					d.Cell = &row[i]
				}
			}
		}
		if d.Cell != nil {
			for _, a := range an.Rows {
				if a.Assessed() && a.Importance.Value == d.Cell.Importance && a.Column == d.Cell.Column {
					d.CellRows = append(d.CellRows, a)
				}
			}
		}
	}
	for _, a := range an.Rows {
		if !a.Assessed() {
			d.Unassessed = append(d.Unassessed, a)
		}
	}
	if d.Changes, err = Changes(ctx, s.DB.Read(), m.OrgID, 20); err != nil {
		return err
	}
	if f == nil {
		v := map[string][]string{"method": {an.Settings.Method.Key}}
		for _, m := range Methods {
			v["threshold_"+m.Key] = []string{strconv.Itoa(m.DefaultThreshold)}
		}
		v["threshold_"+an.Settings.Method.Key] = []string{strconv.Itoa(an.Settings.Threshold)}
		f = web.NewForm(v)
	}
	return s.render(w, r, status, "risk", s.printer(r).T("assets.risk_title"), f, d)
}

// settingsPost switches the method or threshold. Every figure is computed
// when read, so the switch recomputes the whole analysis; the change is
// recorded with how many assets crossed the threshold.
func (s *Service) settingsPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	m := orgOf(r)
	method, merr := MethodByKey(f.Get("method"))
	if merr != nil {
		return s.invalidSettings(w, r, f, apperr.Field("method", "assets.err.method"))
	}
	// Each method has its own threshold field, since the scales differ
	// (1–9 and 1–27): switching method never carries a number across.
	threshold := method.DefaultThreshold
	if t := f.Get("threshold_" + method.Key); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > method.Max {
			return s.invalidSettings(w, r, f, apperr.Field("threshold_"+method.Key, "assets.err.threshold"))
		}
		threshold = n
	}
	var ch *Change
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if ch, err = SetSettings(ctx, tx, m.OrgID, web.ViewerFrom(ctx).UserID, method, threshold, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionSettingsChange, TargetType: "org", TargetID: m.OrgID, Detail: map[string]any{
			"from_method": ch.FromMethod, "to_method": ch.ToMethod, "from_threshold": ch.FromThreshold, "to_threshold": ch.ToThreshold,
			"above_before": ch.AboveBefore, "above_after": ch.AboveAfter}})
	})
	if errors.Is(err, ErrUnchanged) {
		return web.Redirect(w, r, "/orgs/"+m.Slug+"/risk", "flash.risk_settings_unchanged")
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/risk#risk-changes", "flash.risk_settings_saved")
}

func (s *Service) invalidSettings(w http.ResponseWriter, r *http.Request, f *web.Form, err error) error {
	f.Apply(err)
	return s.riskRender(w, r, web.FormStatus(err), f)
}
