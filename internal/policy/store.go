package policy

import (
	"context"
	"time"

	"mamori/internal/db"
)

// Draft is the owner's working copy: one per organisation, overwritten by
// every save. Text is stored as typed (after cleaning), never as HTML.
type Draft struct {
	OrgID                               string
	Lang                                string
	Intro                               string
	Sections                            [NumSections]string
	Representative, RepresentativeTitle string
	UpdatedAt                           time.Time
	// UpdatedBy is "" when the account is gone.
	UpdatedBy string
}

// Version is one published policy, kept for good: either hosted text
// (ExternalURL empty) or the record of a policy published elsewhere.
type Version struct {
	ID, OrgID                           string
	Version                             int
	Lang                                string
	OrgName                             string
	Representative, RepresentativeTitle string
	Intro                               string
	Sections                            [NumSections]string
	ExternalURL                         string
	PublishedAt                         time.Time
	PublishedBy                         string
	// PublisherName is the publishing account's name (or e-mail); "" when
	// the account is gone.
	PublisherName string
}

// Hosted reports whether mamori serves the text of this version.
func (v *Version) Hosted() bool { return v.ExternalURL == "" }

const draftCols = `org_id, lang, intro, h1, h2, h3, h4, h5, representative, representative_title, updated_at, COALESCE(updated_by, '')`

// DraftFor returns the organisation's draft; db.ErrNotFound when the owner
// has never opened the editor.
func DraftFor(ctx context.Context, q db.Querier, orgID string) (*Draft, error) {
	var d Draft
	s := &d.Sections
	err := q.QueryRowContext(ctx, `SELECT `+draftCols+` FROM policy_drafts WHERE org_id = ?`, orgID).Scan(&d.OrgID, &d.Lang, &d.Intro,
		&s[0], &s[1], &s[2], &s[3], &s[4], &d.Representative, &d.RepresentativeTitle, &d.UpdatedAt, &d.UpdatedBy)
	if err != nil {
		return nil, db.Classify(err)
	}
	d.UpdatedAt = d.UpdatedAt.UTC()
	return &d, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// saveDraft writes d over the organisation's draft, creating it if need be.
func saveDraft(ctx context.Context, q db.Querier, d *Draft) error {
	s := d.Sections
	_, err := q.ExecContext(ctx, `INSERT INTO policy_drafts (org_id, lang, intro, h1, h2, h3, h4, h5, representative, representative_title, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET lang = excluded.lang, intro = excluded.intro, h1 = excluded.h1, h2 = excluded.h2,
			h3 = excluded.h3, h4 = excluded.h4, h5 = excluded.h5, representative = excluded.representative,
			representative_title = excluded.representative_title, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		d.OrgID, d.Lang, d.Intro, s[0], s[1], s[2], s[3], s[4], d.Representative, d.RepresentativeTitle, d.UpdatedAt, nullable(d.UpdatedBy))
	return err
}

// ensureDraft stores d unless the organisation has a draft already, and
// returns the stored one: two owners opening the editor at once both get
// the same working copy, and an existing one is never overwritten.
func ensureDraft(ctx context.Context, q db.Querier, d *Draft) (*Draft, error) {
	s := d.Sections
	if _, err := q.ExecContext(ctx, `INSERT INTO policy_drafts (org_id, lang, intro, h1, h2, h3, h4, h5, representative, representative_title, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.OrgID, d.Lang, d.Intro, s[0], s[1], s[2], s[3], s[4], d.Representative, d.RepresentativeTitle, d.UpdatedAt, nullable(d.UpdatedBy)); err != nil {
		return nil, err
	}
	return DraftFor(ctx, q, d.OrgID)
}

const versionCols = `v.id, v.org_id, v.version, v.lang, v.org_name, v.representative, v.representative_title, v.intro,
	v.h1, v.h2, v.h3, v.h4, v.h5, v.external_url, v.published_at, COALESCE(v.published_by, ''), COALESCE(NULLIF(u.name, ''), u.email, '')`

const versionFrom = ` FROM policy_versions v LEFT JOIN users u ON u.id = v.published_by`

func scanVersion(row db.Scanner) (*Version, error) {
	var v Version
	s := &v.Sections
	if err := row.Scan(&v.ID, &v.OrgID, &v.Version, &v.Lang, &v.OrgName, &v.Representative, &v.RepresentativeTitle, &v.Intro,
		&s[0], &s[1], &s[2], &s[3], &s[4], &v.ExternalURL, &v.PublishedAt, &v.PublishedBy, &v.PublisherName); err != nil {
		return nil, db.Classify(err)
	}
	v.PublishedAt = v.PublishedAt.UTC()
	return &v, nil
}

// Latest returns the organisation's newest version; db.ErrNotFound when
// it has published none.
func Latest(ctx context.Context, q db.Querier, orgID string) (*Version, error) {
	return scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+versionFrom+` WHERE v.org_id = ? ORDER BY v.version DESC LIMIT 1`, orgID))
}

// VersionOf returns version n of the organisation's policy; db.ErrNotFound
// when there is no such version.
func VersionOf(ctx context.Context, q db.Querier, orgID string, n int) (*Version, error) {
	return scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+versionFrom+` WHERE v.org_id = ? AND v.version = ?`, orgID, n))
}

// Versions lists every published version, newest first. A policy changes
// a few times a year at most, so the list is not paged.
func Versions(ctx context.Context, q db.Querier, orgID string) ([]Version, error) {
	return db.Collect(ctx, q, db.Value(scanVersion), `SELECT `+versionCols+versionFrom+` WHERE v.org_id = ? ORDER BY v.version DESC`, orgID)
}

// insertVersion gives v the organisation's next version number and stores
// it. Call it in the transaction that locked the organisation (org.LockOwned):
// the lock makes the number race-free on PostgreSQL, SQLite writes are
// serial, and UNIQUE(org_id, version) is the last line of defence
// (db.ErrConflict).
func insertVersion(ctx context.Context, q db.Querier, v *Version) error {
	var last int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM policy_versions WHERE org_id = ?`, v.OrgID).Scan(&last); err != nil {
		return err
	}
	v.Version = last + 1
	s := v.Sections
	res, err := q.ExecContext(ctx, `INSERT INTO policy_versions (id, org_id, version, lang, org_name, representative, representative_title, intro,
		h1, h2, h3, h4, h5, external_url, published_at, published_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		v.ID, v.OrgID, v.Version, v.Lang, v.OrgName, v.Representative, v.RepresentativeTitle, v.Intro,
		s[0], s[1], s[2], s[3], s[4], v.ExternalURL, v.PublishedAt, nullable(v.PublishedBy))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrConflict
	}
	return nil
}
