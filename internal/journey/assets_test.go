package journey_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"mamori/internal/apptest"
	"mamori/internal/assets"
	"mamori/internal/assets/ledgerfile"
	"mamori/internal/browsertest"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

// TestBrowserAssetsJourney: an owner records three assets, reads the risk
// analysis and its heat map, exports the ledger to Excel, changes one
// rating in the workbook and imports it: the preview shows exactly that
// one change, and confirming applies it.
func TestBrowserAssetsJourney(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e := apptest.Start(t, dbtest.SQLite(t))
			ctx := context.Background()
			u := e.CreateUser("assets-"+lang+"@example.jp", "assets password 1")
			var o *org.Org
			if err := e.DB.InTx(ctx, func(tx *db.Tx) error {
				var err error
				o, err = e.App.Orgs.Create(ctx, tx, nil, u.ID, org.CreateInput{Name: "台帳工業株式会社"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			b := browsers.New(t, browsertest.WithLang(lang))
			b.Run(chromedp.Navigate(e.URL + "/login"))
			b.Run(
				chromedp.SendKeys(chromedp.CSS("#email"), "assets-"+lang+"@example.jp"),
				chromedp.SendKeys(chromedp.CSS("#password"), "assets password 1"),
				chromedp.Click(chromedp.CSS("#login-submit")),
			)
			b.Run(chromedp.WaitVisible(chromedp.CSS("#greeting")))

			// The organisation's page lists the ledger as work to do.
			b.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug))
			b.Run(chromedp.WaitVisible(chromedp.CSS(`[id="readiness-assets.readiness.ledger"].todo`)))

			type asset struct{ name, c, i, a, medium, threat, vuln, reason string }
			for _, a := range []asset{
				{"顧客名簿", "3", "2", "2", "office_pc", "3", "3", "共有PCにパスワードがない"},
				{"見積書", "2", "2", "1", "paper", "2", "2", "鍵付きの棚は一部だけ"},
				{"会社案内", "1", "1", "1", "cloud", "1", "1", "公開情報"},
			} {
				b.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug + "/assets"))
				b.Run(chromedp.Click(chromedp.CSS("#asset-new")))
				b.Run(chromedp.WaitVisible(chromedp.CSS("#asset-form")))
				b.Run(
					chromedp.SendKeys(chromedp.CSS("#name"), a.name),
					chromedp.Click(chromedp.CSS("#confidentiality-"+a.c)),
					chromedp.Click(chromedp.CSS("#integrity-"+a.i)),
					chromedp.Click(chromedp.CSS("#availability-"+a.a)),
					chromedp.SetValue(chromedp.CSS("#medium"), a.medium),
					chromedp.SetValue(chromedp.CSS("#threat"), a.threat),
					chromedp.SetValue(chromedp.CSS("#vulnerability"), a.vuln),
					chromedp.SendKeys(chromedp.CSS("#vulnerability_reason"), a.reason),
					chromedp.Click(chromedp.CSS("#asset-submit")),
				)
				b.Run(chromedp.WaitVisible(chromedp.CSS("#asset-table")))
			}
			b.WaitText("#asset-count", "3")

			// Risk analysis (guideline): 顧客名簿 3 × L(3,3)=3 → 9,
			// 見積書 2 × L(2,2)=1 → 2, 会社案内 1 × L(1,1)=1 → 1.
			b.Run(chromedp.Click(chromedp.CSS("#nav-risk")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#heatmap")))
			for cell, want := range map[string]string{"#heat-3-3": "1", "#heat-2-1": "1", "#heat-1-1": "1", "#heat-3-1": "0"} {
				got, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.querySelector("`+cell+`").getAttribute("data-count")`))
				if err != nil || got != want {
					t.Fatalf("heat map %s: %q (%v), want %s", cell, got, err, want)
				}
			}
			b.WaitText("#summary-above", "1")

			// Export: fetch the workbook the export button links to, as the
			// browser would download it.
			b.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug + "/assets"))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#asset-export-xlsx")))
			b64, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`fetch(document.querySelector("#asset-export-xlsx").href, {credentials: "same-origin"})
				.then(r => r.arrayBuffer()).then(buf => { let s = ""; new Uint8Array(buf).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			// Edit one rating in the file: 見積書's availability 1 → 3.
			f, err := excelize.OpenReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("export is not a workbook: %v", err)
			}
			sheet := f.GetSheetName(0)
			col, _ := excelize.ColumnNumberToName(ledgerfile.Index("availability") + 1)
			nameCol, _ := excelize.ColumnNumberToName(ledgerfile.Index("name") + 1)
			if v, _ := f.GetCellValue(sheet, nameCol+"3"); v != "見積書" {
				t.Fatalf("row 3 holds %q", v)
			}
			f.SetCellInt(sheet, col+"3", 3)
			path := filepath.Join(t.TempDir(), "ledger.xlsx")
			var out bytes.Buffer
			if err := f.Write(&out); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, out.Bytes(), 0o600)

			b.Run(chromedp.Click(chromedp.CSS("#asset-import")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#import-form")))
			b.Run(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}))
			b.Run(chromedp.Click(chromedp.CSS("#import-submit")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#preview-summary")))
			summary := map[string]string{"ja": "追加 0 件、変更 1 件、変更なし 2 件、取り込めないセル 0 件", "en": "0 to add, 1 to change, 2 unchanged, rejected cells: 0"}[lang]
			b.WaitText("#preview-summary", summary)
			b.WaitText("#preview-change-table", map[string]string{"ja": "可用性", "en": "Availability"}[lang])
			// Nothing is written before the confirmation.
			list, _ := assets.List(ctx, e.DB, o.ID, assets.Filter{})
			if list[1].A != 1 {
				t.Fatal("the preview wrote")
			}
			b.Run(chromedp.Click(chromedp.CSS("#import-apply")))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#asset-table")))
			list, _ = assets.List(ctx, e.DB, o.ID, assets.Filter{})
			if len(list) != 3 || list[1].A != 3 || list[1].Importance().Value != 3 {
				t.Fatalf("after import: %+v", list[1])
			}
			b.Run(chromedp.Navigate(e.URL + "/orgs/" + o.Slug))
			b.Run(chromedp.WaitVisible(chromedp.CSS(`[id="readiness-assets.readiness.ledger"].done`)))
			// The dashboard sums it up for each organisation.
			b.Run(chromedp.Navigate(e.URL + "/dashboard"))
			b.WaitText("#readiness-"+o.Slug, map[string]string{"ja": "✓ 情報資産管理台帳", "en": "✓ Information asset ledger"}[lang])
			if errs := b.ConsoleErrors(); len(errs) > 0 {
				t.Fatalf("console errors: %v", errs)
			}
		})
	}
}
