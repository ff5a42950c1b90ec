package mailparse

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
)

// SanitizeOptions say whose identity must not leave the member.
type SanitizeOptions struct {
	// Key is the coordinator's secret for pseudonyms (at least 16 bytes):
	// the same recipient gets the same pseudonym in every report, and
	// without the key a pseudonym cannot be tied back to an address.
	Key []byte
	// Boundary is the member's mail-server boundary: hops whose sending
	// side is inside it are dropped, and its host names are hidden in the
	// hop that crosses it.
	Boundary Boundary
	// Reporter lists the reporter's own addresses and names; they are
	// replaced wherever they appear, and never pseudonymised (a
	// pseudonym would let members count one reporter's reports).
	Reporter []string
	// MemberDomains are the member's own mail domains: every address in
	// them is treated as a recipient, and links to them are hidden.
	MemberDomains []string
	// Organisations are the reporting member's names (in Japanese and in
	// English). Each is replaced whole, and so is its core without the
	// legal form (会員A電機 for 会員A電機株式会社), but never split into
	// words: "Ltd" alone is nobody's name. A reading in kana is
	// matched in katakana, hiragana and half-width katakana too.
	Organisations []string
	// Phones are the member's own phone and fax numbers, in any written
	// form; each is replaced by [phone] wherever it is written as
	// 03-1234-5678, 0312345678, 03(1234)5678, +81-3-1234-5678 or in
	// full-width digits.
	Phones []string
}

// Redaction is one change made for sharing, for the analyst's
// side-by-side view. Before holds the original, so the list itself is
// as confidential as the raw mail.
type Redaction struct {
	Kind   string `json:"kind"`
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
	Count  int    `json:"count,omitempty"`
}

// Sanitized is a shareable copy of a message and the list of changes.
type Sanitized struct {
	Message    *Message
	Redactions []Redaction
}

// Kinds of redaction.
const (
	KindRecipientAddress = "recipient_address"
	KindRecipientName    = "recipient_name"
	KindGreetingName     = "greeting_name"
	KindReporter         = "reporter"
	KindOrganisation     = "organisation"
	KindMemberDomain     = "member_domain"
	KindReceivedHop      = "received_hop"
	KindReceivedBy       = "received_by"
	KindReceivedFor      = "received_for"
	KindHeader           = "header"
	KindURLToken         = "url_token"
	KindTime             = "time"
	KindPhone            = "phone"
)

const (
	redactedDomain  = "redacted.invalid"
	boundaryHost    = "boundary.redacted.invalid"
	memberHost      = "member.redacted.invalid"
	reporterAddress = "reporter@redacted.invalid"
	reporterName    = "[reporter]"
	orgName         = "[organisation]"
)

// ErrShortKey is returned when the pseudonym key is missing or short.
var ErrShortKey = errors.New("the pseudonym key must be at least 16 bytes")

// Pseudonym is a recipient address's keyed pseudonym:
// recipient-<first 12 hex digits of HMAC-SHA256(key, lower-case
// address)>@redacted.invalid. Twelve digits (48 bits) keep different
// recipients apart across years of reports.
func Pseudonym(key []byte, address string) string {
	return "recipient-" + pseudoHex(key, strings.ToLower(strings.TrimSpace(address))) + "@" + redactedDomain
}

func pseudoHex(key []byte, s string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Sanitize returns what may be shared of m, which it does not change.
func Sanitize(m *Message, opts SanitizeOptions) (*Sanitized, error) {
	if len(opts.Key) < 16 {
		return nil, ErrShortKey
	}
	domains := make([]string, 0, len(opts.MemberDomains))
	for _, d := range opts.MemberDomains {
		if d = strings.ToLower(strings.Trim(strings.TrimSpace(d), ".")); d != "" {
			domains = append(domains, d)
		}
	}
	opts.MemberDomains = domains
	s := &sanitizer{opts: opts, counts: map[Redaction]int{}}
	out := cloneMessage(m)
	for _, o := range opts.Organisations {
		s.orgForms = append(s.orgForms, organisationForms(o)...)
	}
	for _, p := range opts.Phones {
		s.phones = append(s.phones, phoneTargets(p)...)
	}
	s.phones = dedupe(s.phones)
	s.phoneMatch = newPhoneMatcher(s.phones)
	// The reported mail's newest hop is the member's; an attached
	// message (a forward) may carry only the sender's hops.
	s.receivingSide(out, true)
	s.collect(out)
	s.buildRules()
	s.message(out, "")
	return &Sanitized{Message: out, Redactions: s.redactions()}, nil
}

type rule struct {
	lower string // ASCII-lower-cased needle
	repl  string
	kind  string
	word  bool // match only at word edges (Latin needles)
	host  bool // match only a whole host name or address, not part of a longer one
}

type sanitizer struct {
	opts       SanitizeOptions
	recipients map[string]string // lower-case address → pseudonym
	names      map[string]string // display or greeting name → replacement
	nameKinds  map[string]string
	reporter   map[string]string
	rules      []rule
	// recipientDomains are the receiving organisation's registrable
	// domains (receivingSide): its mail hosts live under them, so a hop
	// naming one says who received the mail even when the member declared
	// no boundary (or the recipients sit in a domain it forgot).
	recipientDomains []string
	inAttached       bool     // message is sanitising an attached message
	orgForms         []string // organisationForms of opts.Organisations, worked out once
	phones           []string // phoneTargets of opts.Phones
	phoneMatch       *phoneMatcher
	ids              []string // lower-case identity strings for URL checks
	counts           map[Redaction]int
	order            []Redaction
}

func (s *sanitizer) record(kind, field, before, after string) {
	r := Redaction{Kind: kind, Field: field, Before: before, After: after}
	if _, seen := s.counts[r]; !seen {
		s.order = append(s.order, r)
	}
	s.counts[r]++
}

func (s *sanitizer) redactions() []Redaction {
	out := make([]Redaction, 0, len(s.order))
	for _, r := range s.order {
		r.Count = s.counts[r]
		out = append(out, r)
	}
	return out
}

// cloneMessage copies everything Sanitize changes.
func cloneMessage(m *Message) *Message {
	c := *m
	c.From = slices.Clone(m.From)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.Received = slices.Clone(m.Received)
	c.SendingIPs = slices.Clone(m.SendingIPs)
	c.URLs = slices.Clone(m.URLs)
	c.Domains = slices.Clone(m.Domains)
	c.IPs = slices.Clone(m.IPs)
	c.Emails = slices.Clone(m.Emails)
	c.Attachments = cloneAttachments(m.Attachments)
	c.Errors = slices.Clone(m.Errors)
	c.Headers = slices.Clone(m.Headers)
	c.Attached = make([]*Message, len(m.Attached))
	for i, a := range m.Attached {
		c.Attached[i] = cloneMessage(a)
	}
	return &c
}

func cloneAttachments(as []Attachment) []Attachment {
	if as == nil {
		return nil
	}
	out := slices.Clone(as)
	for i := range out {
		out[i].Entries = cloneAttachments(as[i].Entries)
	}
	return out
}
