package ledgerfile

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// ipaRows are rows as package assets hands them for IPA's layout: the
// personal_data cell holds the kind's key.
func ipaRows() [][]string {
	return [][]string{
		row("no", "1", "business_area", "営業", "name", "顧客名簿", "users", "営業部", "department", "営業部", "medium", "電子データ",
			"storage", "社内サーバ", "personal_data", "personal", "confidentiality", "3", "integrity", "2", "availability", "2",
			"importance", "3", "retention", "5年", "registered_on", "2024-04-01", "threat", "2", "id", "0190f3c2-7d4e-7a1b-9c3d-2e4f5a6b7c8d"),
		row("no", "2", "business_area", "人事", "name", "従業員マイナンバー", "notes", "金庫\n鍵は総務", "storage", "金庫(書類)",
			"personal_data", "my_number", "confidentiality", "3", "integrity", "3", "availability", "2", "importance", "3"),
		row("no", "3", "name", "健康診断の結果", "storage", "書類", "personal_data", "sensitive", "confidentiality", "3", "integrity", "2", "availability", "1"),
		row("no", "4", "name", "=見積書", "storage", "PC", "personal_data", "none", "confidentiality", "2"),
	}
}

// IPA's layout: IPA's headings over two rows, three flag columns, no
// medium, no risk or mamori ID; Read takes it back as the same cells.
func TestIPALayoutReadsBack(t *testing.T) {
	for _, f := range []Format{XLSX, CSV} {
		for _, lang := range []string{"ja", "en"} {
			t.Run(string(f)+"/"+lang, func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteLayout(&buf, f, IPA, lang, ipaRows()); err != nil {
					t.Fatal(err)
				}
				tb := read(t, buf.Bytes())
				if !tb.PersonalFlags || tb.HeaderLine != 1 || len(tb.Ignored) != 0 {
					t.Fatalf("flags %v, header at %d, ignored %q", tb.PersonalFlags, tb.HeaderLine, tb.Ignored)
				}
				for _, k := range []string{"medium", "threat", "vulnerability", "risk", "id", "treatment"} {
					if _, ok := tb.Found[k]; ok {
						t.Errorf("IPA's layout has %s", k)
					}
				}
				if lang == "ja" && (tb.Header("name") != "情報資産名称" || tb.Header("storage") != "媒体・保存先") {
					t.Errorf("headings %q, %q", tb.Header("name"), tb.Header("storage"))
				}
				if len(tb.Rows) != 4 {
					t.Fatalf("%d rows", len(tb.Rows))
				}
				for n, r := range tb.Rows {
					src := ipaRows()[n]
					for _, k := range ipaKeys {
						i := Index(k)
						w := strings.TrimSpace(src[i])
						switch {
						case Columns[i].Computed:
							w = ""
						case k == "personal_data" && w == "none":
							w = ""
						}
						if r.Cells[i] != w {
							t.Errorf("row %d %s = %q, want %q", r.Line, k, r.Cells[i], w)
						}
					}
					if r.BadFlag != "" {
						t.Errorf("row %d bad flag %q", r.Line, r.BadFlag)
					}
				}
			})
		}
	}
	if _, ok := ParseLayout("ipa"); !ok {
		t.Error("ipa refused")
	}
	if l, ok := ParseLayout(""); !ok || l != Mamori {
		t.Error("default layout")
	}
	if _, ok := ParseLayout("IPA2"); ok {
		t.Error("unknown layout accepted")
	}
	if err := WriteLayout(&bytes.Buffer{}, XLSX, "other", "ja", nil); err == nil {
		t.Error("unknown layout written")
	}
}

// Both layouts print on A4 landscape, all columns on one page's width,
// the header rows repeated on every page.
func TestXLSXPrintSettings(t *testing.T) {
	for _, l := range []Layout{Mamori, IPA} {
		var buf bytes.Buffer
		if err := WriteLayout(&buf, XLSX, l, "ja", ipaRows()); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sheet := SheetName("ja")
		pl, err := x.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "landscape" ||
			pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
			t.Errorf("%s: page layout %+v", l, pl)
		}
		if pr, err := x.GetSheetProps(sheet); err != nil || pr.FitToPage == nil || !*pr.FitToPage {
			t.Errorf("%s: fit to page not set: %+v %v", l, pr, err)
		}
		rows := map[Layout]string{Mamori: "$1:$1", IPA: "$1:$2"}[l]
		found := false
		for _, d := range x.GetDefinedName() {
			if d.Name == "_xlnm.Print_Titles" && d.Scope == sheet && d.RefersTo == "'"+sheet+"'!"+rows {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: print titles %+v", l, x.GetDefinedName())
		}
		x.Close()
	}
}

// LibreOffice prints the export as the settings say: three rows on one
// A4 landscape page in either layout (six portrait pages before), and a
// long ledger on few pages, each with the header (LibreOffice keeps the
// print titles it read when it saves the file again).
func TestLibreOfficePrintsExport(t *testing.T) {
	bin := soffice(t)
	dir := t.TempDir()
	long := make([][]string, 0, 120)
	for i := range 120 {
		r := ipaRows()[i%4]
		r[Index("no")] = strconv.Itoa(i + 1)
		long = append(long, r)
	}
	cases := []struct {
		name     string
		l        Layout
		rows     [][]string
		min, max int
	}{
		{"mamori3", Mamori, ipaRows()[:3], 1, 1},
		{"ipa3", IPA, ipaRows()[:3], 1, 1},
		{"mamori120", Mamori, long, 2, 6},
		{"ipa120", IPA, long, 2, 6},
	}
	pageRe := regexp.MustCompile(`/Type\s*/Page[^s]`)
	for _, c := range cases {
		var buf bytes.Buffer
		if err := WriteLayout(&buf, XLSX, c.l, "ja", c.rows); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(dir, c.name+".xlsx")
		if err := os.WriteFile(src, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		sofficeConvert(t, bin, dir, src, "pdf", filepath.Join(dir, "pdf"))
		pdf, err := os.ReadFile(filepath.Join(dir, "pdf", c.name+".pdf"))
		if err != nil {
			t.Fatal(err)
		}
		pages := len(pageRe.FindAll(pdf, -1))
		t.Logf("%s: %d rows print on %d page(s)", c.name, len(c.rows), pages)
		if pages < c.min || pages > c.max {
			t.Errorf("%s: %d pages, want %d–%d", c.name, pages, c.min, c.max)
		}
	}
	// Saved again by LibreOffice, the long IPA ledger keeps its print
	// titles: LibreOffice understood them.
	sofficeConvert(t, bin, dir, filepath.Join(dir, "ipa120.xlsx"), "xlsx:Calc MS Excel 2007 XML", filepath.Join(dir, "again"))
	x, err := excelize.OpenFile(filepath.Join(dir, "again", "ipa120.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var titles string
	for _, d := range x.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" {
			titles = d.RefersTo
		}
	}
	if !strings.HasSuffix(titles, "$1:$2") {
		t.Errorf("print titles after LibreOffice: %q", titles)
	}
}
