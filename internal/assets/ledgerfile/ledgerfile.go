// Package ledgerfile reads and writes the information asset ledger as XLSX
// and CSV files (DESIGN.md §2.5: ledgers kept in Excel come in and go out
// unchanged). It is a pure codec: it knows the ledger's columns and the file
// formats, nothing of the database; package assets builds the rows it
// writes and plans imports from the tables it reads.
//
// Reading takes files from outside, so every path is bounded: the input is
// capped by the caller's limit, an XLSX is checked for inflated sizes before
// anything is unpacked, text runs, rows and cells are capped, and every
// failure is one of a few sentinel errors the caller can turn into a
// message. XLSX files are written with excelize but read by a small
// streaming reader of our own: xlsx.go says why.
package ledgerfile

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Column is one column of the ledger. Computed columns are written on
// export so the file reads like the product's ledger, and recognised on
// import so they are not reported as unknown, but their cells are never
// taken in: the figures are derived from the ratings, and a stale or edited
// figure in a file must not win over the rule set.
type Column struct {
	Key      string
	Ja, En   string
	Computed bool
	// Aliases are other headings the column goes by: those of IPA's risk
	// analysis sheet (情報資産名称, 媒体・保存先), so a ledger kept in that
	// workbook comes in without renaming its columns.
	Aliases []string

	width float64 // XLSX column width, in Excel's character units
	kind  kind
}

// kind says how a column's cells are written and cleaned.
type kind uint8

const (
	text   kind = iota
	number      // written as a number when it is an integer; "2.0" and "２" read as "2"
	date        // XLSX date cells read as YYYY-MM-DD; full-width digits read as ASCII
)

// Header is the column's heading in lang: English for "en", Japanese
// otherwise, because the product's default language is Japanese.
func (c Column) Header(lang string) string {
	if lang == "en" {
		return c.En
	}
	return c.Ja
}

// Columns are the ledger's columns in the ledger's order, the order of
// every exported file and of Row.Cells.
var Columns = []Column{
	{Key: "no", Ja: "No.", En: "No.", Computed: true, width: 6, kind: number},
	{Key: "business_area", Ja: "業務分類", En: "Business area", width: 14},
	{Key: "name", Ja: "情報資産の名称", En: "Information asset", Aliases: []string{"情報資産名称", "情報資産名", "資産名"}, width: 28},
	{Key: "notes", Ja: "備考", En: "Notes", width: 30},
	{Key: "users", Ja: "利用者範囲", En: "Users", width: 14},
	{Key: "department", Ja: "管理部署", En: "Managing department", width: 14},
	{Key: "medium", Ja: "媒体の種類", En: "Kind of medium", width: 12},
	{Key: "storage", Ja: "媒体・保存場所", En: "Medium / storage location", Aliases: []string{"媒体・保存先", "保存先", "保存場所"}, width: 20},
	{Key: "personal_data", Ja: "個人情報の種類", En: "Personal data", width: 14},
	{Key: "confidentiality", Ja: "機密性", En: "Confidentiality", width: 9, kind: number},
	{Key: "integrity", Ja: "完全性", En: "Integrity", width: 9, kind: number},
	{Key: "availability", Ja: "可用性", En: "Availability", width: 9, kind: number},
	{Key: "importance", Ja: "重要度", En: "Importance", Computed: true, width: 9, kind: number},
	{Key: "retention", Ja: "保存期限", En: "Retention period", width: 12},
	{Key: "registered_on", Ja: "登録日", En: "Registered on", width: 12, kind: date},
	{Key: "threat", Ja: "脅威の発生頻度", En: "Threat likelihood", Aliases: []string{"脅威"}, width: 10, kind: number},
	{Key: "vulnerability", Ja: "脆弱性", En: "Vulnerability", width: 10, kind: number},
	{Key: "vulnerability_reason", Ja: "脆弱性の変更理由", En: "Reason for vulnerability", width: 24},
	{Key: "damage", Ja: "被害発生可能性", En: "Likelihood of damage", Computed: true, width: 10, kind: number},
	{Key: "risk", Ja: "リスク値", En: "Risk value", Computed: true, width: 9, kind: number},
	{Key: "method", Ja: "算定方法", En: "Method", Computed: true, width: 12},
	{Key: "treatment", Ja: "対応", En: "Treatment", width: 10},
	{Key: "treatment_owner", Ja: "対応担当者", En: "Treatment owner", width: 14},
	{Key: "treatment_due", Ja: "対応期限", En: "Treatment due", width: 12, kind: date},
	{Key: "id", Ja: "管理ID", En: "mamori ID", width: 38},
}

// Index is key's position in Columns, or -1. A linear scan: 25 short
// strings cost less than keeping a map beside the table.
func Index(key string) int {
	for i := range Columns {
		if Columns[i].Key == key {
			return i
		}
	}
	return -1
}

// SheetName is the worksheet's name in lang. Reading prefers a sheet of
// either name, so a workbook with a cover sheet in front still imports.
func SheetName(lang string) string {
	if lang == "en" {
		return "Asset ledger"
	}
	return "情報資産管理台帳"
}

// Limits on what Read takes in. They bound the work one upload can cause,
// and sit well above any real ledger.
const (
	MaxRows      = 20000 // data rows, empty rows not counted
	MaxCellChars = 4000  // characters in one cell of a column we take in
	// headerRows is how far down the header may stand: ledgers often carry a
	// title and a date above it, never a page of them.
	headerRows = 10
)

// Format is a ledger file format.
type Format string

const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// ContentType is the media type for a download of this format. The CSV
// one says UTF-8 because that is what Write produces; browsers and mail
// clients pass it on.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// Extension is the file name extension, without the dot.
func (f Format) Extension() string { return string(f) }

// Errors Read returns. Each one names a problem with the file the user
// can act on; the wrapped cause, if any, is for the logs only.
var (
	// ErrTooLarge: over the caller's byte limit, or an XLSX that would
	// unpack to more than we hold (a zip bomb looks like this).
	ErrTooLarge = errors.New("ledgerfile: file too large")
	// ErrMalformed: neither a readable XLSX nor a readable CSV (a broken
	// zip, bad XML, ragged quoting, a binary file, an old .xls).
	ErrMalformed = errors.New("ledgerfile: not a readable XLSX or CSV file")
	// ErrNoHeader: no row among the first ten names the asset column and
	// two more of ours, so we cannot tell which column is which.
	ErrNoHeader = errors.New("ledgerfile: no header row with the information asset column")
	// ErrTooManyRows: more than MaxRows data rows.
	ErrTooManyRows = errors.New("ledgerfile: too many rows")
	// ErrCellTooLong: a cell over MaxCellChars characters; the error is a
	// *CellTooLongError saying where.
	ErrCellTooLong = errors.New("ledgerfile: cell too long")
)

// CellTooLongError says which cell is over MaxCellChars, so the user can
// find it: Line is the row number as the spreadsheet shows it, Column the
// column's heading as written in the file.
type CellTooLongError struct {
	Line   int
	Key    string
	Column string
}

func (e *CellTooLongError) Error() string {
	return fmt.Sprintf("%v: row %d, column %q", ErrCellTooLong, e.Line, e.Column)
}

func (e *CellTooLongError) Unwrap() error { return ErrCellTooLong }

// malformed keeps the cause for the logs behind ErrMalformed.
func malformed(cause error) error { return fmt.Errorf("%w: %w", ErrMalformed, cause) }

// Table is what Read found in a file.
type Table struct {
	Format Format
	// Sheet is the worksheet read (XLSX only).
	Sheet string
	// HeaderLine is the header's row number as the spreadsheet shows it.
	HeaderLine int
	// Found maps the key of each recognised column to its 0-based position
	// in the file; computed columns and No. included.
	Found map[string]int
	// Ignored are the headings we did not recognise (and repeats of one we
	// did), in file order, so the user can be told they were left out.
	Ignored []string
	// Rows are the data rows with at least one input cell filled.
	Rows []Row
	// PersonalFlags is set when personal data came from IPA's three ○
	// flag columns (ipa.go), so a refusal can speak of marks, not kinds.
	PersonalFlags bool

	headers []string // per Columns index: the heading as written, or ""
	lang    string   // "en" when more headings matched English than Japanese
}

// Header is the heading of key's column as the file writes it, so a
// message points at the column the user sees; for a column the file does
// not have, our own heading in the file's language.
func (t *Table) Header(key string) string {
	i := Index(key)
	if i < 0 {
		return key
	}
	if h := t.headers[i]; h != "" {
		return h
	}
	return Columns[i].Header(t.lang)
}

// Has reports whether the file has key's column as an input column.
func (t *Table) Has(key string) bool {
	i := Index(key)
	return i >= 0 && !Columns[i].Computed && t.headers[i] != ""
}

// Row is one data row.
type Row struct {
	// Line is the row number as the spreadsheet shows it (1-based), so a
	// message can send the user to the right row.
	Line int
	// Cells holds the input cells in Columns order, trimmed; computed
	// columns and columns the file lacks are "".
	Cells []string
	// BadFlag is a cell of IPA's personal-data flag columns that is no
	// mark, as typed; the row must be refused for it ("" when none).
	BadFlag string
	has     []bool // shared by the table's rows: which input columns the file has
}

// Get returns the cell of key's column and whether the file has that
// column as an input column: an absent column leaves a stored value alone,
// an empty cell clears it.
func (r Row) Get(key string) (string, bool) {
	i := Index(key)
	if i < 0 || !r.has[i] {
		return "", false
	}
	return r.Cells[i], true
}

// normHeader folds the ways one heading gets typed: full-width letters and
// spaces (NFKC), case, and line breaks or spaces inside a wrapped heading.
func normHeader(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
