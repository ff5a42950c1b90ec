package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"mamori/internal/apperr"
)

// CheckJSONText refuses a JSON document whose strings are not Unicode
// text: invalid UTF-8, or a \ud800–\udfff escape that is not half of a
// pair. encoding/json would quietly turn either into U+FFFD, and the
// replacement character would then be stored as if the client had sent
// it. The error names the string's field by its path ("name",
// "answers.7", "items.0.name"), as forms name theirs.
//
// A document that is not JSON at all is left to the decoder to report.
func CheckJSONText(b []byte) error {
	if utf8.Valid(b) && !maybeSurrogateEscape(b) {
		return nil // nearly every body: two linear scans, no allocation
	}
	field, key, found := findBadText(b)
	if !found {
		return nil
	}
	e := apperr.New(apperr.Invalid, key)
	if field != "" {
		e.Fields = map[string]string{field: key}
	}
	return e
}

// maybeSurrogateEscape reports whether b holds "\u" followed by a
// surrogate's first two hex digits (d8–df). An escaped backslash before
// "u" makes a false alarm, which findBadText then clears.
func maybeSurrogateEscape(b []byte) bool {
	for {
		i := bytes.Index(b, []byte(`\u`))
		if i < 0 || i+4 > len(b) {
			return false
		}
		if (b[i+2] == 'd' || b[i+2] == 'D') && isSurrogateSecond(b[i+3]) {
			return true
		}
		b = b[i+2:]
	}
}

func isSurrogateSecond(c byte) bool {
	return (c >= '8' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// maxTextCheckDepth bounds the path kept while looking for the bad
// string; encoding/json refuses deeper documents itself (10,000).
const maxTextCheckDepth = 10_000

type jsonLevel struct {
	object    bool
	expectKey bool
	index     int
	key       []byte // the current key, still quoted and escaped
}

// findBadText walks b's tokens, keeping the path to the current value,
// until a string that is not Unicode text. It gives up quietly (found
// false) on anything that is not JSON: the decoder says what is wrong.
func findBadText(b []byte) (field, key string, found bool) {
	var stack []jsonLevel
	for i := 0; i < len(b); {
		switch b[i] {
		case '{', '[':
			if len(stack) >= maxTextCheckDepth {
				return "", "", false
			}
			stack = append(stack, jsonLevel{object: b[i] == '{', expectKey: b[i] == '{'})
			i++
		case '}', ']':
			if len(stack) == 0 {
				return "", "", false
			}
			stack = stack[:len(stack)-1]
			i++
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].object {
					stack[n-1].expectKey = true
				} else {
					stack[n-1].index++
				}
			}
			i++
		case ':':
			if n := len(stack); n > 0 {
				stack[n-1].expectKey = false
			}
			i++
		case '"':
			end, problem := scanJSONString(b, i+1)
			isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey
			if problem != "" {
				path := jsonPath(stack, isKey)
				if isKey {
					// The key itself is bad: name it as the decoder would
					// read it, with U+FFFD where it could not.
					q := b[i:]
					if end > 0 {
						q = b[i:end]
					}
					path = append(path, decodeJSONKey(q))
				}
				return strings.Join(path, "."), problem, true
			}
			if end < 0 {
				return "", "", false
			}
			if isKey {
				stack[len(stack)-1].key = b[i:end]
			}
			i = end
		default:
			i++
		}
	}
	return "", "", false
}

// jsonPath names the current value: each enclosing object's key and
// array's index. For a key (isKey) the innermost object's own key is not
// yet set and is left out.
func jsonPath(stack []jsonLevel, isKey bool) []string {
	path := make([]string, 0, len(stack)+1)
	for n, l := range stack {
		switch {
		case isKey && n == len(stack)-1:
		case l.object:
			path = append(path, decodeJSONKey(l.key))
		default:
			path = append(path, strconv.Itoa(l.index))
		}
	}
	return path
}

// decodeJSONKey reads a quoted key as encoding/json does (U+FFFD for what
// is not text), so a field is named the way a client's library shows it.
func decodeJSONKey(q []byte) string {
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return strings.ToValidUTF8(strings.Trim(string(q), `"`), "\uFFFD")
	}
	return s
}

// scanJSONString reads a string's body from b[i] (after the opening
// quote). It returns the index after the closing quote, or -1 when the
// string does not end well-formed, and the message key of the first
// problem with its text ("" when it is text).
func scanJSONString(b []byte, i int) (end int, problem string) {
	bad := func(key string) {
		if problem == "" {
			problem = key
		}
	}
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, problem
		case c == '\\':
			if i+1 >= len(b) {
				return -1, problem
			}
			if b[i+1] != 'u' {
				i += 2
				continue
			}
			r, ok := hex4(b, i+2)
			if !ok {
				return -1, problem
			}
			i += 6
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				bad("error.bad_surrogate") // a low half alone
			case r >= 0xD800 && r <= 0xDBFF:
				if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
					if lo, ok := hex4(b, i+2); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						i += 6
						continue
					}
				}
				bad("error.bad_surrogate") // a high half without its low
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				bad("error.bad_encoding")
			}
			i += size
		}
	}
	return -1, problem
}

// hex4 reads the four hex digits of a \u escape at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
