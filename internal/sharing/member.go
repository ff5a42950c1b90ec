package sharing

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/mailparse"
	"mamori/internal/sharing/correlate"
	"mamori/internal/web"
)

type homeData struct {
	Members []*Member
	Reports []*Report
	// Feed are the released shares the account's organisations may see.
	Feed []*Share
	// Standing is true when at least one of the account's organisations
	// may report and see shares today.
	Standing bool
}

// homePage is a staff account's start in the hub: its organisations with
// their NDA standing, and their reports.
func (s *Service) homePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ms, err := MembershipsOf(ctx, s.DB.Read(), web.ViewerFrom(ctx), s.now())
	if err != nil {
		return err
	}
	d := homeData{Members: ms}
	for _, m := range ms {
		d.Standing = d.Standing || m.Active()
		rs, err := Reports(ctx, s.DB.Read(), ReportFilter{OrgID: m.OrgID, Limit: 50})
		if err != nil {
			return err
		}
		for _, rep := range rs {
			if err := rep.Open(s.Box); err != nil {
				return err
			}
		}
		d.Reports = append(d.Reports, rs...)
		feed, err := Feed(ctx, s.DB.Read(), m, 100)
		if err != nil {
			return err
		}
		for _, sh := range feed {
			if !slices.ContainsFunc(d.Feed, func(x *Share) bool { return x.ID == sh.ID }) {
				d.Feed = append(d.Feed, sh)
			}
		}
	}
	return s.render(w, r, http.StatusOK, "home", s.printer(r).T("sharing.home_title"), nil, d)
}

// activeMembers are the account's organisations in good standing: the
// ones it may report for.
func (s *Service) activeMembers(r *http.Request) ([]*Member, error) {
	ms, err := MembershipsOf(r.Context(), s.DB.Read(), web.ViewerFrom(r.Context()), s.now())
	if err != nil {
		return nil, err
	}
	var out []*Member
	for _, m := range ms {
		if m.Active() {
			out = append(out, m)
		}
	}
	return out, nil
}

type reportFormData struct {
	Members  []*Member
	MaxMB    int
	MaxMails int
}

func (s *Service) reportNewPage(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.activeMembers(r)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return web.Redirect(w, r, "/share", "flash.share_no_standing")
	}
	f := web.NewForm(url.Values{"noticed_at": {s.now().In(i18n.Zone()).Format("2006-01-02T15:04")}, "org": {ms[0].OrgID}})
	return s.render(w, r, http.StatusOK, "report_new", s.printer(r).T("sharing.report_new_title"), f, reportFormData{Members: ms, MaxMB: MaxMailBytes >> 20, MaxMails: MaxMailsPerRpt})
}

// readReportForm streams the multipart form: text fields into a form,
// each "mail" file into memory up to MaxMailBytes+1 (a bigger one is
// reported as too large without holding it).
func readReportForm(r *http.Request) (*web.Form, []MailFile, error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return nil, nil, apperr.New(apperr.Invalid, "error.bad_form")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Invalid, "error.bad_form")
	}
	vals := url.Values{}
	var files []MailFile
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil && parts == maxReportParts {
			// The form has a dozen fields and ten files at most; a body of
			// thousands of tiny parts is not a report.
			return nil, nil, apperr.New(apperr.Invalid, "error.bad_form")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, apperr.New(apperr.TooLarge, "error.file_too_large", MaxUploadBytes>>20)
			}
			return nil, nil, apperr.Wrap(err, apperr.Invalid, "error.bad_form")
		}
		if p.FormName() == "mail" {
			if p.FileName() == "" {
				continue // an empty file input
			}
			if len(files) >= MaxMailsPerRpt {
				files = append(files, MailFile{Name: p.FileName()}) // counted, refused by clean
				continue
			}
			b, err := io.ReadAll(io.LimitReader(p, MaxMailBytes+1))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, nil, apperr.New(apperr.TooLarge, "error.file_too_large", MaxUploadBytes>>20)
				}
				return nil, nil, apperr.Wrap(err, apperr.Invalid, "error.bad_form")
			}
			files = append(files, MailFile{Name: p.FileName(), Body: b})
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, 64<<10))
		if err != nil {
			return nil, nil, apperr.Wrap(err, apperr.Invalid, "error.bad_form")
		}
		if !utf8.Valid(b) {
			// Refused as ParseForm refuses it: dropping the bad bytes
			// would store a text the reporter never wrote.
			return nil, nil, apperr.New(apperr.Invalid, "error.bad_encoding")
		}
		vals.Add(p.FormName(), string(b))
	}
	return web.NewForm(vals), files, nil
}

// indicatorsOf parses a new report's mails, before its transaction and
// within one parse slot (parsegate.go), for the indicators stored for
// correlation, so the coordinators see at once which earlier reports it
// resembles. A file the report will refuse (empty, too large, not a
// mail) is not parsed; a mail that does not parse adds nothing, and the
// coordinators still have it.
func (s *Service) indicatorsOf(ctx context.Context, files []MailFile, m *Member) ([]correlate.Indicator, error) {
	ctx, release, err := s.holdParse(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	// Values of the member's own domains (a lure spoofing its staff as
	// sender, a link to its portal) are indicators of the member, not of
	// the attack, and are kept out: the correlation store holds them in
	// clear.
	own := s.memberDomains(ctx, s.DB.Read(), web.ViewerFrom(ctx).UserID, m)
	var inds []correlate.Indicator
	for _, mf := range files {
		if len(mf.Body) == 0 || len(mf.Body) > MaxMailBytes || !looksLikeMail(mf.Body) {
			continue
		}
		msg, err := s.parses().parseBytes(ctx, mf.Body, mailparse.Options{MaxSize: MaxMailBytes, Boundary: boundaryOf(m)})
		if err != nil {
			continue
		}
		for _, in := range Indicators(msg) {
			host := in.Value
			switch in.Kind {
			case correlate.Sender:
				host = host[strings.LastIndexByte(host, '@')+1:]
			case correlate.URLHost:
			default:
				inds = append(inds, in)
				continue
			}
			if !underDomains(host, own) {
				inds = append(inds, in)
			}
		}
	}
	return inds, nil
}

// maxReportParts bounds the parts of one report upload: its fields, up
// to MaxMailsPerRpt files, and room for a few more files to be refused
// with a message rather than a bare error.
const maxReportParts = 100

func (s *Service) reportNewPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ms, err := s.activeMembers(r)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return web.Redirect(w, r, "/share", "flash.share_no_standing")
	}
	f, files, err := readReportForm(r)
	if err != nil {
		return err
	}
	var m *Member
	for _, x := range ms {
		if x.OrgID == f.Get("org") {
			m = x
		}
	}
	data := reportFormData{Members: ms, MaxMB: MaxMailBytes >> 20, MaxMails: MaxMailsPerRpt}
	if m == nil {
		f.Apply(apperr.Field("org", "sharing.err.org_choice"))
		return s.render(w, r, http.StatusUnprocessableEntity, "report_new", s.printer(r).T("sharing.report_new_title"), f, data)
	}
	in := ReportInput{Summary: f.Get("summary"), NoticedAt: f.Get("noticed_at"), Recipients: f.Get("recipients"), Actions: f.Get("actions")}
	inds, err := s.indicatorsOf(ctx, files, m)
	if err != nil {
		if apperr.Is(err, apperr.TooMany) {
			// Busy: the form again with the message, answered 503.
			f.Apply(err)
			w.Header().Set("Retry-After", "60")
			return s.render(w, r, http.StatusServiceUnavailable, "report_new", s.printer(r).T("sharing.report_new_title"), f, data)
		}
		return err
	}
	var rep *Report
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if rep, err = CreateReport(ctx, tx, s.Box, m.OrgID, web.ViewerFrom(ctx).UserID, in, files, s.now()); err != nil {
			return err
		}
		if err := correlate.Add(ctx, tx, rep.ID, rep.CreatedAt, inds); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionReported, TargetType: "share_report", TargetID: rep.ID, Detail: map[string]any{"mails": len(files)}})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.render(w, r, web.FormStatus(err), "report_new", s.printer(r).T("sharing.report_new_title"), f, data)
	}
	return web.Redirect(w, r, "/share/reports/"+rep.ID, "flash.share_reported")
}

type reportData struct {
	Report *Report
	Member *Member // its Active() says whether the proposal may be shown
	// Share is the proposed share while the reporter's approval is
	// asked (or changes were asked), nil otherwise.
	Share *ShareView
}

// reportPage shows a member its own organisation's report, with the
// proposed share when its approval is asked; anyone else's report is not
// found.
func (s *Service) reportPage(w http.ResponseWriter, r *http.Request) error {
	ms, err := MembershipsOf(r.Context(), s.DB.Read(), web.ViewerFrom(r.Context()), s.now())
	if err != nil {
		return err
	}
	for _, m := range ms {
		if _, err := GetReport(r.Context(), s.DB.Read(), m.OrgID, r.PathValue("id")); err == nil {
			return s.reportRender(w, r, http.StatusOK, m, r.PathValue("id"), web.NewForm(nil))
		}
	}
	return db.ErrNotFound
}

func (s *Service) reportRender(w http.ResponseWriter, r *http.Request, status int, m *Member, id string, f *web.Form) error {
	ctx := r.Context()
	rep, err := GetReport(ctx, s.DB.Read(), m.OrgID, id)
	if err != nil {
		return err
	}
	if err := rep.Open(s.Box); err != nil {
		return err
	}
	d := reportData{Report: rep, Member: m}
	// The proposal carries the coordinators' analysis: shared information,
	// which a member without a current NDA (or that left) does not see,
	// even for its own report.
	if m.Active() && (rep.Status == StatusApproval || rep.Status == StatusChanges || rep.Status == StatusReleased) {
		sh, err := ShareOfReport(ctx, s.DB.Read(), rep.ID)
		if err != nil {
			return err
		}
		if d.Share, err = s.shareView(ctx, s.DB.Read(), sh); err != nil {
			return err
		}
	}
	return s.render(w, r, status, "report", s.printer(r).T("sharing.report_title"), f, d)
}

// staffMember is the member named by {org} if the account is its staff.
func (s *Service) staffMember(r *http.Request) (*Member, error) {
	ms, err := MembershipsOf(r.Context(), s.DB.Read(), web.ViewerFrom(r.Context()), s.now())
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Slug == r.PathValue("org") {
			return m, nil
		}
	}
	return nil, db.ErrNotFound
}

type boundaryData struct{ Member *Member }

func (s *Service) boundaryPage(w http.ResponseWriter, r *http.Request) error {
	m, err := s.staffMember(r)
	if err != nil {
		return err
	}
	f := web.NewForm(url.Values{"boundary": {strings.Join(m.Boundary, "\n")}, "phones": {strings.Join(m.Phones, "\n")}})
	return s.render(w, r, http.StatusOK, "boundary", s.printer(r).T("sharing.boundary_title"), f, boundaryData{Member: m})
}

// boundaryPost stores the member's mail-server boundary, which decides
// which Received hops of its reports are its own (never shared), and its
// own phone and fax numbers, which are removed from what it reports.
func (s *Service) boundaryPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	m, err := s.staffMember(r)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := SetBoundary(ctx, tx, m.OrgID, f.Get("boundary")); err != nil {
			return err
		}
		if err := SetPhones(ctx, tx, m.OrgID, f.Get("phones")); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionBoundarySet, TargetType: "org", TargetID: m.OrgID})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.render(w, r, web.FormStatus(err), "boundary", s.printer(r).T("sharing.boundary_title"), f, boundaryData{Member: m})
	}
	return web.Redirect(w, r, "/share", "flash.share_boundary_saved")
}
