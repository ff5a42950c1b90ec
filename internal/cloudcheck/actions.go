package cloudcheck

import (
	"context"
	"errors"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/assets"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

// notFound turns the store's db.ErrNotFound into the user-facing 404.
func notFound(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return apperr.Wrap(err, apperr.NotFound, "error.not_found")
	}
	return err
}

// standingAssets is the set of the organisation's standing assets' ids.
func standingAssets(ctx context.Context, q db.Querier, orgID string) (map[string]bool, error) {
	list, err := assets.List(ctx, q, orgID, assets.Filter{})
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(list))
	for _, a := range list {
		ids[a.ID] = true
	}
	return ids, nil
}

// validInput cleans in and checks its assets against the organisation's
// ledger, reporting every problem at once.
func validInput(ctx context.Context, q db.Querier, orgID string, in Input) (Input, error) {
	clean, fields := in.clean()
	standing, err := standingAssets(ctx, q, orgID)
	if err != nil {
		return clean, err
	}
	checkAssets(clean.AssetIDs, standing, fields)
	return clean, fields.Err()
}

// Create adds a service to the organisation's inventory with the assets
// stored in it. Listing a service takes back a "we use no cloud services"
// statement. The service, its links and the audit entries commit
// together. r may be nil (userID is then the actor).
func (s *Service) Create(ctx context.Context, r *http.Request, orgID, userID string, in Input) (*CloudService, error) {
	var c *CloudService
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		clean, err := validInput(ctx, tx, orgID, in)
		if err != nil {
			return err
		}
		now := s.now()
		c = &CloudService{ID: db.NewID(), OrgID: orgID, Name: clean.Name, Provider: clean.Provider, Purpose: clean.Purpose,
			URL: clean.URL, CreatedAt: now, UpdatedAt: now}
		if err := insertService(ctx, tx, c); err != nil {
			return err
		}
		if err := relinkAssets(ctx, tx, orgID, c.ID, clean.AssetIDs); err != nil {
			return err
		}
		if err := s.dropNoCloud(ctx, tx, r, orgID, userID, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionCreated, c.ID,
			map[string]any{"org": orgID, "name": c.Name, "assets": len(clean.AssetIDs)}))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// dropNoCloud takes back the organisation's "no cloud" statement, if
// any, because a service is now listed.
func (s *Service) dropNoCloud(ctx context.Context, q db.Querier, r *http.Request, orgID, userID, serviceID string) error {
	changed, err := setNoCloud(ctx, q, orgID, userID, false, s.now())
	if err != nil || !changed {
		return err
	}
	return audit.Record(ctx, q, r, auditEntry(r, userID, ActionNoCloudCleared, orgID, map[string]any{"org": orgID, "service": serviceID}))
}

// Update changes a standing service's details and the assets stored in
// it. Links to assets deleted from the ledger are kept.
func (s *Service) Update(ctx context.Context, orgID, id string, in Input) (*CloudService, error) {
	var c *CloudService
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = lockStanding(ctx, tx, orgID, id); err != nil {
			return notFound(err)
		}
		clean, err := validInput(ctx, tx, orgID, in)
		if err != nil {
			return err
		}
		c.Name, c.Provider, c.Purpose, c.URL, c.UpdatedAt = clean.Name, clean.Provider, clean.Purpose, clean.URL, s.now()
		if err := updateService(ctx, tx, c); err != nil {
			return notFound(err)
		}
		return relinkAssets(ctx, tx, orgID, c.ID, clean.AssetIDs)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Delete marks a standing service deleted; its answers and links stay,
// so Restore brings it back as it was. r may be nil.
func (s *Service) Delete(ctx context.Context, r *http.Request, orgID, userID, id string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		c, err := lockStanding(ctx, tx, orgID, id)
		if err != nil {
			return notFound(err)
		}
		now := s.now()
		if err := setDeleted(ctx, tx, orgID, id, &now, now); err != nil {
			return notFound(err)
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionDeleted, id, map[string]any{"org": orgID, "name": c.Name}))
	})
}

// Restore brings a deleted service back, with its answers and links;
// like Create, it takes back a "no cloud" statement. r may be nil.
func (s *Service) Restore(ctx context.Context, r *http.Request, orgID, userID, id string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := setDeleted(ctx, tx, orgID, id, nil, s.now()); err != nil {
			return notFound(err)
		}
		if err := s.dropNoCloud(ctx, tx, r, orgID, userID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionRestored, id, map[string]any{"org": orgID}))
	})
}

// SaveAnswers stores the answers and notes of a standing service's check.
// Partial saves are allowed; a save that leaves all 14 points answered
// completes the check: completed_at becomes now (the yearly re-check
// counts from it) and the completion is audited. A point whose input has
// Keep set keeps what is stored, read under the service's lock, so that
// two groups saved from two tabs do not undo each other. It reports
// whether the check is complete. Bad input stores nothing. r may be nil.
func (s *Service) SaveAnswers(ctx context.Context, r *http.Request, orgID, userID, id string, in AnswersInput) (bool, error) {
	clean, err := in.clean()
	if err != nil {
		return false, err
	}
	complete := false
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := lockStanding(ctx, tx, orgID, id); err != nil {
			return notFound(err)
		}
		stored, err := AnswersOf(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		for i := range clean {
			if in[i].Keep {
				clean[i] = stored[i]
			}
		}
		complete = clean.Complete()
		now := s.now()
		changed := false
		for i, p := range clean {
			if p.Answer == stored[i].Answer && p.Note == stored[i].Note {
				continue
			}
			changed = true
			p.UpdatedAt, p.UpdatedBy = now, userID
			if err := writeAnswer(ctx, tx, id, p); err != nil {
				return err
			}
		}
		if !complete {
			if changed {
				return touchService(ctx, tx, orgID, id, now)
			}
			return nil
		}
		if err := markCompleted(ctx, tx, orgID, id, userID, now); err != nil {
			return err
		}
		if err := s.scheduleReminder(ctx, tx, orgID, id, now); err != nil {
			return err
		}
		sum := Summarize(clean)
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionCompleted, id, map[string]any{"org": orgID,
			"yes": sum.Total.Yes, "no": sum.Total.No, "na": sum.Total.NA, "content": ContentVersion()}))
	})
	if err != nil {
		return false, err
	}
	return complete, nil
}

// SetNoCloud records (on) or takes back (off) the organisation's
// statement that it uses no cloud services. Recording it while services
// are listed is a conflict: delete them first. Repeating the current
// state changes nothing. r may be nil.
func (s *Service) SetNoCloud(ctx context.Context, r *http.Request, orgID, userID string, on bool) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if on {
			n, err := countStanding(ctx, tx, orgID)
			if err != nil {
				return err
			}
			if n > 0 {
				return apperr.New(apperr.Conflict, "cloud.err.none_has_services")
			}
		}
		changed, err := setNoCloud(ctx, tx, orgID, userID, on, s.now())
		if err != nil || !changed {
			return err
		}
		action := ActionNoCloudRecorded
		if !on {
			action = ActionNoCloudCleared
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, action, orgID, map[string]any{"org": orgID}))
	})
}

// auditEntry is an audit entry about a service (or, for the "no cloud"
// statement, the organisation).
func auditEntry(r *http.Request, userID, action, targetID string, detail map[string]any) audit.Entry {
	target := "cloud_service"
	if action == ActionNoCloudRecorded || action == ActionNoCloudCleared {
		target = "org"
	}
	e := audit.Entry{Action: action, TargetType: target, TargetID: targetID, Detail: detail}
	if r == nil || web.ViewerFrom(r.Context()) == nil {
		e.ActorID = userID // no request viewer to take it from
	}
	return e
}
