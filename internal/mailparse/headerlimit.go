package mailparse

import (
	"bytes"
	"strings"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// Header bounds. A header byte costs far more than a body byte: it is
// unfolded, decoded (RFC 2047, raw Shift_JIS), cleaned, sanitised rule by
// rule, copied into the record and the redaction list and shown on
// pages, and enmime reads every header of every part again before any of
// that. Before these bounds one 24 MB Subject cost 16× its size in
// allocations, and a 24 MB MIME part header 45×. Nothing a mail server
// delivers comes near them:
//
//   - maxFieldBytes, one field with its folded lines joined: Postfix cuts
//     a field at 100 KiB (header_size_limit); the longest fields in real
//     mail — DKIM and ARC signatures, Authentication-Results, a To list
//     of a thousand addresses — are a few to a few tens of kilobytes.
//     64 KiB keeps all of them whole and costs about a megabyte at worst.
//   - maxFields, fields in one header block (the mail's, a MIME part's, an
//     attached mail's): Postfix refuses a mail after 50 Received hops, and
//     a Microsoft 365 mail with its whole anti-spam trail has about 80.
//   - maxHeaderBytes, every header field of one mail together, attached
//     mails and MIME parts included: Exchange Online refuses a header over
//     256 KB, Exim over 1 MiB (header_maxsize).
//
// What goes over a bound is cut before anything else reads the mail, and
// each cut is listed in Message.Errors.
const (
	maxFieldBytes  = 64 << 10
	maxFields      = 1000
	maxHeaderBytes = 1 << 20
	// essentialCut is what is kept of a field the parse needs (below)
	// once the count or the budget is spent: RFC 5322's line length, so
	// a mail padded with junk fields still has its sender, subject and
	// MIME structure read, at a cost bounded by the number of parts.
	essentialCut = 998
)

// essentialFields are the fields whose first occurrence in a header
// block is kept (cut to essentialCut) even past maxFields or
// maxHeaderBytes: without them the mail cannot be read at all.
var essentialFields = map[string]bool{
	"from": true, "subject": true, "date": true, "message-id": true, "reply-to": true, "return-path": true,
	"content-type": true, "content-transfer-encoding": true, "content-disposition": true, "mime-version": true,
}

// headerCut is one field cut to a length.
type headerCut struct {
	name              string
	size, kept, limit int
}

// headerBlockCuts are the cuts made in one header block.
type headerBlockCuts struct {
	part     bool        // a MIME part's header, not a mail's
	long     []headerCut // fields longer than maxFieldBytes
	fields   int         // fields in the block
	overflow int         // fields dropped past maxFields
	budget   int         // fields dropped past maxHeaderBytes
	short    int         // essential fields cut to essentialCut
}

// boundHeaders cuts the header blocks of one mail — its own and its MIME
// parts', found the way enmime will find them — to the bounds above, and
// returns the bytes the rest of the parse reads (data itself when nothing
// was cut, else a copy without the cut bytes) with the cuts made. The
// budget maxHeaderBytes is shared with the mails attached to this one
// through p.headerBytes.
func (p *parser) boundHeaders(data []byte) ([]byte, []headerBlockCuts) {
	var cuts [][2]int // byte ranges to leave out, in order
	var blocks []headerBlockCuts
	var stack [][]byte // open multipart boundaries, as in tooManyParts

	inHeader, part := true, false
	var blk headerBlockCuts
	var seen map[string]bool
	var cur *headerCut // the field being read
	dropping := false
	// ctype gathers the kept bytes of the block's first Content-Type,
	// unfolded, for the boundary enmime will read from it (endField).
	var ctype []byte
	inCtype, ctypeSeen := false, false
	cut := func(from, to int) {
		if n := len(cuts); n > 0 && cuts[n-1][1] == from {
			cuts[n-1][1] = to // a run of dropped lines is one cut
			return
		}
		cuts = append(cuts, [2]int{from, to})
	}

	endField := func() {
		if cur != nil && !dropping && cur.limit == maxFieldBytes && cur.size > cur.kept {
			blk.long = append(blk.long, *cur)
		}
		if inCtype {
			stack = append(stack, contentTypeBoundaries(ctype)...)
			ctype, inCtype = ctype[:0], false
		}
		cur, dropping = nil, false
	}
	endBlock := func() {
		endField()
		if blk.overflow+blk.budget+blk.short+len(blk.long) > 0 {
			blocks = append(blocks, blk)
		}
		inHeader = false
	}
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(data)
		}
		line := bytes.TrimRight(data[pos:end], "\r")
		start := pos
		pos = next
		if !inHeader {
			if k, closing := matchDelimiter(stack, line); k >= 0 {
				if closing {
					stack = stack[:k]
					continue
				}
				stack = stack[:k+1]
				inHeader, part = true, true
				blk, seen, cur = headerBlockCuts{part: true}, nil, nil
				ctypeSeen = false
				continue
			}
			continue
		}
		if len(line) == 0 {
			endBlock()
			continue
		}
		cont := cur != nil && (line[0] == ' ' || line[0] == '\t')
		var name []byte
		if !cont {
			colon := bytes.IndexByte(line, ':')
			if colon > 0 && validFieldName(bytes.TrimRight(line[:colon], " \t")) {
				name = bytes.TrimRight(line[:colon], " \t")
			} else if cur != nil {
				cont = true // readHeaderBlock's reading: a line without a name continues the field
			} else if !part && line[0] != ' ' && line[0] != '\t' {
				// The mail does not start with a header; ParseBytes
				// refuses it, an attached one is read as it is. A
				// folded line before any field is no such sign:
				// readHeaderBlock skips it and reads on, so it is
				// bounded as a field without a name.
				inHeader = false
				continue
			}
		}
		if !cont {
			endField()
			blk.fields++
			lname := strings.ToLower(string(name))
			cur = &headerCut{name: string(name), limit: maxFieldBytes}
			if blk.fields > maxFields || p.headerBytes >= maxHeaderBytes {
				if essentialFields[lname] && !seen[lname] {
					cur.limit = essentialCut
					blk.short++
				} else {
					dropping = true
					if blk.fields > maxFields {
						blk.overflow++
					} else {
						blk.budget++
					}
				}
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[lname] = true
			if lname == "content-type" && !ctypeSeen && !dropping {
				// enmime reads the first Content-Type of a block.
				ctypeSeen, inCtype = true, true
			}
		}
		cur.size += len(line)
		if dropping {
			cut(start, next)
			continue
		}
		allowed := cur.limit - cur.kept
		switch {
		case allowed <= 0:
			// A continuation line wholly past the limit goes with its
			// line end: left empty, it would end the header.
			cut(start, next)
		case len(line) > allowed:
			cut(start+allowed, start+len(line))
			cur.kept += allowed
			p.headerBytes += allowed
		default:
			cur.kept += len(line)
			p.headerBytes += len(line)
		}
		kept := line[:min(len(line), max(allowed, 0))]
		if b := boundaryParam(kept); b != nil {
			stack = append(stack, b)
		}
		if inCtype && len(kept) > 0 {
			if cont {
				ctype = append(append(ctype, ' '), bytes.TrimSpace(kept)...)
			} else {
				ctype = append(ctype, kept...)
			}
		}
	}
	if inHeader {
		endBlock()
	}
	if len(cuts) == 0 {
		return data, blocks
	}
	n := len(data)
	for _, c := range cuts {
		n -= c[1] - c[0]
	}
	out := make([]byte, 0, n)
	at := 0
	for _, c := range cuts {
		out = append(out, data[at:c[0]]...)
		at = c[1]
	}
	return append(out, data[at:]...), blocks
}

// noteHeaderCuts lists the cuts in the mail's errors: stable sentences
// naming the field (a header name is printable ASCII of at most 100
// bytes), never quoting its value.
func noteHeaderCuts(m *Message, blocks []headerBlockCuts) {
	for _, b := range blocks {
		where := "the mail's"
		if b.part {
			where = "a MIME part's"
		}
		for _, c := range b.long {
			name := c.name
			if name == "" {
				name = "unnamed" // a line that continues no field
			}
			m.addError("%s %s header is %d bytes long; only its first %d bytes were read", where, name, c.size, c.kept)
		}
		if b.overflow > 0 {
			m.addError("%s header has %d fields; %d of the fields after the first %d were not read", where, b.fields, b.overflow, maxFields)
		}
		if b.budget > 0 {
			m.addError("the mail's headers exceed %d bytes in all; %d later fields of %s header were not read", maxHeaderBytes, b.budget, where)
		}
		if b.short > 0 {
			m.addError("%s header is over its limits; %d fields needed to read the mail were kept, cut to %d bytes", where, b.short, essentialCut)
		}
	}
}

// boundaryParam is the boundary a line declares, or nil: the loose
// reading tooManyParts makes ("boundary=x" in any case, quoted or not,
// with spaces around the '=', and the first piece of an RFC 2231 form,
// boundary*0=x or boundary*=charset”x, which is a prefix of the
// boundary enmime reads, so its delimiters still match). boundHeaders
// takes it from header lines only, as enmime does, and also reads each
// block's whole Content-Type (contentTypeBoundaries): a boundary folded
// across lines is declared by no single line.
func boundaryParam(line []byte) []byte {
	for off := 0; ; {
		eq := bytes.IndexByte(line[off:], '=')
		if eq < 0 {
			return nil
		}
		eq += off
		off = eq + 1
		j := eq
		for j > 0 && (line[j-1] == ' ' || line[j-1] == '\t') {
			j--
		}
		extended := false
		if j > 0 && line[j-1] == '*' {
			extended = true
			j--
		}
		for j > 0 && line[j-1] >= '0' && line[j-1] <= '9' {
			j--
		}
		if j > 0 && line[j-1] == '*' {
			j--
		}
		if j < 8 || !bytes.EqualFold(line[j-8:j], []byte("boundary")) {
			continue
		}
		v := bytes.TrimLeft(line[eq+1:], " \t")
		if extended {
			if k := bytes.Index(v, []byte("''")); k >= 0 {
				v = v[k+2:]
			}
		}
		if len(v) > 0 && v[0] == '"' {
			v = v[1:]
			if k := bytes.IndexByte(v, '"'); k >= 0 {
				v = v[:k]
			}
		} else if k := bytes.IndexAny(v, "; \t\""); k >= 0 {
			v = v[:k]
		}
		if len(v) > 0 {
			return v
		}
	}
}

// contentTypeBoundaries are the boundaries a header block's Content-Type
// (its kept bytes, unfolded, name included) declares: the one enmime's
// media type parser reads from it, with the options the parse gives
// enmime, and the loose reading of the whole value.
func contentTypeBoundaries(field []byte) [][]byte {
	var out [][]byte
	_, v, _ := bytes.Cut(field, []byte(":"))
	if _, params, _, err := mediatype.ParseWithOptions(string(v), mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true}); err == nil && params["boundary"] != "" {
		out = append(out, []byte(params["boundary"]))
	}
	if b := boundaryParam(v); b != nil && (len(out) == 0 || !bytes.Equal(b, out[0])) {
		out = append(out, bytes.Clone(b))
	}
	return out
}

// matchDelimiter finds the innermost open boundary a line is a delimiter
// of: its index in stack and whether it closes it, or -1.
func matchDelimiter(stack [][]byte, line []byte) (int, bool) {
	if !bytes.HasPrefix(line, []byte("--")) {
		return -1, false
	}
	for k := len(stack) - 1; k >= 0; k-- {
		if bytes.HasPrefix(line[2:], stack[k]) {
			return k, bytes.HasPrefix(line[2+len(stack[k]):], []byte("--"))
		}
	}
	return -1, false
}
