package assets

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// TestImportRefusesUndecodableText: bytes a file's encoding cannot hold
// become U+FFFD when the file is read; such a cell is rejected with a
// reason saying so, instead of being stored with the characters lost.
func TestImportRefusesUndecodableText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		header := "情報資産の名称,個人情報の種類,機密性,完全性,可用性,保管場所\r\n"
		sjis, err := japanese.ShiftJIS.NewEncoder().String(header + "給与台帳,なし,1,1,1,金庫\r\nX,なし,1,1,1,棚\r\n")
		if err != nil {
			t.Fatal(err)
		}
		// A lead byte whose trail byte is missing, where the X was.
		sjis = strings.Replace(sjis, "X", "\x82", 1)
		files := map[string]string{
			// UTF-8 with a byte order mark and a stray byte in a name.
			"utf-8": "\xEF\xBB\xBF" + header + "顧客\xff名簿,なし,1,1,1,棚\r\n",
			// Shift_JIS (Excel's CSV) with a broken character.
			"shift_jis": sjis,
		}
		for name, csv := range files {
			code, res := h.importAPI(t, []byte(csv), "")
			if code != 200 {
				t.Fatalf("%s: status %d", name, code)
			}
			found := false
			for _, r := range res.Reject {
				if strings.Contains(r.Reason, "読み取れなかった文字") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no reject for the undecodable cell: %+v", name, res)
			}
		}
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE name LIKE ? OR storage LIKE ?`, "%\uFFFD%", "%\uFFFD%"); n != 0 {
			t.Fatalf("%d assets stored with U+FFFD", n)
		}
		if n := h.count(t, `SELECT COUNT(*) FROM assets WHERE name = ?`, "給与台帳"); n != 1 {
			t.Fatalf("the readable row was not imported (%d)", n)
		}
	})
}
