package auth

import (
	"context"
	"encoding/base32"
	"errors"
	"net/http"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/web"
)

// The first operator administrator's way in: a one-time link the server
// writes to its log, refused once an operator administrator exists.

// SetupLinkKey derives the first-run setup link from its stored random
// id; *masterkey.Box is one. Only the id and the link's hash are stored,
// so a copy of the database does not hold a usable link, yet every
// instance holding the master key can show the same link again.
type SetupLinkKey interface {
	MAC(purpose string, data []byte) []byte
}

func setupToken(key SetupLinkKey, id string) string {
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key.MAC("auth.setup-link", []byte(id))))
}

// setupLock is the subject whose lock serialises setup-link issue and
// use across instances.
const setupLock = "setup"

// EnsureSetupToken returns the one-time URL for creating the first
// operator administrator while none exists, and when it expires. At most
// one link is valid at a time: a restart (or a second instance starting at
// the same moment; issuing runs under one lock) shows the same unexpired
// link again, and a new one is made only when none is left. link is ""
// when an administrator exists (until is zero then), or when the valid
// link was made under a different master key and cannot be shown here
// (until is its expiry; the instance that made it logged it).
func (s *Service) EnsureSetupToken(ctx context.Context, key SetupLinkKey) (link string, until time.Time, err error) {
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := LockSubject(ctx, tx, setupLock); err != nil {
			return err
		}
		n, err := CountRole(ctx, tx, web.RoleOperatorAdmin)
		if err != nil {
			return err
		}
		if n > 0 {
			return endSetupLinks(ctx, tx, "")
		}
		now := db.Now()
		var hash, id string
		var expires time.Time
		err = tx.QueryRowContext(ctx, `SELECT token_hash, data, expires_at FROM email_tokens
			WHERE purpose = ? AND used_at IS NULL AND expires_at > ? AND data <> ''
			ORDER BY created_at DESC LIMIT 1`, PurposeSetup, now).Scan(&hash, &id, &expires)
		switch err = db.Classify(err); {
		case err == nil:
			until = expires
			if tok := setupToken(key, id); HashSecret(tok) == hash {
				link = s.link("/setup/" + tok)
			}
			// Links from before this scheme (no id) or older ones go.
			return endSetupLinks(ctx, tx, hash)
		case errors.Is(err, db.ErrNotFound):
		default:
			return err
		}
		if err := endSetupLinks(ctx, tx, ""); err != nil {
			return err
		}
		id, _ = NewLinkSecret()
		tok := setupToken(key, id)
		until = now.Add(setupTTL)
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_tokens (token_hash, purpose, user_id, email, data, created_at, expires_at)
			VALUES (?, ?, NULL, '', ?, ?, ?)`, HashSecret(tok), PurposeSetup, id, now, until); err != nil {
			return err
		}
		link = s.link("/setup/" + tok)
		return nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return link, until, nil
}

// setupOpen refuses every setup link once an operator administrator
// exists, with 410 and a message that says why (not "invalid link").
func setupOpen(ctx context.Context, q db.Querier) error {
	n, err := CountRole(ctx, q, web.RoleOperatorAdmin)
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.NotFound, "auth.setup_already_done").WithStatus(http.StatusGone)
	}
	return nil
}
