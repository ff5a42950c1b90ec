package declaration

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

// Bounds of the declarant fields.
const (
	maxDeclarantName  = 100
	maxDeclarantTitle = 100
)

// OneStarInput is a one-star declaration as submitted: a commitment to
// each principle (Commit[0] is principle 1), who declares, and their
// confirmation that they may declare for the organisation.
type OneStarInput struct {
	Commit                        [NumPrinciples]bool
	DeclarantName, DeclarantTitle string
	Authorised                    bool
}

// normalize checks every field at once, so the form shows all problems
// in one round trip, and returns the cleaned values.
func (in OneStarInput) normalize() (OneStarInput, error) {
	fields := apperr.FieldSet{}
	out := in
	for i, ok := range in.Commit {
		if !ok {
			fields.Add(commitField(i+1), "decl.commit_required")
		}
	}
	var ok bool
	if out.DeclarantName, ok = web.CleanText(in.DeclarantName, maxDeclarantName); !ok {
		fields.Add("declarant_name", web.TextKey(in.DeclarantName, "decl.name_invalid"))
	} else if out.DeclarantName == "" {
		fields.Add("declarant_name", "decl.name_required")
	}
	if out.DeclarantTitle, ok = web.CleanText(in.DeclarantTitle, maxDeclarantTitle); !ok {
		fields.Add("declarant_title", web.TextKey(in.DeclarantTitle, "decl.title_invalid"))
	}
	if !in.Authorised {
		fields.Add("authorised", "decl.authorised_required")
	}
	return out, fields.Err()
}

// commitField is the form field of principle no's commitment.
func commitField(no int) string { return "commit_" + strconv.Itoa(no) }

func alreadyDeclared(d *Declaration) error {
	return apperr.New(apperr.Conflict, "decl.already_declared", d.Number)
}

// DeclareOneStar records that userID, an owner of the organisation orgID,
// commits it to all five principles. orgName is the name the declarant saw
// ("" takes the stored one); it is kept as the name at declaration time.
// An organisation that never declared gets a new record and number; one
// whose declaration was withdrawn declares again under its old number. A
// standing declaration is a conflict (decl.already_declared). The record,
// its history event and the audit entry commit together. r may be nil.
func (s *Service) DeclareOneStar(ctx context.Context, r *http.Request, orgID, orgName, userID string, in OneStarInput) (*Declaration, error) {
	clean, err := in.normalize()
	if err != nil {
		return nil, err
	}
	var d *Declaration
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		stored, err := org.LockOwned(ctx, tx, orgID, userID, "decl.owner_only")
		if err != nil {
			return err
		}
		if orgName == "" {
			orgName = stored.Name
		}
		now := s.now()
		kind := EventDeclared
		cur, err := ForOrg(ctx, tx, orgID)
		switch {
		case err == nil && cur.Active():
			return alreadyDeclared(cur)
		case err == nil:
			kind = EventRedeclared
			d = &Declaration{ID: cur.ID, Number: cur.Number, OrgID: orgID}
		case errors.Is(err, db.ErrNotFound):
			number, err := allocateNumber(ctx, tx)
			if err != nil {
				return err
			}
			d = &Declaration{ID: db.NewID(), Number: number, OrgID: orgID}
		default:
			return err
		}
		d.OrgName, d.Stars, d.Status = orgName, 1, StatusActive
		d.DeclaredBy, d.DeclarantName, d.DeclarantTitle = userID, clean.DeclarantName, clean.DeclarantTitle
		d.DeclaredAt, d.UpdatedAt = now, now
		if kind == EventDeclared {
			err = insertDeclaration(ctx, tx, d)
		} else {
			err = redeclare(ctx, tx, d)
		}
		if errors.Is(err, db.ErrConflict) {
			// Only reachable if the organisation lock did not hold; the
			// unique org_id is the last line of defence.
			if cur, e := ForOrg(ctx, tx, orgID); e == nil {
				return alreadyDeclared(cur)
			}
			return apperr.Wrap(err, apperr.Conflict, "error.conflict")
		}
		if err != nil {
			return err
		}
		if err := s.changed(ctx, tx, d.ID); err != nil {
			return err
		}
		commitments := make([]int, 0, NumPrinciples)
		for i := range NumPrinciples {
			commitments = append(commitments, i+1)
		}
		if err := appendEvent(ctx, tx, Event{ID: db.NewID(), DeclarationID: d.ID, At: now, Kind: kind, Stars: d.Stars, ActorID: userID,
			Detail: map[string]any{"number": d.Number, "org_name": d.OrgName, "declarant_name": d.DeclarantName,
				"declarant_title": d.DeclarantTitle, "principles": commitments, "principles_version": PrinciplesVersion()}}); err != nil {
			return err
		}
		action := ActionDeclared
		if kind == EventRedeclared {
			action = ActionRedeclared
		}
		entry := audit.Entry{Action: action, TargetType: "declaration", TargetID: d.ID,
			Detail: map[string]any{"org": orgID, "number": d.Number, "stars": d.Stars, "declarant_name": d.DeclarantName}}
		if r == nil || web.ViewerFrom(r.Context()) == nil {
			entry.ActorID = userID // no request viewer to take it from
		}
		return audit.Record(ctx, tx, r, entry)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
