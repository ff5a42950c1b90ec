// Package auth owns accounts: sign-up with e-mail verification, login with
// an optional TOTP second factor, sessions, password reset and change,
// personal API tokens, and the operator's user administration.
package auth

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/unicode/norm"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth/password"
	"mamori/internal/auth/totp"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/mail"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }

// Service holds the account logic and its HTTP handlers.
type Service struct {
	DB      *db.DB
	Cfg     config.Config
	Log     *slog.Logger
	Mail    *mail.Mailer
	Catalog *i18n.Catalog
	Render  *web.Renderer
	// Params are the argon2id settings for new hashes; tests lower them.
	Params password.Params
	// Now is replaceable so tests can move time forward.
	Now func() time.Time

	hashOnce  sync.Once
	hashSlots chan struct{}

	viewersOnce sync.Once
	viewers     *db.ReadCache[*sessionView]
}

// withHashSlot bounds concurrent argon2id work to the number of cores.
// Each hash holds 19 MiB for its duration, so a burst of logins would
// otherwise grow memory without limit; queued logins wait instead.
func (s *Service) withHashSlot(ctx context.Context, fn func()) error {
	s.hashOnce.Do(func() { s.hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0)) })
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashSlots }()
	fn()
	return nil
}

const (
	verifyTTL = 48 * time.Hour
	resetTTL  = time.Hour
	setupTTL  = 24 * time.Hour
)

// normalizePassword maps full-width and other compatibility forms to one
// form (NFKC), so a password typed with a Japanese IME in full-width mode
// still matches the one set in half-width mode.
func normalizePassword(pw string) string { return norm.NFKC.String(pw) }

// HashPassword validates and hashes a new password.
func (s *Service) HashPassword(pw string) (string, error) {
	if err := password.Validate(pw); err != nil {
		switch {
		case errors.Is(err, password.ErrTooShort):
			return "", apperr.Field("password", "auth.password_too_short")
		case errors.Is(err, password.ErrTooLong):
			return "", apperr.Field("password", "auth.password_too_long")
		default:
			return "", apperr.Field("password", "error.bad_encoding")
		}
	}
	var h string
	var err error
	s.withHashSlot(context.Background(), func() { h, err = password.Hash(normalizePassword(pw), s.Params) })
	return h, err
}

// checkPassword verifies pw against a stored hash within the hash slots.
func (s *Service) checkPassword(ctx context.Context, pw, hash string) bool {
	if hash == "" {
		return false
	}
	ok := false
	if err := s.withHashSlot(ctx, func() {
		v, err := password.Verify(normalizePassword(pw), hash)
		ok = err == nil && v
	}); err != nil {
		return false
	}
	return ok
}

// validEmail is a deliberately simple check: one @, a dot in the domain,
// no spaces, bounded length. Delivery of the verification mail is the real
// proof.
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && !strings.Contains(domain, "@") && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return db.Now()
}

// link builds an absolute URL for mails.
func (s *Service) link(path string) string { return strings.TrimRight(s.Cfg.BaseURL, "/") + path }

// sendMail composes a mail from the catalog keys key.subject and key.body
// in the recipient's language.
func (s *Service) sendMail(ctx context.Context, q db.Querier, to, lang, key string, args ...any) error {
	p := s.Catalog.Printer(lang)
	return s.Mail.Send(ctx, q, mail.Message{To: to, Subject: p.T(key+".subject", args...), Body: p.T(key+".body", args...)})
}

// SignupInput is what the sign-up form collects.
type SignupInput struct {
	Email, Name, Password, Lang string
	// Next is where to go after the first login (e.g. an invitation
	// page); it travels with the verification link.
	Next string
}

// Signup creates an unverified account and mails the verification link.
// When the address is taken it mails that account a notice instead and
// answers exactly as for a new account, so the form cannot be used to find
// out who has an account.
func (s *Service) Signup(ctx context.Context, r *http.Request, in SignupInput) error {
	fields := apperr.FieldSet{}
	email := NormalizeEmail(in.Email)
	if !validEmail(email) {
		fields.Add("email", "auth.email_invalid")
	}
	name, ok := web.CleanText(in.Name, 100)
	if !ok {
		fields.Add("name", web.TextKey(in.Name, "auth.name_invalid"))
	}
	hash, err := s.HashPassword(in.Password)
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return err
		}
		for k, v := range ae.Fields {
			fields.Add(k, v)
		}
	}
	if err := fields.Err(); err != nil {
		return err
	}
	if !i18n.Supported(in.Lang) {
		in.Lang = i18n.Default
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		// Look first: on PostgreSQL a failed INSERT would abort the
		// transaction and the notice mail could not be written in it.
		existing, err := UserByEmail(ctx, tx, email)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if existing != nil {
			lang := existing.Lang
			if lang == "" {
				lang = in.Lang
			}
			return s.sendMail(ctx, tx, email, lang, "mail.signup_exists", s.link("/login"), s.link("/password/forgot"))
		}
		u, err := CreateUser(ctx, tx, email, name, hash, in.Lang, false)
		if err != nil {
			return err
		}
		next := ""
		if in.Next != "" && web.SafeNext(in.Next) == in.Next {
			next = in.Next
		}
		token, err := CreateEmailToken(ctx, tx, PurposeVerify, u.ID, email, next, verifyTTL)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, r, audit.Entry{Action: audit.Signup, TargetType: "user", TargetID: u.ID, ActorID: u.ID, ActorEmail: email}); err != nil {
			return err
		}
		return s.sendMail(ctx, tx, email, in.Lang, "mail.verify", s.link("/verify/"+token), name)
	})
}

// ResendVerification mails a fresh link to an unverified account.
func (s *Service) ResendVerification(ctx context.Context, email, lang string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := UserByEmail(ctx, tx, email)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil || u.Verified() {
			return err
		}
		token, err := CreateEmailToken(ctx, tx, PurposeVerify, u.ID, u.Email, "", verifyTTL)
		if err != nil {
			return err
		}
		if u.Lang != "" {
			lang = u.Lang
		}
		return s.sendMail(ctx, tx, u.Email, lang, "mail.verify", s.link("/verify/"+token), u.Name)
	})
}

// VerifyEmail consumes a verification link and returns the page the user
// was heading for when signing up ("" for none).
func (s *Service) VerifyEmail(ctx context.Context, r *http.Request, token string) (next string, err error) {
	return next, s.DB.InTx(ctx, func(tx *db.Tx) error {
		t, err := UseEmailToken(ctx, tx, PurposeVerify, token)
		if errors.Is(err, db.ErrNotFound) {
			return apperr.New(apperr.NotFound, "auth.link_invalid")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ? AND email_verified_at IS NULL`, s.now(), s.now(), t.UserID); err != nil {
			return err
		}
		next = t.Data
		return audit.Record(ctx, tx, r, audit.Entry{Action: audit.EmailVerified, TargetType: "user", TargetID: t.UserID, ActorID: t.UserID, ActorEmail: t.Email})
	})
}

// LoginResult says what the login handler must do next.
type LoginResult struct {
	User       *User
	NeedsMFA   bool
	Unverified bool
}

// Login checks a password under the failed-login limits.
func (s *Service) Login(ctx context.Context, r *http.Request, email, pw string) (*LoginResult, error) {
	email = NormalizeEmail(email)
	since := s.now().Add(-s.Cfg.LoginWindow)
	acct := "acct:" + email
	ipSubj := "ip:" + audit.ClientIP(r)
	n, oldest, err := Failures(ctx, s.DB.Read(), acct, since)
	if err != nil {
		return nil, err
	}
	nip, _, err := Failures(ctx, s.DB.Read(), ipSubj, since)
	if err != nil {
		return nil, err
	}
	if n >= s.Cfg.LoginMaxFailures || nip >= s.Cfg.LoginMaxFailures*10 {
		wait := s.Cfg.LoginWindow
		if !oldest.IsZero() {
			wait = oldest.Add(s.Cfg.LoginWindow).Sub(s.now())
		}
		minutes := int(wait.Minutes() + 0.999)
		if minutes < 1 {
			minutes = 1
		}
		audit.Record(ctx, s.DB, r, audit.Entry{Action: audit.LoginLocked, TargetType: "user", ActorEmail: email, Detail: map[string]any{"email": email}})
		return nil, apperr.New(apperr.TooMany, "auth.login_locked", minutes)
	}
	u, err := UserByEmail(ctx, s.DB.Read(), email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	if u == nil {
		s.withHashSlot(ctx, func() { password.FakeVerify(pw, s.Params) })
	}
	if u == nil || !s.checkPassword(ctx, pw, u.PasswordHash) || u.DisabledAt != nil {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := RecordFailure(ctx, tx, acct); err != nil {
				return err
			}
			if err := RecordFailure(ctx, tx, ipSubj); err != nil {
				return err
			}
			e := audit.Entry{Action: audit.LoginFailed, TargetType: "user", ActorEmail: email}
			if u != nil {
				e.TargetID, e.ActorID = u.ID, u.ID
			}
			return audit.Record(ctx, tx, r, e)
		})
		if err != nil {
			return nil, err
		}
		left := s.Cfg.LoginMaxFailures - n - 1
		if left <= 0 {
			return nil, apperr.New(apperr.TooMany, "auth.login_locked", int(s.Cfg.LoginWindow.Minutes()))
		}
		return nil, apperr.New(apperr.Unauthorized, "auth.login_failed", left)
	}
	if !u.Verified() {
		return &LoginResult{User: u, Unverified: true}, nil
	}
	if password.NeedsRehash(u.PasswordHash, s.Params) && s.Params == password.Default {
		if h, err := s.HashPassword(pw); err == nil {
			s.DB.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, h, u.ID)
		}
	}
	return &LoginResult{User: u, NeedsMFA: u.MFAEnabled()}, nil
}

// CheckSecondFactor verifies a TOTP code or a recovery code for a user.
func (s *Service) CheckSecondFactor(ctx context.Context, r *http.Request, u *User, code string) error {
	code = strings.TrimSpace(code)
	acct := "mfa:" + u.ID
	since := s.now().Add(-s.Cfg.LoginWindow)
	n, _, err := Failures(ctx, s.DB.Read(), acct, since)
	if err != nil {
		return err
	}
	if n >= s.Cfg.LoginMaxFailures {
		return apperr.New(apperr.TooMany, "auth.login_locked", int(s.Cfg.LoginWindow.Minutes()))
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if step, ok := totp.Validate(u.TOTPSecret, code, s.now(), u.TOTPLastStep); ok {
			// Recording the step refuses a replay of the same code.
			res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, u.ID, step)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return ClearFailures(ctx, tx, acct)
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
}

var errMFAFailed = apperr.Field("code", "auth.mfa_code_wrong")

// recordMFAFailure is kept outside the rolled-back transaction.
func (s *Service) recordMFAFailure(ctx context.Context, r *http.Request, u *User) {
	RecordFailure(ctx, s.DB, "mfa:"+u.ID)
	audit.Record(ctx, s.DB, r, audit.Entry{Action: audit.MFAFailed, TargetType: "user", TargetID: u.ID, ActorID: u.ID, ActorEmail: u.Email})
}

// RequestReset mails a reset link when the account exists; the answer is
// the same either way.
func (s *Service) RequestReset(ctx context.Context, email, lang string) error {
	email = NormalizeEmail(email)
	if !validEmail(email) {
		return apperr.Field("email", "auth.email_invalid")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := UserByEmail(ctx, tx, email)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil || u.DisabledAt != nil {
			return err
		}
		token, err := CreateEmailToken(ctx, tx, PurposeReset, u.ID, u.Email, "", resetTTL)
		if err != nil {
			return err
		}
		if u.Lang != "" {
			lang = u.Lang
		}
		return s.sendMail(ctx, tx, u.Email, lang, "mail.reset", s.link("/password/reset/"+token))
	})
}

// ResetPassword sets a new password from a reset link, verifies the
// address (the link proved it) and ends every session of the account.
func (s *Service) ResetPassword(ctx context.Context, r *http.Request, token, pw string) error {
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
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, email_verified_at = COALESCE(email_verified_at, ?), updated_at = ? WHERE id = ?`, hash, now, now, t.UserID); err != nil {
			return err
		}
		if _, err := DeleteUserSessions(ctx, tx, t.UserID, ""); err != nil {
			return err
		}
		if err := ClearFailures(ctx, tx, "acct:"+t.Email); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r, audit.Entry{Action: audit.PasswordReset, TargetType: "user", TargetID: t.UserID, ActorID: t.UserID, ActorEmail: t.Email})
	})
}

// EnsureSetupToken returns a one-time URL for creating the first operator
// administrator when none exists, and "" otherwise. The token is kept in
// the settings table so that every instance accepts the same link.
func (s *Service) EnsureSetupToken(ctx context.Context) (string, error) {
	n, err := CountRole(ctx, s.DB, web.RoleOperatorAdmin)
	if err != nil || n > 0 {
		return "", err
	}
	token, err := CreateEmailToken(ctx, s.DB, PurposeSetup, "", "", "", setupTTL)
	if err != nil {
		return "", err
	}
	return s.link("/setup/" + token), nil
}

// CreateUserInput is an operator's request for an account.
type CreateUserInput struct {
	Email, Name, Password, Role, Lang string
}

// CreateUserDirect creates a verified account with an optional global
// role; the operator shell and the setup page use it.
func (s *Service) CreateUserDirect(ctx context.Context, q db.Querier, r *http.Request, in CreateUserInput) (*User, error) {
	email := NormalizeEmail(in.Email)
	fields := apperr.FieldSet{}
	if !validEmail(email) {
		fields.Add("email", "auth.email_invalid")
	}
	if in.Role != "" && !ValidRole(in.Role) {
		fields.Add("role", "auth.role_invalid")
	}
	name, ok := web.CleanText(in.Name, 100)
	if !ok {
		fields.Add("name", web.TextKey(in.Name, "auth.name_invalid"))
	}
	hash := ""
	if in.Password != "" {
		h, err := s.HashPassword(in.Password)
		if err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) {
				for k, v := range ae.Fields {
					fields.Add(k, v)
				}
			} else {
				return nil, err
			}
		}
		hash = h
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if !i18n.Supported(in.Lang) {
		in.Lang = ""
	}
	u, err := CreateUser(ctx, q, email, name, hash, in.Lang, true)
	if errors.Is(err, db.ErrConflict) {
		return nil, apperr.Wrap(err, apperr.Conflict, "auth.email_taken")
	}
	if err != nil {
		return nil, err
	}
	if in.Role != "" {
		if _, err := GrantRole(ctx, q, u.ID, in.Role); err != nil {
			return nil, err
		}
		u.Roles = []string{in.Role}
	}
	err = audit.Record(ctx, q, r, audit.Entry{Action: audit.UserCreated, TargetType: "user", TargetID: u.ID, Detail: map[string]any{"email": email, "role": in.Role}})
	return u, err
}

// ValidRole reports whether role is an assignable global role.
func ValidRole(role string) bool {
	for _, r := range web.GlobalRoles {
		if r == role {
			return true
		}
	}
	return false
}

// Describe gives a user's one-line summary for CLI output.
func (u *User) Describe() string { return fmt.Sprintf("%s <%s>", u.ID, u.Email) }
