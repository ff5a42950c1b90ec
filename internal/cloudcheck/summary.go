package cloudcheck

import (
	"context"
	"errors"
	"time"

	"mamori/internal/db"
)

// Counts are how a set of points was answered.
type Counts struct {
	Yes, No, NA, Unanswered int
}

// Answered is the number of points answered yes, no or not applicable.
func (c Counts) Answered() int { return c.Yes + c.No + c.NA }

// Points is the number of points counted.
func (c Counts) Points() int { return c.Answered() + c.Unanswered }

func (c *Counts) add(a Answer) {
	switch a {
	case Yes:
		c.Yes++
	case No:
		c.No++
	case NA:
		c.NA++
	default:
		c.Unanswered++
	}
}

// CheckSummary sums up one service's check: counts per group (A, B, C)
// and in all, and the points answered "no", which are the to-dos.
type CheckSummary struct {
	Groups [NumGroups]Counts
	Total  Counts
	Todo   []int // point numbers, in order
}

// Complete reports whether every point is answered.
func (s CheckSummary) Complete() bool { return s.Total.Unanswered == 0 }

// Summarize counts a service's answers.
func Summarize(a *Answers) CheckSummary {
	var s CheckSummary
	for i, p := range a {
		s.Groups[groupIndex(i+1)].add(p.Answer)
		s.Total.add(p.Answer)
		if p.Answer == No {
			s.Todo = append(s.Todo, i+1)
		}
	}
	return s
}

// Summary is where an organisation's cloud check stands, for the
// dashboard.
type Summary struct {
	// Services is the number of standing services in the inventory.
	Services int
	// FullyAnswered is the number of them with all 14 points answered.
	FullyAnswered int
	// Due is the number of them due for the yearly re-check: never
	// completed, or last completed more than 365 days ago.
	Due int
	// Todo is the number of points answered "no" over all of them: the
	// things left to act on, which a finished check still has.
	Todo int
	// NoCloud is true when the organisation recorded that it uses no
	// cloud services.
	NoCloud bool
	// Done: at least one service, every one fully answered and none due;
	// or no service and the "we use no cloud services" statement.
	Done bool
}

// Status tells where the organisation's cloud check stands at now.
func Status(ctx context.Context, q db.Querier, orgID string, now time.Time) (Summary, error) {
	var s Summary
	err := db.Each(ctx, q, func(r db.Scanner) error {
		var c CloudService
		var completed *time.Time
		var answered, todo int
		if err := r.Scan(&completed, &answered, &todo); err != nil {
			return err
		}
		c.CompletedAt = utcPtr(completed)
		s.Services++
		s.Todo += todo
		if answered == NumPoints {
			s.FullyAnswered++
		}
		if c.Due(now) {
			s.Due++
		}
		return nil
	}, `SELECT s.completed_at,
			(SELECT COUNT(*) FROM cloud_answers a WHERE a.service_id = s.id AND a.answer <> ''),
			(SELECT COUNT(*) FROM cloud_answers a WHERE a.service_id = s.id AND a.answer = ?)
		FROM cloud_services s WHERE s.org_id = ? AND s.deleted_at IS NULL`, No, orgID)
	if err != nil {
		return s, err
	}
	if _, err := NoCloudSince(ctx, q, orgID); err == nil {
		s.NoCloud = true
	} else if !errors.Is(err, db.ErrNotFound) {
		return s, err
	}
	s.Done = done(s)
	return s, nil
}

// done is the dashboard's rule (see Summary.Done). A statement of no
// cloud use does not hide a listed service: the service's check decides.
func done(s Summary) bool {
	if s.Services == 0 {
		return s.NoCloud
	}
	return s.FullyAnswered == s.Services && s.Due == 0
}

// ServiceRef points from an information asset to a service it is stored
// in: the asset ledger links each asset to the check of its services.
type ServiceRef struct {
	ID   string
	Name string
	// URL is the path of the service's check page,
	// "/orgs/{org}/cloud/{id}".
	URL string
}

// ServicesForAssets maps each asset id of the organisation to the
// standing services it is stored in, by service name. Assets in no
// service have no entry.
func ServicesForAssets(ctx context.Context, q db.Querier, orgID string) (map[string][]ServiceRef, error) {
	out := map[string][]ServiceRef{}
	err := db.Each(ctx, q, func(r db.Scanner) error {
		var assetID, slug string
		var ref ServiceRef
		if err := r.Scan(&assetID, &ref.ID, &ref.Name, &slug); err != nil {
			return err
		}
		ref.URL = CheckPath(slug, ref.ID)
		out[assetID] = append(out[assetID], ref)
		return nil
	}, `SELECT l.asset_id, s.id, s.name, o.slug FROM cloud_service_assets l
		JOIN cloud_services s ON s.id = l.service_id
		JOIN assets a ON a.id = l.asset_id AND a.org_id = s.org_id
		JOIN orgs o ON o.id = s.org_id
		WHERE s.org_id = ? AND s.deleted_at IS NULL ORDER BY s.name, s.id`, orgID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListPath is the address of an organisation's inventory and CheckPath
// that of one service's check.
func ListPath(orgSlug string) string      { return "/orgs/" + orgSlug + "/cloud" }
func CheckPath(orgSlug, id string) string { return ListPath(orgSlug) + "/" + id }
