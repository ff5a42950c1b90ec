package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"mamori/internal/i18n"
)

// The input rules every capability uses for free text and links, so one
// name, note or URL is judged the same on every form and in every API
// (e-mail addresses have theirs in mail.CheckAddress: what can be
// delivered). Each returns the cleaned value and a problem code; packages
// turn the code into their own message key (Problem.Key), because "too
// long" means a different limit on each field.

// Problem says why a rule refused a value; "" when it did not.
type Problem string

const (
	ProblemEmpty   Problem = "empty"
	ProblemTooLong Problem = "too_long"
	// ProblemInvalid: not UTF-8, a control character, or (for a URL) not
	// an absolute http(s) address with a host and without credentials.
	ProblemInvalid Problem = "invalid"
	// ProblemBidi: a bidirectional formatting character (U+202E…), which
	// would reorder the page around the text; its own message, since the
	// writer cannot see it.
	ProblemBidi Problem = "bidi"
	// ProblemScheme: a URL whose scheme is not http or https
	// (javascript:, data:, ftp:).
	ProblemScheme Problem = "scheme"
)

// Key is the message key for p: invalid for ProblemInvalid and
// ProblemScheme unless more keys are given, "error.bidi_control" for
// ProblemBidi, and the optional keys by position: too long, empty, scheme.
// "" when p is "".
func (p Problem) Key(invalid string, more ...string) string {
	pick := func(i int) string {
		if i < len(more) && more[i] != "" {
			return more[i]
		}
		return invalid
	}
	switch p {
	case "":
		return ""
	case ProblemBidi:
		return "error.bidi_control"
	case ProblemTooLong:
		return pick(0)
	case ProblemEmpty:
		return pick(1)
	case ProblemScheme:
		return pick(2)
	}
	return invalid
}

// CheckText trims a single-line value and checks it: valid UTF-8, at most
// max characters, no control characters, no bidirectional formatting
// characters. An empty value is not a problem here: fields that need one
// say so themselves.
func CheckText(s string, max int) (string, Problem) {
	s = strings.TrimSpace(s)
	return s, checkRunes(s, max, false)
}

// CheckLines is CheckText for a text area: CR LF and CR become LF, and line
// breaks and tabs (pasted from a spreadsheet) are kept.
func CheckLines(s string, max int) (string, Problem) {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	return s, checkRunes(s, max, true)
}

func checkRunes(s string, max int, lines bool) Problem {
	if !utf8.ValidString(s) {
		return ProblemInvalid
	}
	if utf8.RuneCountInString(s) > max {
		return ProblemTooLong
	}
	for _, r := range s {
		if i18n.IsBidiControl(r) {
			return ProblemBidi
		}
		if unicode.IsControl(r) && !(lines && (r == '\n' || r == '\t')) { // C0, DEL, C1
			return ProblemInvalid
		}
	}
	return ""
}

// CleanText is CheckText for the many single-line fields with one message:
// ok is false for any problem (TextKey gives the message).
func CleanText(s string, max int) (string, bool) {
	s, p := CheckText(s, max)
	return s, p == ""
}

// CleanLines is CleanText for a text area (CheckLines).
func CleanLines(s string, max int) (string, bool) {
	s, p := CheckLines(s, max)
	return s, p == ""
}

// TextKey is the message key for a text that CleanText, CleanLines or a
// field's own check refused: key, or the one naming the invisible
// direction characters when s holds any, since the writer cannot see what
// is wrong otherwise.
func TextKey(s, key string) string {
	if i18n.HasBidiControl(s) {
		return "error.bidi_control"
	}
	return key
}

// CheckURL accepts an absolute http or https URL of at most max characters
// with a host, without credentials, spaces or control characters; anything
// else (javascript:, data:, relative paths) could not be followed safely
// from a page. An empty value is ProblemEmpty, for the caller to allow.
func CheckURL(raw string, max int) (string, Problem) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return s, ProblemEmpty
	case !utf8.ValidString(s):
		return s, ProblemInvalid
	case utf8.RuneCountInString(s) > max:
		return s, ProblemTooLong
	}
	for _, r := range s {
		if i18n.IsBidiControl(r) {
			return s, ProblemBidi
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return s, ProblemInvalid
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return s, ProblemInvalid
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return s, ProblemScheme
	}
	if u.Opaque != "" || u.Hostname() == "" || u.User != nil {
		return s, ProblemInvalid
	}
	return s, ""
}
