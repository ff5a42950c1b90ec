package policy

import (
	"strings"
	"testing"
	"unicode/utf8"

	"mamori/internal/web"
)

// FuzzCleanBody feeds arbitrary text to the body rule and the paragraph
// split, which see every owner's input: neither may panic, accepted text
// is valid UTF-8 within the limit with no control character but newline,
// and splitting never invents or loses a non-blank line.
func FuzzCleanBody(f *testing.F) {
	for _, s := range []string{"", "a\r\nb\n\nc", "<script>\n\n</script>", "\x00", "\xff\xfe", "\t", "\u3000\n\u3000", strings.Repeat("あ", 10)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, problem := web.CheckLines(s, MaxSectionChars)
		if problem == "" {
			if !utf8.ValidString(out) || utf8.RuneCountInString(out) > MaxSectionChars || strings.ContainsAny(out, "\r\x00") {
				t.Fatalf("accepted %q as %q", s, out)
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		lines := 0
		for _, p := range Paragraphs(s) {
			if len(p) == 0 {
				t.Fatalf("empty paragraph from %q", s)
			}
			for _, l := range p {
				if strings.TrimSpace(l) == "" || strings.ContainsAny(l, "\r\n") {
					t.Fatalf("bad line %q from %q", l, s)
				}
				lines++
			}
		}
		want := 0
		for _, l := range strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n") {
			if strings.TrimSpace(l) != "" {
				want++
			}
		}
		if lines != want {
			t.Fatalf("%d lines from %q, want %d", lines, s, want)
		}
	})
}
