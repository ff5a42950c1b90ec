package cloudcheck

import (
	"context"
	"database/sql"
	"time"

	"mamori/internal/db"
)

// CloudService is one cloud service in an organisation's inventory.
type CloudService struct {
	ID, OrgID string
	Name      string
	Provider  string
	Purpose   string
	URL       string // the service's address, "" when not given
	// CompletedAt is the last time a save left all 14 points answered;
	// nil when the check was never completed.
	CompletedAt *time.Time
	// CompletedBy is "" when never completed or the account is gone.
	CompletedBy string
	DeletedAt   *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RecheckInterval is how long a completed check stays current: the check
// is due again when its last completion is more than 365 days ago.
const RecheckInterval = 365 * 24 * time.Hour

// Due reports whether the service's check is due at now: never completed,
// or completed more than RecheckInterval before now.
func (c *CloudService) Due(now time.Time) bool {
	return c.CompletedAt == nil || now.Sub(*c.CompletedAt) > RecheckInterval
}

// NextCheck is when the check falls due again; nil when never completed
// (it is due now).
func (c *CloudService) NextCheck() *time.Time {
	if c.CompletedAt == nil {
		return nil
	}
	t := c.CompletedAt.Add(RecheckInterval)
	return &t
}

// Answer is the reply to one point.
type Answer string

const (
	Unanswered Answer = ""
	Yes        Answer = "yes"
	No         Answer = "no"
	NA         Answer = "na" // not applicable
)

// Valid reports whether a is one of the four stored values.
func (a Answer) Valid() bool { return a == Unanswered || a == Yes || a == No || a == NA }

// PointAnswer is the stored answer and note of one point.
type PointAnswer struct {
	Point     int
	Answer    Answer
	Note      string
	UpdatedAt time.Time // zero when never saved
	UpdatedBy string
}

// Answers are a service's fourteen points; Answers[i] is point i+1.
type Answers [NumPoints]PointAnswer

func newAnswers() *Answers {
	var a Answers
	for i := range a {
		a[i].Point = i + 1
	}
	return &a
}

// Answered counts the points answered yes, no or not applicable.
func (a *Answers) Answered() int {
	n := 0
	for _, p := range a {
		if p.Answer != Unanswered {
			n++
		}
	}
	return n
}

// Complete reports whether every point is answered.
func (a *Answers) Complete() bool { return a.Answered() == NumPoints }

const serviceCols = `id, org_id, name, provider, purpose, url, completed_at, COALESCE(completed_by, ''), deleted_at, created_at, updated_at`

func scanService(row db.Scanner) (*CloudService, error) {
	var c CloudService
	var completed, deleted *time.Time
	if err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Provider, &c.Purpose, &c.URL, &completed, &c.CompletedBy, &deleted, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, db.Classify(err)
	}
	c.CompletedAt, c.DeletedAt = utcPtr(completed), utcPtr(deleted)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Get returns the service id of organisation orgID, deleted or not.
// Another organisation's service is db.ErrNotFound, like one that does not
// exist, so its existence never shows.
func Get(ctx context.Context, q db.Querier, orgID, id string) (*CloudService, error) {
	return scanService(q.QueryRowContext(ctx, `SELECT `+serviceCols+` FROM cloud_services WHERE id = ? AND org_id = ?`, id, orgID))
}

// List returns the organisation's standing services (or, with deleted,
// the deleted ones) by name. An organisation uses a handful of services,
// so the list is not paged.
func List(ctx context.Context, q db.Querier, orgID string, deleted bool) ([]*CloudService, error) {
	cond := `deleted_at IS NULL`
	if deleted {
		cond = `deleted_at IS NOT NULL`
	}
	return db.Collect(ctx, q, scanService, `SELECT `+serviceCols+` FROM cloud_services WHERE org_id = ? AND `+cond+` ORDER BY name, id`, orgID)
}

// lockStanding returns the standing service id of orgID and, on
// PostgreSQL, locks its row, so saves of one service run one at a time.
// A deleted service is db.ErrNotFound.
func lockStanding(ctx context.Context, q db.Querier, orgID, id string) (*CloudService, error) {
	query := `SELECT ` + serviceCols + ` FROM cloud_services WHERE id = ? AND org_id = ? AND deleted_at IS NULL`
	if q.Dialect() == db.Postgres {
		query += ` FOR UPDATE`
	}
	return scanService(q.QueryRowContext(ctx, query, id, orgID))
}

func insertService(ctx context.Context, q db.Querier, c *CloudService) error {
	_, err := q.ExecContext(ctx, `INSERT INTO cloud_services (id, org_id, name, provider, purpose, url, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.OrgID, c.Name, c.Provider, c.Purpose, c.URL, c.CreatedAt, c.UpdatedAt)
	return err
}

func updateService(ctx context.Context, q db.Querier, c *CloudService) error {
	res, err := q.ExecContext(ctx, `UPDATE cloud_services SET name = ?, provider = ?, purpose = ?, url = ?, updated_at = ?
		WHERE id = ? AND org_id = ? AND deleted_at IS NULL`, c.Name, c.Provider, c.Purpose, c.URL, c.UpdatedAt, c.ID, c.OrgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// setDeleted marks a standing service deleted (at non-nil) or brings a
// deleted one back (at nil). Either on a service not in that state, or
// not the organisation's, is db.ErrNotFound.
func setDeleted(ctx context.Context, q db.Querier, orgID, id string, at *time.Time, now time.Time) error {
	cond := `deleted_at IS NULL`
	if at == nil {
		cond = `deleted_at IS NOT NULL`
	}
	res, err := q.ExecContext(ctx, `UPDATE cloud_services SET deleted_at = ?, updated_at = ? WHERE id = ? AND org_id = ? AND `+cond, at, now, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// AssetRef is an information asset as a service's page lists it.
type AssetRef struct {
	ID, Name string
}

// assetLinks returns, per service of the organisation, the standing
// assets linked to it in ledger order. Links to deleted assets are kept in
// the table but not shown.
func assetLinks(ctx context.Context, q db.Querier, orgID, serviceID string) (map[string][]AssetRef, error) {
	query := `SELECT l.service_id, a.id, a.name FROM cloud_service_assets l
		JOIN cloud_services s ON s.id = l.service_id
		JOIN assets a ON a.id = l.asset_id AND a.org_id = s.org_id
		WHERE s.org_id = ? AND a.deleted_at IS NULL`
	args := []any{orgID}
	if serviceID != "" {
		query += ` AND s.id = ?`
		args = append(args, serviceID)
	}
	out := map[string][]AssetRef{}
	err := db.Each(ctx, q, func(r db.Scanner) error {
		var sid string
		var a AssetRef
		if err := r.Scan(&sid, &a.ID, &a.Name); err != nil {
			return err
		}
		out[sid] = append(out[sid], a)
		return nil
	}, query+` ORDER BY a.position, a.id`, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AssetsOf lists the standing assets linked to a service of the
// organisation, in ledger order.
func AssetsOf(ctx context.Context, q db.Querier, orgID, serviceID string) ([]AssetRef, error) {
	m, err := assetLinks(ctx, q, orgID, serviceID)
	if err != nil {
		return nil, err
	}
	if m[serviceID] == nil {
		return []AssetRef{}, nil
	}
	return m[serviceID], nil
}

// relinkAssets makes ids the service's standing assets. Links to assets
// deleted from the ledger stay, so restoring such an asset restores its
// link too. ids must be standing assets of the service's organisation
// (checkAssets).
func relinkAssets(ctx context.Context, q db.Querier, orgID, serviceID string, ids []string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM cloud_service_assets WHERE service_id = ?
		AND asset_id IN (SELECT id FROM assets WHERE org_id = ? AND deleted_at IS NULL)`, serviceID, orgID); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := q.ExecContext(ctx, `INSERT INTO cloud_service_assets (service_id, asset_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, serviceID, id); err != nil {
			return err
		}
	}
	return nil
}

// AnswersOf returns the answers of a service of the organisation; points
// never saved are Unanswered. Another organisation's service gives no
// answers (callers load the service with Get first).
func AnswersOf(ctx context.Context, q db.Querier, orgID, serviceID string) (*Answers, error) {
	m, err := answersFor(ctx, q, orgID, serviceID)
	if err != nil {
		return nil, err
	}
	if a := m[serviceID]; a != nil {
		return a, nil
	}
	return newAnswers(), nil
}

// answersFor loads the answers of the organisation's standing services
// (or of serviceID alone, standing or not), keyed by service id; a
// service without a saved point has no entry.
func answersFor(ctx context.Context, q db.Querier, orgID, serviceID string) (map[string]*Answers, error) {
	query := `SELECT a.service_id, a.point, a.answer, a.note, a.updated_at, COALESCE(a.updated_by, '')
		FROM cloud_answers a JOIN cloud_services s ON s.id = a.service_id WHERE s.org_id = ?`
	args := []any{orgID}
	if serviceID != "" {
		query += ` AND s.id = ?`
		args = append(args, serviceID)
	} else {
		query += ` AND s.deleted_at IS NULL`
	}
	out := map[string]*Answers{}
	err := db.Each(ctx, q, func(r db.Scanner) error {
		var sid string
		var p PointAnswer
		if err := r.Scan(&sid, &p.Point, &p.Answer, &p.Note, &p.UpdatedAt, &p.UpdatedBy); err != nil {
			return err
		}
		if p.Point < 1 || p.Point > NumPoints {
			return nil // the table's CHECK makes this impossible
		}
		p.UpdatedAt = p.UpdatedAt.UTC()
		a := out[sid]
		if a == nil {
			a = newAnswers()
			out[sid] = a
		}
		a[p.Point-1] = p
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// writeAnswer stores one point: a row when it has an answer or a note,
// none when it has neither.
func writeAnswer(ctx context.Context, q db.Querier, serviceID string, p PointAnswer) error {
	if p.Answer == Unanswered && p.Note == "" {
		_, err := q.ExecContext(ctx, `DELETE FROM cloud_answers WHERE service_id = ? AND point = ?`, serviceID, p.Point)
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO cloud_answers (service_id, point, answer, note, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (service_id, point) DO UPDATE SET answer = excluded.answer, note = excluded.note,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		serviceID, p.Point, string(p.Answer), p.Note, p.UpdatedAt, nullable(p.UpdatedBy))
	return err
}

func markCompleted(ctx context.Context, q db.Querier, orgID, id, userID string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE cloud_services SET completed_at = ?, completed_by = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
		at, nullable(userID), at, id, orgID)
	return err
}

func touchService(ctx context.Context, q db.Querier, orgID, id string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE cloud_services SET updated_at = ? WHERE id = ? AND org_id = ?`, at, id, orgID)
	return err
}

// NoCloudSince returns when the organisation recorded that it uses no
// cloud services; db.ErrNotFound when it has not (or took the statement
// back).
func NoCloudSince(ctx context.Context, q db.Querier, orgID string) (time.Time, error) {
	var at time.Time
	if err := q.QueryRowContext(ctx, `SELECT recorded_at FROM cloud_none WHERE org_id = ?`, orgID).Scan(&at); err != nil {
		return time.Time{}, db.Classify(err)
	}
	return at.UTC(), nil
}

// setNoCloud records (on) or removes (off) the statement; it reports
// whether anything changed.
func setNoCloud(ctx context.Context, q db.Querier, orgID, userID string, on bool, now time.Time) (bool, error) {
	var res sql.Result
	var err error
	if on {
		res, err = q.ExecContext(ctx, `INSERT INTO cloud_none (org_id, recorded_at, recorded_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			orgID, now, nullable(userID))
	} else {
		res, err = q.ExecContext(ctx, `DELETE FROM cloud_none WHERE org_id = ?`, orgID)
	}
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// countStanding is the number of the organisation's standing services.
func countStanding(ctx context.Context, q db.Querier, orgID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_services WHERE org_id = ? AND deleted_at IS NULL`, orgID).Scan(&n)
	return n, err
}
