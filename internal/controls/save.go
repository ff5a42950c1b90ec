package controls

import (
	"context"
	"errors"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

// MaxNoteChars bounds a control's note: a sentence or two on what is
// done or planned.
const MaxNoteChars = 500

// Input is one control's answer as submitted. An empty Answer leaves the
// control unanswered (its note, if any, is kept); an empty Answer and
// Note together remove what was stored.
type Input struct {
	Key    string
	Answer Answer
	Note   string
}

// Form field names of a control's answer and note.
func answerField(key string) string { return "answer." + key }
func noteField(key string) string   { return "note." + key }

// cleanInputs checks every input at once, so the form shows all problems
// in one round trip, and returns the cleaned values. Unknown and repeated
// control keys are a problem of the whole submission (there is no field
// to show them at), bad answers and notes are problems of their fields.
func cleanInputs(in []Input) ([]Input, error) {
	fields := apperr.FieldSet{}
	formKey := ""
	seen := map[string]bool{}
	out := make([]Input, 0, len(in))
	for _, x := range in {
		if _, ok := byKey[x.Key]; !ok {
			formKey = "controls.err.unknown_control"
			continue
		}
		if seen[x.Key] {
			fields.Add(answerField(x.Key), "controls.err.repeated")
			continue
		}
		seen[x.Key] = true
		if x.Answer != "" && !x.Answer.Valid() {
			fields.Add(answerField(x.Key), "controls.err.answer_invalid")
		}
		note, problem := web.CheckLines(x.Note, MaxNoteChars)
		if problem != "" {
			fields.Add(noteField(x.Key), problem.Key("controls.err.note_invalid", "controls.err.note_too_long"))
		}
		out = append(out, Input{Key: x.Key, Answer: x.Answer, Note: note})
	}
	if formKey != "" {
		return nil, &apperr.Error{Code: apperr.Invalid, Key: formKey, Fields: fields}
	}
	return out, fields.Err()
}

// Save validates the answers and stores them in one transaction with an
// audit entry: all or nothing. Controls not in the input keep what is
// stored; an input equal to what is stored is not rewritten, so each
// answer's updated_at/updated_by name who last changed it. userID must be
// a member of the organisation (the routes check this already, but Save
// writes an audited record and may be called from elsewhere). r may be
// nil. It returns the number of controls changed.
func (s *Service) Save(ctx context.Context, r *http.Request, orgID, userID string, in []Input) (int, error) {
	clean, err := cleanInputs(in)
	if err != nil {
		return 0, err
	}
	changed := 0
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := checkMember(ctx, tx, orgID, userID); err != nil {
			return err
		}
		stored, err := AnswersFor(ctx, tx, orgID)
		if err != nil {
			return err
		}
		now := s.now()
		var keys []string
		for _, x := range clean {
			old, had := stored[x.Key]
			if had && old.Answer == x.Answer && old.Note == x.Note || !had && x.Answer == "" && x.Note == "" {
				continue
			}
			if err := putAnswer(ctx, tx, orgID, Record{ControlKey: x.Key, Answer: x.Answer, Note: x.Note, UpdatedAt: now, UpdatedBy: userID}); err != nil {
				return err
			}
			keys = append(keys, x.Key)
		}
		changed = len(keys)
		e := audit.Entry{Action: ActionSaved, TargetType: "org", TargetID: orgID,
			Detail: map[string]any{"org": orgID, "changed": keys, "content": ContentVersion()}}
		if r == nil || web.ViewerFrom(r.Context()) == nil {
			e.ActorID = userID // no request viewer to take it from
		}
		return audit.Record(ctx, tx, r, e)
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// checkMember reports apperr.NotFound unless the organisation exists and
// userID is one of its members: a non-member learns nothing of it.
func checkMember(ctx context.Context, q db.Querier, orgID, userID string) error {
	var role string
	err := db.Classify(q.QueryRowContext(ctx, `SELECT role FROM org_members WHERE org_id = ? AND user_id = ?`, orgID, userID).Scan(&role))
	if errors.Is(err, db.ErrNotFound) {
		return apperr.Wrap(err, apperr.NotFound, "error.not_found")
	}
	return err
}
