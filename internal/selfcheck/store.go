package selfcheck

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"mamori/internal/db"
)

// Draft is an anonymous diagnosis in progress, kept on the server under a
// cookie so answers survive reloads and the trip through sign-up.
type Draft struct {
	Version string
	Answers map[string]string
}

// Complete reports whether every item of qs is answered.
func (d *Draft) Complete(qs *QuestionSet) bool {
	for _, it := range qs.Items() {
		if _, ok := d.Answers[strconv.Itoa(it.Number)]; !ok {
			return false
		}
	}
	return true
}

func loadDraft(ctx context.Context, q db.Querier, hash string) (*Draft, error) {
	var d Draft
	var answers string
	err := q.QueryRowContext(ctx, `SELECT version, answers FROM selfcheck_drafts WHERE token_hash = ?`, hash).Scan(&d.Version, &answers)
	if err != nil {
		return nil, db.Classify(err)
	}
	if err := json.Unmarshal([]byte(answers), &d.Answers); err != nil {
		return nil, err
	}
	return &d, nil
}

func saveDraft(ctx context.Context, q db.Querier, hash string, d *Draft, now time.Time) error {
	b, err := json.Marshal(d.Answers)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO selfcheck_drafts (token_hash, version, answers, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET version = excluded.version, answers = excluded.answers, updated_at = excluded.updated_at`,
		hash, d.Version, string(b), now, now)
	return err
}

// draftTTL is how long an anonymous diagnosis draft lives: as long as its
// cookie.
const draftTTL = 30 * 24 * time.Hour

// DeleteOldDrafts deletes drafts untouched for draftTTL; their cookie has
// expired, so nobody can reach them any more.
func DeleteOldDrafts(ctx context.Context, q db.Querier, now time.Time) error {
	_, err := q.ExecContext(ctx, `DELETE FROM selfcheck_drafts WHERE updated_at < ?`, now.Add(-draftTTL))
	return err
}

func deleteDraft(ctx context.Context, q db.Querier, hash string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM selfcheck_drafts WHERE token_hash = ?`, hash)
	return err
}

// Stored is a saved result.
type Stored struct {
	ID       string
	OrgID    string
	SiteID   string
	SiteName string
	Version  string
	Score    int
	Band     string
	Answers  map[string]string
	TakenBy  string
	TakenAt  time.Time
	Done     map[int]bool
}

// SaveResult stores a scored result for an organisation (and site).
func SaveResult(ctx context.Context, q db.Querier, orgID, siteID, userID string, res Result, answers map[string]string, at time.Time) (string, error) {
	b, err := json.Marshal(answers)
	if err != nil {
		return "", err
	}
	id := db.NewID()
	var site any
	if siteID != "" {
		site = siteID
	}
	_, err = q.ExecContext(ctx, `INSERT INTO selfcheck_results (id, org_id, site_id, version, score, band, answers, taken_by, taken_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, orgID, site, res.Version, res.Score, res.Band, string(b), userID, at)
	return id, err
}

const resultCols = `r.id, r.org_id, COALESCE(r.site_id, ''), COALESCE(s.name, ''), r.version, r.score, r.band, r.answers, COALESCE(r.taken_by, ''), r.taken_at`

func scanResult(row db.Scanner) (*Stored, error) {
	var st Stored
	var answers string
	if err := row.Scan(&st.ID, &st.OrgID, &st.SiteID, &st.SiteName, &st.Version, &st.Score, &st.Band, &answers, &st.TakenBy, &st.TakenAt); err != nil {
		return nil, db.Classify(err)
	}
	if err := json.Unmarshal([]byte(answers), &st.Answers); err != nil {
		return nil, err
	}
	return &st, nil
}

// ResultByID loads one organisation's result; another organisation's id
// is not found.
func ResultByID(ctx context.Context, q db.Querier, orgID, id string) (*Stored, error) {
	st, err := scanResult(q.QueryRowContext(ctx, `SELECT `+resultCols+` FROM selfcheck_results r
		LEFT JOIN selfcheck_sites s ON s.id = r.site_id WHERE r.id = ? AND r.org_id = ?`, id, orgID))
	if err != nil {
		return nil, err
	}
	return st, loadDone(ctx, q, st)
}

// loadDone fills st.Done with the plan actions marked done.
func loadDone(ctx context.Context, q db.Querier, st *Stored) error {
	items, err := db.Collect(ctx, q, db.Column[int], `SELECT item FROM selfcheck_actions_done WHERE result_id = ?`, st.ID)
	if err != nil {
		return err
	}
	st.Done = make(map[int]bool, len(items))
	for _, n := range items {
		st.Done[n] = true
	}
	return nil
}

// History lists an organisation's results, oldest first.
func History(ctx context.Context, q db.Querier, orgID string) ([]*Stored, error) {
	return db.Collect(ctx, q, scanResult, `SELECT `+resultCols+` FROM selfcheck_results r
		LEFT JOIN selfcheck_sites s ON s.id = r.site_id WHERE r.org_id = ? ORDER BY r.taken_at, r.id`, orgID)
}

// SetDone marks or unmarks a plan action.
func SetDone(ctx context.Context, q db.Querier, resultID string, item int, userID string, done bool, at time.Time) error {
	if !done {
		_, err := q.ExecContext(ctx, `DELETE FROM selfcheck_actions_done WHERE result_id = ? AND item = ?`, resultID, item)
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO selfcheck_actions_done (result_id, item, done_by, done_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (result_id, item) DO NOTHING`, resultID, item, userID, at)
	return err
}

// Site is a location of a multi-site organisation.
type Site struct {
	ID, Name string
}

// Sites lists an organisation's sites by name.
func Sites(ctx context.Context, q db.Querier, orgID string) ([]Site, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (Site, error) {
		var s Site
		err := r.Scan(&s.ID, &s.Name)
		return s, err
	}, `SELECT id, name FROM selfcheck_sites WHERE org_id = ? ORDER BY name`, orgID)
}

// AddSite creates a site; a taken name gives db.ErrConflict.
func AddSite(ctx context.Context, q db.Querier, orgID, name string, at time.Time) (string, error) {
	id := db.NewID()
	res, err := q.ExecContext(ctx, `INSERT INTO selfcheck_sites (id, org_id, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, orgID, name, at)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", db.ErrConflict
	}
	return id, nil
}

// LatestTakenAt is when the organisation last saved a result (any site);
// db.ErrNotFound when it never did. The two-star declaration checks it.
func LatestTakenAt(ctx context.Context, q db.Querier, orgID string) (time.Time, error) {
	var t time.Time
	err := q.QueryRowContext(ctx, `SELECT taken_at FROM selfcheck_results WHERE org_id = ? ORDER BY taken_at DESC LIMIT 1`, orgID).Scan(&t)
	return t, db.Classify(err)
}
