// Package password hashes and checks account passwords with argon2id.
//
// Hashes are stored as PHC strings so the cost parameters travel with each
// hash: raising the cost later needs no migration, only a rehash on the next
// successful login (see NeedsRehash).
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32 // bytes
	KeyLen      uint32 // bytes
}

// Default is OWASP's minimum argon2id recommendation (19 MiB, t=2, p=1).
// We sit at the floor rather than above it because it keeps a login under
// roughly 50 ms on a 2-core server, so a burst of logins cannot starve the
// rest of the service, while still meeting OWASP's guidance.
var Default = Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// Fast exists only so test suites that create many accounts stay quick.
// It offers no real resistance to offline cracking: never use it outside tests.
var Fast = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// Password policy limits, exported so the UI can quote them in messages.
const (
	// MinRunes counts characters rather than bytes so that a Japanese
	// passphrase is held to the same length rule as an ASCII one.
	MinRunes = 10
	// MaxBytes bounds the work an attacker can make us do per login attempt
	// while still leaving room for long passphrases (~85 kanji).
	MaxBytes = 256
)

// Policy errors are sentinels so callers can translate them for the user.
var (
	ErrTooShort = errors.New("password: too short")
	ErrTooLong  = errors.New("password: too long")
	ErrInvalid  = errors.New("password: not valid UTF-8")
)

// ErrMalformedHash means a stored hash could not be used. It indicates a
// corrupt or foreign record, not a wrong password, so callers should log it.
var ErrMalformedHash = errors.New("password: malformed hash")

// Bounds on parameters we will hash with or accept from a stored string.
// Stored hashes are data, and a tampered or corrupt row must not be able to
// make a single login allocate gigabytes or spin for minutes.
const (
	maxMemory      = 1 << 20 // KiB, i.e. 1 GiB
	maxIterations  = 16
	maxParallelism = 16
	minSaltLen     = 8
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
	maxEncodedLen  = 256 // comfortably above the longest string the bounds allow
)

// Validate applies the password policy. It checks only what a user chooses;
// Verify deliberately does not call it, so tightening the policy never locks
// out users whose existing passwords predate the change.
func Validate(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return ErrInvalid
	case len(pw) > MaxBytes:
		return ErrTooLong
	case utf8.RuneCountInString(pw) < MinRunes:
		return ErrTooShort
	}
	return nil
}

// Hash returns a PHC-format argon2id hash of pw with a fresh random salt.
func Hash(pw string, p Params) (string, error) {
	if err := checkParams(p); err != nil {
		return "", fmt.Errorf("password: invalid params: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return encode(p, salt, key), nil
}

// Verify reports whether pw matches encoded. A non-nil error means the stored
// hash itself is unusable; a wrong password is (false, nil).
func Verify(pw, encoded string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than p,
// so a caller can upgrade the stored hash right after a successful Verify,
// the only moment the plaintext is available. Unparseable input reports true.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := decode(encoded)
	return err != nil || got != p
}

// FakeVerify does the work of a failed Verify against a hash made with p.
// Call it when the account does not exist so that response time does not
// reveal which login names are registered. Invalid p falls back to Default
// rather than panicking inside argon2.
func FakeVerify(pw string, p Params) {
	if checkParams(p) != nil {
		p = Default
	}
	salt := make([]byte, p.SaltLen)
	want := make([]byte, p.KeyLen)
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	subtle.ConstantTimeCompare(got, want)
}

// checkParams keeps Hash and decode in agreement: we never produce a hash
// that Verify would refuse.
func checkParams(p Params) error {
	switch {
	case p.Parallelism < 1 || p.Parallelism > maxParallelism:
		return fmt.Errorf("parallelism %d out of range", p.Parallelism)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory:
		// argon2 needs 8 KiB per lane and silently rounds up below that,
		// which would make the stored m= lie about the cost.
		return fmt.Errorf("memory %d KiB out of range", p.Memory)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d out of range", p.Iterations)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range", p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range", p.KeyLen)
	}
	return nil
}

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// decode accepts only the canonical form that encode produces, so every
// accepted string round-trips exactly and there is one spelling per hash.
func decode(s string) (p Params, salt, key []byte, err error) {
	if len(s) > maxEncodedLen {
		return p, nil, nil, fmt.Errorf("%w: too long", ErrMalformedHash)
	}
	// The base64 decoder skips CR and LF, which would admit non-canonical input.
	if strings.ContainsAny(s, "\r\n") {
		return p, nil, nil, fmt.Errorf("%w: contains newline", ErrMalformedHash)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: wrong number of fields", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: unsupported algorithm %q", ErrMalformedHash, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, parts[2])
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, fmt.Errorf("%w: want m,t,p parameters", ErrMalformedHash)
	}
	m, err := parseUint(fields[0], "m=", 32)
	if err != nil {
		return p, nil, nil, err
	}
	t, err := parseUint(fields[1], "t=", 32)
	if err != nil {
		return p, nil, nil, err
	}
	par, err := parseUint(fields[2], "p=", 8)
	if err != nil {
		return p, nil, nil, err
	}
	b64 := base64.RawStdEncoding.Strict() // reject non-zero trailing bits
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %v", ErrMalformedHash, err)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: key: %v", ErrMalformedHash, err)
	}
	p = Params{
		Memory:      uint32(m),
		Iterations:  uint32(t),
		Parallelism: uint8(par),
		SaltLen:     uint32(len(salt)),
		KeyLen:      uint32(len(key)),
	}
	if err := checkParams(p); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	return p, salt, key, nil
}

func parseUint(field, prefix string, bits int) (uint64, error) {
	digits, ok := strings.CutPrefix(field, prefix)
	if !ok {
		return 0, fmt.Errorf("%w: want %q parameter", ErrMalformedHash, prefix)
	}
	n, err := strconv.ParseUint(digits, 10, bits)
	// Reject leading zeros so the string stays canonical.
	if err != nil || strconv.FormatUint(n, 10) != digits {
		return 0, fmt.Errorf("%w: bad %q parameter", ErrMalformedHash, prefix)
	}
	return n, nil
}
