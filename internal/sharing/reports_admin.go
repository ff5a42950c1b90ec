package sharing

import (
	"net/http"
	"strconv"

	"mamori/internal/audit"
	"mamori/internal/org"
)

type reportsAdminData struct {
	Reports  []*Report
	Names    map[string]string // org id → name (coordinators see reporters)
	Status   string
	Statuses []string
	Limit    int // the newest this many are listed
}

// reportsListed is how many reports the coordinators' queue lists.
const reportsListed = 500

var statuses = []string{StatusReceived, StatusReview, StatusApproval, StatusChanges, StatusReleased, StatusClosed}

// reportsAdminPage is the coordinators' queue, newest first.
func (s *Service) reportsAdminPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st := r.URL.Query().Get("status")
	valid := false
	for _, x := range statuses {
		valid = valid || x == st
	}
	if !valid {
		st = ""
	}
	rs, err := Reports(ctx, s.DB.Read(), ReportFilter{Status: st, Limit: reportsListed})
	if err != nil {
		return err
	}
	d := reportsAdminData{Reports: rs, Names: map[string]string{}, Status: st, Statuses: statuses, Limit: reportsListed}
	for _, rep := range rs {
		if err := rep.Open(s.Box); err != nil {
			return err
		}
		if _, ok := d.Names[rep.OrgID]; !ok {
			if o, err := org.ByID(ctx, s.DB.Read(), rep.OrgID); err == nil {
				d.Names[rep.OrgID] = o.Name
			}
		}
	}
	return s.render(w, r, http.StatusOK, "reports_admin", s.printer(r).T("sharing.reports_title"), nil, d)
}

// rawMail serves a reported mail exactly as uploaded, to coordinators
// only, and records every view in the audit log: the raw mail names its
// recipients.
func (s *Service) rawMail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := OpenMail(ctx, s.DB.Read(), s.Box, r.PathValue("id"), r.PathValue("mail"))
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, s.DB, r, audit.Entry{Action: ActionRawMailViewed, TargetType: "share_report", TargetID: r.PathValue("id"),
		Detail: map[string]any{"mail": m.ID, "sha256": m.SHA256}}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="`+m.ID+`.eml"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.Body)))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(m.Body)
	return err
}
