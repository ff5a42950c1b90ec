package cloudcheck

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/mail"
	"mamori/internal/org"
)

// reminderJob mails an organisation's owners when a completed check falls
// due again (RecheckInterval after its completion).
const reminderJob = "cloudcheck.reminder"

type reminderPayload struct {
	OrgID, ServiceID string
	// CompletedAt is the completion the reminder is for: a later one
	// (the check was redone) makes this reminder moot.
	CompletedAt time.Time
}

// scheduleReminder queues the re-check reminder for a completion, in the
// caller's transaction so a completion never lacks its reminder. Without
// a job queue (handler tests) nothing is scheduled.
func (s *Service) scheduleReminder(ctx context.Context, tx db.Querier, orgID, id string, completedAt time.Time) error {
	if s.Jobs == nil {
		return nil
	}
	_, err := s.Jobs.Enqueue(ctx, tx, reminderJob, reminderPayload{OrgID: orgID, ServiceID: id, CompletedAt: completedAt}, 5, completedAt.Add(RecheckInterval))
	return err
}

// remind mails the owners that the service's check is due, unless the
// service was deleted or its check redone since.
func (s *Service) remind(ctx context.Context, payload json.RawMessage) error {
	var p reminderPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	c, err := Get(ctx, s.DB, p.OrgID, p.ServiceID)
	if errors.Is(err, db.ErrNotFound) {
		return nil // gone with its organisation
	}
	if err != nil {
		return err
	}
	if c.DeletedAt != nil || c.CompletedAt == nil || !c.CompletedAt.Equal(p.CompletedAt) {
		return nil
	}
	o, err := org.ByID(ctx, s.DB, p.OrgID)
	if err != nil {
		return db.Classify(err)
	}
	owners, err := org.OwnerContacts(ctx, s.DB, p.OrgID)
	if err != nil {
		return err
	}
	link := s.BaseURL + CheckPath(o.Slug, c.ID)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, ow := range owners {
			pr := s.Catalog.Printer(ow.Lang)
			last := i18n.Date(*c.CompletedAt, pr.Lang())
			msg := mail.Message{To: ow.Email, Subject: pr.T("mail.cloud_reminder.subject", c.Name),
				Body: pr.T("mail.cloud_reminder.body", o.Name, c.Name, last, link)}
			if err := s.Mail.Send(ctx, tx, msg); err != nil {
				return err
			}
		}
		return nil
	})
}
