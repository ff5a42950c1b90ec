package ledgerfile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mamori/internal/csvguard"

	"github.com/xuri/excelize/v2"
)

// Write writes rows as a ledger file in mamori's layout: a header row from
// Columns in lang, then one row per element of rows, each len(Columns)
// strings in Columns order.
func Write(w io.Writer, f Format, lang string, rows [][]string) error {
	return WriteLayout(w, f, Mamori, lang, rows)
}

// WriteLayout writes rows (as for Write) in layout l. For IPA's layout the
// personal_data cells hold the kind's key, not its label (ipaRow).
func WriteLayout(w io.Writer, f Format, l Layout, lang string, rows [][]string) error {
	for i, r := range rows {
		if len(r) != len(Columns) {
			return fmt.Errorf("ledgerfile: row %d has %d cells, want %d", i+1, len(r), len(Columns))
		}
	}
	if l != Mamori && l != IPA {
		return fmt.Errorf("ledgerfile: unknown layout %q", l)
	}
	switch f {
	case XLSX:
		return writeXLSX(w, l, lang, rows)
	case CSV:
		if l == IPA {
			return writeIPACSV(w, lang, rows)
		}
		return writeCSV(w, lang, rows)
	}
	return fmt.Errorf("ledgerfile: unknown format %q", f)
}

// a4Paper is the paperSize of an A4 sheet in SpreadsheetML.
const a4Paper = 9

// writeXLSX streams the sheet (excelize's StreamWriter keeps only a buffer
// of rows, spilling to a temporary file), so a 20,000-row ledger costs no
// more memory than a short one.
//
// The sheet prints as a ledger should: A4 landscape, every column on the
// width of one page (as many pages down as the rows need) and the header
// rows again at the top of every page. Without this a three-row ledger
// printed as six portrait pages, its columns cut across them.
func writeXLSX(w io.Writer, l Layout, lang string, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := SheetName(lang)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	// Without this the file says it was made by excelize's author.
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "mamori", Title: sheet}); err != nil {
		return err
	}
	headRows := 1
	widths := make([]float64, len(Columns))
	kinds := make([]kind, len(Columns))
	for i, c := range Columns {
		widths[i], kinds[i] = c.width, c.kind
	}
	if l == IPA {
		headRows, widths, kinds = 2, ipaWidths(), ipaKinds()
	}
	// Page setup goes before the stream writer: it writes the sheet's
	// properties (fit to page) when it is made.
	fit, paper, landscape, wide, tall := true, a4Paper, "landscape", 1, 0
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &paper, Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: "'" + sheet + "'!$1:$" + strconv.Itoa(headRows)}); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	if err != nil {
		return err
	}
	// Excel shows a line break inside a cell only when the cell wraps.
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	// The header stays in view while scrolling a long ledger.
	top := "A" + strconv.Itoa(headRows+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headRows, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	vals := make([]any, len(widths))
	if l == IPA {
		if err := ipaHeaderRows(sw, lang, head); err != nil {
			return err
		}
	} else {
		for i, c := range Columns {
			vals[i] = c.Header(lang)
		}
		if err := sw.SetRow("A1", vals, excelize.RowOpts{StyleID: head, Height: 32}); err != nil {
			return err
		}
	}
	for n, r := range rows {
		if l == IPA {
			r = ipaRow(r)
		}
		for i, s := range r {
			switch {
			case s == "":
				vals[i] = nil // no cell at all: smaller file, and reads as empty
			case kinds[i] == number && isInt(s):
				vals[i], _ = strconv.ParseInt(s, 10, 64)
			case strings.Contains(s, "\n"):
				vals[i] = excelize.Cell{StyleID: wrap, Value: s}
			default:
				// A string cell, never a formula, whatever it starts with.
				vals[i] = s
			}
		}
		if err := sw.SetRow("A"+strconv.Itoa(n+headRows+1), vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// isInt reports whether s is an integer written the one way strconv writes
// it, small enough for a float64 to hold exactly: only then does a number
// cell read back as the same text ("02" and "+2" stay text).
func isInt(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > -1e15 && n < 1e15 && strconv.FormatInt(n, 10) == s
}

// writeCSV writes UTF-8 with a byte order mark and CRLF line ends: without
// the mark Japanese Excel reads the file as Shift_JIS and shows garbage,
// and CRLF is what Excel itself writes.
func writeCSV(w io.Writer, lang string, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, len(Columns))
	for i, c := range Columns {
		rec[i] = c.Header(lang)
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, r := range rows {
		for i, s := range r {
			rec[i] = guard(s)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// guard and unguard are the one CSV-injection rule (package csvguard), so a
// ledger cell reading =HYPERLINK(...) or ＝HYPERLINK(...) stays text.
func guard(s string) string { return csvguard.Guard(s) }

func unguard(s string) string { return csvguard.Unguard(s) }
