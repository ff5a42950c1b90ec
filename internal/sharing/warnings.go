package sharing

import (
	"errors"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/sharing/correlate"
	"mamori/internal/web"
)

// builtinNotes are the notes migration 0013 gave the built-in entries.
var builtinNotes = map[string]string{
	"built-in: free mail":    "sharing.builtin.free_mail",
	"built-in: big platform": "sharing.builtin.big_platform",
}

type warningsData struct {
	Warnings []correlate.Warning
	Kinds    []correlate.Kind
}

// warningsPage lists the values that never link reports (free-mail
// domains, big platforms…), which coordinators keep up to date.
func (s *Service) warningsPage(w http.ResponseWriter, r *http.Request) error {
	return s.warningsRender(w, r, http.StatusOK, web.NewForm(nil))
}

func (s *Service) warningsRender(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	ws, err := correlate.Warnings(r.Context(), s.DB.Read())
	if err != nil {
		return err
	}
	// The built-in entries' notes were written by a migration in English;
	// they are shown in the reader's language.
	p := s.printer(r)
	for i, w := range ws {
		if key, ok := builtinNotes[w.Note]; ok {
			ws[i].Note = p.T(key)
		}
	}
	return s.render(w, r, status, "warnings", s.printer(r).T("sharing.warnings_title"), f, warningsData{Warnings: ws, Kinds: correlate.Kinds()})
}

// warningsPost adds (or re-notes) an entry, or removes one.
func (s *Service) warningsPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	kind := correlate.Kind(f.Get("kind"))
	remove := f.Get("action") == "remove"
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if !kind.Valid() {
			return apperr.Field("kind", "sharing.err.kind")
		}
		var err error
		if remove {
			err = correlate.Unwarn(ctx, tx, kind, f.Get("value"))
		} else {
			_, err = correlate.Warn(ctx, tx, kind, f.Get("value"), f.Get("note"), web.ViewerFrom(ctx).UserID)
		}
		if errors.Is(err, correlate.ErrInvalid) {
			return apperr.Field("value", "sharing.err.warning_value")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: ActionWarningsChanged, TargetType: "correlation_warning",
			Detail: map[string]any{"kind": string(kind), "value": f.Get("value"), "removed": remove}})
	})
	if err != nil {
		if !f.Apply(err) {
			return err
		}
		return s.warningsRender(w, r, web.FormStatus(err), f)
	}
	return web.Redirect(w, r, "/share/admin/warnings", "flash.share_warnings_saved")
}
