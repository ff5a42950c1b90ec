package mailparse

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// maxHeaders bounds the fields kept from one header block; a mail with
// more is broken or an attack, and the first ones are the useful ones.
// boundHeaders has cut the blocks the parse reads to at most this; the
// bound here (and maxFieldBytes on each value) keeps looksLikeMail cheap
// on bytes nobody has cut yet.
const maxHeaders = maxFields + 16

type rawHeader struct {
	Name string
	Raw  string // unfolded, undecoded
}

// readHeaderBlock reads the header fields up to the first empty line, in
// order, and returns them with the offset of the body. It is lenient the
// way mail clients are: a line without a colon continues the previous
// field, and bare LF line ends are fine.
func readHeaderBlock(data []byte) ([]rawHeader, int) {
	var hs []rawHeader
	var cur strings.Builder
	name := ""
	flush := func() {
		if name != "" && len(hs) < maxHeaders {
			hs = append(hs, rawHeader{Name: name, Raw: strings.TrimSpace(cur.String())})
		}
		name = ""
		cur.Reset()
	}
	pos := 0
	for pos < len(data) {
		end := bytes.IndexByte(data[pos:], '\n')
		var line []byte
		next := len(data)
		if end >= 0 {
			line = data[pos : pos+end]
			next = pos + end + 1
		} else {
			line = data[pos:]
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			flush()
			return hs, next
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" && len(hs) < maxHeaders {
				appendBounded(&cur, bytes.TrimSpace(line))
			}
			pos = next
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon > 0 && validFieldName(bytes.TrimRight(line[:colon], " \t")) {
			flush()
			name = string(bytes.TrimRight(line[:colon], " \t"))
			if len(hs) < maxHeaders {
				v := bytes.TrimSpace(line[colon+1:])
				cur.Write(v[:min(len(v), maxFieldBytes)])
			}
		} else if name != "" && len(hs) < maxHeaders {
			appendBounded(&cur, bytes.TrimSpace(line))
		} else if len(hs) == 0 {
			// Not a header at all: this is no mail.
			return nil, 0
		}
		pos = next
	}
	flush()
	return hs, len(data)
}

// appendBounded adds a folded line to a field's value, with the space
// unfolding puts in, up to maxFieldBytes.
func appendBounded(cur *strings.Builder, b []byte) {
	room := maxFieldBytes - cur.Len() - 1
	if room <= 0 {
		return
	}
	cur.WriteByte(' ')
	cur.Write(b[:min(len(b), room)])
}

func validFieldName(b []byte) bool {
	if len(b) == 0 || len(b) > 100 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

func headerValues(hs []rawHeader, name string) []string {
	var out []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Raw)
		}
	}
	return out
}

func firstHeader(hs []rawHeader, name string) (string, int) {
	v := headerValues(hs, name)
	if len(v) == 0 {
		return "", 0
	}
	return v[0], len(v)
}

// headerFacts fills the fields that come from the top header block.
func (p *parser) headerFacts(m *Message, hs []rawHeader) {
	m.Headers = make([]Header, 0, len(hs))
	for _, h := range hs {
		m.Headers = append(m.Headers, Header{Name: h.Name, Value: decodeHeader(h.Raw)})
	}
	if v, _ := firstHeader(hs, "Message-ID"); v != "" {
		m.MessageID = cleanMessageID(decodeHeader(v))
	}
	if v, _ := firstHeader(hs, "Date"); v != "" {
		if t, ok := parseDate(decodeHeader(v)); ok {
			m.DateTime = t
			m.Date = t.Format(time.RFC3339)
		} else {
			m.addError("the Date header is not a date that could be read")
		}
	} else {
		m.addError("no Date header")
	}
	if v, n := firstHeader(hs, "Subject"); n > 0 {
		m.Subject = cleanText(decodeHeader(v))
	}
	from, n := firstHeader(hs, "From")
	switch {
	case n == 0:
		m.addError("no From header")
	case n > 1:
		m.addError("more than one From header; the first was used")
	}
	m.From = p.addresses(m, "From", from)
	if v, n := firstHeader(hs, "Reply-To"); n > 0 {
		m.ReplyTo = p.addresses(m, "Reply-To", v)
	}
	for _, v := range headerValues(hs, "To") {
		m.To = append(m.To, p.addresses(m, "To", v)...)
	}
	for _, v := range headerValues(hs, "Cc") {
		m.Cc = append(m.Cc, p.addresses(m, "Cc", v)...)
	}
	if v, _ := firstHeader(hs, "Return-Path"); v != "" {
		m.ReturnPath = cleanAddrSpec(decodeHeader(v))
	}
	if v, _ := firstHeader(hs, "X-Mailer"); v != "" {
		m.XMailer = cleanText(decodeHeader(v))
	} else if v, _ := firstHeader(hs, "User-Agent"); v != "" {
		m.XMailer = cleanText(decodeHeader(v))
	}
	bad := 0
	for _, v := range headerValues(hs, "Received") {
		h, ok := parseReceived(decodeHeader(v))
		if !ok {
			bad++
		}
		m.Received = append(m.Received, h)
	}
	if bad > 0 {
		m.addError("%d Received header(s) could not be read in full", bad)
	}
}

func cleanMessageID(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			return strings.TrimSpace(s[i+1 : i+j])
		}
	}
	return strings.Trim(s, "<> ")
}

// cleanAddrSpec reads a Return-Path: "<a@b>" or a bare address; "<>" (a
// bounce) is empty.
func cleanAddrSpec(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	return normaliseAddress(strings.TrimSpace(s))
}

// normaliseAddress lower-cases the domain, which is case-blind; the local
// part is left as written.
func normaliseAddress(a string) string {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		return a[:i+1] + strings.ToLower(a[i+1:])
	}
	return a
}

// cleanText removes control characters that would only confuse a reader
// or a terminal.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// wordDecoder decodes RFC 2047 words for net/mail with the same charset
// logic as the bodies, and never fails on an unknown charset.
func wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(cs string, in io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(io.LimitReader(in, 1<<16))
		if err != nil {
			return nil, err
		}
		t, _, _ := decodeText(b, cs)
		return strings.NewReader(t), nil
	}}
}

// addresses reads an address list; when net/mail refuses it, addresses
// are picked out loosely so that a broken From still yields its address.
func (p *parser) addresses(m *Message, field, raw string) []Address {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	if !isASCII([]byte(raw)) && !utf8.ValidString(raw) || strings.ContainsRune(raw, 0x1b) {
		raw, _ = sniffDecode([]byte(raw))
		if strings.ContainsRune(raw, 0x1b) {
			raw = decodeISO2022JP([]byte(raw))
		}
	}
	ap := mail.AddressParser{WordDecoder: wordDecoder()}
	list, err := ap.ParseList(raw)
	if err != nil {
		out := looseAddresses(raw)
		if len(out) == 0 {
			m.addError("the %s header has no address that could be read", field)
		} else {
			m.addError("the %s header is malformed; its addresses were read loosely", field)
		}
		return out
	}
	// net/mail decodes each encoded word on its own, which garbles a name
	// whose Shift_JIS or ISO-2022-JP character is split across two words;
	// the loose reading joins adjacent words before decoding, so its name
	// is taken where it found the same address.
	var joined map[string]string
	if strings.Contains(raw, "=?") {
		joined = map[string]string{}
		for _, a := range looseAddresses(raw) {
			if a.Name != "" {
				joined[a.Address] = a.Name
			}
		}
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		name := a.Name
		if strings.Contains(name, "=?") {
			name = decodeEncodedWords(name)
		}
		addr := normaliseAddress(a.Address)
		if n, ok := joined[addr]; ok {
			name = n
		}
		out = append(out, Address{Name: cleanText(name), Address: addr})
	}
	return out
}

// looseAddresses splits at commas outside quotes and angle brackets and
// takes "<addr>" or a bare word with an @ from each piece.
func looseAddresses(raw string) []Address {
	var pieces []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			depth++
		case c == '>' && !quoted && depth > 0:
			depth--
		case (c == ',' || c == ';') && !quoted && depth == 0:
			pieces = append(pieces, raw[start:i])
			start = i + 1
		}
	}
	pieces = append(pieces, raw[start:])
	var out []Address
	for _, piece := range pieces {
		piece = strings.TrimSpace(piece)
		var name, addr string
		if i := strings.LastIndexByte(piece, '<'); i >= 0 {
			rest := piece[i+1:]
			if j := strings.IndexByte(rest, '>'); j >= 0 {
				rest = rest[:j]
			}
			addr = strings.TrimSpace(rest)
			name = strings.Trim(strings.TrimSpace(piece[:i]), `"`)
		} else {
			for f := range strings.FieldsSeq(piece) {
				if strings.Contains(f, "@") {
					addr = strings.Trim(f, `"()[]`)
				}
			}
		}
		if !strings.Contains(addr, "@") {
			continue
		}
		out = append(out, Address{Name: cleanText(decodeEncodedWords(name)), Address: normaliseAddress(addr)})
	}
	return out
}

// parseDate reads RFC 5322 dates and the forms broken mailers write.
// Zone names are turned into offsets before anything else: Go reads an
// abbreviation it does not know ("JST") as UTC under that name, which
// would put a Japanese mailer's time nine hours off.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	// Drop a trailing comment ("+0900 (JST)") and name the zones.
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if off, ok := zoneNames[strings.ToUpper(s[i+1:])]; ok {
			s = s[:i+1] + off
		}
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// zoneNames are the zone names mail dates carry instead of an offset:
// RFC 5322's obsolete North American ones, and those of mailers in Japan
// and Korea.
var zoneNames = map[string]string{
	"JST": "+0900", "KST": "+0900", "UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500", "MST": "-0700", "MDT": "-0600",
	"PST": "-0800", "PDT": "-0700", "GMT+0900": "+0900", "GMT+9": "+0900", "UTC+9": "+0900", "UTC+0900": "+0900",
}

// dateLayouts are the non-RFC forms seen in the wild, tried in order.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon, 2 Jan 2006 15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006/01/02 15:04:05 -0700",
	"2006/01/02 15:04:05",
	"2006-01-02 15:04:05",
}
