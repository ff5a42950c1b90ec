package auth

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"mamori/internal/db"
)

// Sealer seals values with the deployment's master key; *masterkey.Box is
// one.
type Sealer interface {
	Seal(purpose string, plaintext, context []byte) []byte
	Open(purpose string, sealed, context []byte) ([]byte, error)
}

// A TOTP secret opens the second factor for as long as the account keeps
// it, so it is sealed like the other secrets instead of lying in clear in
// the database, its backups and any copy of them. The user's id is the
// context: a value copied to another account does not open there.
const (
	totpPurpose = "totp secret"
	// sealedTOTPPrefix marks a sealed value in users.totp_secret; values
	// without it were stored in clear by an older version.
	sealedTOTPPrefix = "sealed:"
)

// SealTOTP returns the stored form of a user's TOTP secret.
func SealTOTP(b Sealer, userID, secret string) string {
	return sealedTOTPPrefix + base64.RawStdEncoding.EncodeToString(b.Seal(totpPurpose, []byte(secret), []byte(userID)))
}

// OpenTOTP returns the TOTP secret stored as stored; a clear value (from
// before sealing, not yet sealed by SealLegacyTOTP) is returned as is.
func OpenTOTP(b Sealer, userID, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedTOTPPrefix)
	if !ok {
		return stored, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("auth: TOTP secret of %s: %w", userID, err)
	}
	pt, err := b.Open(totpPurpose, raw, []byte(userID))
	if err != nil {
		return "", fmt.Errorf("auth: TOTP secret of %s: %w", userID, err)
	}
	return string(pt), nil
}

// totpSecret is u's TOTP secret in clear ("" when none is set).
func (s *Service) totpSecret(u *User) (string, error) {
	if u.TOTPSecret == "" {
		return "", nil
	}
	return OpenTOTP(s.Box, u.ID, u.TOTPSecret)
}

// SealLegacyTOTP seals the TOTP secrets an older version stored in clear.
// The key is not in the database, so no migration could; the server runs
// it at every start. Each row is rewritten only if it still holds the
// value read, so a secret changed meanwhile is left to its new value. The
// file is then rewritten (SQLite VACUUM, PostgreSQL VACUUM FULL) so the
// clear values do not stay in freed pages.
func SealLegacyTOTP(ctx context.Context, d *db.DB, b Sealer) (int, error) {
	type legacy struct{ id, secret string }
	todo, err := db.Collect(ctx, d, func(r db.Scanner) (legacy, error) {
		var l legacy
		err := r.Scan(&l.id, &l.secret)
		return l, err
	}, `SELECT id, totp_secret FROM users WHERE totp_secret <> '' AND totp_secret NOT LIKE ?`, sealedTOTPPrefix+"%")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range todo {
		res, err := d.ExecContext(ctx, `UPDATE users SET totp_secret = ? WHERE id = ? AND totp_secret = ?`, SealTOTP(b, l.id, l.secret), l.id, l.secret)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	if err := d.RewriteStorage(ctx, "users"); err != nil {
		return n, fmt.Errorf("after sealing TOTP secrets: %w", err)
	}
	return n, nil
}

// MFASetupID names the pending secret a setup page showed, for its enable
// form to send back: a secret that another session put in its place
// meanwhile is then refused instead of switched on (or shown). The stored
// value is sealed with a fresh nonce, so each setup has its own.
func MFASetupID(stored string) string {
	if stored == "" {
		return ""
	}
	return HashSecret("totp setup\x00" + stored)
}
