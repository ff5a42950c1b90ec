package sharing

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/incident"
	"mamori/internal/web"
)

// Member is an organisation in the partnership.
type Member struct {
	OrgID, Slug, Name string
	Boundary          []string // host suffixes and CIDR prefixes, see ParseBoundary
	// Phones are the member's own phone and fax numbers, removed from
	// what it reports like its names (see SetPhones).
	Phones   []string
	JoinedAt time.Time
	LeftAt   *time.Time
	// NDA is the NDA in force today, nil when none: then the member's
	// staff see nothing shared.
	NDA *NDA
	// LatestNDA is the NDA already begun that ends last, nil when none
	// (to say when it lapsed).
	LatestNDA *NDA
	// NextNDA is the earliest NDA not yet begun, nil when none: a renewal
	// signed ahead says when access resumes, not that it lapsed.
	NextNDA *NDA
	SIGs    []SIG
}

// Active reports whether the member may see shared information today:
// still a member and under a current NDA.
func (m *Member) Active() bool { return m.LeftAt == nil && m.NDA != nil }

// NDA is one signed non-disclosure agreement.
type NDA struct {
	ID                  string
	SignedOn, ExpiresOn string // YYYY-MM-DD, both days covered
	Reference           string
	RecordedAt          time.Time
}

// Today is the date in Japan of t, as NDA dates are written: an NDA
// "until 31 March" covers that whole day in Japan, wherever the server runs.
func Today(t time.Time) string { return i18n.Day(t) }

// Covers reports whether the NDA is in force on day (YYYY-MM-DD).
func (n *NDA) Covers(day string) bool { return n.SignedOn <= day && day <= n.ExpiresOn }

// AddMember makes an organisation a member. Adding one that left brings
// it back.
func AddMember(ctx context.Context, q db.Querier, orgID, userID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO share_members (org_id, joined_at, added_by) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET left_at = NULL`, orgID, now, nullable(userID))
	return db.Classify(err)
}

// RemoveMember ends a membership; its reports stay for the record.
func RemoveMember(ctx context.Context, q db.Querier, orgID string, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE share_members SET left_at = ? WHERE org_id = ? AND left_at IS NULL`, now, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NDAInput is an NDA as the coordinator records it.
type NDAInput struct{ SignedOn, ExpiresOn, Reference string }

func (in NDAInput) clean() (NDAInput, error) {
	f := apperr.FieldSet{}
	day := func(field, s string) string {
		s = strings.ReplaceAll(strings.TrimSpace(s), "/", "-")
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			f.Add(field, "sharing.err.date")
			return ""
		}
		return t.Format(time.DateOnly)
	}
	out := NDAInput{SignedOn: day("signed_on", in.SignedOn), ExpiresOn: day("expires_on", in.ExpiresOn)}
	if out.SignedOn != "" && out.ExpiresOn != "" && out.ExpiresOn < out.SignedOn {
		f.Add("expires_on", "sharing.err.nda_order")
	}
	ref, ok := web.CleanText(in.Reference, 200)
	if !ok {
		f.Add("reference", web.TextKey(in.Reference, "sharing.err.text"))
	}
	out.Reference = ref
	return out, f.Err()
}

// RecordNDA records a signed NDA for a member.
func RecordNDA(ctx context.Context, q db.Querier, orgID, userID string, in NDAInput, now time.Time) (*NDA, error) {
	c, err := in.clean()
	if err != nil {
		return nil, err
	}
	n := &NDA{ID: db.NewID(), SignedOn: c.SignedOn, ExpiresOn: c.ExpiresOn, Reference: c.Reference, RecordedAt: now}
	_, err = q.ExecContext(ctx, `INSERT INTO share_ndas (id, org_id, signed_on, expires_on, reference, recorded_by, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, n.ID, orgID, n.SignedOn, n.ExpiresOn, n.Reference, nullable(userID), now)
	if err != nil {
		return nil, db.Classify(err)
	}
	return n, nil
}

// NDAs lists a member's NDAs, the one ending last first.
func NDAs(ctx context.Context, q db.Querier, orgID string) ([]NDA, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (NDA, error) {
		var n NDA
		err := r.Scan(&n.ID, &n.SignedOn, &n.ExpiresOn, &n.Reference, &n.RecordedAt)
		n.RecordedAt = n.RecordedAt.UTC()
		return n, err
	}, `SELECT id, signed_on, expires_on, reference, recorded_at FROM share_ndas
		WHERE org_id = ? ORDER BY expires_on DESC, signed_on DESC`, orgID)
}

// memberCols reads a member with its organisation's name.
const memberCols = `m.org_id, o.slug, o.name, m.boundary, m.phones, m.joined_at, m.left_at`

func scanMember(s db.Scanner) (*Member, error) {
	var m Member
	var boundary, phones string
	var left *time.Time
	if err := s.Scan(&m.OrgID, &m.Slug, &m.Name, &boundary, &phones, &m.JoinedAt, &left); err != nil {
		return nil, err
	}
	m.JoinedAt = m.JoinedAt.UTC()
	if left != nil {
		l := left.UTC()
		m.LeftAt = &l
	}
	m.Boundary = splitLines(boundary)
	m.Phones = splitLines(phones)
	return &m, nil
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// GetMember returns a member (current or former) with its NDAs and SIGs
// as of now.
func GetMember(ctx context.Context, q db.Querier, orgID string, now time.Time) (*Member, error) {
	m, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberCols+` FROM share_members m JOIN orgs o ON o.id = m.org_id WHERE m.org_id = ?`, orgID))
	if err != nil {
		return nil, db.Classify(err)
	}
	if err := fillMember(ctx, q, m, now); err != nil {
		return nil, err
	}
	return m, nil
}

func fillMember(ctx context.Context, q db.Querier, m *Member, now time.Time) error {
	return fillMembers(ctx, q, []*Member{m}, now)
}

// fillMembers reads the NDAs and SIGs of ms in two queries per batch of
// organisations, not two per member: the coordinator's member list grows
// with the partnership.
func fillMembers(ctx context.Context, q db.Querier, ms []*Member, now time.Time) error {
	const batch = 500 // well under every engine's limit on bound values
	today := Today(now)
	for len(ms) > 0 {
		part := ms[:min(batch, len(ms))]
		ms = ms[len(part):]
		byOrg := make(map[string]*Member, len(part))
		args := make([]any, len(part))
		for i, m := range part {
			byOrg[m.OrgID], args[i] = m, m.OrgID
		}
		in := db.Marks(len(part))
		ndas, err := readNDAs(ctx, q, `SELECT org_id, id, signed_on, expires_on, reference, recorded_at FROM share_ndas
			WHERE org_id IN `+in+` ORDER BY org_id, expires_on DESC, signed_on DESC`, args...)
		if err != nil {
			return err
		}
		for _, n := range ndas {
			m := byOrg[n.org]
			if n.SignedOn > today {
				if m.NextNDA == nil || n.SignedOn < m.NextNDA.SignedOn {
					m.NextNDA = &n.NDA
				}
				continue
			}
			if m.LatestNDA == nil {
				m.LatestNDA = &n.NDA
			}
			if m.NDA == nil && n.Covers(today) {
				m.NDA = &n.NDA
			}
		}
		err = db.Each(ctx, q, func(r db.Scanner) error {
			var org string
			g, err := scanSIG(scanPrefix{r, &org})
			if err == nil {
				byOrg[org].SIGs = append(byOrg[org].SIGs, g)
			}
			return err
		}, `SELECT m.org_id, `+sigCols+` FROM share_sigs s JOIN share_sig_members m ON m.sig_id = s.id
			WHERE m.org_id IN `+in+` ORDER BY s.name, s.id`, args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// orgNDA is an NDA with the organisation it binds.
type orgNDA struct {
	org string
	NDA
}

func readNDAs(ctx context.Context, q db.Querier, query string, args ...any) ([]*orgNDA, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (*orgNDA, error) {
		n := new(orgNDA)
		err := r.Scan(&n.org, &n.ID, &n.SignedOn, &n.ExpiresOn, &n.Reference, &n.RecordedAt)
		n.RecordedAt = n.RecordedAt.UTC()
		return n, err
	}, query, args...)
}

// scanPrefix scans a row's first column into head and the rest with the
// wrapped scanner's caller, so a row scanner can be reused for a query
// that puts one more column in front.
type scanPrefix struct {
	s    interface{ Scan(...any) error }
	head any
}

func (p scanPrefix) Scan(dest ...any) error { return p.s.Scan(append([]any{p.head}, dest...)...) }

// Members lists every member, current ones first, by name.
func Members(ctx context.Context, q db.Querier, now time.Time) ([]*Member, error) {
	return listMembers(ctx, q, now, `SELECT `+memberCols+` FROM share_members m JOIN orgs o ON o.id = m.org_id
		ORDER BY (m.left_at IS NULL) DESC, o.name, o.id`)
}

// listMembers reads members and then their NDAs and SIGs (after the
// rows are closed: SQLite's readers are few).
func listMembers(ctx context.Context, q db.Querier, now time.Time, query string, args ...any) ([]*Member, error) {
	out, err := db.Collect(ctx, q, scanMember, query, args...)
	if err != nil {
		return nil, err
	}
	if err := fillMembers(ctx, q, out, now); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseBoundary reads a member's mail-server boundary, one entry per
// line: a host name suffix (mail.example.jp, .example.jp) or an IP prefix
// (192.0.2.0/24, 2001:db8::/32, or one address). Problems are reported
// with the line number.
func ParseBoundary(s string) (hosts []string, nets []netip.Prefix, err error) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if len(lines) > 200 {
		return nil, nil, apperr.Field("boundary", "sharing.err.boundary_long")
	}
	for _, l := range lines {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if p, err := netip.ParsePrefix(l); err == nil {
			nets = append(nets, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(l); err == nil {
			nets = append(nets, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		h := strings.TrimPrefix(l, ".")
		if !validHost(h) {
			return nil, nil, apperr.Field("boundary", "sharing.err.boundary")
		}
		hosts = append(hosts, h)
	}
	return hosts, nets, nil
}

func validHost(h string) bool {
	if h == "" || len(h) > 253 || !strings.Contains(h, ".") {
		return false
	}
	// A name whose last label is all digits is an address written
	// loosely (".0.0.0.0"), not a host: no top-level domain is numeric.
	if last := h[strings.LastIndex(h, ".")+1:]; strings.Trim(last, "0123456789") == "" {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// SetBoundary stores a member's boundary after checking it.
func SetBoundary(ctx context.Context, q db.Querier, orgID, text string) error {
	hosts, nets, err := ParseBoundary(text)
	if err != nil {
		return err
	}
	var lines []string
	lines = append(lines, hosts...)
	for _, n := range nets {
		lines = append(lines, n.String())
	}
	res, err := q.ExecContext(ctx, `UPDATE share_members SET boundary = ? WHERE org_id = ?`, strings.Join(lines, "\n"), orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// maxPhones bounds a member's numbers: a head office, branches and fax.
const maxPhones = 50

// SetPhones stores the member's own phone and fax numbers, one per line,
// checked and written the way the incident card checks numbers (digits
// with hyphens, brackets and spaces, a leading + for the international
// form; full-width digits become ASCII). The sanitiser then removes them
// from the member's reports in any written form.
func SetPhones(ctx context.Context, q db.Querier, orgID, text string) error {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []string
	for _, l := range lines {
		p, bad := incident.CleanPhone(l)
		if bad != "" || strings.HasPrefix(p, "#") {
			return apperr.Field("phones", "sharing.err.phone")
		}
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) > maxPhones {
		return apperr.Field("phones", "sharing.err.phones_long")
	}
	res, err := q.ExecContext(ctx, `UPDATE share_members SET phones = ? WHERE org_id = ?`, strings.Join(out, "\n"), orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}
