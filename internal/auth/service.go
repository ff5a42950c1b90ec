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
	"sync/atomic"
	"time"

	"golang.org/x/text/unicode/norm"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth/password"
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
	// Box seals TOTP secrets (see SealTOTP).
	Box Sealer
	// Params are the argon2id settings for new hashes; tests lower them.
	Params password.Params
	// Now is replaceable so tests can move time forward.
	Now func() time.Time

	hashOnce  sync.Once
	hashSlots chan struct{}
	// checks counts secret verifications (see SecretChecks), hashes
	// all argon2id runs (see HashWork).
	checks, hashes atomic.Int64

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
	s.hashes.Add(1)
	fn()
	return nil
}

const (
	verifyTTL = 48 * time.Hour
	resetTTL  = time.Hour
	setupTTL  = 24 * time.Hour
	// accountMailsPerHour bounds the mails anonymous forms (sign-up,
	// resend, forgotten password) make mamori send to one address.
	accountMailsPerHour = 5
	// networkMailsPerHour bounds the requests for such mails from one
	// client network (clientBlock: an IPv4 address, an IPv6 /64), whatever
	// addresses they name, so one client cannot spread a flood over many
	// mailboxes (or many look-ups) below the per-address cap.
	networkMailsPerHour = 20
)

// mailAllowed reports whether an anonymous form may mail addr now, and
// counts the request: fewer than accountMailsPerHour such requests named
// addr in the last hour, and fewer than networkMailsPerHour came from the
// client's network (other mail, such as notices, does not count). Callers
// ask before they know whether addr has an account, so a request for an
// unknown address costs the same work and the same budget as one for a
// real account. The counts and the records share the caller's
// transaction and per-subject locks (network first, then address, always
// in that order), so a parallel burst cannot all read the same count.
// Callers answer exactly as when they send, so the cap reveals nothing.
func (s *Service) mailAllowed(ctx context.Context, tx *db.Tx, r *http.Request, addr string) (bool, error) {
	_, ok, err := s.mailBudget(ctx, tx, r, addr)
	return ok, err
}

// mailBudget is mailAllowed that also says, when it refuses, in how many
// minutes the budget that refused frees a mail (for sign-up's message).
func (s *Service) mailBudget(ctx context.Context, tx *db.Tx, r *http.Request, addr string) (minutes int, allowed bool, err error) {
	now := s.now()
	allowed = true
	for _, l := range []limit{{"mailnet:" + clientBlock(r), networkMailsPerHour}, {"mail:" + NormalizeEmail(addr), accountMailsPerHour}} {
		if err := LockSubject(ctx, tx, l.subject); err != nil {
			return 0, false, err
		}
		n, oldest, err := Failures(ctx, tx, l.subject, now.Add(-time.Hour))
		if err != nil {
			return 0, false, err
		}
		if n >= l.max {
			allowed = false
			wait := time.Hour
			if !oldest.IsZero() {
				wait = oldest.Add(time.Hour).Sub(now)
			}
			minutes = max(minutes, int(wait.Minutes()+0.999), 1)
		}
	}
	if !allowed {
		return minutes, false, nil
	}
	if err := RecordFailure(ctx, tx, "mailnet:"+clientBlock(r)); err != nil {
		return 0, false, err
	}
	return 0, true, RecordFailure(ctx, tx, "mail:"+NormalizeEmail(addr))
}

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
		s.checks.Add(1)
		v, err := password.Verify(normalizePassword(pw), hash)
		ok = err == nil && v
	}); err != nil {
		return false
	}
	return ok
}

// ValidEmail applies the one address rule (mail.CheckAddress) to an address
// already normalised (NormalizeEmail): it must be accepted and be exactly
// what the account stores, so no account, invitation or staff request holds
// an address other than the one its mail reaches.
func ValidEmail(email string) bool {
	addr, problem := mail.CheckAddress(email)
	return problem == "" && addr == email
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
	return s.sendSecretMail(ctx, q, to, lang, key, nil, args...)
}

// sendSecretMail is sendMail for a mail carrying link secrets, which the
// outbox masks (see mail.Message.Secrets).
func (s *Service) sendSecretMail(ctx context.Context, q db.Querier, to, lang, key string, secrets []string, args ...any) error {
	p := s.Catalog.Printer(lang)
	return s.Mail.Send(ctx, q, mail.Message{To: to, Subject: p.T(key+".subject", args...), Body: p.T(key+".body", args...), Secrets: secrets})
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
	// Each sign-up costs a password hash and may send a mail: an address
	// gets as many per window as it gets login attempts, counted before
	// the hash like those (see reserve). The rows stay: they count
	// sign-ups, not failures.
	if _, err := s.reserve(ctx, r, limit{"signup:" + clientBlock(r), s.Cfg.LoginMaxFailures * 10}); err != nil {
		if ae := apperr.From(err); ae.Code == apperr.TooMany {
			return apperr.New(apperr.TooMany, "auth.signup_too_many", ae.Args...)
		}
		return err
	}
	fields := apperr.FieldSet{}
	email := NormalizeEmail(in.Email)
	if !ValidEmail(email) {
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
		// Either answer mails the address (a confirmation link or a
		// notice), so both count under the anonymous mail budgets, before
		// the look-up: sign-ups of fresh addresses (victim+1@, victim+2@,
		// one mailbox) are otherwise a flood the per-network cap never
		// sees. Over a budget the sign-up is refused, taken or not, so the
		// refusal tells nothing about which addresses have accounts.
		if minutes, ok, err := s.mailBudget(ctx, tx, r, email); err != nil {
			return err
		} else if !ok {
			return apperr.New(apperr.TooMany, "auth.signup_too_many", i18n.Count(minutes))
		}
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
		// The mail greets the name given, else the address: an empty one
		// read " 様" and "Hello ,".
		greet := name
		if greet == "" {
			greet = email
		}
		return s.sendSecretMail(ctx, tx, email, in.Lang, "mail.verify", []string{token}, s.link("/verify/"+token), greet)
	})
}

// ResendVerification mails a fresh link to an unverified account, ending
// the older ones. The budget is counted before the account is looked up,
// so an unknown address costs the same work and answer as a known one.
func (s *Service) ResendVerification(ctx context.Context, r *http.Request, email, lang string) error {
	email = NormalizeEmail(email)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if ok, err := s.mailAllowed(ctx, tx, r, email); !ok || err != nil {
			return err
		}
		u, err := UserByEmail(ctx, tx, email)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if err != nil || u.Verified() {
			u = nil
		}
		return s.mailLink(ctx, tx, u, lang, PurposeVerify, verifyTTL, "mail.verify", "/verify/")
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

// mailLink mails u a fresh link of purpose (ending its older ones). For no
// account (u nil: unknown, or not one the form serves) it does the same
// work, a link and a mail for a stand-in, inside a savepoint it then rolls back:
// an answer that came back sooner for unknown addresses would tell which
// addresses have accounts (TestAccountMailSameWork).
func (s *Service) mailLink(ctx context.Context, tx *db.Tx, u *User, lang, purpose string, ttl time.Duration, key, path string) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT account_mail`); err != nil {
		return err
	}
	// The stand-in goes to a reserved name (RFC 2606): the form's text
	// may pass validEmail yet not parse as a recipient.
	uid, name, addr := "", "", "nobody@example.invalid"
	if u != nil {
		uid, name, addr = u.ID, u.Name, u.Email
		if u.Lang != "" {
			lang = u.Lang
		}
	}
	token, err := ReplaceEmailToken(ctx, tx, purpose, uid, addr, "", ttl)
	if err != nil {
		return err
	}
	args := []any{s.link(path + token)}
	if purpose == PurposeVerify {
		if name == "" {
			name = addr
		}
		args = append(args, name)
	}
	if err := s.sendSecretMail(ctx, tx, addr, lang, key, []string{token}, args...); err != nil {
		return err
	}
	end := `RELEASE SAVEPOINT account_mail`
	if u == nil {
		end = `ROLLBACK TO SAVEPOINT account_mail`
	}
	_, err = tx.ExecContext(ctx, end)
	return err
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
	if !ValidEmail(email) {
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
