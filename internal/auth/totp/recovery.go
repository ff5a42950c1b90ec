package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// recoveryAlphabet omits 0/o and 1/l, which users misread when copying
// codes from paper. It has exactly 32 symbols, so each random byte maps
// to a symbol without modulo bias and each symbol carries 5 bits.
const recoveryAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

const (
	// recoveryGroups × recoveryGroupLen × 5 bits = 60 bits per code, enough
	// that guessing is hopeless online and costly even against a leaked hash.
	recoveryGroups   = 3
	recoveryGroupLen = 4
	// maxRecoveryCodes bounds a caller bug rather than any real use.
	maxRecoveryCodes = 100
)

// NewRecoveryCodes returns n distinct single-use codes of the form
// "abcd-efgh-ijkl". Dashes are only for readability; see
// NormalizeRecoveryCode. Distinctness is enforced so that storing the
// hashes under a unique constraint cannot fail by chance.
func NewRecoveryCodes(n int) ([]string, error) {
	if n < 1 || n > maxRecoveryCodes {
		return nil, fmt.Errorf("totp: recovery code count %d out of range [1, %d]", n, maxRecoveryCodes)
	}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	buf := make([]byte, recoveryGroups*recoveryGroupLen)
	for len(codes) < n {
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("totp: reading random recovery code: %w", err)
		}
		var b strings.Builder
		for i, v := range buf {
			if i > 0 && i%recoveryGroupLen == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[v&31])
		}
		c := b.String()
		if seen[c] {
			continue
		}
		seen[c] = true
		codes = append(codes, c)
	}
	return codes, nil
}

// NormalizeRecoveryCode reduces what a user typed to the canonical form that
// is hashed: lowercase, without separators. It folds full-width letters and
// the dash look-alikes a Japanese IME produces (e.g. "ー", "－") so a code
// typed in kana mode still works.
func NormalizeRecoveryCode(s string) string {
	return strings.Map(func(r rune) rune {
		r = foldWidth(r)
		switch {
		case unicode.IsSpace(r), unicode.Is(unicode.Pd, r),
			r == '\u2212', // minus sign
			r == '\u30FC', // katakana prolonged sound mark
			r == '\uFF70': // half-width prolonged sound mark
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// HashRecoveryCode returns the value to store for a recovery code. A fast,
// unsalted SHA-256 is deliberate: the codes are random with 60 bits of
// entropy, so unlike passwords there is no dictionary to exploit and
// brute-forcing even one leaked hash costs ~2^59 SHA-256 evaluations. Being
// deterministic also lets a submitted code be found by an indexed lookup
// on its hash instead of checking a slow hash against every stored code.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
