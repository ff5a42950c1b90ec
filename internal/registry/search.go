package registry

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/declaration"
	"mamori/internal/org/jp"
)

// Bounds of the search parameters.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	// MaxPage bounds OFFSET paging; the CSV export is for whole lists.
	MaxPage  = 1000
	maxQuery = 100 // characters
)

// Query is a validated registry search. Empty strings and zero mean "any".
type Query struct {
	Q               string // as typed, trimmed
	Prefecture      string // "01".."47"
	Industry        string // "A".."T"
	Stars           int    // 1 or 2
	Number          string // 11 digits, check digit valid
	CorporateNumber string // 13 digits, check digit valid
	Page, PerPage   int
}

// Offset is the number of rows before the page.
func (q Query) Offset() int { return (q.Page - 1) * q.PerPage }

// ParseQuery validates the search parameters: q, prefecture, industry,
// stars, number, corporate_number, page, per_page. Empty values count as
// absent, other parameters are ignored. Every bad parameter is named in
// the Invalid error's fields.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{Page: 1, PerPage: DefaultPerPage}
	fields := apperr.FieldSet{}
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	if s := get("q"); s != "" {
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxQuery {
			fields.Add("q", "registry.err.q")
		} else {
			q.Q = s
		}
	}
	if s := get("prefecture"); s != "" {
		if _, ok := jp.PrefectureByCode(s); !ok {
			fields.Add("prefecture", "registry.err.prefecture")
		} else {
			q.Prefecture = s
		}
	}
	if s := get("industry"); s != "" {
		if _, ok := jp.IndustryByCode(s); !ok {
			fields.Add("industry", "registry.err.industry")
		} else {
			q.Industry = s
		}
	}
	if s := get("stars"); s != "" {
		if s != "1" && s != "2" {
			fields.Add("stars", "registry.err.stars")
		} else {
			q.Stars = int(s[0] - '0')
		}
	}
	if s := get("number"); s != "" {
		if err := declaration.CheckNumber(s); err != nil {
			fields.Add("number", apperr.As(err).Fields["number"])
		} else {
			q.Number = s
		}
	}
	if s := get("corporate_number"); s != "" {
		n := jp.NormalizeCorporateNumber(s)
		if jp.ValidateCorporateNumber(n) != nil {
			fields.Add("corporate_number", "registry.err.corporate_number")
		} else {
			q.CorporateNumber = n
		}
	}
	if s := get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPage {
			fields.Add("page", "registry.err.page")
		} else {
			q.Page = n
		}
	}
	if s := get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPerPage {
			fields.Add("per_page", "registry.err.per_page")
		} else {
			q.PerPage = n
		}
	}
	return q, fields.Err()
}

// Values is the query as URL parameters (without page), for pager links.
func (q Query) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Q)
	set("prefecture", q.Prefecture)
	set("industry", q.Industry)
	if q.Stars != 0 {
		v.Set("stars", strconv.Itoa(q.Stars))
	}
	set("number", q.Number)
	set("corporate_number", q.CorporateNumber)
	if q.PerPage != DefaultPerPage {
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	return v
}

// Entry is one declaration as the registry lists it.
type Entry struct {
	Number     string
	Name       string // the organisation's name as on the record
	Stars      int
	Prefecture string // JIS X 0401 code, "" when unknown
	Industry   string // JSIC letter, "" when unknown
	Status     string // declaration.StatusActive or StatusWithdrawn
	DeclaredAt time.Time
}

// Active reports whether the declaration stands.
func (e Entry) Active() bool { return e.Status == declaration.StatusActive }

// Mark is "★" or "★★".
func (e Entry) Mark() string { return strings.Repeat("★", max(0, min(e.Stars, 2))) }

// Result is one page of a search.
type Result struct {
	Total int
	// TotalCapped says Total is CountCap and the true count is larger.
	TotalCapped bool
	Query       Query
	Entries     []Entry
}

// Pages is the number of pages of the whole result.
func (r Result) Pages() int { return (r.Total + r.Query.PerPage - 1) / r.Query.PerPage }

// escapeLike escapes LIKE's wildcards and the escape character itself.
var escapeLike = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// listed are the statuses the registry shows.
const listed = `d.status IN ('active', 'withdrawn')`

// CountCap bounds the counting of large results: past it a search reports
// Total = CountCap and TotalCapped (the count would cost a scan of
// millions of rows, and nobody pages that far: MaxPage bounds paging too).
const CountCap = 10000

// candidateLimit is the largest posting list Search reads whole (then
// sorts); a query whose rarest gram is commoner walks the registry's order
// instead and stops after one page.
var candidateLimit = 5000

// Search runs q on the reader pool: the total and one page, newest
// declaration first, then by number.
//
// A name query is answered from the gram index (docs/registry.md): the
// query's grams are looked up in registry_gram_counts; a gram no name has
// means no result; when the rarest gram has at most candidateLimit names,
// its postings (intersected with the second rarest) are the candidates,
// verified with LIKE on the normalised name, counted exactly and sorted.
// Otherwise, and for queries made of legal-form grams only, the registry
// is walked in its order with the same LIKE, stopping after the page; the
// total is then exact from the gram count when the query is one indexed
// gram and there are no filters, and otherwise counted up to CountCap.
func Search(ctx context.Context, rq db.Querier, q Query) (Result, error) {
	res := Result{Query: q, Entries: []Entry{}}
	var where string
	var args []any
	add := func(cond string, v any) {
		where += ` AND ` + cond
		args = append(args, v)
	}
	if q.Prefecture != "" {
		add(`o.prefecture = ?`, q.Prefecture)
	}
	if q.Industry != "" {
		add(`o.industry = ?`, q.Industry)
	}
	if q.Stars != 0 {
		add(`d.stars = ?`, q.Stars)
	}
	if q.Number != "" {
		add(`d.number = ?`, q.Number)
	}
	if q.CorporateNumber != "" {
		add(`o.corporate_number = ?`, q.CorporateNumber)
	}
	filtered := where != ""
	norm := Normalize(q.Q)
	if norm == "" {
		return walk(ctx, rq, res, ``, where, args, -1)
	}
	where += ` AND n.norm LIKE '%' || CAST(? AS TEXT) || '%' ESCAPE '\'`
	args = append(args, escapeLike.Replace(norm))
	gs := queryGrams(norm)
	if len(gs) == 0 { // legal-form grams only: scan in order
		return walk(ctx, rq, res, ` JOIN registry_names n ON n.declaration_id = d.id`, where, args, -1)
	}
	counts, err := gramCounts(ctx, rq, gs)
	if err != nil {
		return res, err
	}
	if len(counts) < len(gs) {
		return res, nil // a gram no name has
	}
	slices.SortFunc(gs, func(a, b string) int { return counts[a] - counts[b] })
	if counts[gs[0]] > candidateLimit {
		known := -1
		if len(gs) == 1 && utf8.RuneCountInString(norm) <= 2 && !filtered {
			known = counts[gs[0]] // the gram is the query: its count is the total
		}
		return walk(ctx, rq, res, ` JOIN registry_names n ON n.declaration_id = d.id`, where, args, known)
	}
	from := ` FROM registry_grams g JOIN registry_names n ON n.rid = g.rid JOIN declarations d ON d.id = n.declaration_id LEFT JOIN orgs o ON o.id = d.org_id`
	cond := ` WHERE g.gram = ? AND ` + listed
	gargs := []any{gs[0]}
	if len(gs) > 1 {
		cond += ` AND EXISTS (SELECT 1 FROM registry_grams g2 WHERE g2.gram = ? AND g2.rid = g.rid)`
		gargs = append(gargs, gs[1])
	}
	all := append(gargs, args...)
	if err := rq.QueryRowContext(ctx, `SELECT COUNT(*)`+from+cond+where, all...).Scan(&res.Total); err != nil {
		return res, err
	}
	if res.Total <= q.Offset() {
		return res, nil
	}
	return page(ctx, rq, res, from+cond+where, all)
}

// gramCounts returns the posting counts of gs; a gram no name has is
// absent.
func gramCounts(ctx context.Context, rq db.Querier, gs []string) (map[string]int, error) {
	args := make([]any, len(gs))
	for i, g := range gs {
		args[i] = g
	}
	rows, err := rq.QueryContext(ctx, `SELECT gram, n FROM registry_gram_counts WHERE gram IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(gs)), ", ")+`) AND n > 0`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var g string
		var n int
		if err := rows.Scan(&g, &n); err != nil {
			return nil, err
		}
		m[g] = n
	}
	return m, rows.Err()
}

// walk answers a search by reading declarations in the registry's order
// (the registry_declarations_recent index) and stopping after the page.
// known is the exact total when the caller has it, -1 otherwise: then the
// matches are counted up to CountCap.
func walk(ctx context.Context, rq db.Querier, res Result, join, where string, args []any, known int) (Result, error) {
	q := res.Query
	from := ` FROM declarations d`
	// SQLite's planner would otherwise drive a filter from orgs and sort
	// every match; a unique number filter is the one better driver.
	if rq.Dialect() == db.SQLite && q.Number == "" && q.CorporateNumber == "" {
		from += ` INDEXED BY registry_declarations_recent`
	}
	from += join + ` LEFT JOIN orgs o ON o.id = d.org_id`
	cond := ` WHERE ` + listed + where
	if known >= 0 {
		res.Total = known
	} else {
		if err := rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1`+from+cond+` LIMIT ?) s`, append(slices.Clip(args), CountCap+1)...).Scan(&res.Total); err != nil {
			return res, err
		}
		if res.Total > CountCap {
			res.Total, res.TotalCapped = CountCap, true
		}
	}
	if res.Total <= q.Offset() {
		return res, nil
	}
	return page(ctx, rq, res, from+cond, args)
}

// page reads one page of fromWhere in the registry's order.
func page(ctx context.Context, rq db.Querier, res Result, fromWhere string, args []any) (Result, error) {
	q := res.Query
	rows, err := rq.QueryContext(ctx, `SELECT d.number, d.org_name, d.stars, COALESCE(o.prefecture, ''), COALESCE(o.industry, ''), d.status, d.declared_at`+
		fromWhere+` ORDER BY d.declared_at DESC, d.number LIMIT ? OFFSET ?`, append(slices.Clip(args), q.PerPage, q.Offset())...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Number, &e.Name, &e.Stars, &e.Prefecture, &e.Industry, &e.Status, &e.DeclaredAt); err != nil {
			return res, err
		}
		e.DeclaredAt = e.DeclaredAt.UTC()
		res.Entries = append(res.Entries, e)
	}
	return res, rows.Err()
}
