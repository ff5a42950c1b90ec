package selfcheck

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

// nextActions is how many open actions of the plan the dashboard names:
// enough to start the week with, few enough to read at a glance.
const nextActions = 3

// window is how recent a saved diagnosis must be to count for two stars
// (config.DiagnosisWindow; the declaration checks the same value).
func (s *Service) window() time.Duration {
	if s != nil && s.Cfg.DiagnosisWindow > 0 {
		return s.Cfg.DiagnosisWindow
	}
	return 365 * 24 * time.Hour
}

// readiness is the two-star condition this capability owns: a diagnosis
// saved within the window. s may be nil (the catalogs are read before the
// services exist); the default window then applies.
func (s *Service) readiness(ctx context.Context, q db.Querier, orgID, base string, now time.Time) ([]web.ReadinessItem, error) {
	win := s.window()
	days := int(win.Hours() / 24)
	it := web.ReadinessItem{Key: "selfcheck.readiness.item", Path: base + "/selfcheck", Stars: 2,
		Note: "selfcheck.readiness.none", Args: []any{days}}
	st, err := latestResult(ctx, q, orgID)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return []web.ReadinessItem{it}, nil
	case err != nil:
		return nil, err
	}
	it.Done = now.Sub(st.TakenAt) <= win
	it.Note, it.Args = "selfcheck.readiness.score", []any{st.Score}
	if !it.Done {
		it.Note, it.Args = "selfcheck.readiness.old", []any{days}
	}
	return []web.ReadinessItem{it}, nil
}

// latestResult is the organisation's newest saved result (any site) with
// the actions marked done; db.ErrNotFound when it never saved one.
func latestResult(ctx context.Context, q db.Querier, orgID string) (*Stored, error) {
	st, err := scanResult(q.QueryRowContext(ctx, `SELECT `+resultCols+` FROM selfcheck_results r
		LEFT JOIN selfcheck_sites s ON s.id = r.site_id WHERE r.org_id = ? ORDER BY r.taken_at DESC, r.id DESC LIMIT 1`, orgID))
	if err != nil {
		return nil, err
	}
	return st, loadDone(ctx, q, st)
}

// Standing is the organisation's latest diagnosis as the dashboard shows
// it, in lang: score, band and date, and the first open actions of its
// plan, each linked to its advice on the saved result. db.ErrNotFound when
// the organisation has saved none.
func (s *Service) Standing(ctx context.Context, o *org.Org, lang string) (org.Diagnosis, error) {
	st, err := latestResult(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return org.Diagnosis{}, err
	}
	qs, ok := s.Content.Version(st.Version)
	if !ok {
		return org.Diagnosis{}, apperr.Errorf("result %s uses unknown question set %s", st.ID, st.Version)
	}
	res := Score(qs, answersOf(qs, st.Answers))
	path := fmt.Sprintf("/orgs/%s/selfcheck/%s", o.Slug, st.ID)
	d := org.Diagnosis{Score: st.Score, Max: res.Max, Band: st.Band, BandTitle: s.Content.Bands[st.Band].Title.In(lang),
		TakenAt: st.TakenAt, Path: path, Recent: s.now().Sub(st.TakenAt) <= s.window()}
	for _, ac := range res.Actions {
		if st.Done[ac.Item] {
			continue
		}
		d.Open++
		if len(d.Next) < nextActions {
			it, _ := qs.Item(ac.Item)
			d.Next = append(d.Next, org.NextAction{Item: ac.Item, Title: it.Question.In(lang), Path: fmt.Sprintf("%s#action-%d", path, ac.Item)})
		}
	}
	return d, nil
}
