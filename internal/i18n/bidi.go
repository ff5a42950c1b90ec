package i18n

import "strings"

// The Unicode bidirectional formatting characters: embeddings and
// overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the implicit
// marks (U+200E, U+200F, U+061C). Invisible, they reorder the text around
// them: "U+202E" in a company's name turns the rest of a registry line,
// or the page title after it, backwards. mamori's users write Japanese and
// English, which never need them, so names and texts refuse them and
// pages isolate whatever was stored before.
const (
	fsi = "\u2068" // FIRST STRONG ISOLATE
	pdi = "\u2069" // POP DIRECTIONAL ISOLATE
)

// IsBidiControl reports whether r is a bidirectional formatting character.
func IsBidiControl(r rune) bool {
	return r == 0x200E || r == 0x200F || r == 0x061C || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// HasBidiControl reports whether s holds a bidirectional formatting
// character. Each is encoded starting with byte 0xE2 (or 0xD8 for
// U+061C), so text without those bytes is passed over at once.
func HasBidiControl(s string) bool {
	if strings.IndexByte(s, 0xE2) < 0 && strings.IndexByte(s, 0xD8) < 0 {
		return false
	}
	return strings.IndexFunc(s, IsBidiControl) >= 0
}

// StripBidiControls removes bidirectional formatting characters, for
// places that cannot isolate text (an HTML <title>, an SVG drawing).
func StripBidiControls(s string) string {
	if !HasBidiControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// Isolate wraps s in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE when
// it holds bidirectional formatting characters: plain text's <bdi>. The
// closing PDI also ends every embedding or override s left open, so s
// cannot reorder the message around it. Text without them is returned as
// it is.
func Isolate(s string) string {
	if !HasBidiControl(s) {
		return s
	}
	return fsi + s + pdi
}
