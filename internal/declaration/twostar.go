package declaration

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

// More audit actions of this package.
const (
	ActionUpgraded  = "declaration.upgraded"
	ActionWithdrawn = "declaration.withdrawn"
	ActionChanged   = "declaration.changed"
)

// Requirements is what a two-star declaration needs and what the
// organisation has: a self-diagnosis saved within the window and a
// published basic policy.
type Requirements struct {
	DiagnosedAt time.Time // zero when never
	DiagnosisOK bool
	WindowDays  int
	PolicyURL   string // "" when none is published
	PolicyOK    bool
}

// Met reports whether every requirement holds.
func (r Requirements) Met() bool { return r.DiagnosisOK && r.PolicyOK }

// Requirements checks an organisation against the two-star rules, using
// the functions the app wires in (this package cannot import selfcheck or
// policy without tying them together).
func (s *Service) Requirements(ctx context.Context, orgID string) (Requirements, error) {
	req := Requirements{WindowDays: int(s.window().Hours() / 24)}
	if s.DiagnosedAt != nil {
		at, err := s.DiagnosedAt(ctx, orgID)
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			return req, err
		default:
			req.DiagnosedAt = at
			req.DiagnosisOK = s.now().Sub(at) <= s.window()
		}
	}
	if s.PolicyURL != nil {
		u, err := s.PolicyURL(ctx, orgID)
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			return req, err
		default:
			req.PolicyURL, req.PolicyOK = u, u != ""
		}
	}
	return req, nil
}

// TwoStarsPath is o's two-star declaration page while two stars are
// still to be declared, "" once they stand: where an owner who has just
// met a condition (published the basic policy) goes next.
func (s *Service) TwoStarsPath(ctx context.Context, o *org.Org) (string, error) {
	d, err := declarationOf(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return "", err
	}
	if d != nil && d.Active() && d.Stars >= 2 {
		return "", nil
	}
	return "/orgs/" + o.Slug + "/declaration/two-stars", nil
}

func (s *Service) window() time.Duration {
	if s.Window > 0 {
		return s.Window
	}
	return 365 * 24 * time.Hour
}

// DeclareTwoStars upgrades a standing one-star declaration (same number),
// declares two stars straight away, or re-declares a withdrawn one with
// two stars — always only when the requirements are met.
func (s *Service) DeclareTwoStars(ctx context.Context, r *http.Request, orgID, userID string, in OneStarInput) (*Declaration, error) {
	clean, err := in.normalize()
	if err != nil {
		return nil, err
	}
	req, err := s.Requirements(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if !req.Met() {
		return nil, apperr.New(apperr.Conflict, "decl.requirements_missing")
	}
	var d *Declaration
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		o, err := org.LockOwned(ctx, tx, orgID, userID, "decl.owner_only")
		if err != nil {
			return err
		}
		name := o.Name
		now := s.now()
		cur, err := ForOrg(ctx, tx, orgID)
		kind, action := EventDeclared, ActionDeclared
		switch {
		case err == nil && cur.Active() && cur.Stars >= 2:
			return alreadyDeclared(cur)
		case err == nil && cur.Active():
			kind, action = EventUpgraded, ActionUpgraded
			d = cur
		case err == nil:
			kind, action = EventRedeclared, ActionRedeclared
			d = cur
		case errors.Is(err, db.ErrNotFound):
			number, err := allocateNumber(ctx, tx)
			if err != nil {
				return err
			}
			d = &Declaration{ID: db.NewID(), Number: number, OrgID: orgID}
		default:
			return err
		}
		d.OrgName, d.Stars, d.Status = name, 2, StatusActive
		d.DeclaredBy, d.DeclarantName, d.DeclarantTitle = userID, clean.DeclarantName, clean.DeclarantTitle
		d.UpdatedAt = now
		switch kind {
		case EventDeclared:
			d.DeclaredAt = now
			err = insertDeclaration(ctx, tx, d)
		case EventRedeclared:
			d.DeclaredAt = now
			err = redeclare(ctx, tx, d)
		default:
			// An upgrade keeps the number and the original "since" date.
			_, err = tx.ExecContext(ctx, `UPDATE declarations SET stars = 2, org_name = ?, declared_by = ?, declarant_name = ?, declarant_title = ?, updated_at = ?
				WHERE id = ? AND status = ?`, d.OrgName, nullable(userID), d.DeclarantName, d.DeclarantTitle, now, d.ID, StatusActive)
		}
		if err != nil {
			return err
		}
		if err := s.changed(ctx, tx, d.ID); err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, Event{ID: db.NewID(), DeclarationID: d.ID, At: now, Kind: kind, Stars: 2, ActorID: userID,
			Detail: map[string]any{"number": d.Number, "org_name": d.OrgName, "declarant_name": d.DeclarantName,
				"declarant_title": d.DeclarantTitle, "policy_url": req.PolicyURL, "diagnosed_at": req.DiagnosedAt.UTC().Format(time.RFC3339)}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, s.auditEntry(r, action, userID, d))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Service) auditEntry(r *http.Request, action, userID string, d *Declaration) audit.Entry {
	e := audit.Entry{Action: action, TargetType: "declaration", TargetID: d.ID,
		Detail: map[string]any{"org": d.OrgID, "number": d.Number, "stars": d.Stars, "status": d.Status}}
	if r == nil || web.ViewerFrom(r.Context()) == nil {
		e.ActorID = userID
	}
	return e
}

// Withdraw stops (停止) a standing declaration. The record and number stay;
// it shows as withdrawn and can be declared again later.
func (s *Service) Withdraw(ctx context.Context, r *http.Request, orgID, userID, reason string) (*Declaration, error) {
	reason, ok := web.CleanText(reason, 500)
	if !ok {
		return nil, apperr.Field("reason", web.TextKey(reason, "decl.reason_invalid"))
	}
	var d *Declaration
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, cur, err := standingForOwner(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE declarations SET status = ?, updated_at = ?,
				stated_prefecture = (SELECT COALESCE(o.prefecture, '') FROM orgs o WHERE o.id = declarations.org_id),
				stated_industry = (SELECT COALESCE(o.industry, '') FROM orgs o WHERE o.id = declarations.org_id),
				stated_corporate_number = (SELECT COALESCE(o.corporate_number, '') FROM orgs o WHERE o.id = declarations.org_id)
			WHERE id = ?`, StatusWithdrawn, now, cur.ID); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, cur.ID); err != nil {
			return err
		}
		cur.Status, cur.UpdatedAt, d = StatusWithdrawn, now, cur
		if err := appendEvent(ctx, tx, Event{ID: db.NewID(), DeclarationID: cur.ID, At: now, Kind: EventWithdrawn, Stars: cur.Stars, ActorID: userID,
			Detail: map[string]any{"number": cur.Number, "reason": reason}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, s.auditEntry(r, ActionWithdrawn, userID, cur))
	})
	return d, err
}

// standingForOwner starts a change to a standing declaration in the
// caller's transaction: it locks the organisation (returning its current
// name), checks that userID owns it, and returns its declaration, which
// must stand (decl.not_active otherwise).
func standingForOwner(ctx context.Context, tx *db.Tx, orgID, userID string) (string, *Declaration, error) {
	o, err := org.LockOwned(ctx, tx, orgID, userID, "decl.owner_only")
	if err != nil {
		return "", nil, err
	}
	name := o.Name
	cur, err := ForOrg(ctx, tx, orgID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !cur.Active()) {
		return "", nil, apperr.New(apperr.Conflict, "decl.not_active")
	}
	return name, cur, err
}

// RefreshName records the organisation's current name on its standing
// declaration after a change of name, keeping the old one in the history.
func (s *Service) RefreshName(ctx context.Context, r *http.Request, orgID, userID string) (*Declaration, error) {
	var d *Declaration
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		name, cur, err := standingForOwner(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if cur.OrgName == name {
			return apperr.New(apperr.Conflict, "decl.name_unchanged")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE declarations SET org_name = ?, updated_at = ? WHERE id = ?`, name, now, cur.ID); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, cur.ID); err != nil {
			return err
		}
		old := cur.OrgName
		cur.OrgName, cur.UpdatedAt, d = name, now, cur
		if err := appendEvent(ctx, tx, Event{ID: db.NewID(), DeclarationID: cur.ID, At: now, Kind: EventChanged, Stars: cur.Stars, ActorID: userID,
			Detail: map[string]any{"number": cur.Number, "org_name_before": old, "org_name": name}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, s.auditEntry(r, ActionChanged, userID, cur))
	})
	return d, err
}

type twoStarData struct {
	Org        *org.Org
	Req        Requirements
	Existing   *Declaration
	Principles []Principle
}

func (s *Service) twoStarPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTwoStar(w, r, http.StatusOK, nil)
}

func (s *Service) renderTwoStar(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	req, err := s.Requirements(ctx, o.ID)
	if err != nil {
		return err
	}
	cur, err := declarationOf(ctx, s.DB.Read(), o.ID)
	if err != nil {
		return err
	}
	if f == nil {
		f = web.NewForm(twoStarValues(cur, web.ViewerFrom(ctx).Name))
	}
	return s.render(w, r, status, "two_star", s.printer(r).T("decl.two_star_title"), f, twoStarData{Org: o, Req: req, Existing: cur, Principles: Principles()})
}

// twoStarValues fills the two-star form from what the organisation has
// already declared: the declarant of its declaration, and, while one star
// stands, the five commitments it made with it. The confirmation that the
// declarant may declare is left to tick again, since it is given anew.
// Without a declaration the form starts with the viewer's name.
func twoStarValues(cur *Declaration, viewerName string) url.Values {
	v := url.Values{"declarant_name": {viewerName}}
	if cur == nil {
		return v
	}
	v.Set("declarant_name", cur.DeclarantName)
	v.Set("declarant_title", cur.DeclarantTitle)
	if cur.Active() {
		for i := 1; i <= NumPrinciples; i++ {
			v.Set(commitField(i), "1")
		}
	}
	return v
}

func (s *Service) twoStarPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	o := org.FromRequest(r).Org
	v := web.ViewerFrom(ctx)
	if _, err := s.DeclareTwoStars(ctx, r, o.ID, v.UserID, inputFromForm(f)); err != nil {
		if f.Apply(err) {
			return s.renderTwoStar(w, r, web.FormStatus(err), f)
		}
		return err
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug+"/declaration", "flash.decl_two_stars")
}

func (s *Service) withdrawPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	o := org.FromRequest(r).Org
	if _, err := s.Withdraw(ctx, r, o.ID, web.ViewerFrom(ctx).UserID, f.Get("reason")); err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug+"/declaration", "flash.decl_withdrawn")
}

func (s *Service) refreshPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o := org.FromRequest(r).Org
	if _, err := s.RefreshName(ctx, r, o.ID, web.ViewerFrom(ctx).UserID); err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug+"/declaration", "flash.decl_name_updated")
}
