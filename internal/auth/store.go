package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"mamori/internal/db"
	"mamori/internal/mail"
	"mamori/internal/web"
)

// User is an account.
type User struct {
	ID              string
	Email           string
	Name            string
	PasswordHash    string
	Lang            string
	EmailVerifiedAt *time.Time
	TOTPSecret      string
	TOTPEnabledAt   *time.Time
	TOTPLastStep    int64
	DisabledAt      *time.Time
	CreatedAt       time.Time
	Roles           []string
}

// Verified reports whether the e-mail address was confirmed.
func (u *User) Verified() bool { return u.EmailVerifiedAt != nil }

// MFAEnabled reports whether a second factor is required at login.
func (u *User) MFAEnabled() bool { return u.TOTPEnabledAt != nil }

const userCols = `id, email, name, password_hash, lang, email_verified_at, totp_secret, totp_enabled_at, totp_last_step, disabled_at, created_at`

func scanUser(row db.Scanner) (*User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Lang, &u.EmailVerifiedAt, &u.TOTPSecret, &u.TOTPEnabledAt, &u.TOTPLastStep, &u.DisabledAt, &u.CreatedAt)
	if err != nil {
		return nil, db.Classify(err)
	}
	return &u, nil
}

// NormalizeEmail lower-cases and cleans an address (mail.CleanAddress:
// spaces trimmed, full-width letters made ordinary); accounts are unique by
// this form so Taro@Example.jp and taro@example.jp are one account.
func NormalizeEmail(s string) string { return strings.ToLower(mail.CleanAddress(s)) }

// CreateUser inserts an account; a taken e-mail gives db.ErrConflict.
func CreateUser(ctx context.Context, q db.Querier, email, name, passwordHash, lang string, verified bool) (*User, error) {
	now := db.Now()
	u := &User{ID: db.NewID(), Email: NormalizeEmail(email), Name: name, PasswordHash: passwordHash, Lang: lang, CreatedAt: now}
	if verified {
		u.EmailVerifiedAt = &now
	}
	_, err := q.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, lang, email_verified_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, u.PasswordHash, u.Lang, u.EmailVerifiedAt, now, now)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserByEmail finds an account by address.
func UserByEmail(ctx context.Context, q db.Querier, email string) (*User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, NormalizeEmail(email)))
}

// UserByID finds an account by id, with its global roles.
func UserByID(ctx context.Context, q db.Querier, id string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	u.Roles, err = Roles(ctx, q, id)
	return u, err
}

// Roles lists a user's global roles.
func Roles(ctx context.Context, q db.Querier, userID string) ([]string, error) {
	return db.Collect(ctx, q, db.Column[string], `SELECT role FROM user_roles WHERE user_id = ? ORDER BY role`, userID)
}

// GrantRole adds a global role; granting a held role changes nothing.
// Granting operator_admin ends every first-run setup link, whichever way
// the administrator came (setup page, shell, another administrator).
func GrantRole(ctx context.Context, q db.Querier, userID, role string) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, userID, role, db.Now())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if n > 0 && role == web.RoleOperatorAdmin {
		if err := endSetupLinks(ctx, q, ""); err != nil {
			return false, err
		}
	}
	return n > 0, nil
}

// RevokeRole removes a global role.
func RevokeRole(ctx context.Context, q db.Querier, userID, role string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = ? AND role = ?`, userID, role)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CountRole counts holders of a global role (e.g. to refuse removing the
// last administrator).
func CountRole(ctx context.Context, q db.Querier, role string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = ? AND u.disabled_at IS NULL`, role).Scan(&n)
	return n, err
}

// newSecret returns a random token and its SHA-256 hex digest; only the
// digest is stored, so a database leak yields no usable session or link.
func newSecret(prefix string) (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return token, HashSecret(token)
}

// NewLinkSecret returns a random secret for a link sent by mail and the
// hash to store; other capabilities (invitations) use it too.
func NewLinkSecret() (token, hash string) { return newSecret("") }

// HashSecret is the stored form of a session id, token or link secret.
func HashSecret(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// Session stages.
const (
	StageFull = "full"
	StageMFA  = "mfa" // password accepted, second factor owed
)

// CreateSession stores a new session and returns its cookie value.
func CreateSession(ctx context.Context, q db.Querier, userID, stage string, ttl time.Duration, ip, ua string) (string, error) {
	token, hash := newSecret("")
	now := db.Now()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, stage, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, userID, stage, now, now, now.Add(ttl), ip, ua)
	return token, err
}

// DeleteSession ends one session.
func DeleteSession(ctx context.Context, q db.Querier, hash string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hash)
	return err
}

// DeleteUserSessions ends every session of a user but keep (may be "").
func DeleteUserSessions(ctx context.Context, q db.Querier, userID, keep string) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, userID, keep)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SessionInfo is a session as listed in settings.
type SessionInfo struct {
	Hash       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// ListSessions returns a user's full sessions, newest first.
func ListSessions(ctx context.Context, q db.Querier, userID string) ([]SessionInfo, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (SessionInfo, error) {
		var s SessionInfo
		err := r.Scan(&s.Hash, &s.CreatedAt, &s.LastSeenAt, &s.IP, &s.UserAgent)
		return s, err
	}, `SELECT id_hash, created_at, last_seen_at, ip, user_agent FROM sessions
		WHERE user_id = ? AND stage = 'full' AND expires_at > ? ORDER BY last_seen_at DESC`, userID, db.Now())
}

// Ended counts what EndCredentials ended, for the audit log.
type Ended struct {
	Sessions, Links, Tokens int64
}

// EndCredentials ends everything that must not outlive a password change,
// a password reset or a disabled account: every session but keep (which
// may be ""), every unused e-mail link of the account (a reset link would
// otherwise set a password again later; a verification link has nothing
// left to prove) and every API token, which acts for the account without
// the password and so is revoked with it. A token revoked here stays
// revoked when the account is enabled again; the user creates a new one.
// Callers update the account's users row first, in the same transaction:
// that row lock is what credentials minted concurrently wait on (lockUser).
func EndCredentials(ctx context.Context, q db.Querier, userID, keep string) (Ended, error) {
	var e Ended
	var err error
	if e.Sessions, err = DeleteUserSessions(ctx, q, userID, keep); err != nil {
		return e, err
	}
	now := db.Now()
	res, err := q.ExecContext(ctx, `UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, now, userID)
	if err != nil {
		return e, err
	}
	e.Links, _ = res.RowsAffected()
	res, err = q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now, userID)
	if err != nil {
		return e, err
	}
	e.Tokens, _ = res.RowsAffected()
	return e, nil
}

// Detail is e's audit detail.
func (e Ended) Detail() map[string]any {
	return map[string]any{"sessions_ended": e.Sessions, "links_cancelled": e.Links, "tokens_revoked": e.Tokens}
}

// endSetupLinks marks every unused setup link used except keep (a token
// hash, or "" for all).
func endSetupLinks(ctx context.Context, q db.Querier, keep string) error {
	_, err := q.ExecContext(ctx, `UPDATE email_tokens SET used_at = ? WHERE purpose = ? AND used_at IS NULL AND token_hash <> ?`, db.Now(), PurposeSetup, keep)
	return err
}

// Email-link purposes.
const (
	PurposeVerify = "verify"
	PurposeReset  = "reset"
	PurposeSetup  = "setup"
)

// CreateEmailToken stores a single-use link secret.
func CreateEmailToken(ctx context.Context, q db.Querier, purpose, userID, email, data string, ttl time.Duration) (string, error) {
	token, hash := newSecret("")
	now := db.Now()
	var uid any
	if userID != "" {
		uid = userID
	}
	_, err := q.ExecContext(ctx, `INSERT INTO email_tokens (token_hash, purpose, user_id, email, data, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, purpose, uid, email, data, now, now.Add(ttl))
	return token, err
}

// ReplaceEmailToken mints a link of purpose for the account and ends its
// older open links of that purpose, so however often an anonymous form is
// posted at most one such link is live (links are stored hashed and cannot
// be mailed again). A link minted without data keeps the data of the newest
// open one (the page a sign-up was heading for survives a resend). The
// caller holds the address's mail lock (mailAllowed), so parallel requests
// cannot both leave a link behind.
func ReplaceEmailToken(ctx context.Context, q db.Querier, purpose, userID, email, data string, ttl time.Duration) (string, error) {
	if data == "" {
		err := q.QueryRowContext(ctx, `SELECT data FROM email_tokens WHERE purpose = ? AND user_id = ? AND used_at IS NULL AND expires_at > ?
			ORDER BY created_at DESC LIMIT 1`, purpose, userID, db.Now()).Scan(&data)
		if err = db.Classify(err); err != nil && !errors.Is(err, db.ErrNotFound) {
			return "", err
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE email_tokens SET used_at = ? WHERE purpose = ? AND user_id = ? AND used_at IS NULL`, db.Now(), purpose, userID); err != nil {
		return "", err
	}
	return CreateEmailToken(ctx, q, purpose, userID, email, data, ttl)
}

// EmailToken is a stored link secret.
type EmailToken struct {
	UserID string
	Email  string
	Data   string
}

// PeekEmailToken checks a link without using it (to show its page).
func PeekEmailToken(ctx context.Context, q db.Querier, purpose, token string) (*EmailToken, error) {
	var t EmailToken
	var uid sql.NullString
	err := q.QueryRowContext(ctx, `SELECT user_id, email, data FROM email_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`, HashSecret(token), purpose, db.Now()).Scan(&uid, &t.Email, &t.Data)
	if err != nil {
		return nil, db.Classify(err)
	}
	t.UserID = uid.String
	return &t, nil
}

// UseEmailToken consumes a link exactly once: the UPDATE succeeds for one
// caller only, even when two requests race.
func UseEmailToken(ctx context.Context, q db.Querier, purpose, token string) (*EmailToken, error) {
	var t EmailToken
	var uid sql.NullString
	now := db.Now()
	err := q.QueryRowContext(ctx, `UPDATE email_tokens SET used_at = ?
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		RETURNING user_id, email, data`, now, HashSecret(token), purpose, now).Scan(&uid, &t.Email, &t.Data)
	if err != nil {
		return nil, db.Classify(err)
	}
	t.UserID = uid.String
	return &t, nil
}

// maxSubjectBytes bounds a failure subject as stored: "acct:" and the
// longest address an account can have, with room to spare.
const maxSubjectBytes = 300

// failureSubject is subject as login_failures keys it. Anyone can post a
// login with an address as long as the body limit; such an address names
// no account, and storing it would let each anonymous request write that
// much. A longer subject is kept as its kind and a SHA-256 digest, which
// counts its failures all the same.
func failureSubject(subject string) string {
	if len(subject) <= maxSubjectBytes {
		return subject
	}
	kind, _, _ := strings.Cut(subject, ":")
	sum := sha256.Sum256([]byte(subject))
	return clipASCII(kind, 16) + ":sha256:" + hex.EncodeToString(sum[:])
}

func clipASCII(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// RecordFailure notes a failed login, or another counted attempt, for a
// subject (account, address, mail recipient).
func RecordFailure(ctx context.Context, q db.Querier, subject string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO login_failures (subject, at) VALUES (?, ?)`, failureSubject(subject), db.Now())
	return err
}

// Failures counts a subject's failures since a time, and the oldest one's
// time, so the message can say when the lock ends.
func Failures(ctx context.Context, q db.Querier, subject string, since time.Time) (int, time.Time, error) {
	subject = failureSubject(subject)
	var n int
	// MIN over a TIMESTAMP column is a time on PostgreSQL and text on
	// SQLite: one query, read as either (it used to be run twice on
	// SQLite, once to fail the scan, on every counted attempt).
	var oldest any
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), MIN(at) FROM login_failures WHERE subject = ? AND at > ?`, subject, since).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, err
	}
	switch v := oldest.(type) {
	case time.Time:
		return n, v, nil
	case string:
		t, _ := parseSQLiteTime(v)
		return n, t, nil
	case []byte:
		t, _ := parseSQLiteTime(string(v))
		return n, t, nil
	}
	return n, time.Time{}, nil
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("unparseable time " + s)
}

// ClearFailures forgets an account's failures after a successful login.
func ClearFailures(ctx context.Context, q db.Querier, subject string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM login_failures WHERE subject = ?`, failureSubject(subject))
	return err
}

// APIToken is a personal access token as listed (never its secret).
type APIToken struct {
	ID         string
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateAPIToken stores a new token and returns its secret, shown once.
func CreateAPIToken(ctx context.Context, q db.Querier, userID, name string) (string, *APIToken, error) {
	token, hash := newSecret("mamori_")
	t := &APIToken{ID: db.NewID(), Name: name, Prefix: token[:15], CreatedAt: db.Now()}
	_, err := q.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, userID, name, hash, t.Prefix, t.CreatedAt)
	if err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// ListAPITokens lists a user's tokens, active first.
func ListAPITokens(ctx context.Context, q db.Querier, userID string) ([]APIToken, error) {
	return db.Collect(ctx, q, func(r db.Scanner) (APIToken, error) {
		var t APIToken
		err := r.Scan(&t.ID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
		return t, err
	}, `SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens
		WHERE user_id = ? ORDER BY revoked_at IS NOT NULL, created_at DESC`, userID)
}

// RevokeAPIToken revokes one of the user's tokens.
func RevokeAPIToken(ctx context.Context, q db.Querier, userID, id string) error {
	res, err := q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, db.Now(), id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// ReplaceRecoveryCodes stores fresh recovery code hashes, dropping the old.
func ReplaceRecoveryCodes(ctx context.Context, q db.Querier, userID string, hashes []string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := q.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode consumes one unused code.
func UseRecoveryCode(ctx context.Context, q db.Querier, userID, hash string) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`, db.Now(), userID, hash)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RemainingRecoveryCodes counts unused codes.
func RemainingRecoveryCodes(ctx context.Context, q db.Querier, userID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n)
	return n, err
}

// DeleteExpired deletes what has no use left: ended sessions, e-mail links a
// day after they expired (so a late click still finds "expired", not "not
// found"), and failure records older than every budget that counts them.
func DeleteExpired(ctx context.Context, q db.Querier, now time.Time) error {
	for _, del := range []struct {
		sql    string
		before time.Time
	}{
		{`DELETE FROM sessions WHERE expires_at < ?`, now},
		{`DELETE FROM email_tokens WHERE expires_at < ?`, now.Add(-24 * time.Hour)},
		{`DELETE FROM login_failures WHERE at < ?`, now.Add(-24 * time.Hour)},
	} {
		if _, err := q.ExecContext(ctx, del.sql, del.before); err != nil {
			return err
		}
	}
	return nil
}
