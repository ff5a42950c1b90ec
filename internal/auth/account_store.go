package auth

import (
	"context"
	"strings"
	"time"

	"mamori/internal/db"
)

// The account changes a user makes on the settings pages and an operator
// makes on the administration pages. Each takes the time from the caller,
// whose clock tests set.

// SetLang records the language an account's pages and mail are written in.
func SetLang(ctx context.Context, q db.Querier, userID, lang string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET lang = ?, updated_at = ? WHERE id = ?`, lang, now, userID)
	return err
}

// SetProfile records an account's name and language, the two things the
// profile form holds.
func SetProfile(ctx context.Context, q db.Querier, userID, name, lang string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET name = ?, lang = ?, updated_at = ? WHERE id = ?`, name, lang, now, userID)
	return err
}

// SetPasswordHash replaces an account's password. The caller ends the
// credentials obtained with the old one in the same transaction.
func SetPasswordHash(ctx context.Context, q db.Querier, userID, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, now, userID)
	return err
}

// StartTOTPSetup stores a pending (sealed) secret; an account whose factor
// is already on keeps its secret.
func StartTOTPSetup(ctx context.Context, q db.Querier, userID, sealedSecret string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET totp_secret = ?, totp_last_step = 0, updated_at = ? WHERE id = ? AND totp_enabled_at IS NULL`, sealedSecret, now, userID)
	return err
}

// EnableTOTP switches the factor on for the pending secret the code was
// checked against, step being the code's time step (never accepted again).
// A setup started again meanwhile, or a factor already on, is
// db.ErrConflict.
func EnableTOTP(ctx context.Context, q db.Querier, userID, sealedSecret string, step int64, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE users SET totp_enabled_at = ?, totp_last_step = ?, updated_at = ? WHERE id = ? AND totp_secret = ? AND totp_enabled_at IS NULL`,
		now, step, now, userID, sealedSecret)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return db.ErrConflict
	}
	return nil
}

// DisableTOTP switches the factor off and forgets its secret. The caller
// removes the recovery codes in the same transaction.
func DisableTOTP(ctx context.Context, q db.Querier, userID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET totp_enabled_at = NULL, totp_secret = '', totp_last_step = 0, updated_at = ? WHERE id = ?`, now, userID)
	return err
}

// SetDisabled disables an account (disabled true) or enables it again.
// The caller checks who must remain and ends the credentials.
func SetDisabled(ctx context.Context, q db.Querier, userID string, disabled bool, now time.Time) error {
	if disabled {
		_, err := q.ExecContext(ctx, `UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?`, now, now, userID)
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE users SET disabled_at = NULL, updated_at = ? WHERE id = ?`, now, userID)
	return err
}

// DisplayName is the name other people see for an account: its name, or
// its e-mail address when it gave none; db.ErrNotFound when the account
// is gone.
func DisplayName(ctx context.Context, q db.Querier, userID string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT COALESCE(NULLIF(name, ''), email) FROM users WHERE id = ?`, userID).Scan(&name)
	if err != nil {
		return "", db.Classify(err)
	}
	return name, nil
}

// adminCounts are the figures the administration home shows.
func adminCounts(ctx context.Context, q db.Querier) (adminHomeData, error) {
	var d adminHomeData
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM orgs), (SELECT COUNT(*) FROM mail_outbox),
		(SELECT COUNT(*) FROM jobs WHERE status IN ('pending','running')), (SELECT COUNT(*) FROM jobs WHERE status = 'failed')`).
		Scan(&d.Users, &d.Orgs, &d.Outbox, &d.PendingJobs, &d.FailedJobs)
	return d, err
}

// searchUsers lists the accounts whose e-mail or name contains text
// (lower case, compared without LIKE's wildcards), newest first.
func searchUsers(ctx context.Context, q db.Querier, text string, limit, offset int) ([]adminUserRow, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(text)) + "%"
	return db.Collect(ctx, q, func(r db.Scanner) (adminUserRow, error) {
		var u adminUserRow
		err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Verified, &u.MFA, &u.Disabled, &u.Roles)
		return u, err
	}, `SELECT u.id, u.email, u.name, u.email_verified_at IS NOT NULL, u.totp_enabled_at IS NOT NULL, u.disabled_at IS NOT NULL,
		COALESCE((SELECT `+groupConcat(q.Dialect())+` FROM user_roles r WHERE r.user_id = u.id), '')
		FROM users u WHERE LOWER(u.email) LIKE ? ESCAPE '\' OR LOWER(u.name) LIKE ? ESCAPE '\'
		ORDER BY u.created_at DESC LIMIT ? OFFSET ?`, like, like, limit, offset)
}
