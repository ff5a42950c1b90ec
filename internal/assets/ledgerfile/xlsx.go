package ledgerfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// Reading XLSX is done here, not with excelize (which writes them): fed
// hostile files, excelize's reader took 850 MB of heap for a 200 KB file
// holding one inflated cell, 450 MB for inflated white space, 300 MB for a
// 4 MB styles part, and 46 s of CPU for a 200 KB file of empty cells; it
// also ignores checksum errors while unpacking and stops quietly at broken
// XML, importing part of a damaged file without a word. The ledger needs
// only cell values, the shared strings, which styles are dates, and the
// sheet list, so a streaming reader of those parts is small, and every
// byte of it is bounded.

// Bounds on what an XLSX may unpack to. A zip entry declares its size and
// archive/zip refuses to inflate more than it declares, so checking the
// declared sizes before reading a part stops a zip bomb before it goes off.
const (
	// maxUnpacked is the most the parts we read may unpack to together;
	// a 20,000-row ledger is tens of MB of XML.
	maxUnpacked = 200 << 20
	// maxSheet caps one worksheet: reading costs 10 to 20 ns a byte, so
	// a hostile sheet costs a second or two, not minutes.
	maxSheet = 100 << 20
	// maxSharedStrings caps the shared strings part and maxStrings the
	// strings held from it: a 20,000-row ledger has at most 500,000.
	maxSharedStrings = 64 << 20
	maxStrings       = 1 << 20
	// maxPart caps the workbook, relationship and style parts; real ones
	// are well under 1 MB.
	maxPart = 16 << 20
	// maxEntries caps the zip directory archive/zip reads into memory.
	maxEntries = 10000
	// maxSheets is how many sheets are looked at; sheets further on are
	// ignored.
	maxSheets = 64
	// Excel's own limits: a sheet beyond them is not from a spreadsheet.
	maxSheetRows = 1 << 20
	maxSheetCols = 1 << 14
)

// book is an opened workbook.
type book struct {
	files    map[string]*zip.File // by lower-case name: Excel ignores case
	budget   int64                // bytes still allowed to unpack
	strings  []string             // shared strings
	buf      []byte               // a cell's <v> while it is read
	ibuf     []byte               // a cell's <is> while it is read
	dates    []bool               // per cell style: shows a date
	date1904 bool
}

type sheetRef struct {
	name, path string
	hidden     bool
}

// readXLSX reads the ledger sheet of a workbook: the first sheet, ours by
// name first, then visible ones, then hidden ones, whose first rows hold
// a header. A ledger behind a cover sheet still imports.
func readXLSX(data []byte) (*Table, error) {
	if n, ok := zipEntries(data); ok && n > maxEntries {
		return nil, fmt.Errorf("%w: %d zip entries", ErrTooLarge, n)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, malformed(err)
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%w: %d zip entries", ErrTooLarge, len(zr.File))
	}
	b := &book{files: make(map[string]*zip.File, len(zr.File)), budget: maxUnpacked}
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if _, dup := b.files[name]; !dup {
			b.files[name] = f
		}
	}
	sheets, err := b.open()
	if err != nil {
		return nil, err
	}
	for _, s := range sheets {
		t, err := b.readSheet(s)
		if errors.Is(err, ErrNoHeader) {
			continue
		}
		return t, err
	}
	return nil, ErrNoHeader
}

// zipEntries reads the entry count from the end of central directory
// record, so a directory of a million entries is refused before
// archive/zip allocates for each. A count of 0xFFFF means a zip64 count,
// which no workbook needs.
func zipEntries(data []byte) (int, bool) {
	const eocd = 22
	from := max(0, len(data)-eocd-0xFFFF)
	i := bytes.LastIndex(data[from:], []byte("PK\x05\x06"))
	if i < 0 || from+i+eocd > len(data) {
		return 0, false
	}
	n := int(binary.LittleEndian.Uint16(data[from+i+10:]))
	if n == 0xFFFF {
		return math.MaxInt, true
	}
	return n, true
}

// part opens the part at name for a scan, after checking its declared size
// against limit and what is left of the budget.
func (b *book) part(name string, limit int64) (*scanner, io.Closer, error) {
	f := b.files[strings.ToLower(name)]
	if f == nil {
		return nil, nil, nil
	}
	size := f.UncompressedSize64
	if size > uint64(limit) || size > uint64(b.budget) {
		return nil, nil, fmt.Errorf("%w: %s unpacks to %d bytes", ErrTooLarge, f.Name, size)
	}
	b.budget -= int64(size)
	rc, err := f.Open()
	if err != nil {
		return nil, nil, malformed(fmt.Errorf("%s: %w", f.Name, err))
	}
	return newScanner(rc), rc, nil
}

// scan runs fn on each token of the part at name, to the end: reading to
// the end is what makes archive/zip check the part's checksum.
func (b *book) scan(name string, limit int64, fn func(s *scanner)) error {
	s, c, err := b.part(name, limit)
	if s == nil {
		return err
	}
	defer c.Close()
	for s.next() {
		fn(s)
	}
	return scanErr(name, s.err)
}

// scanErr is a scan's error as Read returns it: too large stays too
// large; broken XML, a bad checksum or a short part is malformed.
func scanErr(name string, err error) error {
	if err == nil || errors.Is(err, ErrTooLarge) {
		return err
	}
	return malformed(fmt.Errorf("%s: %w", name, err))
}

// rels reads the relationships of the part at name: id → target path,
// and type suffix → target path for the first of each type.
func (b *book) rels(name string) (byID, byType map[string]string, err error) {
	relsPath := "_rels/.rels" // the package's own
	if name != "" {
		relsPath = path.Join(path.Dir(name), "_rels", path.Base(name)+".rels")
	}
	byID, byType = map[string]string{}, map[string]string{}
	err = b.scan(relsPath, maxPart, func(s *scanner) {
		if !s.is("Relationship") || len(byID) >= maxEntries {
			return
		}
		id, _ := s.attr("Id")
		typ, _ := s.attr("Type")
		target, _ := s.attr("Target")
		if mode, _ := s.attr("TargetMode"); mode == "External" || target == "" {
			return
		}
		if strings.HasPrefix(target, "/") {
			target = target[1:]
		} else {
			target = path.Join(path.Dir(name), target)
		}
		byID[id] = target
		typ = typ[strings.LastIndexByte(typ, '/')+1:]
		if _, ok := byType[typ]; !ok {
			byType[typ] = target
		}
	})
	return byID, byType, err
}

// open reads the workbook, its shared strings and styles, and returns the
// sheets in the order to try them.
func (b *book) open() ([]sheetRef, error) {
	wb := "xl/workbook.xml"
	_, pkg, err := b.rels("")
	if err != nil {
		return nil, err
	}
	if p, ok := pkg["officeDocument"]; ok {
		wb = p
	}
	byID, byType, err := b.rels(wb)
	if err != nil {
		return nil, err
	}
	var ours, visible, hidden []sheetRef
	found := false
	err = b.scan(wb, maxPart, func(s *scanner) {
		switch {
		case s.is("workbookPr"):
			v, _ := s.attr("date1904")
			b.date1904 = v == "1" || v == "true"
		case s.is("sheet"):
			found = true
			name, _ := s.attr("name")
			id, _ := s.attr("id") // r:id
			state, _ := s.attr("state")
			p, ok := byID[id]
			if !ok || len(ours)+len(visible)+len(hidden) >= maxSheets {
				return
			}
			r := sheetRef{name: name, path: p, hidden: state != "" && state != "visible"}
			switch n := normHeader(name); {
			case n == normHeader(SheetName("ja")) || n == normHeader(SheetName("en")):
				ours = append(ours, r)
			case r.hidden:
				hidden = append(hidden, r)
			default:
				visible = append(visible, r)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, malformed(errors.New("no workbook part listing sheets"))
	}
	if p, ok := byType["sharedStrings"]; ok {
		if err := b.readStrings(p); err != nil {
			return nil, err
		}
	}
	if p, ok := byType["styles"]; ok {
		if err := b.readStyles(p); err != nil {
			return nil, err
		}
	}
	return append(append(ours, visible...), hidden...), nil
}

// readStrings reads the shared strings: the text of each <si>, its runs
// joined, its phonetic guide (<rPh>, furigana) left out.
func (b *book) readStrings(name string) error {
	return b.scan(name, maxSharedStrings, func(s *scanner) {
		if !s.is("si") {
			return
		}
		if len(b.strings) == maxStrings {
			s.err = fmt.Errorf("%w: more than %d shared strings", ErrTooLarge, maxStrings)
			return
		}
		b.buf = richText(s, b.buf[:0])
		b.strings = append(b.strings, cellText(b.buf))
	})
}

// richText appends to dst the text of a string item (<si> or <is>): its
// <t>, or the <t> of each run <r>.
func richText(s *scanner, dst []byte) []byte {
	if s.self {
		return dst
	}
	d := s.depth
	for s.next() && !(s.kind == tokEnd && s.depth == d-1) {
		switch {
		case s.is("t"):
			dst = s.content(dst)
		case s.is("r"):
			dst = richText(s, dst)
		case s.kind == tokStart:
			s.skip() // rPh, phoneticPr, rPr
		}
		if len(dst) > maxText {
			s.fail("text of more than %d bytes", maxText)
		}
	}
	return dst
}

// readStyles finds which cell styles show dates: the xf records of
// cellXfs, by index, and the custom number formats they refer to.
func (b *book) readStyles(name string) error {
	codes := map[int]string{}
	var fmts []int
	inXfs := false
	err := b.scan(name, maxPart, func(s *scanner) {
		switch {
		case s.is("numFmt") && len(codes) < maxEntries:
			id, _ := s.attr("numFmtId")
			code, _ := s.attr("formatCode")
			if n, err := strconv.Atoi(id); err == nil {
				codes[n] = code
			}
		case s.is("cellXfs"):
			inXfs = !s.self
		case s.kind == tokEnd && string(local(s.tag)) == "cellXfs":
			inXfs = false
		case inXfs && s.is("xf") && len(fmts) < 1<<16:
			id, _ := s.attr("numFmtId")
			n, _ := strconv.Atoi(id)
			fmts = append(fmts, n)
		}
	})
	b.dates = make([]bool, len(fmts))
	for i, id := range fmts {
		if code, ok := codes[id]; ok {
			b.dates[i] = isDateCode(code)
		} else {
			b.dates[i] = isDateID(id)
		}
	}
	return err
}

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
