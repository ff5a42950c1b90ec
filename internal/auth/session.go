package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/web"
)

// CookieName is the session cookie; with HTTPS it carries the __Host-
// prefix, which binds it to this exact origin.
func (s *Service) CookieName() string {
	if s.Cfg.Secure() {
		return "__Host-mamori_session"
	}
	return "mamori_session"
}

// SetSessionCookie issues a session cookie.
func (s *Service) SetSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: s.CookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.Cfg.Secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.Cfg.SessionTTL.Seconds()),
	})
}

func (s *Service) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.Cfg.Secure(), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// StartSession rotates the session: the old one (if any) is deleted and a
// new id issued, so an id planted before login is worthless after it.
// The new session must be earned by one of two proofs, checked in the
// transaction that stores it under the account's row lock (lockUser):
// pwHash, the password hash a login just verified, must still be the
// account's; or from, the session hash the request came with (a pending
// second-factor session, or the session a settings change renews), must
// still exist and is consumed. Otherwise a login that verified the old
// password while a change committed, or a session another instance still
// served from its one-second cache after a reset ended it, would get a
// fresh session that outlives the change.
func (s *Service) StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, userID, stage, pwHash, from string) error {
	ttl := s.Cfg.SessionTTL
	if stage == StageMFA {
		ttl = 10 * time.Minute
	}
	var token string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		// A full session proven by the password alone is only for an
		// account without a second factor: one switched on since the
		// login read the account ends such logins too.
		if ok, err := lockUser(ctx, tx, userID, pwHash, pwHash != "" && stage == StageFull); err != nil || !ok {
			if err == nil {
				err = errNoSession
			}
			return err
		}
		if from != "" {
			res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ? AND user_id = ?`, from, userID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errNoSession
			}
		} else if ck, err := r.Cookie(s.CookieName()); err == nil && ck.Value != "" {
			if err := DeleteSession(ctx, tx, HashSecret(ck.Value)); err != nil {
				return err
			}
		}
		var err error
		token, err = CreateSession(ctx, tx, userID, stage, ttl, audit.ClientIP(r), r.UserAgent())
		return err
	})
	if err == errNoSession {
		s.clearSessionCookie(w)
		return errSessionEnded
	}
	if err != nil {
		return err
	}
	s.SetSessionCookie(w, token)
	return nil
}

// errSessionEnded answers a request whose session, or whose proof of the
// password, a concurrent change ended.
var errSessionEnded = apperr.New(apperr.Unauthorized, "error.login_required")

// lockUser takes the account's row lock until tx ends (on SQLite the write
// transaction already excludes every other) and reports whether the
// account is usable: not disabled and, when pwHash is not "", still
// holding that password hash and, when noMFA, still without a second
// factor. A password change, a reset, disabling and switching the second
// factor on update this row before they end the account's credentials,
// so a credential stored under this lock either sees the change and is
// refused, or is committed first and ended by it.
func lockUser(ctx context.Context, tx *db.Tx, userID, pwHash string, noMFA bool) (bool, error) {
	q := `UPDATE users SET updated_at = updated_at WHERE id = ? AND disabled_at IS NULL`
	args := []any{userID}
	if pwHash != "" {
		q += ` AND password_hash = ?`
		args = append(args, pwHash)
	}
	if noMFA {
		q += ` AND totp_enabled_at IS NULL`
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// requireLiveSession refuses, inside tx, a change made through a session
// that has ended since the request was authenticated (another instance
// may serve an ended session from its cache for a second): what the
// change stores would otherwise outlive the reset that ended it.
func requireLiveSession(ctx context.Context, tx *db.Tx, v *web.Viewer) error {
	ok, err := lockUser(ctx, tx, v.UserID, "", false)
	if err != nil {
		return err
	}
	if ok && v.SessionHash != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = ? AND user_id = ?`, v.SessionHash, v.UserID).Scan(&n); err != nil {
			return err
		}
		ok = n == 1
	}
	if !ok {
		return errSessionEnded
	}
	return nil
}

// Authenticate implements web.Authenticator: a bearer token on /api/
// paths, otherwise the session cookie; web.ErrAnonymous when neither names
// a viewer (a dead session's cookie is cleared).
func (s *Service) Authenticate(w http.ResponseWriter, r *http.Request) (*web.Viewer, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" && strings.HasPrefix(r.URL.Path, "/api/") {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return nil, apperr.New(apperr.Unauthorized, "auth.token_invalid")
		}
		return s.viewerByToken(ctx, strings.TrimSpace(tok))
	}
	ck, err := r.Cookie(s.CookieName())
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return nil, web.ErrAnonymous
	}
	sv, err := s.cachedViewer(ctx, HashSecret(ck.Value))
	if errors.Is(err, errNoSession) {
		s.clearSessionCookie(w)
		return nil, web.ErrAnonymous
	}
	if err != nil {
		return nil, err
	}
	if sv.rotate {
		return s.rotate(ctx, w, r, sv)
	}
	return sv.v, nil
}

// cachedViewer serves page views from memory between writes (see
// db.ReadCache): the session lookup was a quarter of a dashboard's cost.
// A session ended on another instance stops working within a second.
func (s *Service) cachedViewer(ctx context.Context, hash string) (*sessionView, error) {
	s.viewersOnce.Do(func() { s.viewers = db.NewReadCache[*sessionView](s.DB, time.Second, 10000) })
	return s.viewers.Get(hash, func() (*sessionView, error) { return s.viewerBySession(ctx, hash) })
}

// sessionView is a session's viewer and whether its id must be replaced
// because the user's privileges changed since it was issued.
type sessionView struct {
	v      *web.Viewer
	rotate bool
}

// MarkSessionsForRotation makes every session of a user get a new id on
// its next request. Privilege changes call it, so an id captured before
// the change does not carry the new privileges.
func MarkSessionsForRotation(ctx context.Context, q db.Querier, userID string) error {
	_, err := q.ExecContext(ctx, `UPDATE sessions SET rotate = TRUE WHERE user_id = ?`, userID)
	return err
}

// rotate replaces a flagged session with a fresh one and sets its cookie.
func (s *Service) rotate(ctx context.Context, w http.ResponseWriter, r *http.Request, sv *sessionView) (*web.Viewer, error) {
	stage := StageFull
	if sv.v.Pending {
		stage = StageMFA
	}
	var token string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		// Under the account's lock, so a rotation racing a password
		// change is either ended by it or sees it (see lockUser).
		if ok, err := lockUser(ctx, tx, sv.v.UserID, "", false); err != nil || !ok {
			if err == nil {
				err = errNoSession
			}
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ? AND rotate = TRUE`, sv.v.SessionHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoSession // rotated by a concurrent request
		}
		token, err = CreateSession(ctx, tx, sv.v.UserID, stage, s.Cfg.SessionTTL, audit.ClientIP(r), r.UserAgent())
		return err
	})
	if errors.Is(err, errNoSession) {
		return nil, web.ErrAnonymous
	}
	if err != nil {
		return nil, err
	}
	s.SetSessionCookie(w, token)
	v := *sv.v
	v.SessionHash = HashSecret(token)
	return &v, nil
}

// errNoSession: the cookie names no live session (unknown, expired, idle,
// its account disabled, or rotated by a concurrent request).
var errNoSession = errors.New("no such session")

func (s *Service) viewerBySession(ctx context.Context, hash string) (*sessionView, error) {
	// One round trip: the session row with its user, then one row per
	// global role and per membership. A page view runs this first, so it
	// is worth the less obvious SQL.
	rows, err := s.DB.Read().QueryContext(ctx, `SELECT 's', s.user_id, s.stage, u.email, u.name, u.lang,
			s.expires_at, s.last_seen_at, u.email_verified_at, u.totp_enabled_at, u.disabled_at, s.rotate
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?
		UNION ALL
		SELECT 'r', r.role, '', '', '', '', NULL, NULL, NULL, NULL, NULL, FALSE
		FROM sessions s JOIN user_roles r ON r.user_id = s.user_id WHERE s.id_hash = ?
		UNION ALL
		SELECT 'o', m.role, o.id, o.slug, o.name, '', NULL, NULL, NULL, NULL, NULL, FALSE
		FROM sessions s JOIN org_members m ON m.user_id = s.user_id JOIN orgs o ON o.id = m.org_id WHERE s.id_hash = ?`,
		hash, hash, hash)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var v web.Viewer
	var stage string
	var expires, lastSeen, verified, totpOn, disabled *time.Time
	found, rotate := false, false
	for rows.Next() {
		var kind, a, b, c, d, e string
		var t1, t2, t3, t4, t5 *time.Time
		var rot bool
		if err := rows.Scan(&kind, &a, &b, &c, &d, &e, &t1, &t2, &t3, &t4, &t5, &rot); err != nil {
			return nil, err
		}
		switch kind {
		case "s":
			found, rotate = true, rot
			v.UserID, stage, v.Email, v.Name, v.Lang = a, b, c, d, e
			expires, lastSeen, verified, totpOn, disabled = t1, t2, t3, t4, t5
		case "r":
			v.Roles = append(v.Roles, a)
		case "o":
			v.Orgs = append(v.Orgs, web.Membership{Role: a, OrgID: b, Slug: c, Name: d})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found || expires == nil || lastSeen == nil {
		return nil, errNoSession
	}
	now := s.now()
	if disabled != nil || now.After(*expires) || now.Sub(*lastSeen) > s.Cfg.SessionIdle {
		DeleteSession(ctx, s.DB, hash)
		return nil, errNoSession
	}
	if now.Sub(*lastSeen) > time.Minute {
		// Touch at most once a minute: a write per request would put every
		// page view in the single SQLite writer's queue.
		s.DB.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, now, hash)
	}
	v.SessionHash = hash
	v.Pending = stage != StageFull
	v.Verified = verified != nil
	v.MFAEnabled = totpOn != nil
	return &sessionView{v: &v, rotate: rotate}, nil
}

// loadAccess fills roles and memberships in one round trip.
func (s *Service) loadAccess(ctx context.Context, v *web.Viewer) error {
	rows, err := s.DB.Read().QueryContext(ctx, `SELECT 'r', role, '', '', '' FROM user_roles WHERE user_id = ?
		UNION ALL
		SELECT 'o', m.role, o.id, o.slug, o.name FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ?`, v.UserID, v.UserID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, role, id, slug, name string
		if err := rows.Scan(&kind, &role, &id, &slug, &name); err != nil {
			return err
		}
		if kind == "r" {
			v.Roles = append(v.Roles, role)
		} else {
			v.Orgs = append(v.Orgs, web.Membership{OrgID: id, Slug: slug, Name: name, Role: role})
		}
	}
	return rows.Err()
}

func (s *Service) viewerByToken(ctx context.Context, token string) (*web.Viewer, error) {
	var v web.Viewer
	var lastUsed, revoked, disabled, verified *time.Time
	err := s.DB.Read().QueryRowContext(ctx, `SELECT t.id, t.last_used_at, t.revoked_at, u.id, u.email, u.name, u.lang, u.disabled_at, u.email_verified_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, HashSecret(token)).
		Scan(&v.TokenID, &lastUsed, &revoked, &v.UserID, &v.Email, &v.Name, &v.Lang, &disabled, &verified)
	if err != nil {
		if db.Classify(err) == db.ErrNotFound {
			return nil, apperr.New(apperr.Unauthorized, "auth.token_invalid")
		}
		return nil, err
	}
	if revoked != nil || disabled != nil {
		return nil, apperr.New(apperr.Unauthorized, "auth.token_invalid")
	}
	now := s.now()
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		s.DB.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now, v.TokenID)
	}
	v.Verified = verified != nil
	if err := s.loadAccess(ctx, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
