package web_test

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"mamori/internal/web"
)

// TestInputRules is the one table of the text, lines and URL rules every
// capability uses (names, notes, policy sections, incident and cloud
// texts, links): each case says what the value becomes and which problem
// is reported.
func TestInputRules(t *testing.T) {
	long := "https://example.jp/" + strings.Repeat("a", 482) // 501 characters
	cases := []struct {
		rule    string
		in      string
		max     int
		want    string
		problem web.Problem
	}{
		{"text", "  山田 太郎  ", 10, "山田 太郎", ""},
		{"text", "あいうえお", 4, "", web.ProblemTooLong},
		{"text", "a\tb", 5, "", web.ProblemInvalid},
		{"text", "a\nb", 5, "", web.ProblemInvalid},
		{"text", "a\u202eb", 5, "", web.ProblemBidi},
		{"text", "a\xffb", 5, "", web.ProblemInvalid},
		{"text", "", 5, "", ""},

		{"lines", "  text \r\n line\r\n", 100, "text \n line", ""},
		{"lines", "a\rb", 100, "a\nb", ""},
		{"lines", "<script>alert(1)</script>", 100, "<script>alert(1)</script>", ""},
		// A tab pasted from a spreadsheet is kept.
		{"lines", "列1\t列2", 100, "列1\t列2", ""},
		{"lines", "nul\x00", 100, "", web.ProblemInvalid},
		{"lines", "c1\u0085x", 100, "", web.ProblemInvalid},
		{"lines", "bidi\u202eno", 100, "", web.ProblemBidi},
		{"lines", "lrm\u200eno", 100, "", web.ProblemBidi},
		// Invalid UTF-8 is invalid, whatever its length.
		{"lines", "\xff\xfe" + strings.Repeat("あ", 200), 100, "", web.ProblemInvalid},
		{"lines", strings.Repeat("あ", 100), 100, strings.Repeat("あ", 100), ""},
		{"lines", strings.Repeat("あ", 101), 100, "", web.ProblemTooLong},

		{"url", "https://example.jp/policy", 500, "https://example.jp/policy", ""},
		{"url", " HTTPS://Example.JP/a?b=c#d ", 500, "HTTPS://Example.JP/a?b=c#d", ""},
		{"url", "https://例え.jp/方針", 500, "https://例え.jp/方針", ""},
		{"url", "", 500, "", web.ProblemEmpty},
		{"url", "   ", 500, "", web.ProblemEmpty},
		{"url", "javascript:alert(1)", 500, "", web.ProblemScheme},
		{"url", "JavaScript:alert(1)//http://x", 500, "", web.ProblemScheme},
		{"url", "ftp://example.jp/policy.pdf", 500, "", web.ProblemScheme},
		{"url", "data:text/html,<script>", 500, "", web.ProblemScheme},
		{"url", "/relative/path", 500, "", web.ProblemScheme},
		{"url", "//example.jp/", 500, "", web.ProblemScheme},
		{"url", "example.jp/policy", 500, "", web.ProblemScheme},
		{"url", "https:///no-host", 500, "", web.ProblemInvalid},
		{"url", "https://", 500, "", web.ProblemInvalid},
		{"url", "https:example.jp", 500, "", web.ProblemInvalid},
		{"url", "https://user:pw@example.jp/", 500, "", web.ProblemInvalid},
		{"url", "https://exa mple.jp/", 500, "", web.ProblemInvalid},
		{"url", "https://example.jp/\x00", 500, "", web.ProblemInvalid},
		{"url", "https://example.jp/\u3000x", 500, "", web.ProblemInvalid},
		{"url", "https://exa\xffmple.jp/", 500, "", web.ProblemInvalid},
		{"url", "https://example.jp/\u202egpj.exe", 500, "", web.ProblemBidi},
		{"url", long, 500, "", web.ProblemTooLong},
	}
	for _, c := range cases {
		var got string
		var p web.Problem
		switch c.rule {
		case "text":
			got, p = web.CheckText(c.in, c.max)
		case "lines":
			got, p = web.CheckLines(c.in, c.max)
		case "url":
			got, p = web.CheckURL(c.in, c.max)
		}
		if p != c.problem || (p == "" && got != c.want) {
			t.Errorf("%s(%.30q, %d) = %.30q, %q; want %.30q, %q", c.rule, c.in, c.max, got, p, c.want, c.problem)
		}
	}
}

func TestProblemKey(t *testing.T) {
	for _, c := range []struct {
		p    web.Problem
		more []string
		want string
	}{
		{"", nil, ""},
		{web.ProblemInvalid, nil, "x.invalid"},
		{web.ProblemTooLong, nil, "x.invalid"},
		{web.ProblemTooLong, []string{"x.long"}, "x.long"},
		{web.ProblemEmpty, []string{"x.long", "x.required"}, "x.required"},
		{web.ProblemScheme, []string{"x.long", "", "x.scheme"}, "x.scheme"},
		{web.ProblemScheme, []string{"x.long"}, "x.invalid"},
		{web.ProblemBidi, []string{"x.long"}, "error.bidi_control"},
	} {
		if got := c.p.Key("x.invalid", c.more...); got != c.want {
			t.Errorf("%q.Key(%v) = %q, want %q", c.p, c.more, got, c.want)
		}
	}
}

// FuzzCheckURL: whatever the URL rule accepts becomes a link on a page, so
// it is an absolute http(s) URL with a host, without credentials, space or
// control character, within the limit.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"", "https://example.jp/", "javascript:alert(1)", "http://u:p@h/", "https://exa mple.jp", "\xff",
		"HTTPS://例え.jp/パス?q=1#x", "//example.jp", "http:///x", "https:\\\\evil", "HTTP://A.B", "https://a@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, problem := web.CheckURL(s, 500)
		if problem != "" {
			return
		}
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > 500 || strings.IndexFunc(out, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			t.Fatalf("accepted %q as %q", s, out)
		}
		u, err := url.Parse(out)
		if err != nil || (strings.ToLower(u.Scheme) != "http" && strings.ToLower(u.Scheme) != "https") || u.Hostname() == "" || u.User != nil {
			t.Fatalf("accepted %q", out)
		}
	})
}

// FuzzCheckLines: accepted text is valid UTF-8 within the limit, with no
// control character but newline and tab, and no CR left.
func FuzzCheckLines(f *testing.F) {
	for _, s := range []string{"", "a\r\nb\n\nc", "\x00", "\xff\xfe", "\t", "\u3000\n\u3000", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, problem := web.CheckLines(s, 50)
		if problem != "" {
			return
		}
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > 50 || strings.ContainsRune(out, '\r') ||
			strings.IndexFunc(out, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
			t.Fatalf("accepted %q as %q", s, out)
		}
	})
}
