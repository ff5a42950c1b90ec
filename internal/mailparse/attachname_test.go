package mailparse

import (
	"slices"
	"strings"
	"testing"
)

func TestNameWarnings(t *testing.T) {
	for name, want := range map[string]string{
		"見積書.xlsx":                  "",
		"report.2024.pdf":           "",
		"setup.exe":                 "executable",
		"docs/契約書.pdf.exe":          "executable,double_extension",
		"請求書.PDF.SCR":               "executable,double_extension",
		"invoice.pdf          .exe": "executable,double_extension,padded",
		"請求書　　　　.exe":               "executable,padded",
		"invoice\u202efdp.exe":      "bidi,executable",
		"photo\u202egpj.txt":        "bidi",
		"注文書.docm":                  "macro",
		"見積.xlsx.xlsm":              "macro,double_extension",
		"発注書.iso":                   "disk_image",
		`C:\Users\x\Desktop\run.js`: "executable",
		"noext":                     "",
		"":                          "",
		"shortcut.pdf.lnk":          "executable,double_extension",
		"archive.tar.gz":            "",
		"a.zip.exe":                 "executable,double_extension",
	} {
		got := strings.Join(NameWarnings(name), ",")
		if got != want {
			t.Errorf("NameWarnings(%q) = %q, want %q", name, got, want)
		}
	}
	a := Attachment{Name: "x.pdf.exe"}
	if !slices.Equal(a.Warnings(), []string{"executable", "double_extension"}) {
		t.Fatal("Attachment.Warnings")
	}
}
