package controls

import (
	"context"
	"time"

	"mamori/internal/db"
)

// Record is the stored answer for one control of one organisation.
type Record struct {
	ControlKey string
	// Answer is "" when only a note is kept.
	Answer    Answer
	Note      string
	UpdatedAt time.Time
	// UpdatedBy is "" when the account is gone.
	UpdatedBy string
}

// AnswersFor returns the organisation's stored answers by control key.
// Rows for controls no longer in the content are left out: the sheet
// only speaks of the controls it shows. An organisation that answered
// nothing gets an empty map.
func AnswersFor(ctx context.Context, q db.Querier, orgID string) (map[string]Record, error) {
	out := map[string]Record{}
	err := db.Each(ctx, q, func(row db.Scanner) error {
		var r Record
		if err := row.Scan(&r.ControlKey, &r.Answer, &r.Note, &r.UpdatedAt, &r.UpdatedBy); err != nil {
			return err
		}
		if _, ok := byKey[r.ControlKey]; ok {
			r.UpdatedAt = r.UpdatedAt.UTC()
			out[r.ControlKey] = r
		}
		return nil
	}, `SELECT control_key, answer, note, updated_at, COALESCE(updated_by, '')
		FROM control_answers WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// putAnswer stores r over the organisation's answer for its control, or
// removes the row when r holds neither answer nor note.
func putAnswer(ctx context.Context, q db.Querier, orgID string, r Record) error {
	if r.Answer == "" && r.Note == "" {
		_, err := q.ExecContext(ctx, `DELETE FROM control_answers WHERE org_id = ? AND control_key = ?`, orgID, r.ControlKey)
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO control_answers (org_id, control_key, answer, note, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, control_key) DO UPDATE SET answer = excluded.answer, note = excluded.note,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		orgID, r.ControlKey, string(r.Answer), r.Note, r.UpdatedAt, nullable(r.UpdatedBy))
	return err
}
