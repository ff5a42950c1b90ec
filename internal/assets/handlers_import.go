package assets

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/assets/ledgerfile"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/web"
)

// previewLimit is how many rows of each kind the preview lists; the
// counts are always complete.
const previewLimit = 200

func (s *Service) vocabulary() *Vocabulary {
	s.vocOnce.Do(func() { s.voc = NewVocabulary(s.Catalog) })
	return s.voc
}

// fileError turns a ledger file's problem into a message for the user.
func fileError(err error) error {
	var long *ledgerfile.CellTooLongError
	switch {
	case errors.As(err, &long):
		return apperr.Wrap(err, apperr.Invalid, "assets.import.cell_too_long", long.Line, long.Column)
	case errors.Is(err, ledgerfile.ErrTooLarge):
		return apperr.Wrap(err, apperr.TooLarge, "assets.import.too_large", MaxImportBytes>>20)
	case errors.Is(err, ledgerfile.ErrTooManyRows):
		return apperr.Wrap(err, apperr.Invalid, "assets.import.too_many_rows", ledgerfile.MaxRows)
	case errors.Is(err, ledgerfile.ErrNoHeader):
		return apperr.Wrap(err, apperr.Invalid, "assets.import.no_header")
	case errors.Is(err, ledgerfile.ErrMalformed):
		return apperr.Wrap(err, apperr.Invalid, "assets.import.malformed")
	}
	return err
}

type importData struct {
	Org web.Membership
	Max int // MB
}

func (s *Service) importPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "import", s.printer(r).T("assets.import_title"), nil, importData{Org: orgOf(r), Max: MaxImportBytes >> 20})
}

// readUpload streams the multipart body to the "file" part and reads at
// most MaxImportBytes+1 of it, so an oversized file is refused without
// holding it.
func readUpload(r *http.Request) (name string, body []byte, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, apperr.Wrap(err, apperr.Invalid, "assets.import.no_file")
	}
	// A body cut by the size limit, one that stopped coming, and one that
	// is not a form each get their own answer, wherever the reading stops.
	bodyError := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.Wrap(err, apperr.TooLarge, "assets.import.too_large", MaxImportBytes>>20)
		}
		if errors.Is(err, web.ErrBodyTimeout) {
			return web.TimeoutError(err)
		}
		return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, apperr.New(apperr.Invalid, "assets.import.no_file")
		}
		if err != nil {
			return "", nil, bodyError(err)
		}
		if part.FormName() != "file" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, MaxImportBytes+1))
		if err != nil {
			return "", nil, bodyError(err)
		}
		if len(b) > MaxImportBytes {
			return "", nil, apperr.New(apperr.TooLarge, "assets.import.too_large", MaxImportBytes>>20)
		}
		if len(b) == 0 {
			return "", nil, apperr.New(apperr.Invalid, "assets.import.no_file")
		}
		return web.CleanFilename(part.FileName(), 100, ""), b, nil
	}
}

// importPost reads the upload and, when it is a readable ledger, keeps it
// for the preview. Nothing reaches the ledger here.
func (s *Service) importPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m := orgOf(r)
	uid := web.ViewerFrom(ctx).UserID
	fail := func(err error) error {
		f := web.NewForm(nil)
		if !f.Apply(err) && !apperr.Is(err, apperr.TooLarge) {
			return err
		}
		if apperr.Is(err, apperr.TooLarge) {
			e := apperr.From(err)
			f.Error, f.Args = e.Key, e.Args
		}
		status := web.FormStatus(err)
		if apperr.Is(err, apperr.TooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		return s.render(w, r, status, "import", s.printer(r).T("assets.import_title"), f, importData{Org: m, Max: MaxImportBytes >> 20})
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return fail(apperr.New(apperr.Invalid, "assets.import.no_file"))
	}
	name, body, err := readUpload(r)
	if err != nil {
		return fail(err)
	}
	t, err := ledgerfile.Read(bytes.NewReader(body), MaxImportBytes)
	if err != nil {
		return fail(fileError(err))
	}
	id := db.NewID()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		plan, err := PlanImport(ctx, tx, m.OrgID, t, s.vocabulary())
		if err != nil {
			return err
		}
		return keepPending(ctx, tx, m.OrgID, uid, &pending{ID: id, Filename: name, Body: body, Hash: plan.Hash(), CreatedAt: s.now()})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/asset-imports/"+id, "")
}

// pendingImport is the viewer's own pending upload in the organisation;
// anyone else's, or an expired one, is not found.
func (s *Service) pendingImport(ctx context.Context, q db.Querier, orgID, userID, id string) (*pending, error) {
	return pendingOf(ctx, q, orgID, userID, id, s.now())
}

type previewData struct {
	Org      web.Membership
	Pending  *pending
	Plan     *Plan
	Add      []PlanRow
	Change   []PlanRow
	Reject   []Reject
	Columns  map[string]string // column key → header in the user's language
	Stale    bool              // the ledger changed since the preview
	MoreRows int               // rows of the lists not shown
}

func (s *Service) previewPage(w http.ResponseWriter, r *http.Request) error {
	return s.preview(w, r, http.StatusOK, false)
}

func (s *Service) preview(w http.ResponseWriter, r *http.Request, status int, stale bool) error {
	ctx := r.Context()
	m := orgOf(r)
	p, err := s.pendingImport(ctx, s.DB.Read(), m.OrgID, web.ViewerFrom(ctx).UserID, r.PathValue("id"))
	if err != nil {
		return err
	}
	t, err := ledgerfile.Read(bytes.NewReader(p.Body), MaxImportBytes)
	if err != nil {
		return fileError(err)
	}
	plan, err := PlanImport(ctx, s.DB.Read(), m.OrgID, t, s.vocabulary())
	if err != nil {
		return err
	}
	if h := plan.Hash(); h != p.Hash {
		// The ledger changed since the upload: what is shown now is what
		// a confirmation applies.
		if err := setPendingPlan(ctx, s.DB, p.ID, h); err != nil {
			return err
		}
		p.Hash = h
	}
	plan.Translate(s.printer(r))
	d := previewData{Org: m, Pending: p, Plan: plan, Stale: stale, Columns: map[string]string{}}
	lang := web.LangFrom(ctx)
	for _, c := range ledgerfile.Columns {
		d.Columns[c.Key] = c.Header(lang)
	}
	d.Add, d.MoreRows = clip(plan.Add, previewLimit, d.MoreRows)
	d.Change, d.MoreRows = clip(plan.Change, previewLimit, d.MoreRows)
	d.Reject = plan.Reject
	if len(d.Reject) > previewLimit {
		d.MoreRows += len(d.Reject) - previewLimit
		d.Reject = d.Reject[:previewLimit]
	}
	return s.render(w, r, status, "preview", s.printer(r).T("assets.preview_title"), nil, d)
}

func clip(rows []PlanRow, n, more int) ([]PlanRow, int) {
	if len(rows) > n {
		return rows[:n], more + len(rows) - n
	}
	return rows, more
}

// confirmPost applies the previewed plan, or cancels it. The plan is
// computed again from the kept file; if the ledger changed since the
// preview the plan differs, and the user sees the new preview instead of
// an import they did not review.
func (s *Service) confirmPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	m := orgOf(r)
	uid := web.ViewerFrom(ctx).UserID
	id := r.PathValue("id")
	if f.Get("action") == "cancel" {
		if _, err := s.pendingImport(ctx, s.DB.Read(), m.OrgID, uid, id); err != nil {
			return err
		}
		if err := dropPending(ctx, s.DB, m.OrgID, uid, id); err != nil {
			return err
		}
		return web.Redirect(w, r, "/orgs/"+m.Slug+"/assets", "flash.asset_import_cancelled")
	}
	if f.Get("action") != "apply" {
		return apperr.New(apperr.Invalid, "error.bad_form")
	}
	var plan *Plan
	stale := false
	done := false
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := org.Lock(ctx, tx, m.OrgID); err != nil { // the ledger's lock (see Create)
			return err
		}
		p, err := s.pendingImport(ctx, tx, m.OrgID, uid, id)
		if errors.Is(err, db.ErrNotFound) {
			// Already applied (a second click of the same button waited
			// for the first here) or cancelled: nothing to do twice.
			done = true
			return nil
		}
		if err != nil {
			return err
		}
		t, err := ledgerfile.Read(bytes.NewReader(p.Body), MaxImportBytes)
		if err != nil {
			return fileError(err)
		}
		if plan, err = PlanImport(ctx, tx, m.OrgID, t, s.vocabulary()); err != nil {
			return err
		}
		if h := plan.Hash(); h != p.Hash || f.Get("plan") != p.Hash {
			stale = true
			return setPendingPlan(ctx, tx, id, h)
		}
		if err := plan.Apply(ctx, tx, m.OrgID, s.now()); err != nil {
			return err
		}
		if err := dropPending(ctx, tx, m.OrgID, uid, id); err != nil {
			return err
		}
		return s.auditImport(ctx, tx, r, m, plan)
	})
	if err != nil {
		return err
	}
	if done {
		return web.Redirect(w, r, "/orgs/"+m.Slug+"/assets", "flash.asset_import_gone")
	}
	if stale {
		return s.preview(w, r, http.StatusConflict, true)
	}
	return web.Redirect(w, r, "/orgs/"+m.Slug+"/assets", "flash.asset_imported")
}
