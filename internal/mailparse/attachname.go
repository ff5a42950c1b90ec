package mailparse

import (
	"path"
	"strings"
)

// Warnings name what an attachment's file name says about the lure, so
// the coordinator and the members see at a glance what a recipient would
// have been led to open: a program, a macro document, a disk image
// (which sheds the downloaded-from-the-internet mark on what it holds),
// and the tricks that make one look like a document: a second extension
// (契約書.pdf.exe), spaces pushing the real extension out of sight, or a
// character that turns the name's direction (invoice‮fdp.exe reads as
// invoiceexe.pdf). The keys are message keys under "sharing.warn.".
func (a Attachment) Warnings() []string { return NameWarnings(a.Name) }

// NameWarnings is Warnings for a bare file name.
func NameWarnings(name string) []string {
	var out []string
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if strings.ContainsAny(base, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200f") {
		out = append(out, "bidi")
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(base), "."))
	stem := strings.TrimSuffix(base, path.Ext(base))
	switch {
	case executableExt[ext]:
		out = append(out, "executable")
	case macroExt[ext]:
		out = append(out, "macro")
	case diskImageExt[ext]:
		out = append(out, "disk_image")
	default:
		return out
	}
	// Only a dangerous last extension makes the tricks that hide it worth
	// a warning: "report.2024.pdf" has two dots and is harmless.
	if inner := strings.ToLower(strings.TrimPrefix(path.Ext(strings.TrimRight(stem, " \u3000")), ".")); documentExt[inner] {
		out = append(out, "double_extension")
	}
	if trimmed := strings.TrimRight(stem, " \u3000_"); len(stem)-len(trimmed) >= 3 {
		out = append(out, "padded")
	}
	return out
}

var (
	executableExt = setOf("exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "wsh", "hta",
		"lnk", "ps1", "msi", "msp", "jar", "cpl", "dll", "reg", "chm", "xll", "appx", "msix", "url", "one")
	macroExt     = setOf("docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "sldm")
	diskImageExt = setOf("iso", "img", "vhd", "vhdx")
	documentExt  = setOf("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "csv", "jpg", "jpeg", "png", "gif", "zip", "html", "htm")
)

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}
