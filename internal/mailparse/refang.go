package mailparse

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// defangTokens are the bracketed forms analysts and vendors write to
// make indicators unclickable, by what they stand for. Brackets may be
// [], (), {} or their full-width forms; the inside is matched without
// case and without surrounding spaces.
var defangTokens = map[string]string{
	".":     ".",
	"dot":   ".",
	"．":     ".",
	"。":     ".",
	"@":     "@",
	"at":    "@",
	"＠":     "@",
	":":     ":",
	"：":     ":",
	"://":   "://",
	"/":     "/",
	"colon": ":",
}

// Refang undoes the usual defanging of URLs, domains, addresses and IPs:
// hxxp/hxxps/hXXp/fxp schemes, and [.] (.) {.} [dot] (dot) [@] [at] (at)
// [:] [://] [/] in square, round, curly or full-width brackets, with or
// without spaces around them, and the full-width ＠. Text without any of
// these comes back unchanged, so it is safe to run on whole bodies.
func Refang(s string) string {
	if !mayBeDefanged(s) {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		// Schemes: hxxp, hxxps, hXXp, h**p, fxp.
		if (c == 'h' || c == 'H') && (i == 0 || !isAlnum(s[i-1])) {
			if n := defangedScheme(s[i:]); n > 0 {
				out = append(out, c, fangChar(s[i+1]), fangChar(s[i+2]))
				out = append(out, s[i+3:i+n]...)
				i += n
				continue
			}
		}
		if (c == 'f' || c == 'F') && (i == 0 || !isAlnum(s[i-1])) && len(s)-i >= 6 && (s[i+1] == 'x' || s[i+1] == 'X') && (s[i+2] == 'p' || s[i+2] == 'P') &&
			(s[i+3] == ':' || s[i+3] == '[' || s[i+3] == '(') {
			out = append(out, c, fangChar(s[i+1]), s[i+2])
			i += 3
			continue
		}
		if open, closer, ok := bracketAt(s, i); ok {
			if end := strings.Index(s[i+open:min(len(s), i+open+12)], closer); end >= 0 {
				inner := strings.ToLower(strings.TrimSpace(s[i+open : i+open+end]))
				after := i + open + end + len(closer)
				if repl, ok := defangTokens[inner]; ok && (inner != "/" && inner != ":" || adjacentNonSpace(s, i, after)) {
					// " [.] " between two words: the spaces go too.
					if repl != "://" && len(out) > 0 && out[len(out)-1] == ' ' && after < len(s) && s[after] == ' ' {
						for len(out) > 0 && out[len(out)-1] == ' ' {
							out = out[:len(out)-1]
						}
						after = skipSpaces(s, after)
					}
					out = append(out, repl...)
					i = after
					continue
				}
			}
		}
		if strings.HasPrefix(s[i:], "＠") {
			out = append(out, '@')
			i += len("＠")
			continue
		}
		out = append(out, c)
		i++
	}
	return string(out)
}

// fangChar turns the x of hxxp back into the t it replaced, keeping case.
func fangChar(c byte) byte {
	switch c {
	case 'x', '*', '_':
		return 't'
	case 'X':
		return 'T'
	}
	return c
}

// mayBeDefanged is the cheap test that lets Refang skip most text.
func mayBeDefanged(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '(', '{':
			return true
		case 'x', 'X', '*':
			if i > 0 && (s[i-1] == 'h' || s[i-1] == 'H' || s[i-1] == 'x' || s[i-1] == 'X' || s[i-1] == '*') {
				return true
			}
		case 'f', 'F':
			if i+2 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') {
				return true
			}
		case 0xef: // full-width forms start with EF BC/BD
			return true
		}
	}
	return false
}

// defangedScheme matches h??p or h??ps followed by a separator, where ??
// is xx, XX, ** or tt with one of them changed; n is the bytes consumed.
func defangedScheme(s string) int {
	if len(s) < 5 {
		return 0
	}
	mid := s[1:3]
	if !(s[3] == 'p' || s[3] == 'P') {
		return 0
	}
	switch strings.ToLower(mid) {
	case "xx", "**", "xt", "tx", "__":
	default:
		return 0
	}
	n := 4
	if n < len(s) && (s[n] == 's' || s[n] == 'S') {
		n++
	}
	rest := s[n:]
	if !(strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "[:") || strings.HasPrefix(rest, "(:") || strings.HasPrefix(rest, "{:") || strings.HasPrefix(rest, "[://") || strings.HasPrefix(rest, "：")) {
		return 0
	}
	return n
}

// bracketAt reports an opening bracket at i and the closer to look for.
func bracketAt(s string, i int) (int, string, bool) {
	switch s[i] {
	case '[':
		return 1, "]", true
	case '(':
		return 1, ")", true
	case '{':
		return 1, "}", true
	}
	if strings.HasPrefix(s[i:], "［") {
		return len("［"), "］", true
	}
	if strings.HasPrefix(s[i:], "（") {
		return len("（"), "）", true
	}
	return 0, "", false
}

// adjacentNonSpace keeps "(:)" and "[/]" from eating a smiley or a
// bracketed slash in prose: they refang only inside a word.
func adjacentNonSpace(s string, start, end int) bool {
	return start > 0 && s[start-1] != ' ' && s[start-1] != '\n' && end < len(s) && s[end] != ' ' && s[end] != '\n'
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func unfang(c byte) string {
	if c == 'T' {
		return "X"
	}
	return "x"
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// textURL finds live links in running text: a scheme and what follows up
// to a space, a quote, an angle bracket or Japanese punctuation, which
// end a URL typed in Japanese prose.
var textURL = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>"'` + "`" + `「」『』（）【】、。]+`)

// DefangText defangs every link in running text (a shared mail body), so
// a member who copies the text into a mail or a chat never carries a live
// link along. Text without links comes back unchanged.
func DefangText(s string) string {
	return textURL.ReplaceAllStringFunc(s, func(u string) string {
		// A full stop or comma after a link ends the sentence, not the URL.
		link := strings.TrimRight(u, ".,;:!?)]")
		return Defang(link) + u[len(link):]
	})
}

// Defang makes an indicator unclickable the common way: hxxp(s) and
// [.] before the host's last label, [@] in addresses. The hub shows
// shared indicators defanged; Refang(Defang(x)) == x for URLs, hosts and
// addresses.
func Defang(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if lower := strings.ToLower(s); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		s = s[:1] + unfang(s[1]) + unfang(s[2]) + s[3:]
	}
	// The host (or the address's domain) gets [.] at its dots.
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	if at := strings.LastIndexByte(s, '@'); at >= start && !strings.Contains(s[start:], "/") {
		return s[:at] + "[@]" + strings.ReplaceAll(s[at+1:], ".", "[.]")
	}
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	return s[:start] + strings.ReplaceAll(s[start:end], ".", "[.]") + s[end:]
}
