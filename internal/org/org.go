package org

import (
	"context"
	"errors"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
)

// CreateInput is an organisation profile as submitted. Employees and
// CapitalYen are nil when unknown, which the size classification treats
// differently from zero.
type CreateInput struct {
	Name, NameKana, NameEn, CorporateNumber, Prefecture, Industry string
	Wholesale                                                     bool
	Employees                                                     *int
	CapitalYen                                                    *int64
}

// inputOf is the profile of o as an input, the starting point of a
// partial update.
func inputOf(o *Org) CreateInput {
	return CreateInput{Name: o.Name, NameKana: o.NameKana, NameEn: o.NameEn, CorporateNumber: o.CorporateNumber,
		Prefecture: o.Prefecture, Industry: o.Industry, Wholesale: o.Wholesale, Employees: o.Employees, CapitalYen: o.CapitalYen}
}

func corpNumberTakenErr() error {
	return &apperr.Error{Code: apperr.Conflict, Key: "error.invalid_input", Fields: map[string]string{"corporate_number": "org.corporate_number_taken"}}
}

// checkProfile validates in and, when the corporate number is well
// formed, whether another organisation holds it, so every problem is
// reported at once. A taken number alone is a conflict, not bad input.
func checkProfile(ctx context.Context, q db.Querier, in CreateInput, orgID string) (CreateInput, error) {
	clean, fields := in.normalize()
	taken := false
	if clean.CorporateNumber != "" {
		var err error
		if taken, err = corporateNumberTaken(ctx, q, clean.CorporateNumber, orgID); err != nil {
			return clean, err
		}
	}
	if len(fields) > 0 {
		if taken {
			fields.Add("corporate_number", "org.corporate_number_taken")
		}
		return clean, fields.Err()
	}
	if taken {
		return clean, corpNumberTakenErr()
	}
	return clean, nil
}

// Create validates in, stores the organisation under a fresh unique slug
// and makes ownerUserID its owner ("" creates it without members, for the
// operator's shell). r may be nil when no HTTP request is behind the call.
func (s *Service) Create(ctx context.Context, q db.Querier, r *http.Request, ownerUserID string, in CreateInput) (*Org, error) {
	var o *Org
	err := db.Transact(ctx, q, func(q db.Querier) error {
		clean, err := checkProfile(ctx, q, in, "")
		if err != nil {
			return err
		}
		if ownerUserID != "" {
			ok, err := userExists(ctx, q, ownerUserID)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.New(apperr.NotFound, "org.user_not_found")
			}
		}
		now := s.now()
		o = &Org{ID: db.NewID(), Name: clean.Name, NameKana: clean.NameKana, NameEn: clean.NameEn, CorporateNumber: clean.CorporateNumber,
			Prefecture: clean.Prefecture, Industry: clean.Industry, Wholesale: clean.Wholesale, Employees: clean.Employees,
			CapitalYen: clean.CapitalYen, CreatedAt: now, UpdatedAt: now}
		base := slugFrom(clean.NameEn)
		for attempt := 0; ; attempt++ {
			if attempt == 10 {
				return apperr.Errorf("org: no free slug after %d attempts (base %q)", attempt, base)
			}
			o.Slug = slugCandidate(base, attempt)
			err := insertOrg(ctx, q, o)
			if err == nil {
				break
			}
			if !errors.Is(err, db.ErrConflict) {
				return err
			}
			// Either the slug or, in a race, the corporate number clashed.
			if o.CorporateNumber != "" {
				if taken, err := corporateNumberTaken(ctx, q, o.CorporateNumber, o.ID); err != nil {
					return err
				} else if taken {
					return corpNumberTakenErr()
				}
			}
		}
		if ownerUserID != "" {
			if err := insertMember(ctx, q, o.ID, ownerUserID, RoleOwner, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, q, r, audit.Entry{Action: audit.OrgCreated, TargetType: "org", TargetID: o.ID,
			Detail: map[string]any{"slug": o.Slug, "name": o.Name, "owner": ownerUserID}})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Update replaces the profile of the organisation slug with in. The slug
// stays as it is so links keep working.
func (s *Service) Update(ctx context.Context, q db.Querier, r *http.Request, slug string, in CreateInput) (*Org, error) {
	var o *Org
	err := db.Transact(ctx, q, func(q db.Querier) error {
		old, err := BySlug(ctx, q, slug)
		if err != nil {
			return err
		}
		clean, err := checkProfile(ctx, q, in, old.ID)
		if err != nil {
			return err
		}
		o = &Org{ID: old.ID, Slug: old.Slug, Name: clean.Name, NameKana: clean.NameKana, NameEn: clean.NameEn,
			CorporateNumber: clean.CorporateNumber, Prefecture: clean.Prefecture, Industry: clean.Industry, Wholesale: clean.Wholesale,
			Employees: clean.Employees, CapitalYen: clean.CapitalYen, CreatedAt: old.CreatedAt, UpdatedAt: s.now()}
		changed := changedFields(old, o)
		if len(changed) == 0 {
			o = old
			return nil
		}
		if err := updateOrg(ctx, q, o); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return corpNumberTakenErr()
			}
			return err
		}
		if s.Changed != nil {
			if err := s.Changed(ctx, q, o.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, q, r, audit.Entry{Action: audit.OrgUpdated, TargetType: "org", TargetID: o.ID,
			Detail: map[string]any{"slug": o.Slug, "fields": changed}})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// changedFields names what an update changes, for the audit log.
func changedFields(a, b *Org) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("name_kana", a.NameKana != b.NameKana)
	add("name_en", a.NameEn != b.NameEn)
	add("corporate_number", a.CorporateNumber != b.CorporateNumber)
	add("prefecture", a.Prefecture != b.Prefecture)
	add("industry", a.Industry != b.Industry)
	add("wholesale", a.Wholesale != b.Wholesale)
	add("employees", !eqPtr(a.Employees, b.Employees))
	add("capital_yen", !eqPtr(a.CapitalYen, b.CapitalYen))
	return out
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
