package assets

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"mamori/internal/assets/ledgerfile"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

// FuzzImportPlan feeds arbitrary files through the reader and the
// planner against a real ledger: nothing may panic, a refused file is one
// of the reader's errors, every rejected cell names a row in the file and
// a reason, and a plan never touches an asset that is not the
// organisation's.
func FuzzImportPlan(f *testing.F) {
	d := dbtest.SQLite(f)
	owner := orgtest.NewUser(f, d, "fuzz@example.jp")
	o := orgtest.NewOrg(f, d, "ファズ株式会社", owner)
	other := orgtest.NewOrg(f, d, "よそ", owner)
	ctx := context.Background()
	h0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	mine, err := Create(ctx, d, o.ID, Input{Name: "顧客名簿", C: "2", I: "2", A: "2"}, h0)
	if err != nil {
		f.Fatal(err)
	}
	theirs, err := Create(ctx, d, other.ID, Input{Name: "よその資料", C: "1", I: "1", A: "1"}, h0)
	if err != nil {
		f.Fatal(err)
	}
	cat := testCatalog(f)
	voc := NewVocabulary(cat)
	var xlsx bytes.Buffer
	ledgerfile.Write(&xlsx, ledgerfile.XLSX, "ja", [][]string{make([]string, len(ledgerfile.Columns))})
	f.Add(xlsx.Bytes())
	f.Add([]byte("情報資産の名称,機密性,完全性,可用性,管理ID\r\n顧客名簿,3,2,1," + mine.ID + "\r\n新規,1,1,1,\r\n"))
	f.Add([]byte("情報資産の名称,機密性,完全性,可用性,管理ID\r\n乗っ取り,3,3,3," + theirs.ID + "\r\n"))
	f.Add([]byte("Information asset,Confidentiality,Integrity,Availability,Personal data,Vulnerability\r\nx,9,,-1,pii,2\r\n"))
	f.Add([]byte("\xef\xbb\xbf業務分類\t情報資産の名称\t機密性\n営業\t\"見積\nbook\"\t2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tab, err := ledgerfile.Read(bytes.NewReader(b), 1<<20)
		if err != nil {
			for _, known := range []error{ledgerfile.ErrTooLarge, ledgerfile.ErrMalformed, ledgerfile.ErrNoHeader, ledgerfile.ErrTooManyRows, ledgerfile.ErrCellTooLong} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		p, err := PlanImport(ctx, d, o.ID, tab, voc)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Change {
			if c.ID != mine.ID {
				t.Fatalf("plan changes %s, not one of the organisation's assets", c.ID)
			}
		}
		p.Translate(cat.Printer("ja"))
		for _, r := range p.Reject {
			if r.Row < 1 || r.Column == "" || r.Reason == "" || r.Reason == r.reason {
				t.Fatalf("reject without row, column or reason: %+v", r)
			}
		}
		if len(p.Add)+len(p.Change)+p.Unchanged > p.Rows {
			t.Fatalf("plan covers more rows than the file has: %+v", p)
		}
	})
}
