package ledgerfile

import (
	"bytes"
	"fmt"
	"testing"
)

// ledgerRows is n rows like a real ledger's: short Japanese texts, a
// sentence of notes, ratings, dates and an id.
func ledgerRows(n int) [][]string {
	areas := []string{"総務", "経理", "営業", "製造", "人事", "情報システム"}
	media := []string{"電子データ", "書類", "USBメモリ", "クラウド"}
	rows := make([][]string, n)
	for i := range rows {
		c, a := fmt.Sprint(i%3+1), fmt.Sprint((i+1)%3+1)
		rows[i] = row("no", fmt.Sprint(i+1), "business_area", areas[i%len(areas)],
			"name", fmt.Sprintf("顧客台帳 第%d版", i), "notes", "取引先ごとの担当者と連絡先。四半期ごとに見直す。",
			"users", "営業部員", "department", areas[(i+1)%len(areas)]+"部", "medium", media[i%len(media)],
			"storage", "ファイルサーバ ¥¥fs01¥営業¥顧客", "personal_data", "個人情報",
			"confidentiality", c, "integrity", "2", "availability", a, "importance", "3",
			"retention", "5年", "registered_on", fmt.Sprintf("2025-%02d-%02d", i%12+1, i%28+1),
			"threat", "2", "vulnerability", "2", "vulnerability_reason", "", "damage", "1", "risk", "3",
			"method", "現行", "treatment", "低減", "treatment_owner", "山田", "treatment_due", "2026-03-31",
			"id", fmt.Sprintf("0190f3c2-7d4e-7a1b-9c3d-%012d", i))
	}
	return rows
}

func BenchmarkWrite10k(b *testing.B) {
	rows := ledgerRows(10000)
	for _, f := range []Format{XLSX, CSV} {
		b.Run(string(f), func(b *testing.B) {
			var size int
			for b.Loop() {
				var buf bytes.Buffer
				if err := Write(&buf, f, "ja", rows); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size)/1024, "KB/file")
		})
	}
}

func BenchmarkRead10k(b *testing.B) {
	rows := ledgerRows(10000)
	for _, f := range []Format{XLSX, CSV} {
		b.Run(string(f), func(b *testing.B) {
			data := write(b, f, "ja", rows)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				t, err := Read(bytes.NewReader(data), testLimit)
				if err != nil || len(t.Rows) != len(rows) {
					b.Fatal(err)
				}
			}
		})
	}
}
