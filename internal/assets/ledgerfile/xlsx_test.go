package ledgerfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"maps"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The parts of a minimal workbook with one sheet, for files excelize
// would never write.
const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	packageRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	sheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>情報資産の名称</t></is></c><c r="B1" t="inlineStr"><is><t>備考</t></is></c><c r="C1" t="inlineStr"><is><t>機密性</t></is></c></row>`
	sheetEnd = `</sheetData></worksheet>`
)

// handXLSX zips a minimal workbook whose sheet1.xml is sheetStart, body
// and sheetEnd; extra parts are added, or replace ours.
func handXLSX(t testing.TB, body io.Reader, extra map[string]string) []byte {
	t.Helper()
	sheet, err := io.ReadAll(io.MultiReader(strings.NewReader(sheetStart), body, strings.NewReader(sheetEnd)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{
		"[Content_Types].xml": contentTypes, "_rels/.rels": packageRels,
		"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": workbookRels,
		"xl/worksheets/sheet1.xml": string(sheet),
	}
	for k, v := range extra {
		parts[k] = v
	}
	return zipParts(t, parts)
}

func zipParts(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for name, s := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, s)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHandXLSX(t *testing.T) {
	b := handXLSX(t, strings.NewReader(`<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="C2"><v>2</v></c></row>`), nil)
	tb := read(t, b)
	if len(tb.Rows) != 1 || tb.Rows[0].Cells[Index("name")] != "a" || tb.Rows[0].Cells[Index("confidentiality")] != "2" {
		t.Errorf("rows = %+v", tb.Rows)
	}
}

// peak runs f and reports the most heap in use while it ran, above what
// was in use before, sampled every few milliseconds.
func peak(f func()) (uint64, time.Duration) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var most uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			most = max(most, m.HeapInuse)
			select {
			case <-stop:
				done <- most
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	f()
	d := time.Since(start)
	close(stop)
	most := <-done
	if most < base {
		return 0, d
	}
	return most - base, d
}

// bombXLSX is a workbook whose sheet1.xml is sheetStart, n bytes of unit
// repeated, sheetEnd.
func bombXLSX(t testing.TB, unit string, n int64) []byte {
	t.Helper()
	return bomb(t, "xl/worksheets/sheet1.xml", sheetStart, unit, n, sheetEnd, nil)
}

// bomb is a minimal workbook whose part name is head, n bytes of unit
// repeated, tail; extra parts are added. The part is deflated once per
// megabyte, not once per byte: after a flush, the deflate blocks for a
// megabyte of a repeating unit refer back only to the same repeating
// bytes, so they can be repeated.
func bomb(t testing.TB, name, head, unit string, n int64, tail string, extra map[string]string) []byte {
	t.Helper()
	chunk := strings.Repeat(unit, (1<<20)/len(unit))
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	io.WriteString(fw, head)
	io.WriteString(fw, chunk)
	fw.Flush()
	m1 := z.Len()
	io.WriteString(fw, chunk)
	fw.Flush()
	m2 := z.Len()
	io.WriteString(fw, tail)
	fw.Close()
	zs := z.Bytes()
	chunks := n / int64(len(chunk))
	crc := crc32.Update(0, crc32.IEEETable, []byte(head))
	for range chunks {
		crc = crc32.Update(crc, crc32.IEEETable, []byte(chunk))
	}
	crc = crc32.Update(crc, crc32.IEEETable, []byte(tail))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := map[string]string{
		"[Content_Types].xml": contentTypes, "_rels/.rels": packageRels,
		"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": workbookRels,
		"xl/worksheets/sheet1.xml": sheetStart + `<row r="2"><c r="A2" t="s"><v>5</v></c></row>` + sheetEnd,
	}
	maps.Copy(parts, extra)
	delete(parts, name)
	for name, s := range parts {
		w, _ := zw.Create(name)
		io.WriteString(w, s)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc,
		CompressedSize64:   uint64(m1 + int(chunks-1)*(m2-m1) + len(zs) - m2),
		UncompressedSize64: uint64(len(head)) + uint64(chunks)*uint64(len(chunk)) + uint64(len(tail)),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(zs[:m1])
	for range chunks - 1 {
		w.Write(zs[m1:m2])
	}
	w.Write(zs[m2:])
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBombXLSX(t *testing.T) {
	// The trick above must give a sound zip, or the bomb tests prove
	// nothing: a small one reads as an ordinary workbook.
	unit := `<row><c t="inlineStr"><is><t>` + strings.Repeat("a", 64) + `</t></is></c><c/><c><v>1</v></c></row>`
	b := bombXLSX(t, unit, 2<<20)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		n, err := io.Copy(io.Discard, rc)
		if err != nil || uint64(n) != zf.UncompressedSize64 {
			t.Fatalf("%s: %d bytes, %v", zf.Name, n, err)
		}
	}
	tb := read(t, b)
	if len(tb.Rows) != 2*((1<<20)/len(unit)) || tb.Rows[len(tb.Rows)-1].Cells[Index("confidentiality")] != "1" {
		t.Errorf("%d rows", len(tb.Rows))
	}
}

// TestZipBomb: a small file that unpacks to a gigabyte is refused before
// anything is unpacked, whether its directory says so or lies about it.
func TestZipBomb(t *testing.T) {
	start := time.Now()
	bomb := bombXLSX(t, `<row><c><v>1</v></c></row>`, 1<<30)
	t.Logf("1 GiB sheet zipped to %d KB in %v", len(bomb)>>10, time.Since(start))
	check := func(name string, in []byte, want error) {
		var err error
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		heap, d := peak(func() { _, err = Read(bytes.NewReader(in), testLimit) })
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %v in %v, peak heap +%d MB, allocated %d KB", name, err, d, heap>>20, alloc>>10)
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
		if heap > 64<<20 {
			t.Errorf("%s: peak heap +%d MB", name, heap>>20)
		}
		// Refused before anything is unpacked: bounded by what is
		// allocated, not by the clock.
		if alloc > 64<<20 {
			t.Errorf("%s: allocated %d MB", name, alloc>>20)
		}
	}
	check("honest", bomb, ErrTooLarge)
	check("lying", lie(t, bomb, "xl/worksheets/sheet1.xml", 256<<10), ErrMalformed)
	check("lying, small", lie(t, bomb, "xl/worksheets/sheet1.xml", 100), ErrMalformed)
}

// lie rewrites the zip so that name's entry declares size bytes unpacked,
// keeping its compressed data.
func lie(t testing.TB, in []byte, name string, size uint64) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		h := zf.FileHeader
		if zf.Name == name {
			h.UncompressedSize64 = size
			h.CRC32 = crc32.ChecksumIEEE(nil)
		}
		raw, err := zf.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(w, raw)
	}
	zw.Close()
	return buf.Bytes()
}

// TestHostileParts: parts as big as the limits allow, made of what cost
// excelize's reader gigabytes or minutes, cost little time and memory.
func TestHostileParts(t *testing.T) {
	const ns = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	for _, c := range []struct {
		name, part, head, unit, tail string
		n                            int64
	}{
		{"white space", "xl/worksheets/sheet1.xml", sheetStart, " ", sheetEnd, maxSheet},
		{"empty rows", "xl/worksheets/sheet1.xml", sheetStart, "<row/>", sheetEnd, maxSheet},
		{"repeated row", "xl/worksheets/sheet1.xml", sheetStart, `<row r="5"/>`, sheetEnd, maxSheet},
		{"empty cells", "xl/worksheets/sheet1.xml", sheetStart + `<row r="2">`, "<c/>", "</row>" + sheetEnd, maxSheet},
		{"one big cell", "xl/worksheets/sheet1.xml", sheetStart + `<row r="2"><c r="B2" t="inlineStr"><is><t>`, "x", "</t></is></c></row>" + sheetEnd, maxSheet},
		{"big cells", "xl/worksheets/sheet1.xml", sheetStart, `<row><c t="inlineStr"><is><t>` + strings.Repeat("x", 4000) + `</t></is></c></row>`, sheetEnd, maxSheet},
		{"empty cells in rows", "xl/worksheets/sheet1.xml", sheetStart, `<row>` + strings.Repeat("<c/>", 1000) + `</row>`, sheetEnd, maxSheet},
		{"data rows", "xl/worksheets/sheet1.xml", sheetStart, `<row><c t="inlineStr"><is><t>a</t></is></c><c/><c><v>1</v></c></row>`, sheetEnd, maxSheet},
		{"comments", "xl/worksheets/sheet1.xml", sheetStart, "<!---->", sheetEnd, maxSheet},
		{"processing instructions", "xl/worksheets/sheet1.xml", sheetStart, "<?a?>", sheetEnd, maxSheet},
		{"deep rich text", "xl/worksheets/sheet1.xml", sheetStart + `<row r="2"><c r="A2" t="inlineStr"><is>`, `<r><t>ab</t></r>`, `</is></c></row>` + sheetEnd, maxSheet},
		{"tiny shared strings", "xl/sharedStrings.xml", ns, `<si><t>a</t></si>`, `</sst>`, maxSharedStrings},
		{"empty shared strings", "xl/sharedStrings.xml", ns, `<si/>`, `</sst>`, maxSharedStrings},
		{"phonetic runs", "xl/sharedStrings.xml", ns + `<si><t>a</t>`, `<rPh><t>ア</t></rPh>`, `</si></sst>`, maxSharedStrings},
		{"styles", "xl/styles.xml", `<styleSheet><cellXfs>`, `<xf numFmtId="14"/>`, `</cellXfs></styleSheet>`, maxPart},
		{"number formats", "xl/styles.xml", `<styleSheet><numFmts>`, `<numFmt numFmtId="1" formatCode="yyyy"/>`, `</numFmts></styleSheet>`, maxPart},
		{"sheets", "xl/workbook.xml", `<workbook><sheets>`, `<sheet name="a" r:id="rId1"/>`, `</sheets></workbook>`, maxPart},
		{"relationships", "xl/_rels/workbook.xml.rels", `<Relationships>`, `<Relationship Id="x" Target="y"/>`, `</Relationships>`, maxPart},
	} {
		// The unit fits a whole number of times, less a megabyte for the
		// rest of the part.
		in := bomb(t, c.part, c.head, c.unit, c.n-1<<20, c.tail, nil)
		var err error
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		heap, d := peak(func() { _, err = Read(bytes.NewReader(in), testLimit) })
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s (%d KB): %v in %v, peak heap +%d MB, allocated %d MB", c.name, len(in)>>10, err, d.Round(time.Millisecond), heap>>20, alloc>>20)
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTooManyRows) && !errors.Is(err, ErrNoHeader) && !errors.Is(err, ErrCellTooLong) {
			t.Errorf("%s: %v", c.name, err)
		}
		if heap > 100<<20 {
			t.Errorf("%s: peak heap +%d MB", c.name, heap>>20)
		}
		// Work is bounded by what is allocated, not by the clock: a busy
		// two-core machine once took 21 s for what takes 1 s idle.
		if alloc > 256<<20 {
			t.Errorf("%s: allocated %d MB", c.name, alloc>>20)
		}
	}
}

// TestExcelizeWorkbook reads a workbook written the way Excel writes
// them (shared strings, styles, rich text), made with excelize's ordinary
// API: a cover sheet first, then the ledger under a title row.
func TestExcelizeWorkbook(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "表紙")
	f.SetCellValue("表紙", "A1", "情報資産管理台帳（表紙）")
	f.SetCellValue("表紙", "A2", "株式会社サンプル")
	f.NewSheet("台帳")
	set := func(cell string, v any) {
		if err := f.SetCellValue("台帳", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	style := func(code string) int {
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	set("A1", "2026年度 情報資産管理台帳")
	for i, h := range []string{"情報資産の名称", "機密性", "完全性", "可用性", "登録日", "対応期限", "備考", "保存期限", "脅威の発生頻度", "脆弱性"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		set(cell, h)
	}
	set("A3", "顧客名簿")
	set("B3", 3)
	set("C3", 2.0)
	f.SetCellStyle("台帳", "C3", "C3", style("0.0"))
	set("D3", 1)
	set("E3", time.Date(2026, 4, 1, 15, 30, 0, 0, time.UTC))
	set("F3", 46113)
	f.SetCellStyle("台帳", "F3", "F3", style(`[$-ja-JP-x-gannen]ggge"年"m"月"d"日";@`))
	f.SetCellRichText("台帳", "G3", []excelize.RichTextRun{{Text: "太字"}, {Text: "と普通", Font: &excelize.Font{Bold: true}}})
	set("H3", 5)
	f.SetCellStyle("台帳", "H3", "H3", style(`0"年"`))
	set("I3", 0.1+0.2)
	set("J3", true)
	set("A5", "見積書")
	set("F5", 46113)
	f.SetCellStyle("台帳", "F5", "F5", style("yyyy/m/d"))
	set("B5", "２")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tb := read(t, buf.Bytes())
	if tb.Sheet != "台帳" || tb.HeaderLine != 2 || len(tb.Rows) != 2 {
		t.Fatalf("sheet %q, header %d, rows %+v", tb.Sheet, tb.HeaderLine, tb.Rows)
	}
	for key, want := range map[string]string{
		"name": "顧客名簿", "confidentiality": "3", "integrity": "2", "availability": "1",
		"registered_on": "2026-04-01", "treatment_due": "2026-04-01", "notes": "太字と普通",
		"retention": "5", "threat": "0.3", "vulnerability": "TRUE",
	} {
		if got, _ := tb.Rows[0].Get(key); got != want {
			t.Errorf("row 3 %s = %q, want %q", key, got, want)
		}
	}
	r := tb.Rows[1]
	if r.Line != 5 || r.Cells[Index("name")] != "見積書" || r.Cells[Index("treatment_due")] != "2026-04-01" || r.Cells[Index("confidentiality")] != "2" {
		t.Errorf("row 5 = %+v", r)
	}
}

// TestSheetChoice: our sheet by name wins, hidden or not; otherwise the
// first visible sheet with a header; hidden sheets come last.
func TestSheetChoice(t *testing.T) {
	ledger := func(f *excelize.File, sheet, name string) {
		f.SetSheetRow(sheet, "A1", &[]any{"情報資産の名称", "備考", "機密性"})
		f.SetSheetRow(sheet, "A2", &[]any{name, "", 1})
	}
	build := func(fn func(f *excelize.File)) []byte {
		f := excelize.NewFile()
		defer f.Close()
		fn(f)
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for name, c := range map[string]struct {
		in   []byte
		want string
	}{
		"ours hidden": {build(func(f *excelize.File) {
			ledger(f, "Sheet1", "first")
			f.NewSheet("Asset ledger")
			ledger(f, "Asset ledger", "ours")
			f.SetSheetVisible("Asset ledger", false)
		}), "ours"},
		"hidden last": {build(func(f *excelize.File) {
			ledger(f, "Sheet1", "hidden")
			f.NewSheet("Sheet2")
			f.SetCellValue("Sheet2", "A1", "no header here")
			i, _ := f.NewSheet("Sheet3")
			ledger(f, "Sheet3", "visible")
			f.SetActiveSheet(i) // excelize will not hide the active sheet
			if err := f.SetSheetVisible("Sheet1", false); err != nil {
				t.Fatal(err)
			}
		}), "visible"},
	} {
		tb, err := Read(bytes.NewReader(c.in), testLimit)
		if err != nil || tb.Rows[0].Cells[Index("name")] != c.want {
			t.Errorf("%s: %v %+v", name, err, tb)
		}
	}
	empty := build(func(f *excelize.File) { f.SetCellValue("Sheet1", "A1", "nothing") })
	if _, err := Read(bytes.NewReader(empty), testLimit); !errors.Is(err, ErrNoHeader) {
		t.Errorf("no header: %v", err)
	}
}

// TestHandMadeXML: what other writers do, and what broken files do.
func TestHandMadeXML(t *testing.T) {
	const hdr = `<row r="1"><c r="A1" t="inlineStr"><is><t>情報資産の名称</t></is></c><c r="B1" t="inlineStr"><is><t>備考</t></is></c><c r="C1" t="inlineStr"><is><t>登録日</t></is></c></row>`
	ns := `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	sheet := func(rows string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>` + "\n<worksheet " + ns + `><sheetData>` + hdr + rows + `</sheetData></worksheet>`
	}
	styles := `<styleSheet ` + ns + `><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>` +
		`<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>`
	sst := `<sst ` + ns + `><si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh><phoneticPr fontId="1"/></si>` +
		`<si><r><t xml:space="preserve">a_x000D_</t></r><r><rPr><b/></rPr><t>` + "\n" + `b_x005F_x000D_</t></r></si><si><t><![CDATA[<&>]]></t></si></sst>`
	good := []struct {
		name, sheet, wb, name2, notes, date string
	}{
		{"shared strings, rPh, runs", sheet(`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" s="1"><v>46113</v></c></row>`), workbook,
			"山田", "a\nb_x000D_", "2026-04-01"},
		{"entities, CDATA, comments", sheet(`<!-- a > b --><row r="2"><c r="A2" t="inlineStr"><is><t>&lt;&#x41;&#66;&amp;&quot;&apos;&gt;</t></is></c><c r="B2" t="s"><v>2</v></c><c r="C2" s="2"><f>TODAY()</f><v>46113.75</v></c></row>`), workbook,
			"<AB&\"'>", "<&>", "2026-04-01"},
		{"no refs, prefixes", `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>情報資産の名称</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>備考</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>登録日</x:t></x:is></x:c></x:row><x:row><x:c t="str"><x:f>"a"</x:f><x:v>a</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c><x:c s="1" t="n"><x:v>44651</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
			strings.Replace(workbook, "<sheets>", `<workbookPr date1904="1"/><sheets>`, 1), "a", "#N/A", "2026-04-01"},
		{"gt in attribute", sheet(`<row r="2" x="a>b"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="C2" t="d"><v>2026-04-01T00:00:00Z</v></c></row>`), workbook, "x", "", "2026-04-01"},
	}
	for _, c := range good {
		in := zipParts(t, map[string]string{
			"[Content_Types].xml": contentTypes, "_rels/.rels": packageRels, "xl/workbook.xml": c.wb,
			"xl/_rels/workbook.xml.rels": workbookRels, "xl/worksheets/sheet1.xml": c.sheet,
			"xl/styles.xml": styles, "xl/sharedStrings.xml": sst,
		})
		tb, err := Read(bytes.NewReader(in), testLimit)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := tb.Rows[0].Cells
		if got[Index("name")] != c.name2 || got[Index("notes")] != c.notes || got[Index("registered_on")] != c.date {
			t.Errorf("%s: %q %q %q", c.name, got[Index("name")], got[Index("notes")], got[Index("registered_on")])
		}
	}
	for name, body := range map[string]string{
		"bare &":           `<row r="2"><c r="A2" t="inlineStr"><is><t>a & b</t></is></c></row>`,
		"unknown entity":   `<row r="2"><c r="A2" t="inlineStr"><is><t>a&nbsp;b</t></is></c></row>`,
		"mismatched tags":  `<row r="2"><c r="A2" t="inlineStr"><is><t>a</is></t></c></row>`,
		"rows backwards":   `<row r="3"/><row r="2"/>`,
		"cells backwards":  `<row r="2"><c r="B2"/><c r="A2"/></row>`,
		"bad string index": `<row r="2"><c r="A2" t="s"><v>7</v></c></row>`,
		"doctype":          `<!DOCTYPE x [<!ENTITY a "b">]>`,
		"bad UTF-8":        "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>\xff</t></is></c></row>",
		"control char ref": `<row r="2"><c r="A2" t="inlineStr"><is><t>&#1;</t></is></c></row>`,
		"row past Excel":   `<row r="1048577"/>`,
		"unquoted attr":    `<row r=2/>`,
		"deep":             strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100),
	} {
		in := handXLSX(t, strings.NewReader(body), nil)
		if _, err := Read(bytes.NewReader(in), testLimit); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	cut := handXLSX(t, strings.NewReader(`<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c></row>`), nil)
	if _, err := Read(bytes.NewReader(cut), testLimit); err != nil {
		t.Fatal(err)
	}
	in := zipParts(t, map[string]string{
		"[Content_Types].xml": contentTypes, "_rels/.rels": packageRels, "xl/workbook.xml": workbook,
		"xl/_rels/workbook.xml.rels": workbookRels, "xl/worksheets/sheet1.xml": sheetStart + `<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c></row></sheetData>`,
	})
	if _, err := Read(bytes.NewReader(in), testLimit); !errors.Is(err, ErrMalformed) {
		t.Errorf("cut off: %v", err)
	}
}

func TestSerialDate(t *testing.T) {
	for _, c := range []struct {
		v     string
		d1904 bool
		want  string
	}{
		{"1", false, "1900-01-01"}, {"59", false, "1900-02-28"}, {"61", false, "1900-03-01"},
		{"46113", false, "2026-04-01"}, {"46113.999", false, "2026-04-01"}, {"0", true, "1904-01-01"},
		{"44651", true, "2026-04-01"}, {"2958465", false, "9999-12-31"},
		{"60", false, ""}, {"0", false, ""}, {"-1", false, ""}, {"2958466", false, ""}, {"x", false, ""},
	} {
		got, ok := serialDate(c.v, c.d1904)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("serialDate(%q, %v) = %q, %v", c.v, c.d1904, got, ok)
		}
	}
	for code, want := range map[string]bool{
		"yyyy/m/d": true, `[$-ja-JP]ggge"年"m"月"d"日"`: true, "m/d": true, "mmm-yy": true, `yyyy"年"m"月"`: true,
		"h:mm": false, "[h]:mm:ss": false, "mm:ss": false, "0.00E+00": false, "General": false, `0"年"`: false,
		`#,##0;[Red]-#,##0`: false, `0.0 "d"`: false, `\d0`: false, "@": false, "0%": false,
	} {
		if got := isDateCode(code); got != want {
			t.Errorf("isDateCode(%q) = %v", code, got)
		}
	}
}
