package mailparse

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/net/html/charset"
)

// message parses one mail (the top one or an attached one) at a depth.
func (p *parser) message(data []byte, depth int) *Message {
	m := &Message{}
	// Headers are cut to their bounds before anything reads them, enmime
	// included; the cuts are listed first, as they change what follows.
	data, cuts := p.boundHeaders(data)
	noteHeaderCuts(m, cuts)
	hs, bodyAt := readHeaderBlock(data)
	p.headerFacts(m, hs)
	m.SendingIPs = sendingIPs(m.Received, p.opts.Boundary)

	var x indicators
	if reason := p.tooManyParts(data); reason != "" {
		m.addError("%s; only the headers and the raw body text were read", reason)
		p.rawBody(m, data[bodyAt:])
	} else {
		parser := enmime.NewParser(
			enmime.RawContent(true), // transfer and charset decoding are ours
			enmime.SkipMalformedParts(true),
			enmime.MultipartWOBoundaryAsSinglePart(true),
			enmime.StripMediaTypeInvalidCharacters(true),
			enmime.MaxStoredPartErrors(20),
		)
		root, err := parser.ReadParts(bytes.NewReader(data))
		if err != nil {
			m.addError("the MIME structure could not be read; only the headers and the raw body text were read")
			p.rawBody(m, data[bodyAt:])
		} else {
			p.walk(m, root, depth, 0, hasHeader(hs, "Content-Type"))
		}
	}
	if m.Text != "" {
		x.text(m.Text)
	}
	if m.HTML != "" {
		x.html(m.HTML)
	}
	for _, f := range m.fileTexts {
		if f.html {
			x.html(f.text)
		} else {
			x.text(f.text)
		}
	}
	m.fileTexts = nil
	x.merge(m)
	// A mail forwarded as an attachment is usually the one reported, so
	// its indicators count as the report's.
	for _, a := range m.Attached {
		m.SendingIPs = append(m.SendingIPs, a.SendingIPs...)
		m.URLs = append(m.URLs, a.URLs...)
		m.Domains = append(m.Domains, a.Domains...)
		m.IPs = append(m.IPs, a.IPs...)
		m.Emails = append(m.Emails, a.Emails...)
	}
	return m
}

func hasHeader(hs []rawHeader, name string) bool {
	_, n := firstHeader(hs, name)
	return n > 0
}

// maxUnclosed is how many multipart boundaries may go unclosed before
// the structure is not handed to enmime: its boundary readers stack one
// on another, and each unclosed level nested in another doubles the
// work (forty of them would run for hours).
const maxUnclosed = 8

// tooManyParts follows boundary declarations and delimiter lines before
// enmime builds its tree, which has no limits of its own: it says why the
// structure must not be parsed, or "". A stack of open boundaries finds
// the ones never closed, in the order enmime would meet them.
func (p *parser) tooManyParts(data []byte) string {
	limit := p.opts.MaxParts
	var stack [][]byte
	declared, delims, unclosed := 0, 0, 0
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += pos
		}
		line := bytes.TrimRight(data[pos:end], "\r")
		pos = end + 1
		if k, closing := matchDelimiter(stack, line); k >= 0 {
			unclosed += len(stack) - 1 - k
			delims++
			if closing {
				stack = stack[:k]
			} else {
				stack = stack[:k+1]
			}
		}
		if v := boundaryParam(line); v != nil {
			stack = append(stack, v)
			declared++
		}
		switch {
		case declared > limit || delims > 2*limit:
			return "the mail has more MIME parts than the limit"
		case len(stack) > 4*p.opts.MaxDepth:
			return "the mail's MIME parts are nested too deeply"
		case unclosed > maxUnclosed:
			return "too many of the mail's MIME boundaries are never closed"
		}
	}
	if unclosed+len(stack) > maxUnclosed {
		return "too many of the mail's MIME boundaries are never closed"
	}
	return ""
}

// rawBody is the fallback when the MIME structure is unusable: the body
// is read as text, so its links and addresses are still found.
func (p *parser) rawBody(m *Message, body []byte) {
	t, _ := sniffDecode(body)
	m.Text = t
}

// walk visits the MIME tree depth first. Text and HTML parts that are not
// marked as attachments are the bodies; every other leaf is an
// attachment.
func (p *parser) walk(m *Message, part *enmime.Part, msgDepth, depth int, declared bool) {
	for part != nil {
		p.parts++
		if p.parts > p.opts.MaxParts {
			m.addError("the mail has more than %d MIME parts; the rest were not read", p.opts.MaxParts)
			return
		}
		p.partProblems(m, part)
		if strings.HasPrefix(part.ContentType, "multipart/") && part.FirstChild != nil {
			if depth+1 > p.opts.MaxDepth {
				m.addError("MIME parts are nested deeper than %d levels; the deeper ones were not read", p.opts.MaxDepth)
			} else {
				p.walk(m, part.FirstChild, msgDepth, depth+1, true)
			}
		} else if !strings.HasPrefix(part.ContentType, "multipart/") || len(part.Content) > 0 {
			p.leaf(m, part, msgDepth, declared)
		}
		part.Content = nil // the decoded copy is what is kept
		if depth == 0 {
			return // the root has no siblings
		}
		part = part.NextSibling
	}
}

// partProblems turns enmime's findings into stable sentences; its own
// details quote header bytes and change between versions.
func (p *parser) partProblems(m *Message, part *enmime.Part) {
	for _, e := range part.Errors {
		switch e.Name {
		case enmime.ErrorMissingBoundary:
			m.addError("MIME part %s: the closing boundary is missing", partID(part))
		case enmime.ErrorMalformedChildPart:
			m.addError("MIME part %s: a child part could not be read and was skipped", partID(part))
		case enmime.ErrorMalformedHeader:
			m.addError("MIME part %s: a header line is malformed", partID(part))
		case enmime.ErrorDataHasBoundary:
			m.addError("MIME part %s: a data part declares a boundary", partID(part))
		}
	}
}

func partID(part *enmime.Part) string {
	if part.PartID == "" || part.PartID == "0" {
		return "0 (the message body)"
	}
	return part.PartID
}

func (p *parser) leaf(m *Message, part *enmime.Part, depth int, declared bool) {
	ct := strings.ToLower(part.ContentType)
	if ct == "" || (!declared && part.Parent == nil) {
		ct = "text/plain"
	}
	content := p.transferDecode(m, part)
	disp := strings.ToLower(part.Disposition)
	isText := ct == "text/plain" || ct == "text/html"
	// A text part with a file name is a file (invoice.htm, Apple Mail's
	// inline text files): listed and hashed as an attachment, never
	// merged into the body the hub shows, but its links are still read,
	// since an attached HTML form is a lure of its own.
	named := part.Parent != nil && fileName(part) != ""
	if isText && (disp == "attachment" || named) {
		text, _, _ := decodeText(content, part.Charset)
		m.fileTexts = append(m.fileTexts, fileText{html: ct == "text/html", text: text})
	}
	if isText && disp != "attachment" && !named {
		label := part.Charset
		if part.Parent == nil && !declared {
			label = ""
		}
		if ct == "text/html" && label == "" {
			if _, name, certain := charset.DetermineEncoding(content, "text/html"); certain {
				label = name
			}
		}
		text, _, note := decodeText(content, label)
		if note != "" {
			m.addError("MIME part %s: %s", partID(part), note)
		}
		if ct == "text/html" {
			m.HTML = joinBody(m.HTML, text)
		} else {
			m.Text = joinBody(m.Text, text)
		}
		return
	}
	p.attachment(m, part, ct, content, depth)
}

func joinBody(have, add string) string {
	if have == "" {
		return add
	}
	return have + "\n" + add
}

// transferDecode undoes base64 and quoted-printable leniently: damage is
// reported and what could be decoded is kept.
func (p *parser) transferDecode(m *Message, part *enmime.Part) []byte {
	cte := strings.ToLower(strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding")))
	switch cte {
	case "base64":
		out, err := lenientBase64(part.Content)
		if err != nil {
			m.addError("MIME part %s: the base64 content is damaged; what could be decoded was kept", partID(part))
		}
		return out
	case "quoted-printable":
		return decodeQP(part.Content)
	case "", "7bit", "8bit", "binary":
		return part.Content
	}
	m.addError("MIME part %s: unknown transfer encoding %s; the content was read as it is", partID(part), quoteLabel(cte))
	return part.Content
}

// decodeQP is quoted-printable without mime/quotedprintable's refusals:
// a stray "=" stays literal, soft breaks may carry trailing blanks.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r') {
			j++
		}
		if j >= len(b) {
			i = j
			continue
		}
		if b[j] == '\n' {
			i = j
			continue
		}
		out = append(out, '=')
	}
	return out
}

// attachment records one non-body part with its hashes and, for
// archives, TNEF files and attached messages, what is inside.
func (p *parser) attachment(m *Message, part *enmime.Part, ct string, content []byte, depth int) {
	name := fileName(part)
	a := hashed(name, ct, content)
	switch {
	case ct == "message/rfc822" || ct == "message/global" || (strings.HasSuffix(strings.ToLower(name), ".eml") && looksLikeMail(content)):
		if depth+1 > p.opts.MaxDepth {
			m.addError("attached messages are nested deeper than %d levels; the deeper ones were not read", p.opts.MaxDepth)
			break
		}
		inner := trimEnvelope(content)
		if !looksLikeMail(inner) {
			m.addError("attachment %s: it is declared as a mail but has no mail header", quoteName(name, len(m.Attachments)))
			break
		}
		sub := p.message(inner, depth+1)
		finish(sub)
		if a.Name == "" {
			a.Name = attachedName(sub.Subject)
		}
		a.Entries = append(a.Entries, sub.Attachments...)
		for _, e := range sub.Errors {
			m.addError("attached message %s: %s", quoteName(a.Name, len(m.Attachments)), e)
		}
		m.Attached = append(m.Attached, sub)
	case ct == "application/ms-tnef" || ct == "application/vnd.ms-tnef" || looksLikeTNEF(content):
		var files []tnefFile
		var err error
		unreadable(m, name, func() { files, err = listTNEF(content) })
		for _, f := range files {
			fname := f.long
			if fname == "" {
				fname = f.title
			}
			fct := f.mime
			if fct == "" {
				fct = contentTypeByName(fname)
			}
			e := hashed(fname, fct, f.data)
			p.archive(m, &e, f.data)
			a.Entries = append(a.Entries, e)
		}
		if err != nil {
			m.addError("attachment %s: %v; the files before the damage were listed", quoteName(name, len(m.Attachments)), err)
		}
	default:
		p.archive(m, &a, content)
	}
	m.Attachments = append(m.Attachments, a)
}

// unreadable runs a reader of an attachment's inner structure (an
// archive's directory, a TNEF stream) so that a bug it trips over on
// hostile bytes costs that attachment's listing, noted, and not the whole
// mail: the parser serves a command over many files and the hub's upload.
func unreadable(m *Message, name string, read func()) {
	defer func() {
		if r := recover(); r != nil {
			m.addError("attachment %s: its contents could not be listed", quoteName(name, -1))
		}
	}()
	read()
}

// archive lists a ZIP's entries (Office files are ZIPs too) into a.
func (p *parser) archive(m *Message, a *Attachment, content []byte) {
	if !looksLikeZip(content) {
		return
	}
	limit := min(p.opts.MaxZipEntries, maxListedEntries-p.entries)
	if limit <= 0 {
		m.addError("attachment %s was not listed: the mail's archives already list %d entries", quoteName(a.Name, -1), maxListedEntries)
		return
	}
	var entries []Attachment
	var total int
	var err error
	unreadable(m, a.Name, func() { entries, total, err = listZip(content, limit) })
	p.entries += len(entries)
	a.Entries = append(a.Entries, entries...)
	if err != nil {
		m.addError("attachment %s: %v", quoteName(a.Name, -1), err)
	}
	if total > len(entries) && err == nil {
		m.addError("attachment %s lists %d entries; only the first %d are shown", quoteName(a.Name, -1), total, len(entries))
	}
}

func hashed(name, ct string, content []byte) Attachment {
	s1 := sha1.Sum(content)
	s256 := sha256.Sum256(content)
	s5 := md5.Sum(content)
	return Attachment{
		Name:        name,
		ContentType: ct,
		Size:        int64(len(content)),
		MD5:         hex.EncodeToString(s5[:]),
		SHA1:        hex.EncodeToString(s1[:]),
		SHA256:      hex.EncodeToString(s256[:]),
	}
}

// fileName reads the name from the part's raw headers first, where the
// bytes are still as sent: enmime drops RFC 2231 names in charsets other
// than UTF-8 (filename*=shift_jis”%90%BF…), joins their continuations
// byte-wrong, and has turned raw Shift_JIS into U+FFFD before we see it.
// Its own reading is the fallback, with the Japanese repairs: raw
// Shift_JIS or ISO-2022-JP bytes and encoded words in quoted parameters.
func fileName(part *enmime.Part) string {
	if part.Header != nil {
		for _, hp := range [][2]string{{"Content-Disposition", "filename"}, {"Content-Type", "name"}} {
			if n := paramValue(rawParams(part.Header.Get(hp[0])), hp[1]); n != "" {
				return cleanText(n)
			}
		}
	}
	n := part.FileName
	if !utf8.ValidString(n) || strings.ContainsRune(n, 0x1b) {
		n = decodeHeader(n)
	}
	if strings.Contains(n, "=?") {
		n = decodeEncodedWords(n)
	}
	return cleanText(n)
}

func attachedName(subject string) string {
	if subject == "" {
		return "attached message.eml"
	}
	r := []rune(subject)
	if len(r) > 80 {
		r = r[:80]
	}
	return string(r) + ".eml"
}

// quoteName names an attachment in an error: by name, or by position
// when it has none.
func quoteName(name string, index int) string {
	if name != "" {
		return `"` + name + `"`
	}
	if index >= 0 {
		return "#" + strconv.Itoa(index+1)
	}
	return "(unnamed)"
}
