package signing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Canonicalize returns the RFC 8785 (JSON Canonicalization Scheme, JCS)
// form of v: v is marshalled with encoding/json, parsed again into a
// generic tree and written out canonically:
//
//   - object members sorted by the UTF-16 code units of their names, no
//     whitespace anywhere;
//   - strings as literal UTF-8, escaping only '"', '\' and the control
//     characters below U+0020 (\b \t \n \f \r, otherwise \u00xx in
//     lower-case hex);
//   - numbers in ECMAScript's shortest round-trip form (Number.prototype.
//     toString): 1, -5, 0.5, 1e+21, 5e-324;
//   - true, false, null as they are.
//
// Limits, so a signature never covers a value that a reader would see
// differently: an integer literal must survive the trip through an IEEE 754
// double unchanged (in practice |n| ≤ 2^53), otherwise Canonicalize fails
// rather than rounding it; duplicate member names are an error (I-JSON).
// Non-integer numbers are taken as the nearest double and written as
// ECMAScript would. A json.RawMessage is canonicalized as the JSON it holds.
// Strings arrive from encoding/json as valid UTF-8 (invalid bytes and lone
// surrogate escapes become U+FFFD while decoding).
func Canonicalize(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	return CanonicalJSON(b)
}

// MaxDepth bounds the nesting of arrays and objects in a canonical value. A
// signed record is a few levels deep; the bound is checked as each level
// opens, so a hostile file of 174,000 nested objects (under the 1 MiB cap)
// is refused at level 33 instead of being copied level by level — each
// level's canonical bytes are copied into the one above, which made deep
// input quadratic (76 s, 424 MB before the bound).
const MaxDepth = 32

// errTooDeep is the error for input nested deeper than MaxDepth.
var errTooDeep = fmt.Errorf("nested deeper than %d levels", MaxDepth)

// CanonicalJSON returns the RFC 8785 form of one JSON text (see
// Canonicalize). Anything but exactly one JSON value, surrounded by
// whitespace at most, is an error, and so is a value nested deeper than
// MaxDepth.
func CanonicalJSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	out.Grow(len(data))
	if err := canonValue(dec, &out, 0); err != nil {
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the JSON value")
		}
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	return out.Bytes(), nil
}

// canonValue reads one value from dec and writes it canonically; depth is
// the number of arrays and objects around it.
func canonValue(dec *json.Decoder, out *bytes.Buffer, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if (t == '{' || t == '[') && depth >= MaxDepth {
			return errTooDeep
		}
		switch t {
		case '{':
			return canonObject(dec, out, depth+1)
		case '[':
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := canonValue(dec, out, depth+1); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
			out.WriteByte(']')
			return nil
		}
		return fmt.Errorf("unexpected %q", t)
	case string:
		writeString(out, t)
	case json.Number:
		s, err := canonNumber(string(t))
		if err != nil {
			return err
		}
		out.WriteString(s)
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	default:
		return fmt.Errorf("unexpected token %T", tok)
	}
	return nil
}

type member struct {
	key   []uint16 // the name in UTF-16 code units, the sort key
	value []byte   // canonical name and value: "name":value
}

// canonObject writes the members of an object whose '{' was just read;
// depth counts the object itself. Member names are compared exactly as
// decoded (escapes resolved), so "a" and "\u0061" are the same name and a
// duplicate, while "Name" and "name" are two members, as every JSON reader
// sees them.
func canonObject(dec *json.Decoder, out *bytes.Buffer, depth int) error {
	var members []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, ok := tok.(string)
		if !ok {
			return fmt.Errorf("object member name is %T", tok)
		}
		if seen[name] {
			return fmt.Errorf("duplicate member name %q", name)
		}
		seen[name] = true
		var mb bytes.Buffer
		writeString(&mb, name)
		mb.WriteByte(':')
		if err := canonValue(dec, &mb, depth); err != nil {
			return err
		}
		members = append(members, member{key: utf16.Encode([]rune(name)), value: mb.Bytes()})
	}
	if _, err := dec.Token(); err != nil { // '}'
		return err
	}
	slices.SortFunc(members, func(a, b member) int { return slices.Compare(a.key, b.key) })
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		out.Write(m.value)
	}
	out.WriteByte('}')
	return nil
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JCS string: only '"', '\' and control
// characters are escaped; everything else is literal UTF-8.
func writeString(out *bytes.Buffer, s string) {
	out.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		out.WriteString(s[start:i])
		switch c {
		case '"':
			out.WriteString(`\"`)
		case '\\':
			out.WriteString(`\\`)
		case '\b':
			out.WriteString(`\b`)
		case '\t':
			out.WriteString(`\t`)
		case '\n':
			out.WriteString(`\n`)
		case '\f':
			out.WriteString(`\f`)
		case '\r':
			out.WriteString(`\r`)
		default:
			out.WriteString(`\u00`)
			out.WriteByte(hexDigits[c>>4])
			out.WriteByte(hexDigits[c&0xf])
		}
		start = i + 1
	}
	out.WriteString(s[start:])
	out.WriteByte('"')
}

// canonNumber turns a JSON number literal into its JCS form.
func canonNumber(lit string) (string, error) {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return "", fmt.Errorf("number %s: %w", lit, err)
	}
	s, err := FormatNumber(f)
	if err != nil {
		return "", err
	}
	if !strings.ContainsAny(lit, ".eE") && s != lit && lit != "-0" {
		// An integer must come out as the same integer; otherwise the
		// signed text would say something else than the value signed.
		return "", fmt.Errorf("integer %s cannot be represented exactly (JCS numbers are IEEE 754 doubles; keep integers within ±2^53)", lit)
	}
	return s, nil
}

// FormatNumber writes f as ECMAScript's Number.prototype.toString does
// (ECMA-262 Number::toString, radix 10), which is the number form RFC 8785
// prescribes. NaN and the infinities have no JSON form and are an error.
func FormatNumber(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("number %v has no JSON form", f)
	}
	if f == 0 {
		return "0", nil // also -0
	}
	neg := f < 0
	if neg {
		f = -f
	}
	// Shortest digits that round-trip, as d.ddddde±x.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expPart, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, err := strconv.Atoi(expPart)
	if err != nil {
		return "", err
	}
	k := len(digits)
	n := x + 1 // value = 0.digits × 10^n
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case k <= n && n <= 21:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default:
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return b.String(), nil
}
