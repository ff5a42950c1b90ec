package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth/password"
	"mamori/internal/auth/totp"
	"mamori/internal/db"
	"mamori/internal/i18n"
)

// Proving who one is: the password, the second factor, and a new password
// through a mailed link when the old one is lost.

// LoginResult says what the login handler must do next.
type LoginResult struct {
	User       *User
	NeedsMFA   bool
	Unverified bool
}

// Login checks a password under the failed-login limits. The attempt is
// counted before the hash is verified (see reserve), so a burst of guesses
// gets at most the limit checked, even with the right password last.
func (s *Service) Login(ctx context.Context, r *http.Request, email, pw string) (*LoginResult, error) {
	email = NormalizeEmail(email)
	res, err := s.reserve(ctx, r, s.accountLimit(email), s.addressLimit(r))
	if err != nil {
		if apperr.From(err).Code == apperr.TooMany {
			audit.Record(ctx, s.DB, r, audit.Entry{Action: audit.LoginLocked, TargetType: "user", ActorEmail: email, Detail: map[string]any{"email": email}})
		}
		return nil, err
	}
	u, err := UserByEmail(ctx, s.DB.Read(), email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	if u == nil {
		s.checks.Add(1)
		s.withHashSlot(ctx, func() { password.FakeVerify(pw, s.Params) })
	}
	if u == nil || !s.checkPassword(ctx, pw, u.PasswordHash) || u.DisabledAt != nil {
		// The reserved rows stay: they are this failure's record.
		e := audit.Entry{Action: audit.LoginFailed, TargetType: "user", ActorEmail: email}
		if u != nil {
			e.TargetID, e.ActorID = u.ID, u.ID
		}
		if err := audit.Record(ctx, s.DB, r, e); err != nil {
			return nil, err
		}
		if res.left <= 0 {
			return nil, apperr.New(apperr.TooMany, "auth.login_locked", i18n.Count(s.Cfg.LoginWindow.Minutes()))
		}
		return nil, apperr.New(apperr.Unauthorized, "auth.login_failed", i18n.Count(res.left))
	}
	if err := s.release(ctx, res); err != nil {
		return nil, err
	}
	if !u.Verified() {
		return &LoginResult{User: u, Unverified: true}, nil
	}
	if password.NeedsRehash(u.PasswordHash, s.Params) && s.Params == password.Default {
		// Only over the hash just verified: a change that committed since
		// must not be undone by writing the old password back. The session
		// is then proven by the new hash (see StartSession).
		if h, err := s.HashPassword(pw); err == nil {
			res, err := s.DB.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, h, u.ID, u.PasswordHash)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 1 {
					u.PasswordHash = h
				}
			}
		}
	}
	return &LoginResult{User: u, NeedsMFA: u.MFAEnabled()}, nil
}

// CheckSecondFactor verifies a TOTP code or a recovery code for a user,
// under the same reserve-first limit as passwords.
func (s *Service) CheckSecondFactor(ctx context.Context, r *http.Request, u *User, code string) error {
	code = strings.TrimSpace(code)
	secret, err := s.totpSecret(u)
	if err != nil {
		return err
	}
	res, err := s.reserve(ctx, r, s.mfaLimit(u.ID))
	if err != nil {
		return err
	}
	s.checks.Add(1)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if step, ok := totp.Validate(secret, code, s.now(), u.TOTPLastStep); ok {
			// Recording the step refuses a replay of the same code.
			res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, u.ID, step)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil
			}
		}
		if len(code) >= 12 {
			used, err := UseRecoveryCode(ctx, tx, u.ID, totp.HashRecoveryCode(code))
			if err != nil {
				return err
			}
			if used {
				return audit.Record(ctx, tx, r, audit.Entry{Action: audit.RecoveryUsed, TargetType: "user", TargetID: u.ID, ActorID: u.ID, ActorEmail: u.Email})
			}
		}
		return errMFAFailed
	})
	if err != nil {
		return err
	}
	if err := s.release(ctx, res); err != nil {
		return err
	}
	return ClearFailures(context.WithoutCancel(ctx), s.DB, mfaSubject(u.ID))
}

var errMFAFailed = apperr.Field("code", "auth.mfa_code_wrong")

// recordMFAFailure audits a wrong code; the failure itself was counted
// when the attempt was reserved.
func (s *Service) recordMFAFailure(ctx context.Context, r *http.Request, u *User) {
	audit.Record(ctx, s.DB, r, audit.Entry{Action: audit.MFAFailed, TargetType: "user", TargetID: u.ID, ActorID: u.ID, ActorEmail: u.Email})
}

// RequestReset mails a reset link when the account exists, ending its
// older reset links; the answer is the same either way, and so is the
// budget counted (before the look-up: see mailAllowed).
func (s *Service) RequestReset(ctx context.Context, r *http.Request, email, lang string) error {
	email = NormalizeEmail(email)
	if !ValidEmail(email) {
		return apperr.Field("email", "auth.email_invalid")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if ok, err := s.mailAllowed(ctx, tx, r, email); !ok || err != nil {
			return err
		}
		u, err := UserByEmail(ctx, tx, email)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if err != nil || u.DisabledAt != nil {
			u = nil
		}
		return s.mailLink(ctx, tx, u, lang, PurposeReset, resetTTL, "mail.reset", "/password/reset/")
	})
}

// ResetPassword sets a new password from a reset link, verifies the
// address (the link proved it) and ends every session, every other link
// and every API token of the account (EndCredentials).
func (s *Service) ResetPassword(ctx context.Context, r *http.Request, token, pw string) error {
	// The link is checked before the costly hash, so made-up links cost
	// one indexed read each; it is used (atomically) below.
	if _, err := PeekEmailToken(ctx, s.DB.Read(), PurposeReset, token); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return apperr.New(apperr.NotFound, "auth.link_invalid")
		}
		return err
	}
	hash, err := s.HashPassword(pw)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		t, err := UseEmailToken(ctx, tx, PurposeReset, token)
		if errors.Is(err, db.ErrNotFound) {
			return apperr.New(apperr.NotFound, "auth.link_invalid")
		}
		if err != nil {
			return err
		}
		// A link mailed before the account was disabled must not set a
		// password on it.
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, email_verified_at = COALESCE(email_verified_at, ?), updated_at = ? WHERE id = ? AND disabled_at IS NULL`, hash, s.now(), s.now(), t.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.NotFound, "auth.link_invalid")
		}
		ended, err := EndCredentials(ctx, tx, t.UserID, "")
		if err != nil {
			return err
		}
		if err := ClearFailures(ctx, tx, accountSubject(t.Email)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: audit.PasswordReset, TargetType: "user", TargetID: t.UserID, ActorID: t.UserID, ActorEmail: t.Email, Detail: ended.Detail()})
	})
}
