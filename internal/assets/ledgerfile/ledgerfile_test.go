package ledgerfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

const testLimit = 20 << 20

// row builds a ledger row from key/value pairs.
func row(kv ...string) []string {
	r := make([]string, len(Columns))
	for i := 0; i < len(kv); i += 2 {
		j := Index(kv[i])
		if j < 0 {
			panic("no column " + kv[i])
		}
		r[j] = kv[i+1]
	}
	return r
}

// trickyRows are the cells that break naive codecs.
func trickyRows() [][]string {
	long := strings.Repeat("情", MaxCellChars)
	return [][]string{
		row("no", "1", "business_area", "総務", "name", "顧客名簿（Ｅｘｃｅｌ）", "notes", "１行目\n2行目\n\n4行目",
			"users", "全社員", "department", "総務部", "medium", "電子データ", "storage", "社内サーバ ＼共有＼顧客",
			"personal_data", "個人情報", "confidentiality", "3", "integrity", "2", "availability", "1", "importance", "3",
			"retention", "5年", "registered_on", "2026-04-01", "threat", "2", "vulnerability", "3",
			"vulnerability_reason", "対策未実施", "damage", "2", "risk", "6", "method", "現行", "treatment", "低減",
			"treatment_owner", "山田　太郎", "treatment_due", "2026-12-31", "id", "0190f3c2-7d4e-7a1b-9c3d-2e4f5a6b7c8d"),
		row("no", "2", "name", "=HYPERLINK(\"http://evil.example\",\"x\")", "notes", "+81-3-1234-5678",
			"users", "-全員", "department", "@営業", "storage", "'quoted", "retention", "'=already guarded",
			"vulnerability_reason", "''+two quotes", "treatment_owner", "=1+1", "confidentiality", "-2"),
		row("name", "ｶﾀｶﾅ半角と①㈱髙﨑", "notes", long, "storage", long[:len(long)-3]+"x"),
		row("name", "quote \" and comma , and tab\tinside", "notes", "\"\"", "department", "a;b"),
		row("name", "only name"),
		row("name", "数字の文字列", "retention", "007", "notes", "2.50", "business_area", "1e3"),
	}
}

// want is what Read should give back for a written row: input columns
// trimmed, computed ones empty.
func want(r []string) []string {
	out := make([]string, len(r))
	for i, c := range Columns {
		if !c.Computed {
			out[i] = strings.TrimSpace(r[i])
		}
	}
	return out
}

func write(t testing.TB, f Format, lang string, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, lang, rows); err != nil {
		t.Fatalf("Write %s: %v", f, err)
	}
	return buf.Bytes()
}

func read(t testing.TB, data []byte) *Table {
	t.Helper()
	tb, err := Read(bytes.NewReader(data), testLimit)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return tb
}

func TestRoundTrip(t *testing.T) {
	rows := trickyRows()
	for _, f := range []Format{XLSX, CSV} {
		for _, lang := range []string{"ja", "en"} {
			t.Run(string(f)+"/"+lang, func(t *testing.T) {
				tb := read(t, write(t, f, lang, rows))
				if tb.Format != f || tb.HeaderLine != 1 || len(tb.Ignored) != 0 || len(tb.Found) != len(Columns) {
					t.Fatalf("table = %+v", tb)
				}
				if f == XLSX && tb.Sheet != SheetName(lang) {
					t.Errorf("sheet = %q", tb.Sheet)
				}
				if len(tb.Rows) != len(rows) {
					t.Fatalf("%d rows, want %d", len(tb.Rows), len(rows))
				}
				for i, r := range tb.Rows {
					if r.Line != i+2 {
						t.Errorf("row %d: line %d", i, r.Line)
					}
					w := want(rows[i])
					for j, c := range Columns {
						if r.Cells[j] != w[j] {
							t.Errorf("row %d %s = %q, want %q", i, c.Key, clip(r.Cells[j]), clip(w[j]))
						}
						v, ok := r.Get(c.Key)
						if ok == c.Computed || v != w[j] {
							t.Errorf("row %d Get(%s) = %q, %v", i, c.Key, clip(v), ok)
						}
					}
				}
				for _, c := range Columns {
					if got := tb.Header(c.Key); got != c.Header(lang) {
						t.Errorf("Header(%s) = %q", c.Key, got)
					}
				}
			})
		}
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func TestWriteCSVBytes(t *testing.T) {
	b := write(t, CSV, "ja", [][]string{row("name", "a\nb", "notes", "=1")})
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBFNo.,業務分類,情報資産の名称,")) {
		t.Errorf("start = %q", b[:40])
	}
	if !bytes.Contains(b, []byte(",\"a\r\nb\",'=1,")) || !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Errorf("body = %q", b)
	}
	if bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Errorf("bare LF in %q", b)
	}
}

func TestWriteXLSXCells(t *testing.T) {
	b := write(t, XLSX, "ja", [][]string{row("no", "1", "name", "=1+1", "confidentiality", "3", "retention", "5", "notes", "a\nb")})
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := SheetName("ja")
	// A number cell has no type attribute: excelize calls that unset.
	for cell, want := range map[string]excelize.CellType{
		"A2": excelize.CellTypeUnset, "C2": excelize.CellTypeInlineString,
		"J2": excelize.CellTypeUnset, "N2": excelize.CellTypeInlineString,
	} {
		if got, _ := f.GetCellType(sheet, cell); got != want {
			t.Errorf("%s type = %v, want %v", cell, got, want)
		}
	}
	if fm, _ := f.GetCellFormula(sheet, "C2"); fm != "" {
		t.Errorf("C2 became formula %q", fm)
	}
	panes, _ := f.GetPanes(sheet)
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v", panes)
	}
	if s, _ := f.GetCellStyle(sheet, "A1"); s == 0 {
		t.Error("header unstyled")
	} else if st, _ := f.GetStyle(s); st.Font == nil || !st.Font.Bold {
		t.Errorf("header style = %+v", st)
	}
	if w, _ := f.GetColWidth(sheet, "C"); w != Columns[2].width {
		t.Errorf("width C = %v", w)
	}
	if err := Write(io.Discard, XLSX, "ja", [][]string{{"short"}}); err == nil {
		t.Error("short row accepted")
	}
	if err := Write(io.Discard, "xls", "ja", nil); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestFormat(t *testing.T) {
	if XLSX.Extension() != "xlsx" || CSV.Extension() != "csv" ||
		!strings.HasPrefix(CSV.ContentType(), "text/csv") || !strings.Contains(XLSX.ContentType(), "spreadsheetml") {
		t.Error("format helpers")
	}
}

// ledgerCSV is a hand-made ledger as Japanese offices keep them: two title
// rows, the header on row 3 with columns in their own order, a column of
// their own, and full-width, wrapped and spaced headings.
const ledgerCSV = "情報資産管理台帳,,,,,\n" +
	"株式会社サンプル,2026年4月1日現在,,,,\n" +
	"Ｎｏ．,\"情報資産の\n名称\",　機密性　,担当メモ,完全性,可用性,登録日,管理ID\n" +
	"1,顧客名簿,３,社長に確認,2.0,1,2026/4/1,\n" +
	"\n" +
	"2,\"見積書\n控え\",2,,2,2,２０２６年１２月３日,abc\n" +
	"3,,,,,,,\n"

func TestReadCSVLedger(t *testing.T) {
	sjis, err := japanese.ShiftJIS.NewEncoder().String(ledgerCSV)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(tabbed(ledgerCSV))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"utf8":        ledgerCSV,
		"utf8 bom":    "\uFEFF" + ledgerCSV,
		"crlf":        strings.ReplaceAll(ledgerCSV, "\n", "\r\n"),
		"cr":          strings.ReplaceAll(ledgerCSV, "\n", "\r"),
		"shift_jis":   sjis,
		"tabs":        tabbed(ledgerCSV),
		"utf16 tabs":  utf16,
		"sjis tabs":   must(japanese.ShiftJIS.NewEncoder().String(tabbed(ledgerCSV))),
		"utf8 bom tb": "\uFEFF" + tabbed(ledgerCSV),
	} {
		t.Run(name, func(t *testing.T) {
			tb := read(t, []byte(in))
			if tb.HeaderLine != 3 || !slices.Equal(tb.Ignored, []string{"担当メモ"}) {
				t.Fatalf("header %d, ignored %q", tb.HeaderLine, tb.Ignored)
			}
			if tb.Found["no"] != 0 || tb.Found["name"] != 1 || tb.Found["id"] != 7 || len(tb.Found) != 7 {
				t.Errorf("found = %v", tb.Found)
			}
			if tb.Has("notes") || !tb.Has("integrity") || tb.Has("no") {
				t.Error("Has")
			}
			if h := tb.Header("name"); h != "情報資産の\n名称" {
				t.Errorf("Header(name) = %q", h)
			}
			if h := tb.Header("notes"); h != "備考" {
				t.Errorf("Header(notes) = %q", h)
			}
			type r struct {
				line              int
				name, c, i, a, on string
				id                string
			}
			var got []r
			for _, x := range tb.Rows {
				g := func(k string) string { v, _ := x.Get(k); return v }
				got = append(got, r{x.Line, g("name"), g("confidentiality"), g("integrity"), g("availability"), g("registered_on"), g("id")})
				if v, ok := x.Get("notes"); v != "" || ok {
					t.Errorf("notes = %q, %v", v, ok)
				}
			}
			want := []r{
				{4, "顧客名簿", "3", "2", "1", "2026-04-01", ""},
				{6, "見積書\n控え", "2", "2", "2", "2026-12-03", "abc"},
			}
			if !slices.Equal(got, want) {
				t.Errorf("rows =\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func tabbed(s string) string { return strings.ReplaceAll(s, ",", "\t") }

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func TestReadCSVLines(t *testing.T) {
	in := "\n情報資産の名称,備考,機密性\r\n\"a\",\"x\r\ny\r\nz\",1\r\n\r\n\r\nb,,2\r\n\"c\n\",\"\",3\r\n,,\r\n,,\r\n"
	tb := read(t, []byte(in))
	var lines []int
	for _, r := range tb.Rows {
		lines = append(lines, r.Line)
	}
	if tb.HeaderLine != 2 || !slices.Equal(lines, []int{3, 6, 7}) {
		t.Errorf("header %d, lines %v", tb.HeaderLine, lines)
	}
	if tb.Rows[0].Cells[Index("notes")] != "x\ny\nz" || tb.Rows[2].Cells[Index("name")] != "c" {
		t.Errorf("cells %q", tb.Rows[0].Cells)
	}
}

func TestHeaderVariants(t *testing.T) {
	for _, h := range []string{
		"business AREA,Information  Asset,ＮＯＴＥＳ",
		"業務分類,情報資産の　名称,備考",
		" 業務分類 ,\"情報資産の名称\n\",備考",
		"No.,情報資産の名称,Notes", // languages mixed
	} {
		if _, err := Read(strings.NewReader(h+"\nx,y,z\n"), testLimit); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
	for _, h := range []string{
		"業務分類,備考,利用者範囲,管理部署",      // no name column
		"情報資産の名称,備考",              // name and one more
		"情報資産の名称,情報資産の名称,情報資産の名称", // one column thrice
		"",
	} {
		if _, err := Read(strings.NewReader(h+"\nx,y,z\n"), testLimit); !errors.Is(err, ErrNoHeader) {
			t.Errorf("%q: %v, want ErrNoHeader", h, err)
		}
	}
	deep := strings.Repeat("title\n", 10) + "情報資産の名称,備考,機密性\nx,y,1\n"
	if _, err := Read(strings.NewReader(deep), testLimit); !errors.Is(err, ErrNoHeader) {
		t.Errorf("header on row 11: %v", err)
	}
	dup := "情報資産の名称,備考,備考,謎,機密性\nx,first,second,?,1\n"
	tb := read(t, []byte(dup))
	if !slices.Equal(tb.Ignored, []string{"備考", "謎"}) || tb.Rows[0].Cells[Index("notes")] != "first" {
		t.Errorf("ignored %q, notes %q", tb.Ignored, tb.Rows[0].Cells[Index("notes")])
	}
}

func TestCleanCells(t *testing.T) {
	for in, want := range map[string]string{
		"2": "2", "２": "2", "2.0": "2", "3.00": "3", "2.5": "2.5", "-1.0": "-1", "1e3": "1e3",
		"abc": "abc", "NaN.": "NaN.", "1.0e1": "1.0e1", "": "",
	} {
		if got := cleanNumber(in); got != want {
			t.Errorf("cleanNumber(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"2026-04-01": "2026-04-01", "2026/4/1": "2026-04-01", "2026.4.1": "2026-04-01",
		"２０２６年４月１日": "2026-04-01", "2026年12月31日": "2026-12-31", "2024/2/29": "2024-02-29",
		"2025/2/29": "2025/2/29", "2026/13/1": "2026/13/1", "26/4/1": "26/4/1", "2026/4": "2026/4",
		"2026/4/1/": "2026/4/1/", "令和8年4月1日": "令和8年4月1日", "未定": "未定", "2026-04-01x": "2026-04-01x",
		"２０２６－０４－０１": "2026-04-01", "2026年4/1": "2026-04-01",
	} {
		if got := cleanDate(in); got != want {
			t.Errorf("cleanDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuard(t *testing.T) {
	for in, want := range map[string]string{
		"=1": "'=1", "+1": "'+1", "-1": "'-1", "@a": "'@a", "\tx": "'\tx", "\rx": "'\rx",
		"'=1": "''=1", "''-": "'''-", "'a": "'a", "'": "'", "a=1": "a=1", "": "", "＝1": "'＝1",
	} {
		if got := guard(in); got != want {
			t.Errorf("guard(%q) = %q, want %q", in, got, want)
		}
		if got := unguard(guard(in)); got != in {
			t.Errorf("unguard(guard(%q)) = %q", in, got)
		}
	}
}

func TestEmptyRowsSkipped(t *testing.T) {
	rows := [][]string{
		row("name", "a"),
		row("no", "2", "importance", "0", "risk", "0", "method", "現行"), // a template row: only No. and formulas
		row(),
		row("id", "x"),
	}
	for _, f := range []Format{XLSX, CSV} {
		tb := read(t, write(t, f, "ja", rows))
		if len(tb.Rows) != 2 || tb.Rows[0].Line != 2 || tb.Rows[1].Line != 5 {
			t.Errorf("%s: rows %+v", f, tb.Rows)
		}
	}
}

func TestCellTooLong(t *testing.T) {
	long := strings.Repeat("あ", MaxCellChars+1)
	for _, f := range []Format{XLSX, CSV} {
		b := write(t, f, "en", [][]string{row("name", "a"), row("name", "b", "notes", long)})
		_, err := Read(bytes.NewReader(b), testLimit)
		var e *CellTooLongError
		if !errors.As(err, &e) || !errors.Is(err, ErrCellTooLong) || e.Line != 3 || e.Key != "notes" || e.Column != "Notes" {
			t.Errorf("%s: %v", f, err)
		}
		// A computed column is never taken in, so never too long.
		b = write(t, f, "en", [][]string{row("name", "b", "method", long)})
		if _, err := Read(bytes.NewReader(b), testLimit); err != nil {
			t.Errorf("%s: long computed cell: %v", f, err)
		}
	}
}

func TestTooManyRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("情報資産の名称,備考,機密性\n")
	for i := range MaxRows {
		fmt.Fprintf(&b, "asset %d,,1\n", i)
	}
	if tb := read(t, []byte(b.String())); len(tb.Rows) != MaxRows {
		t.Fatalf("%d rows", len(tb.Rows))
	}
	b.WriteString("one too many,,1\n")
	if _, err := Read(strings.NewReader(b.String()), testLimit); !errors.Is(err, ErrTooManyRows) {
		t.Errorf("CSV: %v", err)
	}
	// Rows past a spreadsheet's last row, even empty ones, are refused
	// before they cost time.
	for name, in := range map[string]string{
		"blank lines":  "情報資産の名称,備考,機密性\n" + strings.Repeat("\n", maxSheetRows) + "x,,1\n",
		"empty fields": "情報資産の名称,備考,機密性\n" + strings.Repeat(",,\n", maxSheetRows),
	} {
		if _, err := Read(strings.NewReader(in), testLimit); !errors.Is(err, ErrTooManyRows) {
			t.Errorf("%s: %v", name, err)
		}
	}
	rows := make([][]string, MaxRows+1)
	for i := range rows {
		rows[i] = row("name", strconv.Itoa(i))
	}
	if _, err := Read(bytes.NewReader(write(t, XLSX, "ja", rows)), testLimit); !errors.Is(err, ErrTooManyRows) {
		t.Errorf("XLSX: %v", err)
	}
}

// countingReader counts what Read takes from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestTooLarge(t *testing.T) {
	b := write(t, CSV, "ja", [][]string{row("name", "a")})
	if _, err := Read(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	endless := &countingReader{r: io.MultiReader(bytes.NewReader(b), infinite{})}
	if _, err := Read(endless, 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if endless.n != 1001 {
		t.Errorf("read %d bytes for a limit of 1000", endless.n)
	}
	if _, err := Read(bytes.NewReader(b), 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("zero limit: %v", err)
	}
}

type infinite struct{}

func (infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestMalformed(t *testing.T) {
	x := write(t, XLSX, "ja", trickyRows())
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i>>3)
	}
	for name, in := range map[string][]byte{
		"truncated zip":   x[:len(x)/2],
		"zip, one byte":   x[:len(x)-1],
		"PK and garbage":  append([]byte("PK\x03\x04"), garbage...),
		"flipped byte":    flip(x, len(x)/3),
		"bare quote":      []byte("情報資産の名称,備考,機密性\nab\"c,d,1\n"),
		"unclosed quote":  []byte("情報資産の名称,備考,機密性\n\"abc,d,1\n"),
		"xls":             []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an old workbook"),
		"binary":          []byte("情報資産の名称,備考,機密性\nab\x00c,d,1\n"),
		"a million cells": []byte("情報資産の名称,備考,機密性\n" + strings.Repeat(",", maxFields) + "\n"),
	} {
		if _, err := Read(bytes.NewReader(in), testLimit); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xFF
	return c
}

// TestIPASheetHeadings: a ledger kept in IPA's risk analysis workbook uses
// 情報資産名称 and 媒体・保存先; both are read as ours.
func TestIPASheetHeadings(t *testing.T) {
	csv := "業務分類,情報資産名称,備考,利用者範囲,管理部署,媒体・保存先,機密性,完全性,可用性,保存期限,登録日\r\n" +
		"経理,給与台帳,,総務部,総務部,鍵付き書庫,3,3,2,7年,2026/4/1\r\n"
	tb, err := Read(strings.NewReader(csv), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Ignored) != 0 || len(tb.Rows) != 1 {
		t.Fatalf("ignored %v, rows %d", tb.Ignored, len(tb.Rows))
	}
	r := tb.Rows[0]
	if name, _ := r.Get("name"); name != "給与台帳" {
		t.Fatalf("name %q", name)
	}
	if st, _ := r.Get("storage"); st != "鍵付き書庫" {
		t.Fatalf("storage %q", st)
	}
	if h := tb.Header("name"); h != "情報資産名称" {
		t.Fatalf("header as written: %q", h)
	}
}
