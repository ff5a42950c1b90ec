package ledgerfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Bounds on what an XLSX may unpack to. A zip entry declares its size and
// archive/zip refuses to inflate more than it declares, so checking the
// declared sizes before excelize opens anything stops a zip bomb at the
// cost of reading the directory.
const (
	// maxUnpacked is the most all kept parts may unpack to: a 20,000-row
	// ledger is tens of MB of XML, and reading 200 MB of XML is a few
	// seconds of work, not minutes.
	maxUnpacked = 200 << 20
	// inMemory is excelize's UnzipXMLSizeLimit: a worksheet or the shared
	// strings bigger than this are unpacked to a temporary file and
	// streamed from there instead of held in memory.
	inMemory = 16 << 20
	// maxSharedStrings caps the shared strings table, which excelize
	// indexes with some bytes per string wherever it keeps it.
	maxSharedStrings = 32 << 20
	// maxPart caps each other part we keep (workbook, relationships,
	// styles, content types): excelize decodes them whole into structs
	// several times their size, and real ones are well under 1 MB.
	maxPart = 4 << 20
	// maxEntries caps the zip directory archive/zip reads into memory.
	maxEntries = 10000
	// maxSheets is how many sheets are searched for the header.
	maxSheets = 32
)

// readXLSX reads the ledger sheet of a workbook.
//
// excelize is fed untrusted bytes and has panicked on malformed input
// before; a panic there must not take the server down, and a workbook
// that makes the library panic is, to the user, a file we cannot read.
// So a panic is recovered and reported as ErrMalformed. Temporary files
// go to a directory of our own that is removed whatever happens, since a
// panic skips excelize's own clean-up.
func readXLSX(data []byte) (t *Table, err error) {
	dir, err := os.MkdirTemp("", "ledgerfile-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, malformed(fmt.Errorf("excelize panicked: %v", p))
		}
	}()
	slim, err := keepParts(data)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(slim), excelize.Options{
		UnzipSizeLimit:    maxUnpacked,
		UnzipXMLSizeLimit: inMemory,
		TmpDir:            dir,
	})
	if f != nil {
		defer f.Close()
	}
	if err != nil {
		return nil, malformed(err)
	}
	if err := isoDates(f); err != nil {
		return nil, malformed(err)
	}
	for _, sheet := range sheetOrder(f) {
		t, err := readSheet(f, sheet)
		if errors.Is(err, ErrNoHeader) {
			continue
		}
		return t, err
	}
	return nil, ErrNoHeader
}

// keepParts checks the archive's declared sizes and returns a copy with
// only the parts reading needs: the package and workbook relationships,
// the workbook, the content types, styles, shared strings and worksheets. Pictures, drawings,
// comments, pivot caches and the like are dropped unread, so neither their
// size nor excelize's handling of them can cost us anything. Entries are
// copied compressed, so this is cheap.
func keepParts(data []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, malformed(err)
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%w: %d zip entries", ErrTooLarge, len(zr.File))
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	var total uint64
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		limit := uint64(maxPart)
		switch {
		case strings.HasPrefix(name, "xl/worksheets/") && !strings.Contains(name, "_rels"):
			limit = maxUnpacked
		case name == "xl/sharedstrings.xml":
			limit = maxSharedStrings
		case name == "[content_types].xml", name == "_rels/.rels", name == "xl/workbook.xml",
			name == "xl/_rels/workbook.xml.rels", name == "xl/styles.xml":
		default:
			continue
		}
		size := zf.UncompressedSize64
		if size > limit || total+size > maxUnpacked {
			return nil, fmt.Errorf("%w: %s unpacks to %d bytes", ErrTooLarge, zf.Name, size)
		}
		total += size
		raw, err := zf.OpenRaw()
		if err != nil {
			return nil, malformed(err)
		}
		w, err := zw.CreateRaw(&zf.FileHeader)
		if err != nil {
			return nil, malformed(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			return nil, malformed(err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, malformed(err)
	}
	return out.Bytes(), nil
}

// sheetOrder lists the sheets to search for the header: ours by name
// first, then the visible sheets in workbook order, then the hidden ones.
// A ledger behind a cover sheet still imports.
func sheetOrder(f *excelize.File) []string {
	var ours, visible, hidden []string
	for _, s := range f.GetSheetList() {
		n := normHeader(s)
		switch vis, _ := f.GetSheetVisible(s); {
		case n == normHeader(SheetName("ja")) || n == normHeader(SheetName("en")):
			ours = append(ours, s)
		case vis:
			visible = append(visible, s)
		default:
			hidden = append(hidden, s)
		}
	}
	all := append(append(ours, visible...), hidden...)
	return all[:min(len(all), maxSheets)]
}

// readSheet streams one worksheet through the builder: excelize's row
// iterator decodes one row at a time, so a long sheet costs time, not
// memory.
func readSheet(f *excelize.File, sheet string) (*Table, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		// A chart sheet or a sheet the workbook lists but lacks.
		return nil, ErrNoHeader
	}
	defer rows.Close()
	b := newBuilder(XLSX)
	b.t.Sheet = sheet
	// The iterator stops once per row number, rows absent from the file
	// included, so counting calls gives the row number Excel shows.
	line := 0
	for rows.Next() {
		line++
		cells, err := rows.Columns()
		if err != nil {
			return nil, malformed(err)
		}
		if len(cells) == 0 && b.pos != nil {
			continue
		}
		if err := b.feed(line, cells); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, malformed(err)
	}
	return b.finish()
}

// isoDates makes every date-formatted cell read as YYYY-MM-DD. The row
// iterator gives each cell's value formatted by its style, not the style,
// so the reader cannot tell a date from a number; pointing the date styles
// of the opened workbook (never saved) at a yyyy-mm-dd format makes
// excelize format dates the way the ledger wants them, whatever the sheet
// showed (2026/4/1, 令和8年4月1日, 4月1日), and leaves every other cell as
// the user saw it.
func isoDates(f *excelize.File) error {
	st := f.Styles
	if st == nil || st.CellXfs == nil || len(st.CellXfs.Xf) == 0 {
		return nil
	}
	codes := map[int]string{}
	if st.NumFmts != nil {
		for _, nf := range st.NumFmts.NumFmt {
			if nf != nil {
				codes[nf.NumFmtID] = nf.FormatCode
			}
		}
	}
	dates := make([]int, 0, 8)
	for i, xf := range st.CellXfs.Xf {
		if xf.NumFmtID == nil {
			continue
		}
		id := *xf.NumFmtID
		code, custom := codes[id]
		if custom && isDateCode(code) || !custom && isDateID(id) {
			dates = append(dates, i)
		}
	}
	if len(dates) == 0 {
		return nil
	}
	code := "yyyy-mm-dd"
	iso, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		return err
	}
	id := *st.CellXfs.Xf[iso].NumFmtID
	for _, i := range dates {
		st.CellXfs.Xf[i].NumFmtID = &id
	}
	return nil
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
