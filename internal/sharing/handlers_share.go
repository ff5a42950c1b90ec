package sharing

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/mail"
	"mamori/internal/mailparse"
	"mamori/internal/sharing/correlate"
	"mamori/internal/web"
)

// ShareView is a share decoded for display.
type ShareView struct {
	*Share
	Mails    []MailView
	SIGNames []string
	// Redactions is the editor's table as shown: the share's redactions
	// with long values clipped and long lists cut; RedactionCuts (per
	// mail, nil when whole) and RedactionsClipped say what it leaves out
	// (viewbounds.go).
	Redactions        [][]Redaction
	RedactionCuts     []*ListCut
	RedactionsClipped int
}

// MailView is a parsed mail as pages show it: URLs defanged (hxxp, [.])
// so an indicator on a page is never followed by accident, and every
// value and list bounded (viewbounds.go): Message is a shortened copy.
type MailView struct {
	*mailparse.Message
	Links []string
	// Attachments shadow Message.Attachments: bounded, with their
	// warnings read from the whole names.
	Attachments []AttachmentView
	// Body is the shared body text (shares only), its links defanged
	// like the indicators.
	Body string
	// Cuts are the lists shown in part; Clipped counts the values
	// shortened.
	Cuts    []ListCut
	Clipped int
}

func viewOf(m *mailparse.Message) MailView { return boundedView(m) }

// TLPLabel is the TLP as written on labels: TLP:AMBER+STRICT.
func (s *Share) TLPLabel() string { return "TLP:" + strings.ToUpper(s.TLP) }

// shareView decodes the shared mails for display, as members see them.
// Pseudonyms are numbered when the share is saved; a row that an older
// server wrote and SealLegacy has not reached yet is numbered here, so no
// page ever shows a keyed pseudonym.
func (s *Service) shareView(ctx context.Context, q db.Querier, sh *Share) (*ShareView, error) {
	if err := sh.OpenShared(s.Box); err != nil {
		return nil, err
	}
	v := &ShareView{Share: sh}
	if sh.Sanitized != "" {
		var msgs []sharedMail
		if err := json.Unmarshal([]byte(mailparse.NumberPseudonyms(sh.Sanitized, map[string]int{})), &msgs); err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Message == nil {
				continue
			}
			mv := viewOf(m.Message)
			var c clipper
			mv.Body = c.clip(mailparse.DefangText(m.Body), maxSharedBody+100)
			mv.Clipped += c.clipped
			v.Mails = append(v.Mails, mv)
		}
	}
	all, err := SIGs(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, g := range all {
		for _, id := range sh.SIGIDs {
			if g.ID == id {
				v.SIGNames = append(v.SIGNames, g.Name)
			}
		}
	}
	return v, nil
}

type mailExtract struct {
	File MailFile
	Msg  *MailView
	Err  string
}

// unreadableReason is the message key saying why a stored mail cannot be
// shown; causes that are ours (a database or key problem) are logged and
// shown only as such, never as their text.
func unreadableReason(err error) string {
	switch {
	case errors.Is(err, mailparse.ErrNotMail):
		return "sharing.mail_reason.not_mail"
	case errors.Is(err, mailparse.ErrOutlookMsg):
		return "sharing.mail_reason.outlook_msg"
	case errors.Is(err, mailparse.ErrTooLarge):
		return "sharing.mail_reason.too_large"
	}
	return "sharing.mail_reason.internal"
}

type reportAdminData struct {
	Report   *Report
	OrgName  string
	Member   *Member
	Extracts []mailExtract
	Share    *Share
	Links    []correlate.Link
	Campaign *correlate.Campaign
	Summary  map[string]string // report id → summary, for the links
	// SharedMore (report id → count) and SkippedMore are the indicators
	// left off the page: two reports of one campaign can share
	// thousands of URL hosts.
	SharedMore  map[string]int
	SkippedMore int
}

// reportAdminPage shows a report to the coordinators with what was read
// from its mails (unsanitised: the view is audited like the raw mail),
// the earlier reports it resembles and why, and the way to its share.
func (s *Service) reportAdminPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := s.DB.Read()
	rep, err := GetReport(ctx, q, "", r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := rep.Open(s.Box); err != nil {
		return err
	}
	m, err := GetMember(ctx, q, rep.OrgID, s.now())
	if err != nil {
		return err
	}
	d := reportAdminData{Report: rep, OrgName: m.Name, Member: m, Summary: map[string]string{}}
	pctx, release, err := s.holdParse(ctx)
	if err != nil {
		w.Header().Set("Retry-After", "60")
		return err
	}
	for _, mf := range rep.Mails {
		msg, err := s.parseMail(pctx, q, rep, mf, m)
		x := mailExtract{File: mf}
		if err != nil {
			x.Err = unreadableReason(err)
			if x.Err == "sharing.mail_reason.internal" {
				s.Log.ErrorContext(ctx, "sharing: reported mail could not be opened", "report", rep.ID, "mail", mf.ID, "err", err)
			}
		} else {
			v := viewOf(msg)
			x.Msg = &v
		}
		d.Extracts = append(d.Extracts, x)
	}
	release()
	if d.Share, err = ShareOfReport(ctx, q, rep.ID); err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	inds, err := correlate.Stored(ctx, q, rep.ID)
	if err != nil {
		return err
	}
	if d.Links, err = correlate.Links(ctx, q, rep.ID, inds, 20); err != nil {
		return err
	}
	if d.Campaign, err = correlate.Cluster(ctx, q, rep.ID, 50); err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	d.SharedMore = map[string]int{}
	for i, l := range d.Links {
		if len(l.Shared) > maxShownShared {
			d.SharedMore[l.ReportID] = len(l.Shared) - maxShownShared
			d.Links[i].Shared = l.Shared[:maxShownShared]
		}
	}
	if d.Campaign != nil && len(d.Campaign.Skipped) > maxShownItems {
		d.SkippedMore = len(d.Campaign.Skipped) - maxShownItems
		d.Campaign.Skipped = d.Campaign.Skipped[:maxShownItems]
	}
	ids := map[string]bool{}
	for _, l := range d.Links {
		ids[l.ReportID] = true
	}
	if d.Campaign != nil {
		for _, c := range d.Campaign.Reports {
			ids[c.ReportID] = true
		}
	}
	for id := range ids {
		if o, err := GetReport(ctx, q, "", id); err == nil && o.Open(s.Box) == nil {
			d.Summary[id] = o.Headline()
		}
	}
	if err := audit.Record(ctx, s.DB, r, audit.Entry{Action: ActionRawMailViewed, TargetType: "share_report", TargetID: rep.ID,
		Detail: map[string]any{"view": "extract"}}); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "report_admin", s.printer(r).T("sharing.report_title"), nil, d)
}

// startSharePost proposes the shareable version and opens the editor.
func (s *Service) startSharePost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := web.ParseForm(r); err != nil {
		return err
	}
	// The proposal parses the report's mails: the slot is taken before
	// the transaction, so no transaction waits for one.
	ctx, release, err := s.holdParse(ctx)
	if err != nil {
		w.Header().Set("Retry-After", "60")
		return err
	}
	defer release()
	var sh *Share
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		rep, err := GetReport(ctx, tx, "", r.PathValue("id"))
		if err != nil {
			return err
		}
		m, err := GetMember(ctx, tx, rep.OrgID, s.now())
		if err != nil {
			return err
		}
		prop, err := s.propose(ctx, tx, rep, m, nil)
		if err != nil {
			return err
		}
		if sh, err = StartShare(ctx, tx, s.Box, rep.ID, web.ViewerFrom(ctx).UserID, prop, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionShareStarted, TargetType: "share", TargetID: sh.ID})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/share/admin/shares/"+sh.ID, "")
}

func (s *Service) closeReportPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := web.ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := CloseReport(ctx, tx, id, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionReportClosed, TargetType: "share_report", TargetID: id})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/share/admin/reports/"+id, "flash.share_report_closed")
}

type shareEditData struct {
	View    *ShareView
	Report  *Report
	AllSIGs []SIG
	TLPs    []string
	Lures   []string
}

func shareForm(sh *Share, targeted bool) *web.Form {
	v := url.Values{"title": {sh.Title}, "analysis": {sh.Analysis}, "tlp": {sh.TLP}, "lure": {sh.Lure},
		"attachment_types": {strings.Join(sh.AttachmentTypes, ", ")}, "sig": sh.SIGIDs, "redact_terms": {strings.Join(sh.RedactTerms, "\n")}}
	if targeted {
		v.Set("targeted", "1")
	}
	return web.NewForm(v)
}

func (s *Service) shareEditPage(w http.ResponseWriter, r *http.Request) error {
	sh, err := GetShare(r.Context(), s.DB.Read(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := sh.Open(s.Box); err != nil {
		return err
	}
	rep, err := GetReport(r.Context(), s.DB.Read(), "", sh.ReportID)
	if err != nil {
		return err
	}
	return s.shareEditRender(w, r, http.StatusOK, sh, shareForm(sh, rep.Targeted))
}

func (s *Service) shareEditRender(w http.ResponseWriter, r *http.Request, status int, sh *Share, f *web.Form) error {
	ctx := r.Context()
	q := s.DB.Read()
	v, err := s.shareView(ctx, q, sh)
	if err != nil {
		return err
	}
	rep, err := GetReport(ctx, q, "", sh.ReportID)
	if err != nil {
		return err
	}
	all, err := SIGs(ctx, q)
	if err != nil {
		return err
	}
	v.Redactions, v.RedactionCuts, v.RedactionsClipped = boundRedactions(sh.Redactions)
	// The redaction table beside the form holds what was removed: the
	// recipients, the member's hops and headers. Showing it is a view of
	// raw mail, and is recorded like one.
	if err := audit.Record(ctx, s.DB, r, audit.Entry{Action: ActionRawMailViewed, TargetType: "share_report", TargetID: rep.ID,
		Detail: map[string]any{"view": "redactions", "share": sh.ID}}); err != nil {
		return err
	}
	return s.render(w, r, status, "share_edit", s.printer(r).T("sharing.share_edit_title"), f, shareEditData{View: v, Report: rep, AllSIGs: all, TLPs: TLPs, Lures: Lures})
}

// shareEditPost saves the analyst's edits and, by the button pressed,
// asks the reporter's approval or releases the approved share.
func (s *Service) shareEditPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	sh, err := GetShare(ctx, s.DB.Read(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := sh.Open(s.Box); err != nil {
		return err
	}
	action := f.Get("action")
	in := ShareInput{Title: f.Get("title"), Analysis: f.Get("analysis"), TLP: f.Get("tlp"), Lure: f.Get("lure"),
		AttachmentTypes: f.Get("attachment_types"), SIGIDs: f.Values["sig"], Targeted: f.Get("targeted") == "1", RedactTerms: f.Get("redact_terms")}
	release := func() {}
	if action != "withdraw" && action != "release" && strings.Join(in.Terms(), "\n") != strings.Join(sh.RedactTerms, "\n") {
		// New terms make the proposal again, which parses the mails: the
		// slot is taken before the transaction, and given back after it,
		// before a page is written to a client that may read it slowly.
		var rel func()
		if ctx, rel, err = s.holdParse(ctx); err != nil {
			w.Header().Set("Retry-After", "60")
			return err
		}
		release = sync.OnceFunc(rel)
		defer release()
	}
	var released *Share
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		uid := web.ViewerFrom(ctx).UserID
		if action == "withdraw" {
			if err := Withdraw(ctx, tx, sh.ID, uid, s.now()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, r, audit.Entry{Action: ActionShareWithdrawn, TargetType: "share", TargetID: sh.ID})
		}
		if action == "release" {
			var err error
			if released, err = Release(ctx, tx, sh.ID, uid, s.now()); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, released); err != nil {
				return err
			}
			return audit.Record(ctx, tx, r, audit.Entry{Action: ActionShareReleased, TargetType: "share", TargetID: sh.ID})
		}
		if strings.Join(in.Terms(), "\n") != strings.Join(sh.RedactTerms, "\n") {
			rep, err := GetReport(ctx, tx, "", sh.ReportID)
			if err != nil {
				return err
			}
			m, err := GetMember(ctx, tx, rep.OrgID, s.now())
			if err != nil {
				return err
			}
			prop, err := s.propose(ctx, tx, rep, m, in.Terms())
			if err != nil {
				return err
			}
			in.Proposal = &prop
		}
		if err := UpdateShare(ctx, tx, s.Box, sh.ID, in, s.now()); err != nil {
			return err
		}
		if action == "approval" {
			if err := RequestApproval(ctx, tx, sh.ID, s.now()); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionShareEdited, TargetType: "share", TargetID: sh.ID, Detail: map[string]any{"action": action}})
	})
	release()
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.shareEditRender(w, r, web.FormStatus(err), sh, f)
	}
	flash := "flash.share_saved"
	switch action {
	case "approval":
		flash = "flash.share_approval_asked"
	case "release":
		flash = "flash.share_released"
	case "withdraw":
		flash = "flash.share_withdrawn"
	}
	return web.Redirect(w, r, "/share/admin/shares/"+sh.ID, flash)
}

// notify mails the staff of every member that can see a released share,
// in their language, with the link: the share's title is not in the mail
// (mail leaves the hub; the TLP may not allow it). A person on the staff
// of two members gets one mail; disabled accounts get none.
func (s *Service) notify(ctx context.Context, q db.Querier, sh *Share) error {
	if s.Mail == nil {
		return nil
	}
	members, err := Members(ctx, q, s.now())
	if err != nil {
		return err
	}
	var orgs []string
	for _, m := range members {
		if ok, err := Visible(ctx, q, sh, m); err != nil {
			return err
		} else if ok {
			orgs = append(orgs, m.OrgID)
		}
	}
	to, err := activeStaffOf(ctx, q, orgs)
	if err != nil {
		return err
	}
	link := s.BaseURL + "/share/shares/" + sh.ID
	for _, r := range to {
		p := s.Catalog.Printer(r.lang)
		if err := s.Mail.Send(ctx, q, mail.Message{To: r.email, Subject: p.T("mail.share_released.subject", strings.ToUpper(sh.TLP)),
			Body: p.T("mail.share_released.body", strings.ToUpper(sh.TLP), link)}); err != nil {
			return err
		}
	}
	return nil
}
