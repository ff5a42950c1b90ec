package incident

import (
	"context"
	"errors"
	"net/http"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

// memberTx checks, in the transaction that writes, that userID still
// belongs to the organisation: the route checked the session's view of
// it, which a removal may have outdated.
func memberTx(ctx context.Context, q db.Querier, orgID, userID string) error {
	ok, err := isMember(ctx, q, orgID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return nil
}

// conflict is the message for a save that lost a race with another one.
func conflict(err error) error {
	if errors.Is(err, db.ErrConflict) {
		return apperr.Wrap(err, apperr.Conflict, "incident.edit_conflict")
	}
	return err
}

func auditEntry(r *http.Request, userID, action, targetType, targetID string, detail map[string]any) audit.Entry {
	e := audit.Entry{Action: action, TargetType: targetType, TargetID: targetID, Detail: detail}
	if r == nil || web.ViewerFrom(r.Context()) == nil {
		e.ActorID = userID // no request viewer to take it from
	}
	return e
}

// SaveCard stores a checked card as the organisation's next revision;
// base is the revision the editor started from (0 for a first save).
// The card and the audit entry commit together. r may be nil.
func (s *Service) SaveCard(ctx context.Context, r *http.Request, orgID, userID string, c *Card, base int) (*StoredCard, error) {
	now := s.now()
	var rev int
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := memberTx(ctx, tx, orgID, userID); err != nil {
			return err
		}
		var err error
		if rev, err = storeCard(ctx, tx, orgID, c, base, now, userID); err != nil {
			return conflict(err)
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionCardSaved, "incident_card", orgID,
			map[string]any{"org": orgID, "revision": rev, "done": len(c.Missing()) == 0}))
	})
	if err != nil {
		return nil, err
	}
	return &StoredCard{OrgID: orgID, Card: *c, Revision: rev, UpdatedAt: now, UpdatedBy: userID}, nil
}

// CreateIncident checks in and adds it to the log as an open incident.
func (s *Service) CreateIncident(ctx context.Context, r *http.Request, orgID, userID string, in EntryInput) (*Incident, error) {
	now := s.now()
	e, err := in.normalize(now)
	if err != nil {
		return nil, err
	}
	i := &Incident{ID: db.NewID(), OrgID: orgID, Title: e.Title, Description: e.Description, FoundAt: e.FoundAt,
		Impact: e.Impact, Actions: e.Actions, Revision: 1, CreatedAt: now, UpdatedAt: now, CreatedBy: userID, UpdatedBy: userID}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := memberTx(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if err := insertIncident(ctx, tx, i); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionCreated, "incident", i.ID, map[string]any{"org": orgID}))
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}

// UpdateIncident checks in and replaces the incident's text; base is the
// revision the editor started from. Its status is left alone.
func (s *Service) UpdateIncident(ctx context.Context, r *http.Request, orgID, id, userID string, in EntryInput, base int) error {
	now := s.now()
	e, err := in.normalize(now)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := memberTx(ctx, tx, orgID, userID); err != nil {
			return err
		}
		// A closed incident cannot be found after it was closed.
		if i, err := IncidentByID(ctx, tx, orgID, id); err != nil {
			return err
		} else if i.ClosedAt != nil && e.FoundAt.After(*i.ClosedAt) {
			return apperr.Field("found_at", "incident.found_after_closed")
		}
		if err := updateIncidentText(ctx, tx, orgID, id, e, base, now, userID); err != nil {
			return conflict(err)
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionUpdated, "incident", id, map[string]any{"org": orgID, "revision": base + 1}))
	})
}

// CloseIncident closes an open incident at the time typed (closedAt as
// from a datetime-local field; "" means now). Closing a closed incident
// changes nothing.
func (s *Service) CloseIncident(ctx context.Context, r *http.Request, orgID, id, userID, closedAt string) error {
	now := s.now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := memberTx(ctx, tx, orgID, userID); err != nil {
			return err
		}
		i, err := IncidentByID(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		at, err := closingTime(closedAt, i.FoundAt, now)
		if err != nil {
			return err
		}
		changed, err := setClosed(ctx, tx, orgID, id, &at, now, userID)
		if err != nil || !changed {
			return err
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionClosed, "incident", id,
			map[string]any{"org": orgID, "closed_at": at.Format(time.RFC3339)}))
	})
}

// ReopenIncident opens a closed incident again. Reopening an open one
// changes nothing.
func (s *Service) ReopenIncident(ctx context.Context, r *http.Request, orgID, id, userID string) error {
	now := s.now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := memberTx(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if _, err := IncidentByID(ctx, tx, orgID, id); err != nil {
			return err
		}
		changed, err := setClosed(ctx, tx, orgID, id, nil, now, userID)
		if err != nil || !changed {
			return err
		}
		return audit.Record(ctx, tx, r, auditEntry(r, userID, ActionReopened, "incident", id, map[string]any{"org": orgID}))
	})
}
