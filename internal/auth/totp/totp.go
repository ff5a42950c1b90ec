// Package totp implements RFC 6238 time-based one-time passwords with the
// parameters every mainstream authenticator app supports (HMAC-SHA1, six
// digits, 30-second steps), plus the enrolment QR code and recovery codes.
//
// It is written against the standard library alone: the algorithm is a few
// lines, and owning it keeps replay protection and input normalisation
// (full-width digits typed through a Japanese IME) under our control.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

const (
	// Digits, Period and Algorithm are fixed because authenticator apps
	// widely ignore anything else in the otpauth URI and would silently
	// generate wrong codes.
	Digits    = 6
	Period    = 30 // seconds
	Algorithm = "SHA1"

	// secretBytes matches the HMAC-SHA1 output size, the length RFC 4226
	// recommends.
	secretBytes = 20
	// minSecretBytes is RFC 4226's floor; anything shorter in storage is a bug.
	minSecretBytes = 16
	// modulus is 10^Digits.
	modulus = 1_000_000
	// skew is how many steps either side of now we accept, to absorb clock
	// drift on phones and the time a user takes to type the code.
	skew = 1
)

// NewSecret returns a fresh shared secret as unpadded base32, the form
// authenticator apps expect in the otpauth URI and for manual entry.
func NewSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("totp: reading random secret: %w", err)
	}
	return b32().EncodeToString(b), nil
}

// Code returns the code an authenticator shows at t. It is mainly useful to
// tests and tooling; login should go through Validate.
func Code(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	step, err := stepAt(t)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(step)), nil
}

// Validate checks a user-entered code against the window around t and
// returns the step it matched. The caller must persist that step and pass
// it back as lastUsedStep next time: refusing steps at or before it makes
// each code single-use even within its validity window, as RFC 6238 §5.2
// requires. For a newly enrolled secret pass 0.
//
// Callers must also rate-limit attempts: with three steps accepted, each
// guess succeeds with probability 3 in a million.
//
// Spaces are ignored and full-width digits accepted because users copy
// codes shown as "123 456" and Japanese IMEs often produce "１２３４５６".
func Validate(secret, code string, t time.Time, lastUsedStep int64) (step int64, ok bool) {
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, false
	}
	now, err := stepAt(t)
	if err != nil {
		return 0, false
	}
	got, ok := normalizeCode(code)
	if !ok {
		return 0, false
	}
	// Check every candidate without early exit so the time taken does not
	// depend on which step (if any) matched. Prefer the earliest match so a
	// code that collides with a later step does not burn the user's next code.
	matched := int64(-1)
	for s := now - skew; s <= now+skew; s++ {
		if s < 0 || s <= lastUsedStep {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(key, uint64(s))), []byte(got)) == 1
		if eq && matched < 0 {
			matched = s
		}
	}
	if matched < 0 {
		return 0, false
	}
	return matched, true
}

// hotp is RFC 4226 §5.3 dynamic truncation of HMAC-SHA1(key, counter).
func hotp(key []byte, counter uint64) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, bin%modulus)
}

func stepAt(t time.Time) (int64, error) {
	u := t.Unix()
	if u < 0 {
		return 0, errors.New("totp: time before the Unix epoch")
	}
	return u / Period, nil
}

func b32() *base32.Encoding { return base32.StdEncoding.WithPadding(base32.NoPadding) }

// decodeSecret tolerates the spacing, case and padding variations that
// appear when a secret has been shown to or typed by a human.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r)
	}, secret)
	key, err := b32().DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("totp: secret is not base32: %w", err)
	}
	if len(key) < minSecretBytes {
		return nil, fmt.Errorf("totp: secret is %d bytes, want at least %d", len(key), minSecretBytes)
	}
	return key, nil
}

// normalizeCode returns code as Digits ASCII digits, or false if it is not
// one once spaces are dropped and full-width digits folded.
func normalizeCode(code string) (string, bool) {
	if len(code) > 64 { // long enough for any spacing, short enough to bound work
		return "", false
	}
	var b strings.Builder
	for _, r := range code {
		r = foldWidth(r)
		switch {
		case unicode.IsSpace(r):
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != Digits {
		return "", false
	}
	return b.String(), true
}

// foldWidth maps full-width ASCII variants (U+FF01–U+FF5E), which Japanese
// IMEs produce by default, to their ASCII counterparts.
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFF01 + '!'
	}
	return r
}

// URI returns the otpauth:// key URI that authenticator apps import from a
// QR code. The issuer appears both as the label prefix and as a parameter
// because older apps read only the former and newer ones prefer the latter.
// Every part is percent-encoded with %20 for spaces, not "+", since several
// apps display a "+" literally, and ":" inside the issuer or account is
// escaped so it cannot be mistaken for the label separator.
func URI(issuer, account, secret string) string {
	label := escape(account)
	if issuer != "" {
		label = escape(issuer) + ":" + label
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(label)
	b.WriteString("?secret=")
	b.WriteString(escape(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(issuer))
	}
	fmt.Fprintf(&b, "&algorithm=%s&digits=%d&period=%d", Algorithm, Digits, Period)
	return b.String()
}

// escape percent-encodes everything outside RFC 3986's unreserved set. It is
// stricter than net/url's escapers, which leave characters such as ":", "@",
// "&" or "+" alone in some positions, so one function is safe for both the
// label and the query.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0f])
		}
	}
	return b.String()
}
