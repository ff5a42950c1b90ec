package sharing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/mailparse"
	"mamori/internal/masterkey"
	"mamori/internal/web"
)

// TLP levels (FIRST's Traffic Light Protocol 2.0, https://www.first.org/tlp/),
// from the most open.
var TLPs = []string{"clear", "green", "amber", "amber+strict", "red"}

// Lure kinds counted in the figures.
var Lures = []string{"url", "attachment", "both", "none"}

// community reports whether a TLP lets every member of the partnership
// see the share, not only the chosen SIGs: CLEAR and GREEN may be passed
// around the community by definition. AMBER, AMBER+STRICT and RED stay
// with the SIGs chosen (and their onward sharing is limited further by
// the label itself).
func community(tlp string) bool { return tlp == "clear" || tlp == "green" }

// Share is the shareable version of a report.
type Share struct {
	ID, ReportID           string
	Title, Analysis, TLP   string
	Lure                   string
	AttachmentTypes        []string
	SIGIDs                 []string
	CreatedAt, UpdatedAt   time.Time
	ApprovedAt, ReleasedAt *time.Time
	WithdrawnAt            *time.Time

	// Sanitized is the JSON of the shared mails as members see them,
	// pseudonyms numbered for this share (recipient-1@redacted.invalid);
	// sealed at rest, filled by OpenShared (or Open).
	Sanitized string
	// Sealed at rest, filled only by Open (coordinators' pages):
	// Redactions are the sanitiser's changes with the originals, Numbers
	// the numbers this share gives the keyed pseudonyms, RedactTerms the
	// coordinators' extra words to remove, ChangeNote the reporter's
	// request for changes.
	Redactions  [][]Redaction
	Numbers     map[string]int
	RedactTerms []string
	ChangeNote  string
	sealed      sealedCols
	opened      bool
}

// StartShare opens the share of a report from the sanitiser's proposal
// (its redactions sealed) and moves the report into review. Starting
// twice is a conflict.
func StartShare(ctx context.Context, q db.Querier, box *masterkey.Box, reportID, userID string, p Proposal, now time.Time) (*Share, error) {
	rep, err := GetReport(ctx, q, "", reportID)
	if err != nil {
		return nil, err
	}
	if rep.Status != StatusReceived {
		return nil, apperr.New(apperr.Conflict, "sharing.err.share_exists")
	}
	s := &Share{ID: db.NewID(), ReportID: reportID, TLP: "amber", Lure: p.Lure, AttachmentTypes: p.AttachmentTypes,
		Sanitized: p.Sanitized, Redactions: p.Redactions, Numbers: p.Numbers, CreatedAt: now, UpdatedAt: now, opened: true}
	rec, err := sealRecord(box, s.ID, p.Redactions, p.Numbers)
	if err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO share_shares (id, report_id, tlp, lure, attachment_types, sealed_sanitized, sealed_redactions, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, reportID, s.TLP, p.Lure, strings.Join(p.AttachmentTypes, ","), sealText(box, sealShared, s.ID, p.Sanitized), rec, nullable(userID), now, now); err != nil {
		if errors.Is(db.Classify(err), db.ErrConflict) {
			return nil, apperr.New(apperr.Conflict, "sharing.err.share_exists")
		}
		return nil, err
	}
	return s, setStatus(ctx, q, reportID, StatusReview, now)
}

func setStatus(ctx context.Context, q db.Querier, reportID, status string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE share_reports SET status = ?, updated_at = ? WHERE id = ?`, status, now, reportID)
	return err
}

// ShareInput is the analyst's editor.
type ShareInput struct {
	Title, Analysis, TLP, Lure string
	AttachmentTypes            string // comma or space separated: "zip, docm"
	SIGIDs                     []string
	Targeted                   bool
	// RedactTerms are extra words the analyst removes from the mail
	// (a person's or company's name the sanitiser could not know), one
	// per line; Proposal, when not nil, is the proposal made again with
	// them.
	RedactTerms string
	Proposal    *Proposal
}

// Terms splits the analyst's extra redaction terms, one per line.
func (in ShareInput) Terms() []string {
	var out []string
	for _, l := range strings.Split(in.RedactTerms, "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func (in ShareInput) clean(ctx context.Context, q db.Querier) (ShareInput, []string, error) {
	f := apperr.FieldSet{}
	title, ok := web.CleanText(in.Title, 200)
	if !ok {
		f.Add("title", web.TextKey(in.Title, "sharing.err.text"))
	}
	analysis, ok := web.CleanLines(in.Analysis, 20000)
	if !ok {
		f.Add("analysis", web.TextKey(in.Analysis, "sharing.err.text"))
	}
	if !slices.Contains(TLPs, in.TLP) {
		f.Add("tlp", "sharing.err.tlp")
	}
	if in.Lure != "" && !slices.Contains(Lures, in.Lure) {
		f.Add("lure", "sharing.err.lure")
	}
	var types []string
	for _, t := range strings.FieldsFunc(strings.ToLower(in.AttachmentTypes), func(r rune) bool { return r == ',' || r == ' ' || r == '、' }) {
		t = strings.TrimPrefix(t, ".")
		if t == "" {
			continue
		}
		if len(t) > 10 || strings.ContainsFunc(t, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
			f.Add("attachment_types", "sharing.err.attachment_types")
			break
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	all, err := SIGs(ctx, q)
	if err != nil {
		return in, nil, err
	}
	var sigs []string
	for _, id := range in.SIGIDs {
		if !slices.ContainsFunc(all, func(s SIG) bool { return s.ID == id }) {
			f.Add("sig", "sharing.err.sig_unknown")
			break
		}
		if !slices.Contains(sigs, id) {
			sigs = append(sigs, id)
		}
	}
	terms, ok := web.CleanLines(in.RedactTerms, 2000)
	if !ok {
		f.Add("redact_terms", web.TextKey(in.RedactTerms, "sharing.err.text"))
	}
	out := ShareInput{Title: title, Analysis: analysis, TLP: in.TLP, Lure: in.Lure, SIGIDs: sigs, Targeted: in.Targeted,
		RedactTerms: terms, Proposal: in.Proposal}
	return out, types, f.Err()
}

// UpdateShare saves the analyst's edits. A share already released cannot
// change (members have seen it); editing after the reporter approved
// withdraws the approval, since the reporter approved another text. A
// keyed pseudonym written into the title or analysis is numbered like the
// mails', so members never see one.
func UpdateShare(ctx context.Context, q db.Querier, box *masterkey.Box, id string, in ShareInput, now time.Time) error {
	s, err := GetShare(ctx, q, id)
	if err != nil {
		return err
	}
	if err := s.Open(box); err != nil {
		return err
	}
	if s.ReleasedAt != nil {
		return apperr.New(apperr.Conflict, "sharing.err.released")
	}
	c, types, err := in.clean(ctx, q)
	if err != nil {
		return err
	}
	sanitized, redactions, numbers := s.Sanitized, s.Redactions, s.Numbers
	if c.Proposal != nil {
		sanitized, redactions, numbers = c.Proposal.Sanitized, c.Proposal.Redactions, c.Proposal.Numbers
	}
	if numbers == nil {
		numbers = map[string]int{}
	}
	c.Title = mailparse.NumberPseudonyms(c.Title, numbers)
	c.Analysis = mailparse.NumberPseudonyms(c.Analysis, numbers)
	rec, err := sealRecord(box, id, redactions, numbers)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE share_shares SET title = ?, analysis = ?, tlp = ?, lure = ?, attachment_types = ?, sealed_sanitized = ?, sanitized = '',
		sealed_redactions = ?, redactions = '', sealed_redact_terms = ?, redact_terms = '', approved_at = NULL, approved_by = NULL, updated_at = ? WHERE id = ?`,
		c.Title, c.Analysis, c.TLP, c.Lure, strings.Join(types, ","), sealText(box, sealShared, id, sanitized), rec, sealText(box, sealTerms, id, strings.Join(c.Terms(), "\n")), now, id); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM share_share_sigs WHERE share_id = ?`, id); err != nil {
		return err
	}
	for _, sig := range c.SIGIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO share_share_sigs (share_id, sig_id) VALUES (?, ?)`, id, sig); err != nil {
			return err
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE share_reports SET targeted = ?, updated_at = ? WHERE id = ?`, c.Targeted, now, s.ReportID); err != nil {
		return err
	}
	rep, err := GetReport(ctx, q, "", s.ReportID)
	if err != nil {
		return err
	}
	if rep.Status == StatusApproval {
		return setStatus(ctx, q, s.ReportID, StatusReview, now)
	}
	return nil
}

const shareCols = `id, report_id, title, analysis, tlp, lure, attachment_types, sealed_sanitized, sanitized, sealed_redactions, redactions, sealed_change_note, change_note,
	sealed_redact_terms, redact_terms, created_at, updated_at, approved_at, released_at, withdrawn_at`

func scanShare(sc db.Scanner) (*Share, error) {
	var s Share
	var types string
	c := &s.sealed
	if err := sc.Scan(&s.ID, &s.ReportID, &s.Title, &s.Analysis, &s.TLP, &s.Lure, &types, &c.shared, &c.clearShared, &c.red, &c.clearRed, &c.note, &c.clearNote,
		&c.terms, &c.clearTerms, &s.CreatedAt, &s.UpdatedAt, &s.ApprovedAt, &s.ReleasedAt, &s.WithdrawnAt); err != nil {
		return nil, err
	}
	if types != "" {
		s.AttachmentTypes = strings.Split(types, ",")
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	for _, p := range []**time.Time{&s.ApprovedAt, &s.ReleasedAt, &s.WithdrawnAt} {
		if *p != nil {
			t := (*p).UTC()
			*p = &t
		}
	}
	return &s, nil
}

func (s *Share) loadSIGs(ctx context.Context, q db.Querier) error {
	ids, err := db.Collect(ctx, q, db.Column[string], `SELECT sig_id FROM share_share_sigs WHERE share_id = ? ORDER BY sig_id`, s.ID)
	s.SIGIDs = append(s.SIGIDs, ids...)
	return err
}

// GetShare returns a share by id.
func GetShare(ctx context.Context, q db.Querier, id string) (*Share, error) {
	s, err := scanShare(q.QueryRowContext(ctx, `SELECT `+shareCols+` FROM share_shares WHERE id = ?`, id))
	if err != nil {
		return nil, db.Classify(err)
	}
	return s, s.loadSIGs(ctx, q)
}

// ShareOfReport returns a report's share; db.ErrNotFound before one is
// started.
func ShareOfReport(ctx context.Context, q db.Querier, reportID string) (*Share, error) {
	s, err := scanShare(q.QueryRowContext(ctx, `SELECT `+shareCols+` FROM share_shares WHERE report_id = ?`, reportID))
	if err != nil {
		return nil, db.Classify(err)
	}
	return s, s.loadSIGs(ctx, q)
}

// RequestApproval sends the share to the reporting member.
func RequestApproval(ctx context.Context, q db.Querier, id string, now time.Time) error {
	s, err := GetShare(ctx, q, id)
	if err != nil {
		return err
	}
	if s.ReleasedAt != nil {
		return apperr.New(apperr.Conflict, "sharing.err.released")
	}
	if strings.TrimSpace(s.Title) == "" || (len(s.SIGIDs) == 0 && !community(s.TLP)) {
		return apperr.New(apperr.Invalid, "sharing.err.share_incomplete")
	}
	return setStatus(ctx, q, s.ReportID, StatusApproval, now)
}

// Answer records the reporting member's answer: approve, or ask for
// changes with a note. Only while approval is asked.
//
// seen is the share's version (its UpdatedAt) as the reporter read it;
// an approval of any other version is refused, so an edit made while the
// reporter was reading is never approved unseen. nil skips the check.
//
// A note is sealed like the redactions: it quotes what must go.
func Answer(ctx context.Context, q db.Querier, box *masterkey.Box, orgID, reportID, userID string, approve bool, note string, seen *time.Time, now time.Time) error {
	rep, err := GetReport(ctx, q, orgID, reportID)
	if err != nil {
		return err
	}
	if rep.Status != StatusApproval {
		return apperr.New(apperr.Conflict, "sharing.err.not_awaiting")
	}
	if approve && seen != nil {
		var current time.Time
		if err := q.QueryRowContext(ctx, `SELECT updated_at FROM share_shares WHERE report_id = ?`, reportID).Scan(&current); err != nil {
			return db.Classify(err)
		}
		if !current.Equal(*seen) {
			return apperr.New(apperr.Conflict, "sharing.err.share_changed")
		}
	}
	if approve {
		if _, err := q.ExecContext(ctx, `UPDATE share_shares SET approved_at = ?, approved_by = ?, change_note = '', sealed_change_note = NULL WHERE report_id = ?`, now, nullable(userID), reportID); err != nil {
			return err
		}
		return setStatus(ctx, q, reportID, StatusApproval, now)
	}
	n, ok := web.CleanLines(note, 4000)
	if !ok || n == "" {
		return apperr.Field("note", web.TextKey(note, "sharing.err.change_note"))
	}
	var shareID string
	if err := q.QueryRowContext(ctx, `SELECT id FROM share_shares WHERE report_id = ?`, reportID).Scan(&shareID); err != nil {
		return db.Classify(err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE share_shares SET sealed_change_note = ?, change_note = '', approved_at = NULL, approved_by = NULL WHERE id = ?`,
		sealText(box, sealNote, shareID, n), shareID); err != nil {
		return err
	}
	return setStatus(ctx, q, reportID, StatusChanges, now)
}

// Release makes an approved share visible to the members it is for.
func Release(ctx context.Context, q db.Querier, id, userID string, now time.Time) (*Share, error) {
	s, err := GetShare(ctx, q, id)
	if err != nil {
		return nil, err
	}
	switch {
	case s.ReleasedAt != nil:
		return nil, apperr.New(apperr.Conflict, "sharing.err.released")
	case s.ApprovedAt == nil:
		return nil, apperr.New(apperr.Conflict, "sharing.err.not_approved")
	}
	if _, err := q.ExecContext(ctx, `UPDATE share_shares SET released_at = ?, released_by = ? WHERE id = ?`, now, nullable(userID), id); err != nil {
		return nil, err
	}
	s.ReleasedAt = &now
	return s, setStatus(ctx, q, s.ReportID, StatusReleased, now)
}

// Withdraw takes a released share back: members no longer see it (the
// feed, the page, the count), and it stays on record for the
// coordinators.
func Withdraw(ctx context.Context, q db.Querier, id, userID string, now time.Time) error {
	s, err := GetShare(ctx, q, id)
	if err != nil {
		return err
	}
	if s.ReleasedAt == nil || s.WithdrawnAt != nil {
		return apperr.New(apperr.Conflict, "sharing.err.not_released")
	}
	_, err = q.ExecContext(ctx, `UPDATE share_shares SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?`, now, nullable(userID), id)
	return err
}

// CloseReport ends a report without sharing it.
func CloseReport(ctx context.Context, q db.Querier, reportID string, now time.Time) error {
	rep, err := GetReport(ctx, q, "", reportID)
	if err != nil {
		return err
	}
	if rep.Status == StatusReleased || rep.Status == StatusClosed {
		return apperr.New(apperr.Conflict, "sharing.err.released")
	}
	return setStatus(ctx, q, reportID, StatusClosed, now)
}

// Visible reports whether a member organisation (in good standing) may
// see a released share: CLEAR and GREEN go to every member, the others
// to the members of the chosen SIGs.
func Visible(ctx context.Context, q db.Querier, s *Share, m *Member) (bool, error) {
	if s.ReleasedAt == nil || s.WithdrawnAt != nil || !m.Active() {
		return false, nil
	}
	if community(s.TLP) {
		return true, nil
	}
	for _, g := range m.SIGs {
		if slices.Contains(s.SIGIDs, g.ID) {
			return true, nil
		}
	}
	return false, nil
}

// Feed lists the released shares a member may see, newest first.
func Feed(ctx context.Context, q db.Querier, m *Member, limit int) ([]*Share, error) {
	if !m.Active() {
		return nil, nil
	}
	out, err := db.Collect(ctx, q, scanShare, `SELECT `+shareCols+` FROM share_shares s WHERE released_at IS NOT NULL AND withdrawn_at IS NULL AND (tlp IN ('clear', 'green')
		OR EXISTS (SELECT 1 FROM share_share_sigs x JOIN share_sig_members sm ON sm.sig_id = x.sig_id WHERE x.share_id = s.id AND sm.org_id = ?))
		ORDER BY released_at DESC, id DESC LIMIT ?`, m.OrgID, limit)
	if err != nil {
		return nil, err
	}
	for _, s := range out {
		if err := s.loadSIGs(ctx, q); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SightingThreshold is how many organisations must have recorded a
// sighting before the count is shown to members: below it, a count could
// point at a particular company.
const SightingThreshold = 3

// RecordSighting notes that a member received the shared mail too. Once
// per organisation; again is no change.
func RecordSighting(ctx context.Context, q db.Querier, shareID, orgID, userID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO share_sightings (share_id, org_id, user_id, at) VALUES (?, ?, ?, ?) ON CONFLICT (share_id, org_id) DO NOTHING`,
		shareID, orgID, nullable(userID), now)
	return err
}

// Sightings counts the organisations that recorded a sighting and says
// whether orgID is among them.
func Sightings(ctx context.Context, q db.Querier, shareID, orgID string) (n int, mine bool, err error) {
	var own int
	err = q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN org_id = ? THEN 1 ELSE 0 END), 0) FROM share_sightings WHERE share_id = ?`, orgID, shareID).Scan(&n, &own)
	return n, own > 0, err
}
