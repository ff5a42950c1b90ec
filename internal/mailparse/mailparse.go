// Package mailparse reads a reported mail (.eml) and pulls out what an
// analyst and the sharing hub need: header facts, the Received chain,
// the sending IPs outside the member's mail-server boundary, URLs,
// domains, addresses and IPs named in the bodies, and attachments with
// their hashes and archive listings. It then sanitises the result for
// sharing (sanitize.go, and a file per pass: sanitize_collect.go,
// sanitize_replace.go, sanitize_message.go…).
//
// Mail is hostile input written by careless or malicious software, so
// the parser is lenient about form and strict about cost: what can be
// read is returned with the problems listed in Message.Errors, and the
// input size, MIME depth, part count and archive listings are capped. No
// archive is ever expanded. MIME structure comes from enmime; transfer
// and charset decoding are done here, because Japanese mail needs
// decisions (mislabelled and missing charsets, ISO-2022-JP variants)
// that a general library leaves open.
package mailparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultMaxSize       = 25 << 20
	DefaultMaxDepth      = 12
	DefaultMaxParts      = 500
	DefaultMaxZipEntries = 1000
	// maxListedEntries bounds the archive entries listed over a whole
	// mail (attached mails and TNEF contents included): a 25 MB mail of
	// 190 small ZIPs of 1,000 entries each listed 190,000 entries, 8×
	// its size in allocations and a 17 MB record.
	maxListedEntries = 5000
	// maxErrors keeps a pathological mail from producing a megabyte of
	// complaints.
	maxErrors = 50
)

var (
	// ErrTooLarge is returned when the input exceeds Options.MaxSize.
	ErrTooLarge = errors.New("mail is larger than the size limit")
	// ErrNotMail is returned when the input has no mail header at all.
	ErrNotMail = errors.New("not an e-mail message (no RFC 5322 header found)")
	// ErrOutlookMsg is returned for Outlook .msg files, a different format.
	ErrOutlookMsg = errors.New("this is an Outlook .msg file, not an e-mail message; save it as .eml and try again")

	errBadBase64 = errors.New("damaged base64")
)

// Options bound the work done on one mail and say where the member's own
// mail servers end.
type Options struct {
	MaxSize       int64 // bytes; the input is refused above it (default 25 MB)
	MaxDepth      int   // MIME and attached-message nesting (default 12)
	MaxParts      int   // MIME parts over the whole mail (default 500)
	MaxZipEntries int   // archive entries listed per archive (default 1000)
	Boundary      Boundary
}

func (o Options) withDefaults() Options {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultMaxParts
	}
	if o.MaxZipEntries <= 0 {
		o.MaxZipEntries = DefaultMaxZipEntries
	}
	return o
}

// Boundary is a member's declared mail-server boundary: host names
// (matched as suffixes at a dot) and networks. Hops whose sending side is
// inside it are the member's own relays.
type Boundary struct {
	Hosts []string
	Nets  []netip.Prefix
}

// IsZero reports whether no boundary was declared.
func (b Boundary) IsZero() bool { return len(b.Hosts) == 0 && len(b.Nets) == 0 }

// ParseBoundary reads a comma-separated list of host names and CIDR
// prefixes (single addresses are taken as /32 or /128), as the command
// line and the member's settings give it.
func ParseBoundary(s string) (Boundary, error) {
	var b Boundary
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			b.Nets = append(b.Nets, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(item); err == nil {
			b.Nets = append(b.Nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		h := strings.ToLower(strings.Trim(item, "."))
		if !validHostname(h) {
			return Boundary{}, fmt.Errorf("boundary entry %q is neither a host name nor an IP range", item)
		}
		b.Hosts = append(b.Hosts, h)
	}
	return b, nil
}

// Address is a mailbox from an address header.
type Address struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Hop is one Received header, newest first as in the mail.
type Hop struct {
	FromHost string `json:"from_host"`
	FromIP   string `json:"from_ip"`
	ByHost   string `json:"by_host"`
	Time     string `json:"time"` // RFC 3339, "" when absent or unreadable

	FromRDNS string    `json:"-"` // the receiving server's reverse lookup, when it wrote one
	For      string    `json:"-"` // recipient in a "for <...>" clause
	lookedUp bool      // the receiving server wrote its own view of the sender
	When     time.Time `json:"-"`
	Raw      string    `json:"-"`
}

// Attachment is a non-body MIME part, or an entry listed inside one
// (archive members, TNEF contents, an attached message's attachments).
// Archive members carry no hashes: that would mean decompressing them.
type Attachment struct {
	Name           string       `json:"name"`
	ContentType    string       `json:"content_type"`
	Size           int64        `json:"size"`
	MD5            string       `json:"md5,omitempty"`
	SHA1           string       `json:"sha1,omitempty"`
	SHA256         string       `json:"sha256,omitempty"`
	CompressedSize int64        `json:"compressed_size,omitempty"`
	Encrypted      bool         `json:"encrypted,omitempty"`
	Entries        []Attachment `json:"entries,omitzero"`
}

// fileText is the decoded text of a text or HTML attachment.
type fileText struct {
	html bool
	text string
}

// Header is one header field in mail order, its value decoded to text.
type Header struct {
	Name  string
	Value string
}

// Message is what was read from one mail. Lists are never nil after
// Parse, so the JSON always has the same keys; Sanitize sets To and Cc to
// nil, which drops them.
type Message struct {
	File        string       `json:"file"`
	MessageID   string       `json:"message_id"`
	Date        string       `json:"date"` // RFC 3339 in the mail's own zone
	Subject     string       `json:"subject"`
	From        []Address    `json:"from"`
	ReplyTo     []Address    `json:"reply_to"`
	ReturnPath  string       `json:"return_path"`
	To          []Address    `json:"to,omitzero"`
	Cc          []Address    `json:"cc,omitzero"`
	Recipients  []string     `json:"recipients,omitzero"` // pseudonyms, set only by Sanitize
	Received    []Hop        `json:"received"`
	SendingIPs  []string     `json:"sending_ips"`
	XMailer     string       `json:"x_mailer"`
	URLs        []string     `json:"urls"`
	Domains     []string     `json:"domains"`
	IPs         []string     `json:"ips"`
	Emails      []string     `json:"emails"`
	Attachments []Attachment `json:"attachments"`
	Errors      []string     `json:"errors"`

	// For the hub's display and the sanitiser, not for the JSON record.
	DateTime time.Time  `json:"-"`
	Headers  []Header   `json:"-"`
	Text     string     `json:"-"` // text/plain bodies, joined
	HTML     string     `json:"-"` // the HTML body
	Attached []*Message `json:"-"` // message/rfc822 parts, parsed
	// fileTexts are text and HTML attachments, kept while parsing only
	// so their links count as the mail's indicators.
	fileTexts []fileText
}

// Parse reads one mail. It fails only when there is nothing to read: the
// input is over the size limit, is not a mail, or cannot be read; every
// other problem is listed in Message.Errors next to what was found.
func Parse(r io.Reader, opts Options) (*Message, error) {
	opts = opts.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, opts.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the mail: %w", err)
	}
	if int64(len(data)) > opts.MaxSize {
		return nil, ErrTooLarge
	}
	return ParseBytes(data, opts)
}

// ParseBytes is Parse for a mail already in memory; the Message does not
// keep references into data.
func ParseBytes(data []byte, opts Options) (*Message, error) {
	opts = opts.withDefaults()
	if int64(len(data)) > opts.MaxSize {
		return nil, ErrTooLarge
	}
	if bytes.HasPrefix(data, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}) {
		return nil, ErrOutlookMsg
	}
	data = trimEnvelope(data)
	if !looksLikeMail(data) {
		return nil, ErrNotMail
	}
	p := &parser{opts: opts}
	m := p.message(data, 0)
	finish(m)
	return m, nil
}

// trimEnvelope removes what mail stores put before the header: a UTF-8
// byte-order mark, blank lines and an mbox "From " line.
func trimEnvelope(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for len(data) > 0 && (data[0] == '\r' || data[0] == '\n') {
		data = data[1:]
	}
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return data
}

// mailHeaderNames are fields of which at least one must open a mail; a
// text file with a colon in its first line is not a mail.
var mailHeaderNames = map[string]bool{
	"from": true, "to": true, "subject": true, "date": true, "received": true, "message-id": true,
	"return-path": true, "mime-version": true, "content-type": true, "sender": true, "reply-to": true,
	"delivered-to": true, "x-mailer": true, "cc": true, "x-original-to": true, "dkim-signature": true,
	"authentication-results": true, "arc-seal": true, "x-received": true, "user-agent": true, "thread-topic": true,
}

func looksLikeMail(data []byte) bool {
	hs, _ := readHeaderBlock(data)
	for _, h := range hs {
		if mailHeaderNames[strings.ToLower(h.Name)] {
			return true
		}
	}
	return false
}

// parser carries the limits and counters shared by a mail and the mails
// attached to it.
type parser struct {
	opts  Options
	parts int
	// headerBytes counts the header bytes kept so far, against
	// maxHeaderBytes (headerlimit.go).
	headerBytes int
	// entries counts the archive entries listed so far, against
	// maxListedEntries.
	entries int
}

func (m *Message) addError(format string, args ...any) {
	if len(m.Errors) >= maxErrors {
		return
	}
	msg := fmt.Sprintf(format, args...)
	for _, e := range m.Errors {
		if e == msg {
			return
		}
	}
	if len(m.Errors) == maxErrors-1 {
		msg = "more problems were found and not listed"
	}
	m.Errors = append(m.Errors, msg)
}

// finish makes every list non-nil and removes duplicates, so that the
// JSON shape is stable and the same mail always prints the same.
func finish(m *Message) {
	m.From = nonNil(m.From)
	m.ReplyTo = nonNil(m.ReplyTo)
	m.To = nonNil(m.To)
	m.Cc = nonNil(m.Cc)
	m.Received = nonNil(m.Received)
	m.SendingIPs = dedupe(m.SendingIPs)
	m.URLs = dedupe(m.URLs)
	m.Domains = dedupe(m.Domains)
	m.IPs = dedupe(m.IPs)
	m.Emails = dedupe(m.Emails)
	m.Attachments = nonNil(m.Attachments)
	for i := range m.Attachments {
		m.Attachments[i].Entries = nonNil(m.Attachments[i].Entries)
	}
	m.Errors = nonNil(m.Errors)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	seen := make(map[string]bool, len(s))
	for _, v := range s {
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}
