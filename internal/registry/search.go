package registry

import (
	"context"
	"net/url"
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
	Total   int
	Query   Query
	Entries []Entry
}

// Pages is the number of pages of the whole result.
func (r Result) Pages() int { return (r.Total + r.Query.PerPage - 1) / r.Query.PerPage }

// escapeLike escapes LIKE's wildcards and the escape character itself.
var escapeLike = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// listed are the statuses the registry shows.
const listed = `d.status IN ('active', 'withdrawn')`

// Search runs q on the reader pool: the total and one page, newest
// declaration first, then by number.
func Search(ctx context.Context, rq db.Querier, q Query) (Result, error) {
	res := Result{Query: q, Entries: []Entry{}}
	from := ` FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id`
	where := ` WHERE ` + listed
	var args []any
	if n := Normalize(q.Q); n != "" {
		from += ` JOIN registry_names n ON n.declaration_id = d.id`
		where += ` AND n.norm LIKE '%' || CAST(? AS TEXT) || '%' ESCAPE '\'`
		args = append(args, escapeLike.Replace(n))
	}
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
	if err := rq.QueryRowContext(ctx, `SELECT COUNT(*)`+from+where, args...).Scan(&res.Total); err != nil {
		return res, err
	}
	if res.Total <= q.Offset() {
		return res, nil
	}
	rows, err := rq.QueryContext(ctx, `SELECT d.number, d.org_name, d.stars, COALESCE(o.prefecture, ''), COALESCE(o.industry, ''), d.status, d.declared_at`+
		from+where+` ORDER BY d.declared_at DESC, d.number LIMIT ? OFFSET ?`, append(args, q.PerPage, q.Offset())...)
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
