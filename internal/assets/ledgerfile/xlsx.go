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
