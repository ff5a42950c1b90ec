package cloudcheck

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzCleanURL feeds arbitrary addresses to the URL check, which sees
// every member's input and whose result becomes a link: it may not panic,
// and what it accepts is "" or an http(s) URL with a host, no
// credentials, no space or control character, within the limit.
func FuzzCleanURL(f *testing.F) {
	for _, s := range []string{"", "https://example.jp/", "javascript:alert(1)", "http://u:p@h/", "https://exa mple.jp", "\xff", "HTTPS://例え.jp/パス?q=1#x", "//example.jp", "http:///x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, problem := cleanURL(s)
		if problem != "" || out == "" {
			return
		}
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > MaxURL || strings.IndexFunc(out, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			t.Fatalf("accepted %q as %q", s, out)
		}
		u, err := url.Parse(out)
		if err != nil || (strings.ToLower(u.Scheme) != "http" && strings.ToLower(u.Scheme) != "https") || u.Hostname() == "" || u.User != nil {
			t.Fatalf("accepted %q", out)
		}
	})
}

// FuzzAnswers feeds arbitrary values to one point of the check form: no
// panic, and accepted input gives one of the four answers and a note of
// valid text within the limit.
func FuzzAnswers(f *testing.F) {
	for _, s := range [][2]string{{"yes", ""}, {"", "note\r\nline"}, {"maybe", "x"}, {" na ", "\x00"}, {"no", strings.Repeat("長", MaxNote)}, {"\xff", "\xfe"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, answer, note string) {
		var in AnswersInput
		in[6] = AnswerInput{Answer: answer, Note: note}
		out, err := in.clean()
		if err != nil {
			return
		}
		p := out[6]
		if !p.Answer.Valid() || p.Point != 7 || !utf8.ValidString(p.Note) || utf8.RuneCountInString(p.Note) > MaxNote || strings.ContainsAny(p.Note, "\r\x00") {
			t.Fatalf("accepted %q %q as %+v", answer, note, p)
		}
		if out.Answered() > 1 {
			t.Fatalf("%d answered from one point", out.Answered())
		}
	})
}
