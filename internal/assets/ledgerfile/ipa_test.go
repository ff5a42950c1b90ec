package ledgerfile

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// ipaSheet is a ledger laid out as IPA's risk analysis workbook lays it
// out: a title, a two-row header with 個人情報の種類 and 評価値 merged over
// their sub-headings, and personal data as three ○ flag columns.
var ipaSheet = [][]string{
	{"情報資産管理台帳"},
	{},
	{"No.", "業務分類", "情報資産名称", "備考", "利用者範囲", "管理部署", "媒体・保存先", "個人情報の種類", "", "", "評価値", "", "", "重要度", "保存期限", "登録日"},
	{"", "", "", "", "", "", "", "個人情報", "要配慮\n個人情報", "特定個人情報", "機密性", "完全性", "可用性"},
	{"1", "営業", "顧客名簿", "", "営業部", "営業部", "社内サーバ", "○", "", "", "3", "2", "2", "3", "5年", "2024-04-01"},
	{"2", "人事", "従業員マイナンバー", "", "人事担当", "総務部", "金庫(書類)", "○", "", "〇", "3", "3", "2", "3", "", ""},
	{"3", "人事", "健康診断の結果", "", "人事担当", "総務部", "書類", "", "◯", "-", "3", "2", "1", "3", "", ""},
	{"4", "営業", "見積書", "", "全員", "営業部", "PC", "", "", "", "2", "2", "1", "2", "", ""},
	{"5", "営業", "名刺", "", "全員", "営業部", "机", "たぶん", "", "", "2", "1", "1", "2", "", ""},
	{"6", "", "", "", "", "", "", "", "", "", "", "", "", "=MAX(K10:M10)"}, // a template row: nothing to take in
}

func ipaXLSX(t *testing.T) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	for r, row := range ipaSheet {
		for c, v := range row {
			if v == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue(sh, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range [][2]string{{"H3", "J3"}, {"K3", "M3"}, {"A3", "A4"}, {"C3", "C4"}, {"N3", "N4"}} {
		if err := f.MergeCell(sh, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ipaCSV() []byte {
	var b strings.Builder
	for _, row := range ipaSheet {
		for i, c := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(c, "\n,\"") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

func TestIPAWorkbookLayout(t *testing.T) {
	for name, data := range map[string][]byte{"xlsx": ipaXLSX(t), "csv": ipaCSV()} {
		t.Run(name, func(t *testing.T) {
			tb := read(t, data)
			if tb.HeaderLine != 3 {
				t.Fatalf("header at %d", tb.HeaderLine)
			}
			if !tb.PersonalFlags {
				t.Error("flag columns not reported")
			}
			if len(tb.Ignored) != 0 {
				t.Errorf("headings reported as ignored: %q", tb.Ignored)
			}
			if tb.Header("personal_data") != "個人情報の種類" || tb.Header("confidentiality") != "機密性" {
				t.Errorf("headers %q %q", tb.Header("personal_data"), tb.Header("confidentiality"))
			}
			var got [][]string
			for _, r := range tb.Rows {
				var line []string
				for _, k := range []string{"name", "personal_data", "confidentiality", "integrity", "availability", "storage", "registered_on"} {
					v, ok := r.Get(k)
					if !ok {
						t.Fatalf("row %d: column %s missing", r.Line, k)
					}
					line = append(line, v)
				}
				got = append(got, line)
			}
			wantRows := [][]string{
				{"顧客名簿", "personal", "3", "2", "2", "社内サーバ", "2024-04-01"},
				{"従業員マイナンバー", "my_number", "3", "3", "2", "金庫(書類)", ""},
				{"健康診断の結果", "sensitive", "3", "2", "1", "書類", ""},
				{"見積書", "", "2", "2", "1", "PC", ""},
				{"名刺", "", "2", "1", "1", "机", ""}, // refused: see BadFlag
			}
			if !slices.EqualFunc(got, wantRows, slices.Equal) {
				t.Fatalf("rows:\n got %q\nwant %q", got, wantRows)
			}
			if tb.Rows[4].BadFlag != "たぶん" || tb.Rows[0].BadFlag != "" {
				t.Errorf("bad flags %q %q", tb.Rows[4].BadFlag, tb.Rows[0].BadFlag)
			}
			if tb.Rows[0].Line != 5 {
				t.Errorf("first data row at line %d", tb.Rows[0].Line)
			}
		})
	}
}

// A data row right under a one-row header is never taken for a second
// header row, even when its cells happen to read like sub-headings.
func TestSecondHeaderRowNeedsHeadings(t *testing.T) {
	csv := "情報資産の名称,個人情報の種類,機密性,完全性,可用性\r\n" +
		"個人情報,個人情報,3,3,3\r\n" + // the asset is named 個人情報: a data row
		",特定個人情報,1,1,1\r\n"
	tb := read(t, []byte(csv))
	if len(tb.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(tb.Rows))
	}
	if v, _ := tb.Rows[0].Get("personal_data"); v != "個人情報" {
		t.Fatalf("first row read as %q", v)
	}
}

func TestFlagMarks(t *testing.T) {
	for _, c := range []string{"○", "〇", "◯", "●", "✓", "有", "あり", "ＹＥＳ", "1"} {
		if set, known := flagMark(c); !set || !known {
			t.Errorf("%q not read as set", c)
		}
	}
	for _, c := range []string{"×", "無", "なし", "-", "0", "no"} {
		if set, known := flagMark(c); set || !known {
			t.Errorf("%q not read as unset", c)
		}
	}
	for _, c := range []string{"x", "?", "たぶん", "2"} {
		if _, known := flagMark(c); known {
			t.Errorf("%q read as a mark", c)
		}
	}
}
