package correlate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Kind names what an indicator is. Only these kinds are stored and
// correlated; reply-to, return-path, bare domains, MD5/SHA-1 hashes, body
// IPs and full URLs stay with the hub's parsed mail, for display only, so
// that nothing here can ever link two reports on them.
type Kind string

const (
	// Sender is the From address, lower case, its domain in IDNA ASCII.
	Sender Kind = "sender"
	// SendingIP is the address of an external Received hop.
	SendingIP Kind = "sending_ip"
	// URLHost is the host of a URL in the mail: IDNA ASCII, lower case,
	// or an IP literal.
	URLHost Kind = "url_host"
	// AttachmentSHA256 is the SHA-256 of an attachment's decoded bytes.
	AttachmentSHA256 Kind = "attachment_sha256"
	// MailerSubject is the X-Mailer and the subject's template, joined by
	// NUL (see MailerSubject): one mail kit sending one lure.
	MailerSubject Kind = "mailer_subject"
)

// kinds lists the correlated kinds in the order reasons are shown.
var kinds = [...]Kind{Sender, SendingIP, URLHost, AttachmentSHA256, MailerSubject}

// Kinds returns the kinds this package stores, in display order.
func Kinds() []Kind { return kinds[:] }

// Valid reports whether k is one of the stored kinds.
func (k Kind) Valid() bool { return k.rank() >= 0 }

func (k Kind) rank() int {
	for i, x := range kinds {
		if x == k {
			return i
		}
	}
	return -1
}

// Indicator is one value extracted from a reported mail.
type Indicator struct {
	Kind  Kind   `json:"kind"`
	Value string `json:"value"`
}

func (in Indicator) String() string {
	return string(in.Kind) + ":" + strings.ReplaceAll(in.Value, "\x00", " | ")
}

// Bounds on values. A host is at most 253 characters (RFC 1035) and an
// address at most 254 (RFC 5321's path limit less the brackets); the
// mailer and template bounds keep one index key well under a page.
const (
	maxHost     = 253
	maxAddress  = 254
	maxLocal    = 64
	maxMailer   = 200
	maxTemplate = 300
)

// ErrInvalid is wrapped by every refusal of an indicator.
var ErrInvalid = errors.New("correlate: invalid indicator")

func invalid(in Indicator, why string) error {
	v := in.Value
	if len(v) > 80 {
		v = v[:80] + "…"
	}
	return fmt.Errorf("%w: %s %q: %s", ErrInvalid, in.Kind, v, why)
}

// emptySHA256 is the hash of zero bytes: every empty attachment has it,
// so it says nothing about who sent a mail and is refused.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// hostProfile is UTS #46 lookup processing without the STD3 rules:
// underscores and other oddities occur in real phishing hosts, and a
// host that no resolver would accept still names the same thing in
// two reports. Characters a URL could not carry are refused afterwards.
var hostProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false),
	idna.VerifyDNSLength(true), idna.BidiRule())

// Normalize returns the indicator in canonical form, so that the same
// value written two ways is one key: lower-case addresses and hosts,
// hosts in IDNA ASCII (Unicode, full-width and upper-case forms all map
// to the punycode a resolver would ask for), IPs in netip's canonical
// form (IPv4-mapped IPv6 unmapped), hashes in lower-case hex. It refuses
// empty, oversized and malformed values, and values that would link
// unrelated reports by construction: private, loopback and other
// non-public sending IPs (every organisation has a 192.168.0.1), hosts
// without a dot, and the hash of an empty file.
func (in Indicator) Normalize() (Indicator, error) {
	out := Indicator{Kind: in.Kind}
	var err error
	switch in.Kind {
	case Sender:
		out.Value, err = normAddress(strings.TrimSpace(in.Value))
	case SendingIP:
		out.Value, err = normSendingIP(in.Value)
	case URLHost:
		out.Value, err = normURLHost(in.Value)
	case AttachmentSHA256:
		out.Value, err = normSHA256(in.Value)
	case MailerSubject:
		out.Value, err = normMailerSubject(in.Value)
	default:
		return Indicator{}, invalid(in, "unknown kind")
	}
	if err != nil {
		return Indicator{}, invalid(in, err.Error())
	}
	return out, nil
}

// Clean normalises inds, drops duplicates and returns what was refused
// separately, so a caller can store the rest of a partly odd mail.
func Clean(inds []Indicator) (ok []Indicator, refused []error) {
	seen := make(map[Indicator]bool, len(inds))
	for _, in := range inds {
		n, err := in.Normalize()
		if err != nil {
			refused = append(refused, err)
			continue
		}
		if !seen[n] {
			seen[n] = true
			ok = append(ok, n)
		}
	}
	return ok, refused
}

// MailerSubjectOf builds the mailer_subject indicator of a mail. A mail
// without an X-Mailer (or User-Agent) has none: a subject template alone
// ("請求書のご確認") is shared by too many unrelated mails to mean a
// common sender.
func MailerSubjectOf(xMailer, subject string) (Indicator, bool) {
	m := collapseSpace(xMailer)
	t := SubjectTemplate(subject)
	if m == "" || t == "" {
		return Indicator{}, false
	}
	in, err := Indicator{Kind: MailerSubject, Value: truncate(m, maxMailer) + "\x00" + t}.Normalize()
	return in, err == nil
}

func normAddress(v string) (string, error) {
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return "", errors.New("no @")
	}
	local, domain := v[:at], v[at+1:]
	if local == "" || len(local) > maxLocal {
		return "", errors.New("local part empty or longer than 64 bytes")
	}
	if !utf8.ValidString(local) {
		return "", errors.New("not UTF-8")
	}
	for _, r := range local {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "", errors.New("space or control character in the local part")
		}
	}
	h, err := normDomain(domain)
	if err != nil {
		return "", err
	}
	out := strings.ToLower(local) + "@" + h
	if len(out) > maxAddress {
		return "", errors.New("longer than 254 bytes")
	}
	return out, nil
}

func normSendingIP(v string) (string, error) {
	a, err := parseIP(v)
	if err != nil {
		return "", err
	}
	if !public(a) {
		return "", errors.New("not a public address")
	}
	return a.String(), nil
}

// parseIP reads an address as Received headers and URLs write it:
// possibly in brackets, possibly IPv4-mapped, never with a zone.
func parseIP(v string) (netip.Addr, error) {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(strings.TrimSuffix(v, "]"), "[")
	v = strings.TrimPrefix(strings.TrimPrefix(v, "IPv6:"), "ipv6:")
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}, errors.New("not an IP address")
	}
	if a.Zone() != "" {
		return netip.Addr{}, errors.New("IP address with a zone")
	}
	return a.Unmap(), nil
}

// public reports whether a can be the address of a host on the
// Internet. Documentation ranges count as public so examples and tests
// can use them.
func public(a netip.Addr) bool {
	if !a.IsValid() || a.IsUnspecified() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublic are ranges netip has no predicate for: "this network",
// carrier-grade NAT, IETF protocol assignments, benchmarking, reserved
// and broadcast.
var nonPublic = [...]netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

func normURLHost(v string) (string, error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "[") || strings.Count(v, ":") >= 2 {
		a, err := parseIP(v)
		if err != nil {
			return "", err
		}
		return a.String(), nil
	}
	if a, err := netip.ParseAddr(v); err == nil {
		return a.Unmap().String(), nil
	}
	return normDomain(v)
}

// normDomain maps a host name to IDNA ASCII. The result may hold only
// letters, digits, '-', '_' and dots, and needs at least one dot: a
// single label is an intranet name, not an attacker's host.
func normDomain(v string) (string, error) {
	if v == "" {
		return "", errors.New("empty host")
	}
	if !utf8.ValidString(v) {
		return "", errors.New("not UTF-8")
	}
	if len(v) > 4*maxHost {
		return "", errors.New("host too long")
	}
	h, err := hostProfile.ToASCII(v)
	if err != nil {
		return "", errors.New("not a valid host name")
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" || len(h) > maxHost {
		return "", errors.New("host empty or longer than 253 bytes")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", errors.New("character not allowed in a host name")
		}
	}
	if !strings.Contains(h, ".") || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return "", errors.New("host needs two or more labels")
	}
	// A host of digits and dots that is not an IP (999.1.1.1) would be
	// taken by a browser as an address, not a name.
	if strings.Trim(h, "0123456789.") == "" {
		return "", errors.New("not an IP address")
	}
	return h, nil
}

func normSHA256(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) != sha256.Size*2 {
		return "", errors.New("not 64 hex digits")
	}
	if _, err := hex.DecodeString(v); err != nil {
		return "", errors.New("not 64 hex digits")
	}
	if v == emptySHA256 {
		return "", errors.New("hash of an empty file")
	}
	return v, nil
}

// normMailerSubject checks an X-Mailer and template pair. The template
// is taken as SubjectTemplate made it (only its spaces are collapsed
// again), so a pair round-trips through the store unchanged.
func normMailerSubject(v string) (string, error) {
	m, t, ok := strings.Cut(v, "\x00")
	if !ok {
		return "", errors.New("no NUL between X-Mailer and subject template")
	}
	m, t = collapseSpace(m), collapseSpace(t)
	switch {
	case m == "" || t == "":
		return "", errors.New("empty X-Mailer or template")
	case len(m) > maxMailer || len(t) > maxTemplate:
		return "", errors.New("X-Mailer or template too long")
	case !utf8.ValidString(m) || !utf8.ValidString(t):
		return "", errors.New("not UTF-8")
	case hasControl(m) || hasControl(t):
		return "", errors.New("control character")
	}
	return m + "\x00" + t, nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// collapseSpace trims s and turns every run of white space into one
// space; controls other than white space are left for the caller to
// refuse.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// The store keeps an indicator as one text key, "kind:value". PostgreSQL
// text cannot hold NUL, so the mailer_subject separator is stored as
// U+001F (unit separator), which Normalize never lets into a value.
func storeKey(in Indicator) string {
	return string(in.Kind) + ":" + strings.ReplaceAll(in.Value, "\x00", "\x1f")
}

func fromStoreKey(key string) Indicator {
	k, v, _ := strings.Cut(key, ":")
	return Indicator{Kind: Kind(k), Value: strings.ReplaceAll(v, "\x1f", "\x00")}
}

// less orders indicators for display: by kind, then value.
func less(a, b Indicator) int {
	if a.Kind != b.Kind {
		return a.Kind.rank() - b.Kind.rank()
	}
	return strings.Compare(a.Value, b.Value)
}
