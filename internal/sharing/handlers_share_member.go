package sharing

import (
	"net/http"
	"strconv"
	"time"

	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

// A released share as members see it: the page, the sighting they report,
// and the reporting member's answer to a share that needs its approval.

type memberShareData struct {
	View      *ShareView
	Member    *Member
	Sightings int
	ShowCount bool
	Mine      bool
	Threshold int
}

// visibleTo finds, among the account's organisations, one that may see
// the share.
func (s *Service) visibleTo(r *http.Request, sh *Share) (*Member, error) {
	ms, err := MembershipsOf(r.Context(), s.DB.Read(), web.ViewerFrom(r.Context()), s.now())
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		ok, err := Visible(r.Context(), s.DB.Read(), sh, m)
		if err != nil {
			return nil, err
		}
		if ok {
			return m, nil
		}
	}
	return nil, db.ErrNotFound
}

// sharePage shows a released share to a member allowed to see it; for
// anyone else it does not exist. The reporting member is never named.
func (s *Service) sharePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sh, err := GetShare(ctx, s.DB.Read(), r.PathValue("id"))
	if err != nil {
		return err
	}
	m, err := s.visibleTo(r, sh)
	if err != nil {
		return err
	}
	v, err := s.shareView(ctx, s.DB.Read(), sh)
	if err != nil {
		return err
	}
	d := memberShareData{View: v, Member: m, Threshold: SightingThreshold}
	if d.Sightings, d.Mine, err = Sightings(ctx, s.DB.Read(), sh.ID, m.OrgID); err != nil {
		return err
	}
	d.ShowCount = d.Sightings >= SightingThreshold
	return s.render(w, r, http.StatusOK, "share", sh.Title, nil, d)
}

func (s *Service) sightingPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := web.ParseForm(r); err != nil {
		return err
	}
	sh, err := GetShare(ctx, s.DB.Read(), r.PathValue("id"))
	if err != nil {
		return err
	}
	m, err := s.visibleTo(r, sh)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := RecordSighting(ctx, tx, sh.ID, m.OrgID, web.ViewerFrom(ctx).UserID, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionSighting, TargetType: "share", TargetID: sh.ID, Detail: map[string]any{"org": m.OrgID}})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/share/shares/"+sh.ID, "flash.share_sighting_recorded")
}

// answerPost takes the reporting member's approval or request for
// changes.
func (s *Service) answerPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	ms, err := MembershipsOf(ctx, s.DB.Read(), web.ViewerFrom(ctx), s.now())
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	for _, m := range ms {
		if _, err := GetReport(ctx, s.DB.Read(), m.OrgID, id); err != nil {
			continue
		}
		if !m.Active() {
			// Approving a release is acting in the partnership: it needs
			// the standing that seeing the proposal needs.
			return web.Redirect(w, r, "/share", "flash.share_no_standing_answer")
		}
		approve := f.Get("action") == "approve"
		// The version the page showed; a missing or unreadable one is a
		// stale page and counts as another version.
		var seen time.Time
		if ns, err := strconv.ParseInt(f.Get("version"), 10, 64); err == nil {
			seen = time.Unix(0, ns)
		}
		err = s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := Answer(ctx, tx, s.Box, m.OrgID, id, web.ViewerFrom(ctx).UserID, approve, f.Get("note"), &seen, s.now()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, r, audit.Entry{Action: ActionShareAnswered, TargetType: "share_report", TargetID: id, Detail: map[string]any{"approved": approve}})
		})
		if err != nil {
			if !f.Apply(err) {
				return err
			}
			return s.reportRender(w, r, web.FormStatus(err), m, id, f)
		}
		flash := "flash.share_changes_asked"
		if approve {
			flash = "flash.share_approved"
		}
		return web.Redirect(w, r, "/share/reports/"+id, flash)
	}
	return db.ErrNotFound
}
