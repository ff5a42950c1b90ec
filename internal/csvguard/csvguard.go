// Package csvguard is the one CSV-injection rule: every CSV the application
// writes (the asset ledger, the public registry export) asks it whether a
// cell would run as a formula when a spreadsheet opens the file.
package csvguard

import (
	"strings"
	"unicode/utf8"
)

// IsTrigger reports whether a spreadsheet opening a CSV runs a cell that
// starts with r as a formula (CSV injection). The ASCII four and tab and CR
// are on OWASP's list; Japanese spreadsheet software also reads the
// full-width forms (＝ ＋ － ＠) as formula starts, and Japanese names and
// addresses are typed with them, so they are guarded the same way.
func IsTrigger(r rune) bool {
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '\n',
		'＝', '＋', '－', '＠':
		return true
	}
	return false
}

// Starts reports whether s starts with a formula trigger.
func Starts(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && IsTrigger(r)
}

// Guard prefixes a quote to a cell that would run as a formula, and to one
// that already starts with quotes before a trigger, so Unguard can strip
// exactly one quote and give back every cell unchanged.
func Guard(s string) string {
	if needsGuard(s) {
		return "'" + s
	}
	return s
}

// Unguard undoes Guard.
func Unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && needsGuard(s) {
		return s[1:]
	}
	return s
}

func needsGuard(s string) bool {
	return Starts(strings.TrimLeft(s, "'"))
}
