package ledgerfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scanner is a pull tokenizer for the XML of spreadsheet parts. It exists
// because encoding/xml (and excelize, built on it) holds any run of text
// whole and allocates per token: a 200 KB upload of one inflated cell or
// of millions of empty elements cost gigabytes or minutes there. Here a
// text run, a tag and the element depth are capped, tokens are slices of
// a reused buffer, and the cost is a few nanoseconds a byte.
//
// It checks what the reader relies on: tags nest and match, the document
// ends where its root closes, attribute quotes and entities are sound.
// It is not a validating parser and ignores DTDs by refusing them.
type scanner struct {
	r   *bufio.Reader
	err error

	kind  tokKind
	self  bool   // a start tag that closes itself
	depth int    // open elements after this token
	tag   []byte // start or end tag between < and >, without the / marks
	text  []byte // text token, raw: entities still escaped unless cdata
	cdata bool

	open  []byte // names of open elements, one after another
	ends  []int  // end of each name in open
	buf   []byte // accumulates a tag or text longer than r's buffer
	inTag bool   // the text just read ended at a '<'
	root  bool   // the root element has been seen
}

type tokKind uint8

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
)

const (
	maxTag   = 64 << 10  // a tag with its attributes
	maxText  = 256 << 10 // a run of text: Excel's longest cell, escaped, fits
	maxDepth = 64        // spreadsheet XML nests a handful deep
)

var errXML = errors.New("broken XML")

func newScanner(r io.Reader) *scanner {
	return &scanner{r: bufio.NewReaderSize(r, 64<<10)}
}

func (s *scanner) fail(format string, args ...any) bool {
	if s.err == nil {
		s.err = fmt.Errorf("%w: "+format, append([]any{errXML}, args...)...)
	}
	return false
}

// next reads the next token. At the end of the document it returns false
// with s.err nil; on any problem, false with s.err set.
func (s *scanner) next() bool {
	for s.err == nil {
		if !s.inTag {
			text, ok := s.readUntil('<', maxText)
			if !ok {
				if s.err == io.EOF {
					s.err = nil
					if s.depth > 0 || !s.root {
						return s.fail("ends before its root element closes")
					}
					if len(bytes.TrimSpace(text)) > 0 {
						return s.fail("text after the root element")
					}
				}
				return false
			}
			s.inTag = true
			if len(text) > 0 {
				if s.depth == 0 {
					if len(bytes.TrimSpace(bytes.TrimPrefix(text, utf8BOM))) > 0 {
						return s.fail("text outside the root element")
					}
				} else {
					s.kind, s.text, s.cdata = tokText, text, false
					return true
				}
			}
		}
		s.inTag = false
		// A loop, not a call back into next: a file of a million comments
		// in a row must not grow the stack by a million frames.
		if ok, skipped := s.readTag(); !skipped {
			return ok
		}
	}
	return false
}

// readUntil returns the bytes up to delim, consuming delim. A run longer
// than r's buffer is gathered in s.buf, up to most bytes.
func (s *scanner) readUntil(delim byte, most int) ([]byte, bool) {
	b, err := s.r.ReadSlice(delim)
	if err == nil {
		return b[:len(b)-1], true
	}
	s.buf = append(s.buf[:0], b...)
	for err == bufio.ErrBufferFull {
		if len(s.buf) > most {
			return nil, s.fail("a run of more than %d bytes", most)
		}
		b, err = s.r.ReadSlice(delim)
		s.buf = append(s.buf, b...)
	}
	if len(s.buf) > most {
		return nil, s.fail("a run of more than %d bytes", most)
	}
	if err != nil {
		s.err = err
		return s.buf, false
	}
	return s.buf[:len(s.buf)-1], true
}

// readTag reads what follows a '<'. skipped says it was a comment or
// a processing instruction, which make no token.
func (s *scanner) readTag() (ok, skipped bool) {
	t, ok := s.readUntil('>', maxTag)
	if !ok {
		if s.err == io.EOF {
			s.err = nil
			return s.fail("ends inside a tag"), false
		}
		return false, false
	}
	// Comments, CDATA and processing instructions may hold '>': read on
	// to their proper end. t may be s.buf or r's buffer; own it first.
	for _, k := range [...]struct{ open, close string }{{"!--", "--"}, {"![CDATA[", "]]"}, {"?", "?"}} {
		if !bytes.HasPrefix(t, []byte(k.open)) {
			continue
		}
		t = s.own(t)
		for len(t) < len(k.open)+len(k.close) || !bytes.HasSuffix(t, []byte(k.close)) {
			if t = s.more(t); t == nil {
				return false, false
			}
		}
		if k.open == "![CDATA[" {
			if s.depth == 0 {
				return s.fail("CDATA outside the root element"), false
			}
			s.kind, s.text, s.cdata = tokText, t[len(k.open):len(t)-len(k.close)], true
			return true, false
		}
		return true, true
	}
	if len(t) > 0 && t[0] == '!' {
		return s.fail("a DTD or declaration: not in spreadsheet XML"), false
	}
	// A '>' inside a quoted attribute value does not end the tag.
	if q := openQuote(t, 0); q != 0 {
		t = s.own(t)
		for q != 0 {
			n := len(t)
			if t = s.more(t); t == nil {
				return false, false
			}
			q = openQuote(t[n:], q)
		}
	}
	if len(t) > 0 && t[0] == '/' {
		return s.endTag(trimRightSpace(t[1:])), false
	}
	s.self = len(t) > 0 && t[len(t)-1] == '/'
	if s.self {
		t = t[:len(t)-1]
	}
	name := tagName(t)
	if len(name) == 0 {
		return s.fail("a tag without a name"), false
	}
	if s.depth == 0 && s.root {
		return s.fail("a second root element"), false
	}
	s.root = true
	s.kind, s.tag = tokStart, t
	if !s.self {
		if s.depth == maxDepth {
			return s.fail("nested more than %d deep", maxDepth), false
		}
		s.open = append(s.open, name...)
		s.ends = append(s.ends, len(s.open))
		s.depth++
	}
	return true, false
}

func (s *scanner) endTag(name []byte) bool {
	if s.depth == 0 {
		return s.fail("an end tag with nothing open")
	}
	start := 0
	if s.depth > 1 {
		start = s.ends[s.depth-2]
	}
	if !bytes.Equal(s.open[start:], name) {
		return s.fail("</%s> closes <%s>", name, s.open[start:])
	}
	s.open, s.ends = s.open[:start], s.ends[:s.depth-1]
	s.depth--
	s.kind, s.tag, s.self = tokEnd, name, false
	return true
}

// own copies t into s.buf unless it is there already, so more can append.
func (s *scanner) own(t []byte) []byte {
	if len(s.buf) > 0 && len(t) > 0 && &s.buf[0] == &t[0] {
		return t
	}
	s.buf = append(s.buf[:0], t...)
	return s.buf
}

// more appends the '>' that ended t and what follows up to the next '>'.
func (s *scanner) more(t []byte) []byte {
	n := len(t)
	s.buf = append(s.buf[:n], '>')
	for {
		b, err := s.r.ReadSlice('>')
		s.buf = append(s.buf, b...)
		if len(s.buf) > maxTag+maxText {
			s.fail("a tag of more than %d bytes", maxTag+maxText)
			return nil
		}
		switch err {
		case nil:
			return s.buf[:len(s.buf)-1]
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			s.fail("ends inside a tag")
		default:
			s.err = err
		}
		return nil
	}
}

// openQuote follows attribute quotes through b, starting inside quote q
// (0: outside), and says which quote is open at the end.
func openQuote(b []byte, q byte) byte {
	for _, c := range b {
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		}
	}
	return q
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// trimRightSpace is bytes.TrimRight for XML's white space, without the
// cutset set-up that made it a sixth of the time spent reading a sheet.
func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// tagName is the qualified name at the start of a tag.
func tagName(t []byte) []byte {
	i := 0
	for i < len(t) && !isSpace(t[i]) {
		i++
	}
	return t[:i]
}

// local drops a namespace prefix: some writers put every element in x:.
func local(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// is reports whether the token is a start tag with local name n.
func (s *scanner) is(n string) bool {
	return s.kind == tokStart && string(local(tagName(s.tag))) == n
}

// attr returns the unescaped value of the start tag's attribute with
// local name n. Malformed attributes end the scan.
func (s *scanner) attr(n string) (string, bool) {
	val, ok := s.rawAttr(n)
	if !ok {
		return "", false
	}
	if bytes.IndexByte(val, '&') < 0 && utf8.Valid(val) {
		return string(val), true
	}
	v, err := unescape(nil, val)
	if err != nil {
		s.err = err
		return "", false
	}
	return string(v), true
}

// rawAttr is attr with entities left as they are, and no copy: for the
// references, styles and types of cells, read once per cell.
func (s *scanner) rawAttr(n string) ([]byte, bool) {
	t := s.tag[len(tagName(s.tag)):]
	for {
		for len(t) > 0 && isSpace(t[0]) {
			t = t[1:]
		}
		if len(t) == 0 {
			return nil, false
		}
		eq := bytes.IndexByte(t, '=')
		if eq <= 0 {
			s.fail("an attribute without a value")
			return nil, false
		}
		name := trimRightSpace(t[:eq])
		t = t[eq+1:]
		for len(t) > 0 && isSpace(t[0]) {
			t = t[1:]
		}
		if len(t) == 0 || t[0] != '"' && t[0] != '\'' {
			s.fail("an unquoted attribute")
			return nil, false
		}
		end := bytes.IndexByte(t[1:], t[0])
		if end < 0 {
			s.fail("an unclosed attribute")
			return nil, false
		}
		val := t[1 : end+1]
		t = t[end+2:]
		if string(local(name)) == n {
			return val, true
		}
	}
}

// skip consumes the rest of the element whose start tag was just read.
func (s *scanner) skip() {
	if s.kind != tokStart || s.self {
		return
	}
	d := s.depth
	for s.next() {
		if s.kind == tokEnd && s.depth == d-1 {
			return
		}
	}
}

// content appends to dst the text of the element whose start tag was
// just read, elements inside it skipped; at most maxText bytes.
func (s *scanner) content(dst []byte) []byte {
	if s.kind != tokStart || s.self {
		return dst
	}
	d := s.depth
	for s.next() {
		switch {
		case s.kind == tokEnd && s.depth == d-1:
			return dst
		case s.kind == tokStart:
			s.skip()
		case s.kind == tokText:
			if len(dst)+len(s.text) > maxText {
				s.fail("text of more than %d bytes", maxText)
				return dst
			}
			var err error
			if s.cdata {
				dst = append(dst, s.text...)
			} else if dst, err = unescape(dst, s.text); err != nil {
				s.err = err
				return dst
			}
		}
	}
	return dst
}

// unescape appends b to dst with XML's entities and character references
// resolved.
func unescape(dst, b []byte) ([]byte, error) {
	if !utf8.Valid(b) {
		return dst, fmt.Errorf("%w: invalid UTF-8", errXML)
	}
	for {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			return append(dst, b...), nil
		}
		dst = append(dst, b[:i]...)
		b = b[i+1:]
		j := bytes.IndexByte(b, ';')
		if j < 0 || j > 10 {
			return dst, fmt.Errorf("%w: a bare &", errXML)
		}
		ent := string(b[:j])
		b = b[j+1:]
		switch ent {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error
			switch {
			case strings.HasPrefix(ent, "#x"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case strings.HasPrefix(ent, "#"):
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				err = errors.New("unknown")
			}
			if err != nil || !xmlChar(rune(n)) {
				return dst, fmt.Errorf("%w: entity &%s;", errXML, ent)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
