package ledgerfile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Layout is the shape of an exported ledger: mamori's own columns, or the
// columns of IPA's ledger sheet (付録7 リスク分析シート, 情報資産管理台帳), so
// a ledger that came in from IPA's workbook goes back out in the shape it
// came in and reads back as the same assets.
type Layout string

const (
	Mamori Layout = "mamori"
	IPA    Layout = "ipa"
)

// ParseLayout reads a layout name; "" is mamori's.
func ParseLayout(s string) (Layout, bool) {
	switch Layout(s) {
	case "", Mamori:
		return Mamori, true
	case IPA:
		return IPA, true
	}
	return "", false
}

// ipaKeys are the Columns of IPA's ledger sheet, in its order. IPA has no
// column for mamori's kind of medium (媒体の種類), its risk columns are
// worked out on its other sheets, and personal_data stands for its three
// flag columns (personalFlags). The cells these rows hold are the ones
// Read takes in, so the layout reads back as it was written.
var ipaKeys = []string{"no", "business_area", "name", "notes", "users", "department", "storage",
	"personal_data", "confidentiality", "integrity", "availability", "importance", "retention", "registered_on"}

// ipaFlagMark is what IPA's sheet puts in a flag column.
const ipaFlagMark = "○"

// ipaWidth is the number of columns of IPA's sheet: personal data spans
// three.
var ipaWidth = len(ipaKeys) + 2

// ipaHeader returns IPA's two header rows in lang and the merges that
// make them read as IPA's: personal data and the ratings merged over
// their sub-headings, every other heading over both rows.
func ipaHeader(lang string) (top, sub []string, merges [][2]int) {
	top, sub = make([]string, ipaWidth), make([]string, ipaWidth)
	flag := 0 // personalFlags' Japanese name, or its English one
	if lang == "en" {
		flag = 1
	}
	p := 0
	for _, k := range ipaKeys {
		c := Columns[Index(k)]
		h := c.Header(lang)
		if lang != "en" && len(c.Aliases) > 0 && (k == "name" || k == "storage") {
			h = c.Aliases[0] // IPA's words: 情報資産名称, 媒体・保存先
		}
		switch k {
		case "personal_data":
			top[p] = h
			for i := range personalFlags {
				sub[p+i] = personalFlags[i][flag]
			}
			merges = append(merges, [2]int{p, p + 2})
			p += 3
			continue
		case "confidentiality":
			top[p] = groupHeadings[0]
			if lang == "en" {
				top[p] = groupHeadings[2]
			}
			merges = append(merges, [2]int{p, p + 2})
		}
		switch k {
		case "confidentiality", "integrity", "availability":
			sub[p] = h
		default:
			top[p] = h
			merges = append(merges, [2]int{p, -1}) // over both rows
		}
		p++
	}
	return top, sub, merges
}

// ipaRow lays one row of Columns out in IPA's columns. The personal_data
// cell holds the kind's key (flagKinds, or "none"/""): a kind marks
// 個人情報, since every kind is personal data, and its own flag.
func ipaRow(r []string) []string {
	out := make([]string, 0, ipaWidth)
	for _, k := range ipaKeys {
		v := r[Index(k)]
		if k != "personal_data" {
			out = append(out, v)
			continue
		}
		var flags [3]string
		for i, kind := range flagKinds {
			if v == kind {
				flags[0], flags[i] = ipaFlagMark, ipaFlagMark
			}
		}
		out = append(out, flags[:]...)
	}
	return out
}

// ipaKinds are the kinds of each of IPA's columns, for writing numbers as
// numbers.
func ipaKinds() []kind {
	out := make([]kind, 0, ipaWidth)
	for _, k := range ipaKeys {
		c := Columns[Index(k)]
		if k == "personal_data" {
			out = append(out, text, text, text)
			continue
		}
		out = append(out, c.kind)
	}
	return out
}

// ipaWidths are IPA's column widths: ours, and narrow flag columns.
func ipaWidths() []float64 {
	out := make([]float64, 0, ipaWidth)
	for _, k := range ipaKeys {
		if k == "personal_data" {
			out = append(out, 9, 9, 9)
			continue
		}
		out = append(out, Columns[Index(k)].width)
	}
	return out
}

func writeIPACSV(w io.Writer, lang string, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	top, sub, _ := ipaHeader(lang)
	if err := cw.Write(top); err != nil {
		return err
	}
	if err := cw.Write(sub); err != nil {
		return err
	}
	for _, r := range rows {
		rec := ipaRow(r)
		for i, s := range rec {
			rec[i] = guard(s)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ipaHeaderRows writes IPA's two header rows and their merges.
func ipaHeaderRows(sw *excelize.StreamWriter, lang string, style int) error {
	top, sub, merges := ipaHeader(lang)
	for n, row := range [][]string{top, sub} {
		vals := make([]any, len(row))
		for i, s := range row {
			vals[i] = excelize.Cell{StyleID: style, Value: s}
		}
		if err := sw.SetRow("A"+strconv.Itoa(n+1), vals, excelize.RowOpts{StyleID: style, Height: 24}); err != nil {
			return err
		}
	}
	for _, m := range merges {
		from, _ := excelize.CoordinatesToCellName(m[0]+1, 1)
		var to string
		if m[1] < 0 {
			to, _ = excelize.CoordinatesToCellName(m[0]+1, 2)
		} else {
			to, _ = excelize.CoordinatesToCellName(m[1]+1, 1)
		}
		if err := sw.MergeCell(from, to); err != nil {
			return fmt.Errorf("ledgerfile: merge %s:%s: %w", from, to, err)
		}
	}
	return nil
}
