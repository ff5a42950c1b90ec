package assets

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assets/ledgerfile"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/web"
)

type apiImportance struct {
	Value    int    `json:"value"`
	Rule     string `json:"rule"`
	RuleText string `json:"rule_text"`
}

type apiRisk struct {
	Method string `json:"method"`
	Threat int    `json:"threat,omitempty"`
	// Vulnerability is the value in use; VulnerabilityFrom says whether
	// it is an "override" or comes from the "controls" check.
	Vulnerability       int    `json:"vulnerability,omitempty"`
	VulnerabilityFrom   string `json:"vulnerability_from,omitempty"`
	VulnerabilityReason string `json:"vulnerability_reason,omitempty"`
	// LikelihoodOfDamage is given by the guideline method only.
	LikelihoodOfDamage int    `json:"likelihood_of_damage,omitempty"`
	Value              int    `json:"value,omitempty"`
	Band               string `json:"band,omitempty"`
	AboveThreshold     bool   `json:"above_threshold"`
	Treatment          string `json:"treatment,omitempty"`
	TreatmentOwner     string `json:"treatment_owner,omitempty"`
	TreatmentDue       string `json:"treatment_due,omitempty"`
}

type apiAsset struct {
	ID           string        `json:"id"`
	No           int           `json:"no"`
	BusinessArea string        `json:"business_area"`
	Name         string        `json:"name"`
	Notes        string        `json:"notes"`
	Users        string        `json:"users"`
	Department   string        `json:"department"`
	Medium       string        `json:"medium"`
	Storage      string        `json:"storage"`
	PersonalData string        `json:"personal_data"`
	C            int           `json:"confidentiality"`
	I            int           `json:"integrity"`
	A            int           `json:"availability"`
	Importance   apiImportance `json:"importance"`
	Retention    string        `json:"retention"`
	RegisteredOn string        `json:"registered_on"`
	Risk         apiRisk       `json:"risk"`
	UpdatedAt    string        `json:"updated_at"`
}

type apiLedger struct {
	Method    string     `json:"method"`
	Threshold int        `json:"threshold"`
	Assets    []apiAsset `json:"assets"`
}

// apiList is the ledger as JSON, with every computed figure and the
// method that produced it.
func (s *Service) apiList(w http.ResponseWriter, r *http.Request) error {
	an, err := Analyse(r.Context(), s.DB.Read(), orgOf(r).OrgID)
	if err != nil {
		return err
	}
	p := s.printer(r)
	out := apiLedger{Method: an.Settings.Method.Key, Threshold: an.Settings.Threshold, Assets: make([]apiAsset, 0, len(an.Rows))}
	for i, as := range an.Rows {
		a := as.Asset
		risk := apiRisk{Method: as.Method.Key, Threat: int(a.Threat), Vulnerability: int(as.Vulnerability), VulnerabilityFrom: as.VulnerabilityFrom,
			VulnerabilityReason: a.VulnerabilityReason, Value: as.Risk, Band: as.Band, AboveThreshold: as.Above,
			Treatment: string(a.Treatment), TreatmentOwner: a.TreatmentOwner, TreatmentDue: a.TreatmentDue}
		if as.Method == Guideline {
			risk.LikelihoodOfDamage = as.Column
		}
		out.Assets = append(out.Assets, apiAsset{ID: a.ID, No: i + 1, BusinessArea: a.BusinessArea, Name: a.Name, Notes: a.Notes,
			Users: a.Users, Department: a.Department, Medium: a.Medium, Storage: a.Storage, PersonalData: string(a.PersonalData),
			C: int(a.C), I: int(a.I), A: int(a.A), Importance: apiImportance{Value: int(as.Importance.Value), Rule: as.Importance.Rule, RuleText: p.T(as.Importance.Rule)},
			Retention: a.Retention, RegisteredOn: a.RegisteredOn, Risk: risk, UpdatedAt: a.UpdatedAt.Format(time.RFC3339)})
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// exportRows lays the analysis out in the ledger file's columns, with
// labels in lang. IPA's layout takes the personal-data kind's key, which
// it writes as IPA's ○ columns.
func (s *Service) exportRows(an *Analysis, lang string, l ledgerfile.Layout) [][]string {
	voc := s.vocabulary()
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	rows := make([][]string, len(an.Rows))
	for i, as := range an.Rows {
		a := as.Asset
		v := map[string]string{
			"no": strconv.Itoa(i + 1), "business_area": a.BusinessArea, "name": a.Name, "notes": a.Notes, "users": a.Users,
			"department": a.Department, "storage": a.Storage,
			"personal_data":   voc.label(lang, "assets.personal."+string(a.PersonalData)),
			"confidentiality": num(int(a.C)), "integrity": num(int(a.I)), "availability": num(int(a.A)),
			"importance": num(int(as.Importance.Value)), "retention": a.Retention, "registered_on": a.RegisteredOn,
			"threat": num(int(a.Threat)), "vulnerability": num(int(as.Vulnerability)), "vulnerability_reason": a.VulnerabilityReason,
			"risk": num(as.Risk), "method": voc.label(lang, "assets.method."+as.Method.Key),
			"treatment_owner": a.TreatmentOwner, "treatment_due": a.TreatmentDue, "id": a.ID,
		}
		if l == ledgerfile.IPA {
			v["personal_data"] = string(a.PersonalData)
		}
		if a.Medium != "" {
			v["medium"] = voc.label(lang, "controls.medium."+a.Medium)
		}
		if a.Treatment != TreatNone {
			v["treatment"] = voc.label(lang, "assets.treatment."+string(a.Treatment))
		}
		if as.Method == Guideline {
			v["damage"] = num(as.Column)
		}
		row := make([]string, len(ledgerfile.Columns))
		for j, c := range ledgerfile.Columns {
			row[j] = v[c.Key]
		}
		rows[i] = row
	}
	return rows
}

func (s *Service) apiExportXLSX(w http.ResponseWriter, r *http.Request) error {
	return s.export(w, r, ledgerfile.XLSX)
}

func (s *Service) apiExportCSV(w http.ResponseWriter, r *http.Request) error {
	return s.export(w, r, ledgerfile.CSV)
}

// export writes the ledger file into memory first, so a failure shows as
// an error rather than as a truncated download. ?layout=ipa gives IPA's
// sheet layout instead of mamori's.
func (s *Service) export(w http.ResponseWriter, r *http.Request, f ledgerfile.Format) error {
	l, ok := ledgerfile.ParseLayout(r.URL.Query().Get("layout"))
	if !ok {
		return apperr.New(apperr.Invalid, "assets.export.layout")
	}
	m := orgOf(r)
	an, err := Analyse(r.Context(), s.DB.Read(), m.OrgID)
	if err != nil {
		return err
	}
	lang := web.LangFrom(r.Context())
	var buf bytes.Buffer
	if err := ledgerfile.WriteLayout(&buf, f, l, lang, s.exportRows(an, lang, l)); err != nil {
		return err
	}
	name := m.Slug + "-assets-"
	if l == ledgerfile.IPA {
		name += "ipa-"
	}
	name += s.now().In(i18n.Zone()).Format("20060102") + "." + f.Extension()
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

type apiReject struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

type apiImportResult struct {
	Add       int         `json:"add"`
	Change    int         `json:"change"`
	Unchanged int         `json:"unchanged"`
	Reject    []apiReject `json:"reject"`
	Applied   bool        `json:"applied"`
}

// apiImport reads an XLSX or CSV body; with dry_run=1 it only reports the
// plan, without it applies the same plan in one transaction. With
// strict=1 a plan with any rejected cell is not applied at all (422, the
// plan in the body), for callers that want all rows or none.
func (s *Service) apiImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m := orgOf(r)
	dry, err := queryFlag(r, "dry_run")
	if err != nil {
		return err
	}
	strict, err := queryFlag(r, "strict")
	if err != nil {
		return err
	}
	t, err := ledgerfile.Read(r.Body, MaxImportBytes)
	if err != nil {
		return fileError(err)
	}
	var plan *Plan
	apply, refused := false, false
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if !dry {
			if _, err := org.Lock(ctx, tx, m.OrgID); err != nil { // the ledger's lock (see Create)
				return err
			}
		}
		var err error
		if plan, err = PlanImport(ctx, tx, m.OrgID, t, s.vocabulary()); err != nil {
			return err
		}
		refused = strict && !dry && len(plan.Reject) > 0
		if apply = !dry && !refused; !apply {
			return nil
		}
		if err := plan.Apply(ctx, tx, m.OrgID, s.now()); err != nil {
			return err
		}
		return s.auditImport(ctx, tx, r, m, plan)
	})
	if err != nil {
		return err
	}
	plan.Translate(s.printer(r))
	res := apiImportResult{Add: len(plan.Add), Change: len(plan.Change), Unchanged: plan.Unchanged, Reject: []apiReject{}, Applied: apply}
	for _, rj := range plan.Reject {
		res.Reject = append(res.Reject, apiReject{Row: rj.Row, Column: rj.Column, Value: rj.Value, Reason: rj.Reason})
	}
	status := http.StatusOK
	if refused {
		status = http.StatusUnprocessableEntity
	}
	return web.WriteJSON(w, status, res)
}

// queryFlag reads a yes/no query parameter. Anything but 1/true/0/false
// or nothing is refused: "dry_run=yes" must not quietly write.
func queryFlag(r *http.Request, name string) (bool, error) {
	switch strings.ToLower(r.URL.Query().Get(name)) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, apperr.Field(name, "assets.import.bad_flag")
}

func (s *Service) auditImport(ctx context.Context, tx db.Querier, r *http.Request, m web.Membership, p *Plan) error {
	return audit.Record(ctx, tx, r, audit.Entry{Action: ActionImported, TargetType: "org", TargetID: m.OrgID,
		Detail: map[string]any{"org": m.Slug, "add": len(p.Add), "change": len(p.Change), "unchanged": p.Unchanged, "reject": len(p.Reject)}})
}
