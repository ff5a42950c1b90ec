package ledgerfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// Read reads a ledger file of at most limit bytes, telling XLSX from CSV
// by its content rather than by a file name the browser may have changed.
// It returns one of the package's Err values for a file it will not take;
// a read error from r comes back as it is.
func Read(r io.Reader, limit int64) (*Table, error) {
	if limit <= 0 {
		return nil, ErrTooLarge
	}
	// Reading stops at limit+1 bytes: enough to know the file is too
	// large, never more held in memory than the caller allowed.
	data, err := io.ReadAll(io.LimitReader(r, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, ErrTooLarge
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data)
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		// An .xls from Excel 97–2003, or an XLSX with a password: both
		// are OLE files we cannot read. Saying so beats "no header".
		return nil, malformed(errors.New("OLE file: .xls or password-protected workbook"))
	}
	return readCSV(data)
}

// builder turns rows of cells, in whatever format they came, into a
// Table: it finds the header, maps the columns and cleans the cells.
type builder struct {
	t       *Table
	unguard bool  // CSV: strip the quote guard writeCSV added
	pos     []int // per Columns index: position in the file of an input column, or -1; nil until the header is found
	has     []bool
	slab    []string // Cells of rows to come, allocated in blocks
	// sub is set while the row right under the header may still turn
	// out to be a second header row (ipa.go).
	sub bool
	// flags are the positions of IPA's three personal-data flag columns,
	// or -1; all -1 unless a second header row named them.
	flags [3]int
}

func newBuilder(f Format) *builder {
	return &builder{t: &Table{Format: f}, unguard: f == CSV}
}

// feed takes the cells of the row the spreadsheet shows as line. Rows
// must come in order; rows that are not in the file need not come at all.
func (b *builder) feed(line int, cells []string) error {
	if b.pos == nil {
		if line > headerRows {
			return ErrNoHeader
		}
		b.header(line, cells)
		return nil
	}
	if b.sub {
		b.sub = false
		if line == b.t.HeaderLine+1 && b.subHeader(cells) {
			return nil
		}
	}
	if len(b.slab) < len(Columns) {
		b.slab = make([]string, 256*len(Columns))
	}
	out := b.slab[:len(Columns):len(Columns)]
	empty := true
	for i, p := range b.pos {
		if p < 0 || p >= len(cells) {
			continue
		}
		v := cells[p]
		if b.unguard {
			v = unguard(v)
		}
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if len(v) > MaxCellChars && utf8.RuneCountInString(v) > MaxCellChars {
			return &CellTooLongError{Line: line, Key: Columns[i].Key, Column: b.t.headers[i]}
		}
		switch Columns[i].kind {
		case number:
			v = cleanNumber(v)
		case date:
			v = cleanDate(v)
		}
		out[i], empty = v, false
	}
	var badFlag string
	if b.flags != [3]int{-1, -1, -1} {
		if v, bad, ok := b.flagged(cells); ok {
			out[Index("personal_data")], badFlag, empty = v, bad, false
		}
	}
	if empty {
		// Blank rows between groups, or template rows holding only No.
		// and formulas, carry nothing to import; the slab is reused.
		return nil
	}
	b.slab = b.slab[len(Columns):]
	if len(b.t.Rows) == MaxRows {
		return ErrTooManyRows
	}
	b.t.Rows = append(b.t.Rows, Row{Line: line, Cells: out, has: b.has, BadFlag: badFlag})
	return nil
}

// header takes cells as the header row if they name the asset column and
// at least two more of ours: one match could be a title that happens to
// read 備考, three cannot be chance.
func (b *builder) header(line int, cells []string) {
	known := headings()
	at := make([]int, len(Columns))
	for i := range at {
		at[i] = -1
	}
	matched, ja, en := 0, 0, 0
	var ignored []string
	for p, cell := range cells {
		h := strings.TrimSpace(cell)
		if h == "" {
			continue
		}
		n := normHeader(h)
		i, ok := known[n]
		if !ok || at[i] >= 0 {
			ignored = append(ignored, h)
			continue
		}
		at[i] = p
		matched++
		if n == normHeader(Columns[i].Ja) {
			ja++
		}
		if n == normHeader(Columns[i].En) {
			en++
		}
	}
	if at[Index("name")] < 0 || matched < 3 {
		return
	}
	t := b.t
	t.HeaderLine, t.Ignored, t.Found = line, ignored, make(map[string]int, matched)
	t.headers = make([]string, len(Columns))
	if en > ja {
		t.lang = "en"
	}
	b.pos, b.has = make([]int, len(Columns)), make([]bool, len(Columns))
	b.sub, b.flags = true, [3]int{-1, -1, -1}
	for i, p := range at {
		b.pos[i] = -1
		if p < 0 {
			continue
		}
		t.Found[Columns[i].Key] = p
		t.headers[i] = strings.TrimSpace(cells[p])
		if !Columns[i].Computed {
			b.pos[i], b.has[i] = p, true
		}
	}
}

// width is how many columns of a row the builder can use: all of them
// until the header is found, then up to the last column it maps.
func (b *builder) width() int {
	if b.pos == nil {
		return maxSheetCols
	}
	if b.sub {
		return maxSheetCols // the row under the header may be a second header row
	}
	w := 0
	for _, p := range b.pos {
		w = max(w, p+1)
	}
	for _, p := range b.flags {
		w = max(w, p+1)
	}
	return w
}

func (b *builder) finish() (*Table, error) {
	if b.pos == nil {
		return nil, ErrNoHeader
	}
	return b.t, nil
}

// cleanNumber undoes what a spreadsheet does to a rating: full-width
// digits typed with a Japanese input method, and "2.0" from a cell with
// decimals shown. Anything else is left for validation to reject.
func cleanNumber(v string) string {
	if !isASCII(v) {
		v = norm.NFKC.String(v)
	}
	if strings.Contains(v, ".") {
		f, err := strconv.ParseFloat(v, 64)
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1e15 && !strings.ContainsAny(v, "eEpPxXnNiI") {
			return strconv.FormatInt(int64(f), 10)
		}
	}
	return v
}

// cleanDate writes the dates Japanese Excel produces (2026/4/1 in a CSV,
// ２０２６年４月１日 typed by hand) as 2026-04-01; anything that is not a
// real date that way is left for validation to reject.
func cleanDate(v string) string {
	if len(v) == 10 && v[4] == '-' && v[7] == '-' {
		// Already as we want it (our own export, an XLSX date): checked
		// without building it again.
		y, m, d := digits([]byte(v[:4]), 9999), digits([]byte(v[5:7]), 99), digits([]byte(v[8:]), 99)
		if y >= 1000 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) {
			return v
		}
	}
	if !isASCII(v) {
		v = norm.NFKC.String(v)
	}
	s := strings.TrimSuffix(v, "日")
	var parts [3]int
	for n := range 3 {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 4 {
			return v
		}
		parts[n], _ = strconv.Atoi(s[:i])
		s = s[i:]
		switch {
		case n == 2:
		case s != "" && (s[0] == '/' || s[0] == '-' || s[0] == '.'):
			s = s[1:]
		case n == 0 && strings.HasPrefix(s, "年"), n == 1 && strings.HasPrefix(s, "月"):
			s = s[len("年"):] // 年 and 月 are both three bytes
		default:
			return v
		}
	}
	y, m, d := parts[0], parts[1], parts[2]
	if s != "" || y < 1000 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return v
	}
	return strconv.Itoa(y) + "-" + pad2(m) + "-" + pad2(d)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maxFields caps the fields of one CSV record at Excel's column count:
// encoding/csv holds a whole record, and a line of a million commas would
// otherwise cost tens of bytes of memory per byte of input.
const maxFields = 16384

// readCSV reads a CSV in the encodings Japanese offices produce: UTF-8
// (with or without a byte order mark), Shift_JIS (CP932, Excel's "CSV"),
// and UTF-16 with a byte order mark (Excel's "Unicode text", tab-separated).
func readCSV(data []byte) (*Table, error) {
	text := decodeText(data)
	if bytes.IndexByte(text, 0) >= 0 {
		return nil, malformed(errors.New("NUL byte: a binary file, not text"))
	}
	if bytes.IndexByte(text, '\n') < 0 {
		// Old Mac Excel ("CSV (Macintosh)") ends lines with CR alone.
		text = bytes.ReplaceAll(text, []byte("\r"), []byte("\n"))
	}
	t, found, err := parseCSV(text, ',')
	// A tab-separated file reads as one column per line with commas, so
	// it shows as no header, or as bad quoting, before any header.
	if err != nil && !found && bytes.IndexByte(text, '\t') >= 0 {
		if t2, found2, err2 := parseCSV(text, '\t'); found2 {
			return t2, err2
		}
	}
	return t, err
}

var utf8BOM = []byte("\xEF\xBB\xBF")

func decodeText(data []byte) []byte {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		return bytes.ToValidUTF8(data[len(utf8BOM):], []byte("\uFFFD"))
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err == nil {
			return b
		}
	case utf8.Valid(data):
		return data
	}
	// Not UTF-8: Shift_JIS is what Japanese Excel writes. x/text's decoder
	// is CP932 (it has ① and ㈱) and turns bytes it cannot map into U+FFFD.
	b, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if err != nil {
		return bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	return b
}

// parseCSV reads text with delim between fields. found says whether the
// header was found, so the caller knows whether another delimiter is worth
// a try.
func parseCSV(text []byte, delim rune) (*Table, bool, error) {
	if widest(text, byte(delim)) > maxFields {
		return nil, false, malformed(errors.New("a record with more fields than Excel has columns"))
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	b := newBuilder(CSV)
	// Line numbers: the spreadsheet shows a record as one row, however
	// many lines its quoted cells span, and a blank line as an empty row.
	// So the row is the record's first line less the line breaks inside
	// the records before it.
	breaks := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, b.pos != nil, malformed(err)
		}
		first, _ := cr.FieldPos(0)
		line := first - breaks
		if line > maxSheetRows {
			// More rows than a spreadsheet has, even if all but a few are
			// empty: stop before they cost seconds.
			return nil, b.pos != nil, ErrTooManyRows
		}
		for _, f := range rec {
			breaks += strings.Count(f, "\n")
		}
		if err := b.feed(line, rec); err != nil {
			return nil, b.pos != nil, err
		}
	}
	t, err := b.finish()
	return t, b.pos != nil, err
}

// widest counts the fields of the widest record, following quotes the
// cheap way ("" toggles twice), so it can run before encoding/csv does.
func widest(text []byte, delim byte) int {
	most, n, quoted := 0, 1, false
	for _, c := range text {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == delim:
			n++
		case c == '\n':
			most, n = max(most, n), 1
		}
	}
	return max(most, n)
}
