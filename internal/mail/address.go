package mail

import (
	"errors"
	"net/mail"
	"strings"
)

// ErrBadRecipient is Send's answer to a recipient CheckAddress refuses.
var ErrBadRecipient = errors.New("mail: recipient is not a deliverable address")

// AddressProblem says why CheckAddress refused an address; "" when it did
// not. Packages map it to their own message key.
type AddressProblem string

const (
	AddressEmpty   AddressProblem = "empty"
	AddressTooLong AddressProblem = "too_long"
	// AddressInvalid covers everything that is not a plain
	// local@domain.example we can hand to SMTP as it is: comments
	// ("taro(x)@example.jp"), display names, angle brackets, quoted local
	// parts, address literals, non-ASCII letters, a domain without a dot.
	AddressInvalid AddressProblem = "invalid"
)

// Limits of RFC 5321 §4.5.3.1 (a path is at most 256 octets with its angle
// brackets, so an address is at most 254).
const (
	maxAddress = 254
	maxLocal   = 64
	maxLabel   = 63
)

// CleanAddress trims spaces around an address and turns full-width ASCII
// (what a Japanese input method leaves when it is not switched off:
// "ｔａｒｏ＠example.jp") into the ordinary characters, so the address typed
// is the address delivered. It does not judge the result.
func CleanAddress(raw string) string {
	raw = strings.TrimSpace(raw)
	if !strings.ContainsFunc(raw, isFullWidth) {
		return raw
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			return r - 0xFEE0
		}
		return r
	}, raw))
}

func isFullWidth(r rune) bool { return r == '\u3000' || (r >= '\uFF01' && r <= '\uFF5E') }

// CheckAddress is mamori's one rule for an e-mail address: it accepts
// exactly what mamori can deliver as it is stored, a bare ASCII
// local@domain with a dot-atom local part and a host name for domain. Every
// place that takes an address (sign-up, invitations, the incident card,
// the hub's staff) and Send itself use it, so an account can never hold an
// address that differs from the one its mail reaches: net/mail alone reads
// "victim@example.jp(x)" as victim@example.jp, which let a look-alike
// account be verified by the victim's mailbox. It returns the cleaned
// address (CleanAddress; case kept) and the problem, "" when accepted.
func CheckAddress(raw string) (string, AddressProblem) {
	s := CleanAddress(raw)
	switch {
	case s == "":
		return s, AddressEmpty
	case len(s) > maxAddress:
		return s, AddressTooLong
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 || !dotAtom(s[:at]) || len(s[:at]) > maxLocal || !hostName(s[at+1:]) {
		return s, AddressInvalid
	}
	// The grammar above is a subset of RFC 5322's addr-spec; net/mail
	// agreeing, with the same bare address back, keeps it so.
	if a, err := mail.ParseAddress(s); err != nil || a.Name != "" || a.Address != s {
		return s, AddressInvalid
	}
	return s, ""
}

// dotAtom reports whether s is an RFC 5322 dot-atom: atext runs separated by
// single dots, none at either end.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '.' && !atext(c) {
			return false
		}
	}
	return true
}

func atext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// hostName reports whether s is a DNS host name of at least two labels
// (letters, digits, inner hyphens) whose last label is not all digits, so
// neither "localhost" nor an IP address in disguise passes.
func hostName(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > maxLabel || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.ContainsFunc(tld, func(r rune) bool { return r < '0' || r > '9' })
}
