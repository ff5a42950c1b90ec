package registry

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"mamori/internal/apperr"
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
			fields.Add("number", apperr.From(err).Fields["number"])
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
