package registry

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"mamori/internal/csvguard"
	"mamori/internal/db"
	"mamori/internal/declaration"
	"mamori/internal/policy"
)

// csvBatch is how many declarations one query of the export reads (a
// variable so tests can page through a few rows).
var csvBatch = 5000

// CSVHeader is the export's header row.
var CSVHeader = []string{"number", "name", "stars", "prefecture", "industry", "status", "declared_at", "policy_url", "corporate_number"}

// exportCSV streams every listed declaration as UTF-8 CSV, ordered by
// number and read in batches of 5,000 by number (keyset paging: each
// batch starts after the last number of the one before), flushing after
// each batch, so memory stays flat however large the registry grows.
func (s *Service) exportCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := s.DB.Read()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="registry.csv"`)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	fail := func(err error) error {
		// The status line is gone already: log, and cut the body short so
		// the client sees an incomplete download rather than a bad page.
		s.Log.ErrorContext(ctx, "registry export failed", "err", err)
		return nil
	}
	after := ""
	for {
		batch, err := exportRows(ctx, q, after, csvBatch)
		if err != nil {
			return fail(err)
		}
		n := len(batch)
		for _, e := range batch {
			after = e.Number
			policyURL := ""
			if e.versions > 0 {
				policyURL = e.external
				if policyURL == "" {
					policyURL = s.absolute(r, policy.PublicPath(e.slug))
				}
			}
			// A spreadsheet must not run a name (or any free text) as a formula.
			cw.Write([]string{e.Number, csvguard.Guard(e.Name), strconv.Itoa(e.Stars), csvguard.Guard(e.Prefecture), csvguard.Guard(e.Industry), e.Status,
				e.DeclaredAt.UTC().Format(time.RFC3339), policyURL, e.CorporateNumber})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			s.Log.DebugContext(ctx, "registry export aborted", "err", err)
			return nil
		}
		rc.Flush()
		if n < csvBatch {
			return nil
		}
	}
}

// exportRow is a listed declaration with what the export says of its
// organisation's policy.
type exportRow struct {
	Entry
	slug, external string // external is the latest version's external policy URL
	versions       int
}

// exportRows reads one batch of the export: the next limit listed
// declarations after the number after, in number order.
func exportRows(ctx context.Context, q db.Querier, after string, limit int) ([]exportRow, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (exportRow, error) {
		var e exportRow
		err := r.Scan(&e.Number, &e.Name, &e.Stars, &e.Prefecture, &e.Industry, &e.Status, &e.DeclaredAt, &e.CorporateNumber, &e.slug, &e.versions, &e.external)
		return e, err
	}, `SELECT d.number, d.org_name, d.stars, `+declaration.StatedPrefecture+`, `+declaration.StatedIndustry+`, d.status, d.declared_at,
			`+declaration.StatedCorporateNumber+`, COALESCE(o.slug, ''),
			(SELECT COUNT(*) FROM policy_versions v WHERE v.org_id = d.org_id),
			COALESCE((SELECT v.external_url FROM policy_versions v WHERE v.org_id = d.org_id ORDER BY v.version DESC LIMIT 1), '')
		FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id
		WHERE `+listed+` AND d.number > ? ORDER BY d.number LIMIT ?`, after, limit)
}
