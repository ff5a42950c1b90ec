package mailparse

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRefang(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"hxxp://evil[.]example/a", "http://evil.example/a"},
		{"hxxps://evil[.]example/a", "https://evil.example/a"},
		{"hXXps://EVIL[.]example", "hTTps://EVIL.example"},
		{"HXXP://x[.]jp", "HTTP://x.jp"},
		{"h**p://x[.]jp", "http://x.jp"},
		{"hxxp[:]//x[.]jp", "http://x.jp"},
		{"hxxps[://]x[.]jp", "https://x.jp"},
		{"fxp://files[.]example[.]net/x", "ftp://files.example.net/x"},
		{"evil(.)example", "evil.example"},
		{"evil{.}example", "evil.example"},
		{"evil[dot]example", "evil.example"},
		{"evil(dot)example", "evil.example"},
		{"evil[DOT]example", "evil.example"},
		{"evil [.] example", "evil.example"},
		{"evil [dot] example", "evil.example"},
		{"evil［.］example", "evil.example"},
		{"evil［．］example", "evil.example"},
		{"user[@]evil[.]example", "user@evil.example"},
		{"user[at]evil[.]example", "user@evil.example"},
		{"user(at)evil(dot)example", "user@evil.example"},
		{"user [at] evil [dot] example", "user@evil.example"},
		{"user＠evil.example", "user@evil.example"},
		{"203.0.113[.]5", "203.0.113.5"},
		{"203[.]0[.]113[.]5", "203.0.113.5"},
		{"http[:]//x.jp", "http://x.jp"},
		{"x.jp[/]path", "x.jp/path"},
		// Prose stays as it is.
		{"plain text (with brackets) and [notes]", "plain text (with brackets) and [notes]"},
		{"a smiley (:) here", "a smiley (:) here"},
		{"hxxp without a colon", "hxxp without a colon"},
		{"the box [x] is ticked", "the box [x] is ticked"},
		{"日本語の文章（括弧つき）です", "日本語の文章（括弧つき）です"},
		{"", ""},
	} {
		if got := Refang(c.in); got != c.want {
			t.Errorf("Refang(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDefangRoundTrip(t *testing.T) {
	for _, s := range []string{"https://evil.example/a.php?x=1", "http://203.0.113.5/", "user@evil.example", "evil.example", "HTTPS://Mixed.Example/Path"} {
		d := Defang(s)
		if d == s || strings.HasPrefix(strings.ToLower(d), "http") {
			t.Errorf("Defang(%q) = %q: still live", s, d)
		}
		if got := Refang(d); got != s {
			t.Errorf("Refang(Defang(%q)) = %q", s, got)
		}
	}
}

func FuzzRefang(f *testing.F) {
	for _, s := range []string{"hxxps://evil[.]example/a?b=c", "user[at]evil(dot)example", "203.0.113[.]5", "evil [.] example",
		"［．］＠", "(:) [/] {.}", "h**p[:]//x", "fxp://a[.]b", "http://example.com/", "\xef\xbc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Refang(s)
		if len(out) > len(s) {
			t.Fatalf("Refang grew %q to %q", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Refang broke UTF-8: %q → %q", s, out)
		}
		if !mayBeDefanged(s) && out != s {
			t.Fatalf("Refang changed plain text %q to %q", s, out)
		}
		// What Defang makes, Refang undoes, for single tokens without
		// markers of their own.
		if utf8.ValidString(s) && !mayBeDefanged(s) && !strings.ContainsAny(s, " \t\r\n") && !strings.Contains(s, "＠") {
			if back := Refang(Defang(s)); back != s {
				t.Fatalf("Refang(Defang(%q)) = %q (Defang %q)", s, back, Defang(s))
			}
		}
		// Defanged text holds no live link.
		if d := DefangText(s); utf8.ValidString(s) && textURL.MatchString(d) {
			t.Fatalf("DefangText(%q) = %q keeps a live link", s, d)
		}
	})
}

func TestDefangText(t *testing.T) {
	for in, want := range map[string]string{
		"こちらから https://quote-example.co.jp/download?id=1 をご確認ください。": "こちらから hxxps://quote-example[.]co[.]jp/download?id=1 をご確認ください。",
		"リンク：https://evil.example/a」と記載":                            "リンク：hxxps://evil[.]example/a」と記載",
		"two: http://a.example/x\nand HTTPS://B.EXAMPLE.":           "two: hxxp://a[.]example/x\nand HXXPS://B[.]EXAMPLE.",
		"<https://c.example>":            "<hxxps://c[.]example>",
		"no links here, just example.jp": "no links here, just example.jp",
		"already hxxps://d[.]example/p":  "already hxxps://d[.]example/p",
	} {
		got := DefangText(in)
		if got != want {
			t.Errorf("DefangText(%q) = %q, want %q", in, got, want)
		}
		if textURL.MatchString(got) {
			t.Errorf("a live link survives in %q", got)
		}
	}
}
