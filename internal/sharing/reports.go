package sharing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/masterkey"
	"mamori/internal/web"
)

// Upload bounds: a reported mail of up to 25 MB (attachments included),
// at most 10 per report, and the request that carries them.
const (
	MaxMailBytes   = 25 << 20
	MaxMailsPerRpt = 10
	MaxUploadBytes = 60 << 20
)

// sealPurpose names the masterkey key reported mail is sealed with.
const sealPurpose = "report mail"

// KeyProbe opens one stored mail with box and returns
// masterkey.ErrWrongKey when it does not open; nil when none is stored.
// masterkey.Open runs it before the first key-check value is written, so
// an upgrade from a version without one cannot adopt a new master key
// while the mail stays sealed with the old.
func KeyProbe(ctx context.Context, q db.Querier, box *masterkey.Box) error {
	var id string
	var sealed []byte
	err := q.QueryRowContext(ctx, `SELECT id, sealed FROM share_report_mails LIMIT 1`).Scan(&id, &sealed)
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sharing: %w", err)
	}
	if _, err := box.Open(sealPurpose, sealed, []byte(id)); err != nil {
		return masterkey.ErrWrongKey
	}
	return nil
}

// The report's form and its files' names are sealed too: the form names
// the people who received or opened the mail ("経理の山田が開封"), and a
// saved mail is named after its subject, which may name the addressee.
const (
	sealForm     = "report form"
	sealMailName = "report mail name"
)

// Report statuses, in the order a report moves through them.
const (
	StatusReceived = "received" // reported, not yet looked at
	StatusReview   = "review"   // an analyst is preparing the share
	StatusApproval = "approval" // waiting for the reporter's approval
	StatusChanges  = "changes"  // the reporter asked for changes
	StatusReleased = "released" // shared
	StatusClosed   = "closed"   // kept, not shared
)

// Report is a member's report of a suspicious mail.
type Report struct {
	ID, OrgID, ReporterID string
	Summary               string
	NoticedAt             time.Time
	Recipients            int
	Actions               string
	Status                string
	Targeted              bool
	CreatedAt, UpdatedAt  time.Time
	Mails                 []MailFile
	// MailCount is the number of mails, filled by Reports (whose lists
	// do not load Mails).
	MailCount int
	// Summary, Actions and the mails' names are sealed at rest and
	// filled by Open.
	sealedForm []byte
	opened     bool
}

// MailFile is a reported mail file; Body is empty unless opened, Name
// unless its report was opened (or the file read with OpenMail).
type MailFile struct {
	ID, Name, SHA256 string
	Size             int
	Body             []byte
	sealedName       []byte
}

// reportForm is what sealed_form holds.
type reportForm struct {
	Summary string `json:"summary"`
	Actions string `json:"actions"`
}

// Open fills the report's form and its mails' names from their sealed
// columns (or the clear ones an older version wrote, until SealLegacy has
// sealed them). The pages that show them call it: the reporting member's
// and the coordinators'.
func (r *Report) Open(box *masterkey.Box) error {
	if r.opened {
		return nil
	}
	if r.sealedForm != nil {
		b, err := box.Open(sealForm, r.sealedForm, []byte(r.ID))
		if err != nil {
			return fmt.Errorf("report %s: %w", r.ID, err)
		}
		var f reportForm
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("report %s: %w", r.ID, err)
		}
		r.Summary, r.Actions = f.Summary, f.Actions
	}
	for i := range r.Mails {
		if err := r.Mails[i].openName(box); err != nil {
			return err
		}
	}
	r.opened = true
	return nil
}

func (m *MailFile) openName(box *masterkey.Box) error {
	if m.sealedName == nil {
		return nil
	}
	b, err := box.Open(sealMailName, m.sealedName, []byte(m.ID))
	if err != nil {
		return fmt.Errorf("report mail %s: %w", m.ID, err)
	}
	m.Name = string(b)
	return nil
}

// sealReportForm seals a report's summary and actions.
func sealReportForm(box *masterkey.Box, id, summary, actions string) []byte {
	b, _ := json.Marshal(reportForm{Summary: summary, Actions: actions})
	return box.Seal(sealForm, b, []byte(id))
}

// ReportInput is the member's form.
type ReportInput struct {
	Summary, NoticedAt, Recipients, Actions string
}

// clean checks the form and the files. now bounds the date: a report of
// something noticed tomorrow is a typing slip.
func (in ReportInput) clean(files []MailFile, now time.Time) (ReportInput, time.Time, int, error) {
	f := apperr.FieldSet{}
	sum, ok := web.CleanLines(in.Summary, 4000)
	if !ok {
		f.Add("summary", web.TextKey(in.Summary, "sharing.err.text"))
	} else if sum == "" {
		f.Add("summary", "sharing.err.summary")
	}
	act, ok := web.CleanLines(in.Actions, 4000)
	if !ok {
		f.Add("actions", web.TextKey(in.Actions, "sharing.err.text"))
	}
	var at time.Time
	s := strings.TrimSpace(in.NoticedAt)
	var err error
	if at, err = time.ParseInLocation("2006-01-02T15:04", s, i18n.Zone()); err != nil {
		if at, err = time.ParseInLocation(time.DateOnly, s, i18n.Zone()); err != nil {
			f.Add("noticed_at", "sharing.err.datetime")
		}
	}
	if err == nil && at.After(now.Add(time.Hour)) {
		f.Add("noticed_at", "sharing.err.future")
	}
	n, err := strconv.Atoi(strings.TrimSpace(in.Recipients))
	if err != nil || n < 0 || n > 1_000_000 {
		f.Add("recipients", "sharing.err.recipients")
	}
	switch {
	case len(files) == 0:
		f.Add("mail", "sharing.err.mail_missing")
	case len(files) > MaxMailsPerRpt:
		f.Add("mail", "sharing.err.mail_count")
	}
	for _, m := range files {
		if len(m.Body) > MaxMailBytes {
			f.Add("mail", "sharing.err.mail_size")
		}
		if len(m.Body) == 0 || !looksLikeMail(m.Body) {
			f.Add("mail", "sharing.err.mail_format")
		}
	}
	return ReportInput{Summary: sum, Actions: act}, at.UTC(), n, f.Err()
}

// looksLikeMail accepts what a mail client saves as .eml: header lines
// ("Name: value") before the first blank line. It keeps photos, PDFs and
// Office files out, which are the usual wrong uploads.
func looksLikeMail(b []byte) bool {
	head := b[:min(len(b), 64<<10)]
	s := string(head)
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	} else if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = s[:i]
	}
	lines, headers := 0, 0
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l == "" {
			continue
		}
		lines++
		if l[0] == ' ' || l[0] == '\t' {
			headers++ // continuation
			continue
		}
		if i := strings.IndexByte(l, ':'); i > 0 && !strings.ContainsAny(l[:i], " \t") {
			headers++
		}
	}
	lower := strings.ToLower(s)
	return lines > 0 && headers*10 >= lines*9 && (strings.Contains(lower, "from:") || strings.Contains(lower, "received:"))
}

// CreateReport stores a member's report with its mail files sealed.
func CreateReport(ctx context.Context, q db.Querier, box *masterkey.Box, orgID, userID string, in ReportInput, files []MailFile, now time.Time) (*Report, error) {
	c, at, n, err := in.clean(files, now)
	if err != nil {
		return nil, err
	}
	r := &Report{ID: db.NewID(), OrgID: orgID, ReporterID: userID, Summary: c.Summary, NoticedAt: at, Recipients: n, Actions: c.Actions,
		Status: StatusReceived, CreatedAt: now, UpdatedAt: now, opened: true}
	if _, err := q.ExecContext(ctx, `INSERT INTO share_reports (id, org_id, reporter_id, summary, sealed_form, noticed_at, recipients, actions, status, targeted, created_at, updated_at)
		VALUES (?, ?, ?, '', ?, ?, ?, '', ?, ?, ?, ?)`, r.ID, orgID, nullable(userID), sealReportForm(box, r.ID, r.Summary, r.Actions), r.NoticedAt, r.Recipients, r.Status, false, now, now); err != nil {
		return nil, db.Classify(err)
	}
	for _, f := range files {
		sum := sha256.Sum256(f.Body)
		m := MailFile{ID: db.NewID(), Name: web.CleanFilename(f.Name, 100, "reported.eml"), Size: len(f.Body), SHA256: hex.EncodeToString(sum[:])}
		sealed := box.Seal(sealPurpose, f.Body, []byte(m.ID))
		if _, err := q.ExecContext(ctx, `INSERT INTO share_report_mails (id, report_id, filename, sealed_filename, size, sha256, sealed, created_at) VALUES (?, ?, '', ?, ?, ?, ?, ?)`,
			m.ID, r.ID, box.Seal(sealMailName, []byte(m.Name), []byte(m.ID)), m.Size, m.SHA256, sealed, now); err != nil {
			return nil, err
		}
		r.Mails = append(r.Mails, m)
	}
	return r, nil
}

const reportCols = `id, org_id, COALESCE(reporter_id, ''), summary, sealed_form, noticed_at, recipients, actions, status, targeted, created_at, updated_at`

func scanReport(s db.Scanner) (*Report, error) {
	var r Report
	if err := s.Scan(&r.ID, &r.OrgID, &r.ReporterID, &r.Summary, &r.sealedForm, &r.NoticedAt, &r.Recipients, &r.Actions, &r.Status, &r.Targeted, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.NoticedAt, r.CreatedAt, r.UpdatedAt = r.NoticedAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// GetReport returns a report with its mail files listed (not opened).
// orgID "" is the coordinators' view of any report; a member passes its
// own organisation, and another member's report is not found.
func GetReport(ctx context.Context, q db.Querier, orgID, id string) (*Report, error) {
	query, args := `SELECT `+reportCols+` FROM share_reports WHERE id = ?`, []any{id}
	if orgID != "" {
		query, args = query+` AND org_id = ?`, append(args, orgID)
	}
	r, err := scanReport(q.QueryRowContext(ctx, query, args...))
	if err != nil {
		return nil, db.Classify(err)
	}
	r.Mails, err = db.Collect(ctx, q, func(row db.Scanner) (MailFile, error) {
		var m MailFile
		err := row.Scan(&m.ID, &m.Name, &m.sealedName, &m.Size, &m.SHA256)
		return m, err
	}, `SELECT id, filename, sealed_filename, size, sha256 FROM share_report_mails WHERE report_id = ? ORDER BY created_at, id`, r.ID)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// OpenMail returns a report's mail file with its body. Only coordinators
// call it, and they record the view in the audit log.
func OpenMail(ctx context.Context, q db.Querier, box *masterkey.Box, reportID, mailID string) (*MailFile, error) {
	var m MailFile
	var sealed []byte
	err := q.QueryRowContext(ctx, `SELECT id, filename, sealed_filename, size, sha256, sealed FROM share_report_mails WHERE id = ? AND report_id = ?`, mailID, reportID).
		Scan(&m.ID, &m.Name, &m.sealedName, &m.Size, &m.SHA256, &sealed)
	if err != nil {
		return nil, db.Classify(err)
	}
	if err := m.openName(box); err != nil {
		return nil, err
	}
	if m.Body, err = box.Open(sealPurpose, sealed, []byte(m.ID)); err != nil {
		return nil, err
	}
	return &m, nil
}

// ReportFilter narrows report lists.
type ReportFilter struct {
	OrgID  string // "" for all (coordinators)
	Status string // "" for any
	Limit  int
}

// Reports lists reports, newest first.
func Reports(ctx context.Context, q db.Querier, f ReportFilter) ([]*Report, error) {
	query, args := `SELECT `+reportCols+`, (SELECT COUNT(*) FROM share_report_mails m WHERE m.report_id = share_reports.id) FROM share_reports WHERE 1 = 1`, []any{}
	if f.OrgID != "" {
		query, args = query+` AND org_id = ?`, append(args, f.OrgID)
	}
	if f.Status != "" {
		query, args = query+` AND status = ?`, append(args, f.Status)
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	query, args = query+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, f.Limit)
	return db.Collect(ctx, q, func(row db.Scanner) (*Report, error) {
		var n int
		r, err := scanReport(scanExtra{row, []any{&n}})
		if err != nil {
			return nil, err
		}
		r.MailCount = n
		return r, nil
	}, query, args...)
}

// scanExtra scans a row's leading columns into scanReport's fields and
// the columns after them into extra.
type scanExtra struct {
	s     interface{ Scan(...any) error }
	extra []any
}

func (e scanExtra) Scan(dest ...any) error { return e.s.Scan(append(dest, e.extra...)...) }
