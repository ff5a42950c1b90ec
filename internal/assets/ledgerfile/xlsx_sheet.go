package ledgerfile

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A worksheet read row by row, and each cell's stored value turned into
// the text the user saw: shared or inline strings, numbers as Excel's
// General format shows them, dates as YYYY-MM-DD.

// readSheet streams one worksheet through a builder, one row at a time.
func (b *book) readSheet(ref sheetRef) (*Table, error) {
	s, c, err := b.part(ref.path, maxSheet)
	if s == nil {
		if err == nil {
			err = ErrNoHeader // a sheet the workbook lists but lacks
		}
		return nil, err
	}
	defer c.Close()
	bl := newBuilder(XLSX)
	bl.t.Sheet = ref.name
	var cells []string
	line, inData := 0, false
	for s.next() {
		switch {
		case s.is("sheetData"):
			inData = !s.self
		case s.kind == tokEnd && string(local(s.tag)) == "sheetData":
			inData = false
		case inData && s.is("row"):
			r, v := line+1, []byte(nil)
			if a, ok := s.rawAttr("r"); ok {
				v, r = a, digits(a, maxSheetRows)
			}
			if r <= line || r > maxSheetRows {
				return nil, malformed(fmt.Errorf("%s: row %q after row %d", ref.path, v, line))
			}
			line = r
			if cells, err = b.readRow(s, cells[:0], bl.width()); err != nil {
				return nil, err
			}
			if len(cells) == 0 && bl.pos != nil {
				continue
			}
			if err := bl.feed(line, cells); err != nil {
				return nil, err
			}
		}
	}
	if s.err != nil {
		return nil, scanErr(ref.path, s.err)
	}
	return bl.finish()
}

// readRow reads the cells of a <row>, up to column width, into cells:
// the value of column n (1-based) at cells[n-1].
func (b *book) readRow(s *scanner, cells []string, width int) ([]string, error) {
	if s.self {
		return cells, nil
	}
	d, col := s.depth, 0
	for s.next() && !(s.kind == tokEnd && s.depth == d-1) {
		if !s.is("c") {
			s.skip()
			continue
		}
		n := col + 1
		if ref, ok := s.rawAttr("r"); ok {
			n = refColumn(ref)
		}
		if n <= col || n > maxSheetCols {
			return nil, malformed(fmt.Errorf("cell %d after cell %d in a row", n, col))
		}
		col = n
		if col > width {
			s.skip()
			continue
		}
		v, err := b.cell(s)
		if err != nil {
			return nil, err
		}
		if v != "" {
			for len(cells) < col-1 {
				cells = append(cells, "")
			}
			cells = append(cells, v)
		}
	}
	if s.err != nil {
		return nil, malformed(s.err)
	}
	return cells, nil
}

// refColumn is the column number of a cell reference such as "AB12", or
// 0 if it has no letters.
func refColumn(ref []byte) int {
	n := 0
	for i := 0; i < len(ref) && n <= maxSheetCols; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		n = n*26 + int(c-'a'+1)
	}
	return n
}

// cell reads a <c> and returns its value as text: what the user sees for
// strings, the number itself for numbers (not as formatted: a format may
// round or add units), YYYY-MM-DD for a date.
func (b *book) cell(s *scanner) (string, error) {
	t, _ := s.rawAttr("t")
	typ := cellType(t)
	style := -1
	if v, ok := s.rawAttr("s"); ok {
		style = digits(v, len(b.dates))
	}
	if s.self {
		return "", nil
	}
	b.buf, b.ibuf = b.buf[:0], b.ibuf[:0]
	depth := s.depth
	for s.next() && !(s.kind == tokEnd && s.depth == depth-1) {
		switch {
		case s.is("v"):
			b.buf = s.content(b.buf)
		case s.is("is"):
			b.ibuf = richText(s, b.ibuf)
		case s.kind == tokStart:
			s.skip() // <f>: the formula; its cached value is in <v>
		}
	}
	if s.err != nil {
		return "", malformed(s.err)
	}
	if typ == "inlineStr" {
		return cellText(b.ibuf), nil
	}
	v := bytes.TrimSpace(b.buf)
	if len(v) == 0 {
		return "", nil
	}
	if typ == "s" {
		// The index read by hand: this is most cells of an Excel file, and
		// strconv would want a string made of it first.
		i := digits(v, len(b.strings))
		if i < 0 || i >= len(b.strings) {
			return "", malformed(fmt.Errorf("shared string %q of %d", v, len(b.strings)))
		}
		return b.strings[i], nil
	}
	val := string(v)
	switch typ {
	case "str", "e":
		return cellText(b.buf), nil
	case "b":
		if strings.TrimSpace(val) == "1" {
			return "TRUE", nil
		}
		return "FALSE", nil
	case "d": // an ISO 8601 date, written by few
		if len(val) >= 10 && val[4] == '-' && val[7] == '-' {
			return val[:10], nil
		}
		return val, nil
	}
	if style >= 0 && style < len(b.dates) && b.dates[style] {
		if d, ok := serialDate(val, b.date1904); ok {
			return d, nil
		}
	}
	return general(val), nil
}

// digits reads a decimal number from b, or -1 if b is not one or it is
// over most: strconv would want a string made of b first, and this is
// read for most cells.
func digits(b []byte, most int) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' || n > most {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	if len(b) == 0 || n > most {
		return -1
	}
	return n
}

// cellType names a cell's t attribute without a copy per cell.
func cellType(t []byte) string {
	for _, k := range [...]string{"s", "inlineStr", "str", "e", "b", "d", "n"} {
		if string(t) == k {
			return k
		}
	}
	return ""
}

// cellText undoes OOXML's own escape for characters XML cannot carry
// (_x000D_ for a carriage return, _x005F_ for an underscore) and writes
// line ends as \n, as a CSV cell reads.
func cellText(b []byte) string {
	s := string(b)
	if strings.Contains(s, "_x") {
		var sb strings.Builder
		for {
			i := strings.Index(s, "_x")
			if i < 0 || len(s) < i+7 {
				break
			}
			n, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
			if err != nil || s[i+6] != '_' {
				sb.WriteString(s[:i+2])
				s = s[i+2:]
				continue
			}
			sb.WriteString(s[:i])
			sb.WriteRune(rune(n))
			s = s[i+7:]
		}
		sb.WriteString(s)
		s = sb.String()
	}
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return s
}

// general writes a number cell's value the way Excel's General format
// shows it: at most 15 significant digits (0.1+0.2 is 0.3), never in
// exponent form. Text that is no number is kept as it is.
func general(v string) string {
	v = strings.TrimSpace(v)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// serialDate turns a spreadsheet date serial into YYYY-MM-DD. In the 1900
// system day 1 is 1900-01-01 and Excel counts a 29 February 1900 that never
// was (day 60), so later days start from 1899-12-30; in the 1904 system
// day 0 is 1904-01-01. The time of day is dropped.
func serialDate(v string, date1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f >= 2958466 { // 9999-12-31
		return "", false
	}
	days := int(f)
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days == 0 || days == 60:
		return "", false
	case days < 60:
		base = base.AddDate(0, 0, 1)
	}
	return base.AddDate(0, 0, days).Format(time.DateOnly), true
}

// isDateID reports the built-in number formats that show a date:
// 14–17 and 22 everywhere, 27–31, 34–36 and 50–58 in Japanese Excel
// (era and 年月日 forms). Times of day (18–21, 32–33, 45–47) are not.
func isDateID(id int) bool {
	return id >= 14 && id <= 17 || id == 22 || id >= 27 && id <= 31 ||
		id >= 34 && id <= 36 || id >= 50 && id <= 58
}

// isDateCode reports whether a custom number format shows a date: it has
// a year, day or era token outside quoted text, escapes and [brackets].
// A month alone counts unless the format also shows hours or seconds,
// where m means minutes.
func isDateCode(code string) bool {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '\\', '_', '*':
			i++
		case '[':
			if j := strings.IndexByte(code[i:], ']'); j >= 0 {
				i += j
			} else {
				i = len(code)
			}
		case ';':
			i = len(code) // the first section is the one for dates
		default:
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	s := strings.ReplaceAll(b.String(), "general", "")
	s = strings.NewReplacer("e+", "", "e-", "").Replace(s) // scientific notation
	if strings.ContainsAny(s, "ydeg") {
		return true
	}
	return strings.ContainsRune(s, 'm') && !strings.ContainsAny(s, "hs")
}
