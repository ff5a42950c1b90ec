package ledgerfile

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLibreOfficeReadsExport checks our XLSX against a spreadsheet program
// that is not excelize: LibreOffice converts the export to CSV, and the
// values must be the ones we wrote; it also saves the export as its own
// XLSX (shared strings, its own styles), which Read must take back
// unchanged. It runs where soffice is on PATH, and must run where
// MAMORI_TEST_REQUIRE names libreoffice (CI that installed it).
func TestLibreOfficeReadsExport(t *testing.T) {
	bin := soffice(t)
	dir := t.TempDir()
	rows := [][]string{
		row("no", "1", "business_area", "総務", "name", "顧客名簿（Ｅｘｃｅｌ）", "notes", "１行目\n2行目",
			"users", "全社員", "department", "総務部", "medium", "電子データ", "storage", "社内サーバ ＼共有",
			"personal_data", "要配慮個人情報", "confidentiality", "3", "integrity", "2", "availability", "1",
			"importance", "3", "retention", "5年", "registered_on", "2026-04-01", "threat", "2", "vulnerability", "3",
			"vulnerability_reason", "対策未実施", "damage", "2", "risk", "6", "method", "現行", "treatment", "低減",
			"treatment_owner", "山田　太郎", "treatment_due", "2026-12-31", "id", "0190f3c2-7d4e-7a1b-9c3d-2e4f5a6b7c8d"),
		row("no", "2", "name", "=SUM(1,2)", "notes", "+81-3-1234-5678", "users", "@営業", "retention", "007",
			"storage", "ｶﾀｶﾅ①㈱髙﨑", "confidentiality", "1"),
		row("no", "3", "name", "長い備考", "notes", strings.Repeat("情報", MaxCellChars/2)),
	}
	xlsx := filepath.Join(dir, "ledger.xlsx")
	if err := os.WriteFile(xlsx, write(t, XLSX, "ja", rows), 0o600); err != nil {
		t.Fatal(err)
	}
	convert := func(to, out string) { t.Helper(); sofficeConvert(t, bin, dir, xlsx, to, out) }

	// 44 = comma, 34 = double quote, 76 = UTF-8, 1 = from the first line.
	csvDir := filepath.Join(dir, "csv")
	convert("csv:Text - txt - csv (StarCalc):44,34,76,1", csvDir)
	b, err := os.ReadFile(filepath.Join(csvDir, "ledger.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, utf8BOM)))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("%d records, want %d", len(recs), len(rows)+1)
	}
	for i, c := range Columns {
		if i >= len(recs[0]) || recs[0][i] != c.Ja {
			t.Errorf("header %d = %q, want %q", i, at(recs[0], i), c.Ja)
		}
	}
	for r, want := range rows {
		got := recs[r+1]
		for i, c := range Columns {
			if at(got, i) != want[i] {
				t.Errorf("LibreOffice row %d %s = %q, want %q", r+2, c.Key, clip(at(got, i)), clip(want[i]))
			}
		}
	}

	xlsxDir := filepath.Join(dir, "xlsx")
	convert("xlsx:Calc MS Excel 2007 XML", xlsxDir)
	b, err = os.ReadFile(filepath.Join(xlsxDir, "ledger.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	tb := read(t, b)
	if len(tb.Rows) != len(rows) {
		t.Fatalf("re-saved: %d rows", len(tb.Rows))
	}
	for r, x := range tb.Rows {
		if w := want(rows[r]); !slices.Equal(x.Cells, w) {
			for i := range w {
				if x.Cells[i] != w[i] {
					t.Errorf("re-saved row %d %s = %q, want %q", x.Line, Columns[i].Key, clip(x.Cells[i]), clip(w[i]))
				}
			}
		}
	}
}

func at(rec []string, i int) string {
	if i < len(rec) {
		return rec[i]
	}
	return ""
}

// soffice is LibreOffice's program: the tests that need it skip where it
// is missing, and fail there when MAMORI_TEST_REQUIRE names libreoffice
// (CI that installed it).
func soffice(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if strings.Contains(os.Getenv("MAMORI_TEST_REQUIRE"), "libreoffice") {
		t.Fatal("MAMORI_TEST_REQUIRE has libreoffice, but neither soffice nor libreoffice is on PATH")
	}
	t.Skip("LibreOffice (soffice) not on PATH")
	return ""
}

// sofficeConvert converts src with LibreOffice into the directory out,
// with a profile of its own under dir: LibreOffice refuses to start a
// second instance on a shared one, and root's default may not be
// writable.
func sofficeConvert(t *testing.T, bin, dir, src, to, out string) {
	t.Helper()
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, profile, "--headless", "--norestore", "--convert-to", to, "--outdir", out, src)
	b, err := cmd.CombinedOutput()
	t.Logf("%s --convert-to %q: %v\n%s", filepath.Base(bin), to, time.Since(start).Round(time.Millisecond), b)
	if err != nil {
		t.Fatalf("soffice: %v", err)
	}
}
