package ledgerfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzRead: whatever the bytes, Read returns a table that keeps the
// package's promises or one of its errors, and never panics. The seed
// corpus in testdata/fuzz/FuzzRead holds a small XLSX from Write, a
// hand-made one, CSVs in UTF-8, Shift_JIS and UTF-16, and a broken zip.
func FuzzRead(f *testing.F) {
	f.Add([]byte("情報資産の名称,備考,機密性\na,b,1\n"))
	f.Add(ipaCSV()) // IPA's two-row header and ○ flags
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data)
	})
}

// FuzzSheet fuzzes the XML of a worksheet inside a sound zip, which
// FuzzRead's mutations of whole zips seldom reach past the checksums.
func FuzzSheet(f *testing.F) {
	f.Add([]byte(sheetStart + `<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="C2" s="1"><v>46113</v></c></row>` + sheetEnd))
	f.Fuzz(func(t *testing.T, sheet []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, s := range map[string]string{
			"[Content_Types].xml": contentTypes, "_rels/.rels": packageRels, "xl/workbook.xml": workbook,
			"xl/_rels/workbook.xml.rels": workbookRels, "xl/worksheets/sheet1.xml": string(sheet),
			"xl/styles.xml":        `<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`,
			"xl/sharedStrings.xml": `<sst><si><t>情報資産の名称</t></si><si><r><t>備</t></r><r><t>考</t></r></si></sst>`,
		} {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
			w.Write([]byte(s))
		}
		zw.Close()
		checkRead(t, buf.Bytes())
	})
}

func checkRead(t *testing.T, data []byte) {
	tb, err := Read(bytes.NewReader(data), testLimit)
	if err != nil {
		for _, e := range []error{ErrTooLarge, ErrMalformed, ErrNoHeader, ErrTooManyRows, ErrCellTooLong} {
			if errors.Is(err, e) {
				return
			}
		}
		t.Fatalf("Read: %v is none of the package's errors", err)
	}
	if len(tb.Rows) > MaxRows || tb.HeaderLine < 1 || tb.HeaderLine > headerRows {
		t.Fatalf("table: %d rows, header on %d", len(tb.Rows), tb.HeaderLine)
	}
	if _, ok := tb.Found["name"]; !ok {
		t.Fatal("no name column")
	}
	line := tb.HeaderLine
	for _, r := range tb.Rows {
		if r.Line <= line || len(r.Cells) != len(Columns) {
			t.Fatalf("row %d after %d, %d cells", r.Line, line, len(r.Cells))
		}
		line = r.Line
		empty := true
		for i, c := range r.Cells {
			if Columns[i].Computed && c != "" || utf8.RuneCountInString(c) > MaxCellChars || !utf8.ValidString(c) {
				t.Fatalf("row %d %s = %q", r.Line, Columns[i].Key, c)
			}
			empty = empty && c == ""
		}
		if empty {
			t.Fatalf("empty row %d", r.Line)
		}
	}
}
