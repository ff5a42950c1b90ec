package org

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/org/jp"
)

// Org is an organisation's profile. Its size class is derived on read
// (SizeClass), never stored.
type Org struct {
	ID, Slug, Name, NameKana, NameEn string
	CorporateNumber                  string // "" when none
	Prefecture, Industry             string
	Wholesale                        bool
	Employees                        *int
	CapitalYen                       *int64
	CreatedAt, UpdatedAt             time.Time
}

// Sector is the SME Basic Act sector the industry falls in, "" when the
// industry is not known.
func (o *Org) Sector() jp.Sector { return jp.SectorFor(o.Industry, o.Wholesale) }

// SizeClass is derived on every read rather than stored, so a correction
// of the employee count or the law's bounds never leaves a stale class.
func (o *Org) SizeClass() jp.SizeClass {
	return jp.ClassifySize(o.Sector(), o.Employees, o.CapitalYen)
}

// SurveyBand is the seed survey's size group, "" when the organisation is
// not an SME or its headcount is unknown.
func (o *Org) SurveyBand() jp.SurveyBand {
	b, _ := jp.SurveyBandFor(o.SizeClass(), o.Employees)
	return b
}

// NameIn is the organisation's name for a text written in lang: the
// English name in English when one is recorded, the registered name
// otherwise (a policy in English names the company as it names itself
// abroad).
func (o *Org) NameIn(lang string) string {
	if lang == "en" && o.NameEn != "" {
		return o.NameEn
	}
	return o.Name
}

// PrefectureName is the prefecture in the page language, "" when unset.
func (o *Org) PrefectureName(lang string) string {
	p, ok := jp.PrefectureByCode(o.Prefecture)
	if !ok {
		return ""
	}
	if lang == "en" {
		return p.NameEn
	}
	return p.NameJa
}

// IndustryName is the JSIC major group in the page language, "" when unset.
func (o *Org) IndustryName(lang string) string {
	ind, ok := jp.IndustryByCode(o.Industry)
	if !ok {
		return ""
	}
	if lang == "en" {
		return ind.NameEn
	}
	return ind.NameJa
}

const orgCols = `o.id, o.slug, o.name, o.name_kana, o.name_en, o.corporate_number, o.prefecture, o.industry, o.wholesale, o.employees, o.capital_yen, o.created_at, o.updated_at`

func scanOrg(row db.Scanner, extra ...any) (*Org, error) {
	var o Org
	var corp sql.NullString
	dest := append([]any{&o.ID, &o.Slug, &o.Name, &o.NameKana, &o.NameEn, &corp, &o.Prefecture, &o.Industry, &o.Wholesale, &o.Employees, &o.CapitalYen, &o.CreatedAt, &o.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, db.Classify(err)
	}
	o.CorporateNumber = corp.String
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

// BySlug loads an organisation by slug: the stable name that routes and
// the viewer's memberships use, so ids never appear in URLs.
func BySlug(ctx context.Context, q db.Querier, slug string) (*Org, error) {
	return scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs o WHERE o.slug = ?`, slug))
}

// ByID serves packages that keep an organisation's id rather than its slug.
func ByID(ctx context.Context, q db.Querier, id string) (*Org, error) {
	return scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs o WHERE o.id = ?`, id))
}

// Lock loads the organisation id and, on PostgreSQL, holds its row
// until the transaction q ends, so that writes which count or number what
// belongs to one organisation (members and owners, invitations per day,
// declaration and policy version numbers, ledger positions) take turns
// per organisation. SQLite runs one writing transaction at a time already.
// An unknown organisation is a NotFound apperr.Error wrapping
// db.ErrNotFound: callers write it to the user as it is, and those that
// ask errors.Is(err, db.ErrNotFound) still see it.
func Lock(ctx context.Context, q db.Querier, id string) (*Org, error) {
	return lockBy(ctx, q, "id", id)
}

// LockSlug is Lock for callers that name the organisation by its slug
// (the members' functions, which the operator's shell calls with one).
func LockSlug(ctx context.Context, q db.Querier, slug string) (*Org, error) {
	return lockBy(ctx, q, "slug", slug)
}

func lockBy(ctx context.Context, q db.Querier, col, value string) (*Org, error) {
	query := `SELECT ` + orgCols + ` FROM orgs o WHERE o.` + col + ` = ?`
	if q.Dialect() == db.Postgres {
		query += ` FOR UPDATE`
	}
	o, err := scanOrg(q.QueryRowContext(ctx, query, value))
	return o, orgNotFound(err)
}

// LockOwned is Lock for a write only an owner may make (a declaration,
// a policy version): the routes check the role already, but these writes
// are audited and may be called from elsewhere, so they check it again
// under the lock. A caller who does not own the organisation is refused
// with a Forbidden error carrying key, the capability's own message.
func LockOwned(ctx context.Context, q db.Querier, orgID, userID, key string) (*Org, error) {
	o, err := Lock(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	if owner, err := IsOwner(ctx, q, orgID, userID); err != nil {
		return nil, err
	} else if !owner {
		return nil, apperr.New(apperr.Forbidden, key)
	}
	return o, nil
}

// IsOwner reports whether userID owns the organisation; not being a
// member at all is simply false. Functions that write audited records
// check it again although their routes are for owners already, since
// they may be called from elsewhere.
func IsOwner(ctx context.Context, q db.Querier, orgID, userID string) (bool, error) {
	role, err := MemberRole(ctx, q, orgID, userID)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return role == RoleOwner, err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// insertOrg stores o unless its slug or corporate number is taken, in
// which case it returns db.ErrConflict. ON CONFLICT DO NOTHING rather than
// a failing INSERT keeps a PostgreSQL transaction usable for a retry.
func insertOrg(ctx context.Context, q db.Querier, o *Org) error {
	res, err := q.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, name_kana, name_en, corporate_number, prefecture, industry, wholesale, employees, capital_yen, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		o.ID, o.Slug, o.Name, o.NameKana, o.NameEn, nullable(o.CorporateNumber), o.Prefecture, o.Industry, o.Wholesale, o.Employees, o.CapitalYen, o.CreatedAt, o.UpdatedAt)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrConflict
	}
	return nil
}

// updateOrg saves the editable profile fields; the slug never changes so
// links and bookmarks keep working.
func updateOrg(ctx context.Context, q db.Querier, o *Org) error {
	res, err := q.ExecContext(ctx, `UPDATE orgs SET name = ?, name_kana = ?, name_en = ?, corporate_number = ?, prefecture = ?, industry = ?,
		wholesale = ?, employees = ?, capital_yen = ?, updated_at = ? WHERE id = ?`,
		o.Name, o.NameKana, o.NameEn, nullable(o.CorporateNumber), o.Prefecture, o.Industry, o.Wholesale, o.Employees, o.CapitalYen, o.UpdatedAt, o.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// corporateNumberTaken reports whether another organisation (not except)
// holds the number.
func corporateNumberTaken(ctx context.Context, q db.Querier, number, except string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE corporate_number = ? AND id <> ?`, number, except).Scan(&n)
	return n > 0, err
}

// Membership is an organisation seen from one of its members.
type Membership struct {
	Org  *Org
	Role string
}

// ListForUser returns a user's organisations with their role in one
// query, keeping the dashboard to a fixed number of reads.
func ListForUser(ctx context.Context, q db.Querier, userID string) ([]Membership, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (Membership, error) {
		var m Membership
		var err error
		m.Org, err = scanOrg(r, &m.Role)
		return m, err
	}, `SELECT `+orgCols+`, m.role FROM org_members m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = ? ORDER BY o.name, o.slug`, userID)
}

// Member is one person in an organisation.
type Member struct {
	UserID, Email, Name, Role string
	JoinedAt                  time.Time
	// Disabled is an account an operator disabled: it cannot sign in, and
	// as an owner it does not count towards the last-owner rule.
	Disabled bool
}

// DisplayName is the name, or the e-mail when no name was given.
func (m Member) DisplayName() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Email
}

// ListMembers returns an organisation's members, owners first: they are
// the people a member needs to reach.
func ListMembers(ctx context.Context, q db.Querier, orgID string) ([]Member, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (Member, error) {
		var m Member
		err := r.Scan(&m.UserID, &m.Email, &m.Name, &m.Role, &m.JoinedAt, &m.Disabled)
		return m, err
	}, `SELECT u.id, u.email, u.name, m.role, m.created_at, CASE WHEN u.disabled_at IS NULL THEN 0 ELSE 1 END FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? ORDER BY CASE WHEN m.role = 'owner' THEN 0 ELSE 1 END, m.created_at, u.email`, orgID)
}

// insertMember adds a membership; an existing one gives db.ErrConflict.
func insertMember(ctx context.Context, q db.Querier, orgID, userID, role string, at time.Time) error {
	res, err := q.ExecContext(ctx, `INSERT INTO org_members (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, orgID, userID, role, at)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrConflict
	}
	return nil
}

// MemberRole returns a user's role in an organisation; db.ErrNotFound
// when the user is not a member.
func MemberRole(ctx context.Context, q db.Querier, orgID, userID string) (string, error) {
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM org_members WHERE org_id = ? AND user_id = ?`, orgID, userID).Scan(&role)
	return role, db.Classify(err)
}

func otherActiveOwners(ctx context.Context, q db.Querier, orgID, userID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.role = 'owner' AND m.user_id <> ? AND u.disabled_at IS NULL`, orgID, userID).Scan(&n)
	return n, err
}

// revokeInvitationsBy withdraws the open invitations userID sent for
// orgID: someone removed or demoted must not keep a way back in (an
// invitation to an address of their own, accepted later). It returns how
// many were withdrawn, for the audit entry.
func revokeInvitationsBy(ctx context.Context, q db.Querier, orgID, userID string, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE org_invitations SET revoked_at = ? WHERE org_id = ? AND invited_by = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
		now, orgID, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// inviterHoldsRight reports whether the one who sent an invitation may
// still invite: an active owner of the organisation. Invitations with no
// inviter come from the operator's shell and stay valid.
func inviterHoldsRight(ctx context.Context, q db.Querier, inv *Invitation) (bool, error) {
	if inv.InvitedBy == "" {
		return true, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.user_id = ? AND m.role = 'owner' AND u.disabled_at IS NULL`, inv.OrgID, inv.InvitedBy).Scan(&n)
	return n > 0, err
}

func userExists(ctx context.Context, q db.Querier, userID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, userID).Scan(&n)
	return n > 0, err
}

// Invitation is an e-mailed offer to join an organisation. Only the hash
// of its link secret is stored.
type Invitation struct {
	ID, OrgID, Email, Role string
	InvitedBy              string
	CreatedAt, ExpiresAt   time.Time
	AcceptedAt, RevokedAt  *time.Time
	// Filled when loaded with its organisation.
	OrgSlug, OrgName, InviterName string
}

// Status of an invitation at a given time.
const (
	InvitePending  = "pending"
	InviteAccepted = "accepted"
	InviteRevoked  = "revoked"
	InviteExpired  = "expired"
)

// Status is the invitation's state at now.
func (i *Invitation) Status(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return InviteAccepted
	case i.RevokedAt != nil:
		return InviteRevoked
	case !now.Before(i.ExpiresAt):
		return InviteExpired
	}
	return InvitePending
}

const inviteCols = `i.id, i.org_id, i.email, i.role, COALESCE(i.invited_by, ''), i.created_at, i.expires_at, i.accepted_at, i.revoked_at, o.slug, o.name, COALESCE(NULLIF(u.name, ''), u.email, '')`
const inviteFrom = ` FROM org_invitations i JOIN orgs o ON o.id = i.org_id LEFT JOIN users u ON u.id = i.invited_by`

func scanInvitation(row db.Scanner) (*Invitation, error) {
	var i Invitation
	if err := row.Scan(&i.ID, &i.OrgID, &i.Email, &i.Role, &i.InvitedBy, &i.CreatedAt, &i.ExpiresAt, &i.AcceptedAt, &i.RevokedAt, &i.OrgSlug, &i.OrgName, &i.InviterName); err != nil {
		return nil, db.Classify(err)
	}
	return &i, nil
}

func queryInvitations(ctx context.Context, q db.Querier, where string, args ...any) ([]Invitation, error) {
	return db.Collect(ctx, q, db.Value(scanInvitation), `SELECT `+inviteCols+inviteFrom+` WHERE `+where+` ORDER BY i.created_at DESC`, args...)
}

// invitationByToken finds an invitation by its link secret, in any state,
// so the page can say why a link no longer works.
func invitationByToken(ctx context.Context, q db.Querier, token string) (*Invitation, error) {
	if token == "" || len(token) > 100 {
		return nil, db.ErrNotFound
	}
	return scanInvitation(q.QueryRowContext(ctx, `SELECT `+inviteCols+inviteFrom+` WHERE i.token_hash = ?`, auth.HashSecret(token)))
}

// PendingInvitations lists an organisation's open invitations. Closed
// ones are kept, not deleted, as the record of who was invited.
func PendingInvitations(ctx context.Context, q db.Querier, orgID string, now time.Time) ([]Invitation, error) {
	return queryInvitations(ctx, q, `i.org_id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?`, orgID, now)
}

// InvitationsFor lists open invitations addressed to an e-mail address,
// leaving out organisations the user already belongs to.
func InvitationsFor(ctx context.Context, q db.Querier, email, userID string, now time.Time) ([]Invitation, error) {
	return queryInvitations(ctx, q, `i.email = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?
		AND NOT EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = i.org_id AND m.user_id = ?)`, auth.NormalizeEmail(email), now, userID)
}

// Contact is an account to write to, in its own language.
type Contact struct {
	UserID, Email, Lang string
}

// OwnerContacts lists the enabled owners of an organisation, the people
// reminders and notices about the organisation go to.
func OwnerContacts(ctx context.Context, q db.Querier, orgID string) ([]Contact, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (Contact, error) {
		var c Contact
		err := r.Scan(&c.UserID, &c.Email, &c.Lang)
		return c, err
	}, `SELECT u.id, u.email, u.lang FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.role = 'owner' AND u.disabled_at IS NULL ORDER BY u.email`, orgID)
}
