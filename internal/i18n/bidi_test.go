package i18n_test

import (
	"strings"
	"testing"

	"mamori/internal/i18n"
)

var bidiControls = []rune{0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}

func TestBidiControls(t *testing.T) {
	for _, r := range bidiControls {
		s := "山田" + string(r) + "精機"
		if !i18n.IsBidiControl(r) || !i18n.HasBidiControl(s) {
			t.Errorf("U+%04X not recognised", r)
		}
		if got := i18n.StripBidiControls(s); got != "山田精機" {
			t.Errorf("i18n.StripBidiControls(U+%04X) = %q", r, got)
		}
		if got := i18n.Isolate(s); got != "\u2068"+s+"\u2069" {
			t.Errorf("i18n.Isolate(U+%04X) = %q", r, got)
		}
	}
	// Neighbours and everyday text are left alone, unchanged.
	for _, s := range []string{"山田精機 — 方針…", "Yamada Seiki", "\u200B\u200D\u2065\u202F\u061B\u2070", "👨\u200D👩", ""} {
		if i18n.HasBidiControl(s) || i18n.StripBidiControls(s) != s || i18n.Isolate(s) != s {
			t.Errorf("%q taken for a direction control", s)
		}
	}
}

// TestPrinterIsolatesArguments: a message argument stored with a direction
// override (a name from before they were refused) is isolated, so the
// words of the message after it keep their order.
func TestPrinterIsolatesArguments(t *testing.T) {
	c := catalog(t)
	got := c.Printer("en").T("greet", "Evil\u202Egnp.exe")
	if got != "Hello, \u2068Evil\u202Egnp.exe\u2069" {
		t.Errorf("T = %q", got)
	}
	if got := c.Printer("ja").T("greet", "山田"); strings.ContainsAny(got, "\u2068\u2069") {
		t.Errorf("plain argument isolated: %q", got)
	}
}
