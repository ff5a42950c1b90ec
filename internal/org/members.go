package org

import (
	"context"
	"errors"
	"net/http"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/mail"
	"mamori/internal/web"
)

// Membership roles: an SME's owner manages the profile and the people;
// a member takes part.
const (
	RoleOwner  = web.OrgRoleOwner
	RoleMember = web.OrgRoleMember
)

// ValidRole reports whether role is an organisation role.
func ValidRole(role string) bool { return role == RoleOwner || role == RoleMember }

const (
	inviteTTL = 7 * 24 * time.Hour
	// inviteDailyLimit bounds how many invitations one organisation can
	// send a day, so a compromised owner account cannot turn mamori into
	// a mail cannon.
	inviteDailyLimit = 50
	// inviteMailsPerAddressHour bounds the invitation mail one address
	// gets in an hour across all organisations: anyone with an account
	// can create organisations, and each one's daily limit alone would
	// let one account flood a mailbox (the anonymous forms' cap is the
	// same).
	inviteMailsPerAddressHour = 5
)

func orgNotFound(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return apperr.Wrap(err, apperr.NotFound, "error.not_found")
	}
	return err
}

// AddMember makes a user a member or owner of the organisation orgSlug.
// An existing membership is a conflict: changing a role is ChangeRole's
// job, so an operator cannot change one by accident.
func (s *Service) AddMember(ctx context.Context, q db.Querier, r *http.Request, orgSlug, userID, role string) error {
	if !ValidRole(role) {
		return apperr.Field("role", "org.role_invalid")
	}
	return db.Transact(ctx, q, func(q db.Querier) error {
		o, err := BySlug(ctx, q, orgSlug)
		if err != nil {
			return orgNotFound(err)
		}
		ok, err := userExists(ctx, q, userID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.NotFound, "org.user_not_found")
		}
		if err := insertMember(ctx, q, o.ID, userID, role, s.now()); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return apperr.Wrap(err, apperr.Conflict, "org.already_member")
			}
			return err
		}
		return audit.Record(ctx, q, r, audit.Entry{Action: audit.MemberAdded, TargetType: "org", TargetID: o.ID,
			Detail: map[string]any{"user": userID, "role": role}})
	})
}

// ChangeRole sets a member's role. The last owner cannot be demoted:
// an organisation without an owner could never be managed again.
func (s *Service) ChangeRole(ctx context.Context, q db.Querier, r *http.Request, orgSlug, userID, role string) error {
	if !ValidRole(role) {
		return apperr.New(apperr.Invalid, "org.role_invalid")
	}
	return db.Transact(ctx, q, func(q db.Querier) error {
		// Membership changes of one organisation take turns: two owners
		// demoting each other at once must not leave it without an owner.
		o, err := LockSlug(ctx, q, orgSlug)
		if err != nil {
			return err
		}
		orgID := o.ID
		cur, err := MemberRole(ctx, q, orgID, userID)
		if err != nil {
			return orgNotFound(err)
		}
		if cur == role {
			return nil
		}
		if cur == RoleOwner {
			// Disabled owners cannot manage anything: only active ones
			// count, under the lock an operator's disable counts under.
			if err := auth.LockOrgOwners(ctx, q); err != nil {
				return err
			}
			if n, err := otherActiveOwners(ctx, q, orgID, userID); err != nil {
				return err
			} else if n == 0 {
				return apperr.New(apperr.Conflict, "org.last_owner_demote")
			}
		}
		if _, err := q.ExecContext(ctx, `UPDATE org_members SET role = ? WHERE org_id = ? AND user_id = ?`, role, orgID, userID); err != nil {
			return err
		}
		if err := auth.MarkSessionsForRotation(ctx, q, userID); err != nil {
			return err
		}
		var revoked int64
		if cur == RoleOwner {
			if revoked, err = revokeInvitationsBy(ctx, q, orgID, userID, s.now()); err != nil {
				return err
			}
		}
		return audit.Record(ctx, q, r, audit.Entry{Action: audit.MemberRoleChange, TargetType: "org", TargetID: orgID,
			Detail: map[string]any{"user": userID, "from": cur, "to": role, "invitations_revoked": revoked}})
	})
}

// RemoveMember takes a user out of an organisation (an owner removing
// someone, or a member leaving). The last owner cannot go.
func (s *Service) RemoveMember(ctx context.Context, q db.Querier, r *http.Request, orgSlug, userID string) error {
	return db.Transact(ctx, q, func(q db.Querier) error {
		// Membership changes of one organisation take turns: two owners
		// demoting each other at once must not leave it without an owner.
		o, err := LockSlug(ctx, q, orgSlug)
		if err != nil {
			return err
		}
		orgID := o.ID
		cur, err := MemberRole(ctx, q, orgID, userID)
		if err != nil {
			return orgNotFound(err)
		}
		if cur == RoleOwner {
			// Disabled owners cannot manage anything: only active ones
			// count, under the lock an operator's disable counts under.
			if err := auth.LockOrgOwners(ctx, q); err != nil {
				return err
			}
			if n, err := otherActiveOwners(ctx, q, orgID, userID); err != nil {
				return err
			} else if n == 0 {
				return apperr.New(apperr.Conflict, "org.last_owner_remove")
			}
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM org_members WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
			return err
		}
		revoked, err := revokeInvitationsBy(ctx, q, orgID, userID, s.now())
		if err != nil {
			return err
		}
		return audit.Record(ctx, q, r, audit.Entry{Action: audit.MemberRemoved, TargetType: "org", TargetID: orgID,
			Detail: map[string]any{"user": userID, "role": cur, "invitations_revoked": revoked}})
	})
}

// Invite mails an invitation to join orgSlug to email, in lang (the
// inviter's language: the invitee has no account to take one from yet).
// A newer invitation to the same address replaces an open one. It returns
// the link secret, which is stored only hashed.
func (s *Service) Invite(ctx context.Context, q db.Querier, r *http.Request, orgSlug, email, role, lang string) (string, *Invitation, error) {
	email = auth.NormalizeEmail(email)
	fields := apperr.FieldSet{}
	if !auth.ValidEmail(email) {
		fields.Add("email", "invite.email_invalid")
	}
	if !ValidRole(role) {
		fields.Add("role", "org.role_invalid")
	}
	if err := fields.Err(); err != nil {
		return "", nil, err
	}
	var token string
	var inv *Invitation
	err := db.Transact(ctx, q, func(q db.Querier) error {
		// The daily limit is counted and then spent in one transaction;
		// the organisation's row lock keeps parallel invitations from all
		// reading the same count on PostgreSQL (each one sends a mail).
		o, err := LockSlug(ctx, q, orgSlug)
		if err != nil {
			return err
		}
		now := s.now()
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND u.email = ?`,
			o.ID, email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &apperr.Error{Code: apperr.Conflict, Key: "error.invalid_input", Fields: map[string]string{"email": "invite.already_member"}}
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_invitations WHERE org_id = ? AND created_at > ?`,
			o.ID, now.Add(-24*time.Hour)).Scan(&n); err != nil {
			return err
		}
		if n >= inviteDailyLimit {
			return apperr.New(apperr.TooMany, "invite.too_many")
		}
		// Each organisation holds only its own row lock: parallel
		// invitations to one address from several organisations are
		// serialised on the address (always taken after the row lock).
		if err := auth.LockSubject(ctx, q, "invite:"+email); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_invitations WHERE email = ? AND created_at > ?`,
			email, now.Add(-time.Hour)).Scan(&n); err != nil {
			return err
		}
		if n >= inviteMailsPerAddressHour {
			return apperr.New(apperr.TooMany, "invite.too_many_address")
		}
		if _, err := q.ExecContext(ctx, `UPDATE org_invitations SET revoked_at = ? WHERE org_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
			now, o.ID, email); err != nil {
			return err
		}
		var hash string
		token, hash = auth.NewLinkSecret()
		inv = &Invitation{ID: db.NewID(), OrgID: o.ID, Email: email, Role: role, CreatedAt: now, ExpiresAt: now.Add(inviteTTL), OrgSlug: o.Slug, OrgName: o.Name}
		p := s.Catalog.Printer(lang)
		inv.InviterName = p.T("app.name")
		if r != nil {
			if v := web.ViewerFrom(r.Context()); v != nil {
				inv.InvitedBy, inv.InviterName = v.UserID, v.DisplayName()
			}
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO org_invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			inv.ID, inv.OrgID, inv.Email, inv.Role, hash, nullable(inv.InvitedBy), inv.CreatedAt, inv.ExpiresAt); err != nil {
			return err
		}
		roleName := p.T("org.role." + role)
		msg := mail.Message{To: email, Subject: p.T("mail.invite.subject", o.Name),
			Body:    p.T("mail.invite.body", o.Name, inv.InviterName, s.link("/invitations/"+token), int(inviteTTL.Hours()/24), roleName),
			Secrets: []string{token}}
		if err := s.Mail.Send(ctx, q, msg); err != nil {
			return err
		}
		return audit.Record(ctx, q, r, audit.Entry{Action: audit.InviteSent, TargetType: "org", TargetID: o.ID,
			Detail: map[string]any{"invitation": inv.ID, "email": email, "role": role}})
	})
	if err != nil {
		return "", nil, err
	}
	return token, inv, nil
}

// RevokeInvitation withdraws an open invitation of orgSlug.
func (s *Service) RevokeInvitation(ctx context.Context, q db.Querier, r *http.Request, orgSlug, id string) error {
	return db.Transact(ctx, q, func(q db.Querier) error {
		o, err := BySlug(ctx, q, orgSlug)
		if err != nil {
			return orgNotFound(err)
		}
		res, err := q.ExecContext(ctx, `UPDATE org_invitations SET revoked_at = ? WHERE id = ? AND org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
			s.now(), id, o.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "invite.not_open")
		}
		return audit.Record(ctx, q, r, audit.Entry{Action: audit.InviteRevoked, TargetType: "org", TargetID: o.ID,
			Detail: map[string]any{"invitation": id}})
	})
}

// inviteGone answers a link that worked once but no longer does; 410
// tells the browser and API clients not to retry.
func inviteGone(key string) error {
	return apperr.New(apperr.Invalid, key).WithStatus(http.StatusGone)
}

// usable explains why an invitation cannot be accepted now, or nil.
func usable(inv *Invitation, now time.Time) error {
	switch inv.Status(now) {
	case InviteAccepted:
		return inviteGone("invite.used")
	case InviteRevoked:
		return inviteGone("invite.revoked")
	case InviteExpired:
		return inviteGone("invite.expired")
	}
	return nil
}

// AcceptInvitation adds the user to the organisation the invitation link
// token names. The user's account address must be the invited one, so a
// forwarded link does not let someone else in; the link works once.
func (s *Service) AcceptInvitation(ctx context.Context, q db.Querier, r *http.Request, token, userID, email string) (*Invitation, error) {
	var inv *Invitation
	err := db.Transact(ctx, q, func(q db.Querier) error {
		var err error
		inv, err = invitationByToken(ctx, q, token)
		if errors.Is(err, db.ErrNotFound) {
			return apperr.Wrap(err, apperr.NotFound, "invite.invalid")
		}
		if err != nil {
			return err
		}
		return s.accept(ctx, q, r, inv, userID, email)
	})
	return inv, err
}

// AcceptInvitationByID accepts an invitation listed on the dashboard. The
// caller must have checked that the account's address is verified: here
// that address, not a mailed secret, is the proof.
func (s *Service) AcceptInvitationByID(ctx context.Context, q db.Querier, r *http.Request, id, userID, email string) (*Invitation, error) {
	var inv *Invitation
	err := db.Transact(ctx, q, func(q db.Querier) error {
		var err error
		inv, err = scanInvitation(q.QueryRowContext(ctx, `SELECT `+inviteCols+inviteFrom+` WHERE i.id = ? AND i.email = ?`, id, auth.NormalizeEmail(email)))
		if errors.Is(err, db.ErrNotFound) {
			return apperr.Wrap(err, apperr.NotFound, "invite.invalid")
		}
		if err != nil {
			return err
		}
		return s.accept(ctx, q, r, inv, userID, email)
	})
	return inv, err
}

func (s *Service) accept(ctx context.Context, q db.Querier, r *http.Request, inv *Invitation, userID, email string) error {
	now := s.now()
	if err := usable(inv, now); err != nil {
		return err
	}
	if auth.NormalizeEmail(email) != inv.Email {
		return apperr.New(apperr.Forbidden, "invite.wrong_email")
	}
	// The invitation speaks for its inviter: once they are no longer an
	// active owner (removed, demoted, disabled) it no longer lets anyone in.
	if ok, err := inviterHoldsRight(ctx, q, inv); err != nil {
		return err
	} else if !ok {
		return inviteGone("invite.inviter_gone")
	}
	// The conditional update lets exactly one of two racing requests win.
	res, err := q.ExecContext(ctx, `UPDATE org_invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
		now, inv.ID, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return inviteGone("invite.used")
	}
	inv.AcceptedAt = &now
	// Someone who is already a member keeps the role they have: an
	// invitation is not a way to change roles behind the owners' backs.
	if err := insertMember(ctx, q, inv.OrgID, userID, inv.Role, now); err != nil && !errors.Is(err, db.ErrConflict) {
		return err
	}
	if s.Accepted != nil {
		if err := s.Accepted(ctx, q, r, inv, userID); err != nil {
			return err
		}
	}
	return audit.Record(ctx, q, r, audit.Entry{Action: audit.InviteAccepted, TargetType: "org", TargetID: inv.OrgID,
		Detail: map[string]any{"invitation": inv.ID, "user": userID, "role": inv.Role}})
}
