package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth/totp"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

func (s *Service) settingsRoutes(rt *web.Router) {
	rt.Handle("GET /settings", web.LoggedIn, s.settingsPage)
	rt.Handle("POST /settings/profile", web.LoggedIn, s.profilePost)
	rt.Handle("POST /settings/password", web.LoggedIn, s.passwordPost)
	rt.Handle("POST /settings/mfa/setup", web.LoggedIn, s.mfaSetupPost)
	rt.Handle("POST /settings/mfa/enable", web.LoggedIn, s.mfaEnablePost)
	rt.Handle("POST /settings/mfa/disable", web.LoggedIn, s.mfaDisablePost)
	rt.Handle("POST /settings/mfa/recovery", web.LoggedIn, s.mfaRecoveryPost)
	rt.Handle("POST /settings/tokens", web.LoggedIn, s.tokenCreatePost)
	rt.Handle("POST /settings/tokens/{id}/revoke", web.LoggedIn, s.tokenRevokePost)
	rt.Handle("POST /settings/sessions/revoke", web.LoggedIn, s.sessionsRevokePost)
	rt.Handle("GET /api/v1/me", web.LoggedIn, s.apiMe)
	rt.Handle("GET /api/v1/tokens", web.LoggedIn, s.apiTokens)
}

type settingsData struct {
	User          *User
	Tokens        []APIToken
	Sessions      []SessionInfo
	CurrentHash   string
	RecoveryLeft  int
	NewToken      string
	RecoveryCodes []string
	MFASecret     string
	MFAQR         string
	MFASetupID    string
	Section       string
	// MFAEnabled marks the recovery codes shown right after the factor
	// was switched on, so the page says it is on and what ended.
	MFAEnabled bool
}

func (s *Service) loadSettings(ctx context.Context, v *web.Viewer) (*settingsData, error) {
	u, err := UserByID(ctx, s.DB, v.UserID)
	if err != nil {
		return nil, err
	}
	d := &settingsData{User: u, CurrentHash: v.SessionHash}
	if d.Tokens, err = ListAPITokens(ctx, s.DB, u.ID); err != nil {
		return nil, err
	}
	if d.Sessions, err = ListSessions(ctx, s.DB, u.ID); err != nil {
		return nil, err
	}
	if d.RecoveryLeft, err = RemainingRecoveryCodes(ctx, s.DB, u.ID); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Service) renderSettings(w http.ResponseWriter, r *http.Request, status int, f *web.Form, d *settingsData) error {
	return s.page(w, r, status, "settings", "settings.title", f, d)
}

func (s *Service) settingsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadSettings(r.Context(), web.ViewerFrom(r.Context()))
	if err != nil {
		return err
	}
	return s.renderSettings(w, r, http.StatusOK, nil, d)
}

// settingsError shows a settings form again with its problem.
func (s *Service) settingsError(w http.ResponseWriter, r *http.Request, f *web.Form, section string, err error) error {
	if !f.Apply(err) {
		return err
	}
	d, lerr := s.loadSettings(r.Context(), web.ViewerFrom(r.Context()))
	if lerr != nil {
		return lerr
	}
	d.Section = section
	status := http.StatusUnprocessableEntity
	if apperr.From(err).Code == apperr.TooMany {
		status = http.StatusTooManyRequests
	}
	return s.renderSettings(w, r, status, f, d)
}

func (s *Service) profilePost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	v := web.ViewerFrom(r.Context())
	name, ok := web.CleanText(f.Get("name"), 100)
	if !ok {
		return s.settingsError(w, r, f, "profile", apperr.Field("name", web.TextKey(f.Get("name"), "auth.name_invalid")))
	}
	lang := f.Get("lang")
	if !i18n.Supported(lang) {
		return s.settingsError(w, r, f, "profile", apperr.Field("lang", "error.invalid_input"))
	}
	if err := SetProfile(r.Context(), s.DB, v.UserID, name, lang, s.now()); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: "mamori_lang", Value: lang, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, Secure: s.Cfg.Secure()})
	return web.Redirect(w, r, "/settings", "flash.saved")
}

// requirePassword confirms the current password before a sensitive change.
// It spends the account's login failure budget (reserved before the hash
// is checked), so a stolen session cannot be used to guess the password
// faster than the login form allows.
func (s *Service) requirePassword(ctx context.Context, r *http.Request, userID, pw string) error {
	u, err := UserByID(ctx, s.DB, userID)
	if err != nil {
		return err
	}
	res, err := s.reserve(ctx, r, s.accountLimit(u.Email))
	if err != nil {
		return err
	}
	if !s.checkPassword(ctx, pw, u.PasswordHash) {
		audit.Record(ctx, s.DB, r, audit.Entry{Action: audit.LoginFailed, TargetType: "user", TargetID: u.ID, ActorID: u.ID, ActorEmail: u.Email, Detail: map[string]any{"check": "current_password"}})
		return apperr.Field("current_password", "auth.current_password_wrong")
	}
	if err := s.release(ctx, res); err != nil {
		return err
	}
	return ClearFailures(context.WithoutCancel(ctx), s.DB, accountSubject(u.Email))
}

func (s *Service) passwordPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	v := web.ViewerFrom(r.Context())
	if err := s.requirePassword(r.Context(), r, v.UserID, f.Get("current_password")); err != nil {
		return s.settingsError(w, r, f, "password", err)
	}
	if f.Get("password") != f.Get("password_confirm") {
		return s.settingsError(w, r, f, "password", apperr.Field("password_confirm", "auth.password_mismatch"))
	}
	hash, err := s.HashPassword(f.Get("password"))
	if err != nil {
		return s.settingsError(w, r, f, "password", err)
	}
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if err := SetPasswordHash(r.Context(), tx, v.UserID, hash, s.now()); err != nil {
			return err
		}
		// Whoever knew the old password (or held a session, link or token
		// obtained with it) is shut out; the page says so before the user
		// confirms.
		ended, err := EndCredentials(r.Context(), tx, v.UserID, v.SessionHash)
		if err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.PasswordChanged, TargetType: "user", TargetID: v.UserID, Detail: ended.Detail()})
	})
	if err != nil {
		return err
	}
	// A privilege-relevant change: issue a fresh session id.
	if err := s.StartSession(r.Context(), w, r, v.UserID, StageFull, "", v.SessionHash); err != nil {
		return err
	}
	return web.Redirect(w, r, "/settings", "flash.password_changed")
}

// mfaSetupPost creates a pending secret and shows it as a QR code; the
// factor is only switched on once the user proves the app has it.
func (s *Service) mfaSetupPost(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	if v.MFAEnabled {
		return apperr.New(apperr.Conflict, "auth.mfa_already_on")
	}
	secret, err := totp.NewSecret()
	if err != nil {
		return err
	}
	if err := StartTOTPSetup(r.Context(), s.DB, v.UserID, SealTOTP(s.Box, v.UserID, secret), s.now()); err != nil {
		return err
	}
	return s.showMFASetup(w, r, http.StatusOK, nil)
}

func (s *Service) showMFASetup(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	v := web.ViewerFrom(r.Context())
	u, err := UserByID(r.Context(), s.DB, v.UserID)
	if err != nil {
		return err
	}
	if u.TOTPSecret == "" {
		return apperr.New(apperr.Invalid, "auth.mfa_setup_first")
	}
	secret, err := s.totpSecret(u)
	if err != nil {
		return err
	}
	p := s.Catalog.Printer(web.LangFrom(r.Context()))
	svg, err := totp.QRSVG(totp.URI(p.T("app.name"), u.Email, secret))
	if err != nil {
		return err
	}
	return s.page(w, r, status, "mfa_setup", "auth.mfa_setup_title", f, &settingsData{User: u, MFASecret: secret, MFAQR: svg, MFASetupID: MFASetupID(u.TOTPSecret)})
}

func (s *Service) mfaEnablePost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	v := web.ViewerFrom(r.Context())
	u, err := UserByID(r.Context(), s.DB, v.UserID)
	if err != nil {
		return err
	}
	if u.MFAEnabled() {
		return apperr.New(apperr.Conflict, "auth.mfa_already_on")
	}
	if u.TOTPSecret == "" {
		return apperr.New(apperr.Invalid, "auth.mfa_setup_first")
	}
	// The form names the pending secret its page showed. Another session
	// may have started the setup again since (a stolen one, planting a
	// secret it knows): the owner's code is then refused without showing
	// that secret to be scanned instead, and a post without the page
	// (which would show the pending secret again below) shows nothing.
	if subtle.ConstantTimeCompare([]byte(f.Get("setup")), []byte(MFASetupID(u.TOTPSecret))) != 1 {
		return apperr.New(apperr.Conflict, "auth.mfa_setup_changed")
	}
	// The factor is switched on only with the password: a stolen session
	// alone must not be able to enrol a factor of its own and lock the
	// owner out (issue 23). The check spends the login failure budget.
	if err := s.requirePassword(r.Context(), r, v.UserID, f.Get("current_password")); err != nil {
		if !f.Apply(err) {
			return err
		}
		status := http.StatusUnprocessableEntity
		if apperr.From(err).Code == apperr.TooMany {
			status = http.StatusTooManyRequests
		}
		return s.showMFASetup(w, r, status, f)
	}
	secret, err := s.totpSecret(u)
	if err != nil {
		return err
	}
	step, ok := totp.Validate(secret, f.Get("code"), s.now(), 0)
	if !ok {
		f.Errors["code"] = "auth.mfa_code_wrong"
		return s.showMFASetup(w, r, http.StatusUnprocessableEntity, f)
	}
	codes, err := totp.NewRecoveryCodes(10)
	if err != nil {
		return err
	}
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		// A second factor set through an ended session would lock the
		// owner out of the account they just took back.
		if err := requireLiveSession(r.Context(), tx, v); err != nil {
			return err
		}
		// Only the secret the code was checked against: a setup started
		// again meanwhile (after the read above) is not switched on.
		if err := EnableTOTP(r.Context(), tx, v.UserID, u.TOTPSecret, step, s.now()); errors.Is(err, db.ErrConflict) {
			return apperr.New(apperr.Conflict, "auth.mfa_setup_changed")
		} else if err != nil {
			return err
		}
		if err := ReplaceRecoveryCodes(r.Context(), tx, v.UserID, hashCodes(codes)); err != nil {
			return err
		}
		// Sessions opened elsewhere with the password alone would keep
		// going past the new factor; they end (the page says so).
		n, err := DeleteUserSessions(r.Context(), tx, v.UserID, v.SessionHash)
		if err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.MFAEnabled, TargetType: "user", TargetID: v.UserID, Detail: map[string]any{"sessions_ended": n}})
	})
	if err != nil {
		return err
	}
	if err := s.StartSession(r.Context(), w, r, v.UserID, StageFull, "", v.SessionHash); err != nil {
		return err
	}
	return s.page(w, r, http.StatusOK, "mfa_codes", "auth.mfa_codes_title", nil, &settingsData{RecoveryCodes: codes, MFAEnabled: true})
}

func hashCodes(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = totp.HashRecoveryCode(c)
	}
	return out
}

func (s *Service) mfaDisablePost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	v := web.ViewerFrom(r.Context())
	if err := s.requirePassword(r.Context(), r, v.UserID, f.Get("current_password")); err != nil {
		return s.settingsError(w, r, f, "mfa", err)
	}
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if err := DisableTOTP(r.Context(), tx, v.UserID, s.now()); err != nil {
			return err
		}
		if err := ReplaceRecoveryCodes(r.Context(), tx, v.UserID, nil); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.MFADisabled, TargetType: "user", TargetID: v.UserID})
	})
	if err != nil {
		return err
	}
	if err := s.StartSession(r.Context(), w, r, v.UserID, StageFull, "", v.SessionHash); err != nil {
		return err
	}
	return web.Redirect(w, r, "/settings", "flash.mfa_disabled")
}

func (s *Service) mfaRecoveryPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	v := web.ViewerFrom(r.Context())
	if !v.MFAEnabled {
		return apperr.New(apperr.Invalid, "auth.mfa_setup_first")
	}
	if err := s.requirePassword(r.Context(), r, v.UserID, f.Get("current_password")); err != nil {
		return s.settingsError(w, r, f, "mfa", err)
	}
	codes, err := totp.NewRecoveryCodes(10)
	if err != nil {
		return err
	}
	if err := s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		return ReplaceRecoveryCodes(r.Context(), tx, v.UserID, hashCodes(codes))
	}); err != nil {
		return err
	}
	return s.page(w, r, http.StatusOK, "mfa_codes", "auth.mfa_codes_title", nil, &settingsData{RecoveryCodes: codes})
}

func (s *Service) tokenCreatePost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	v := web.ViewerFrom(r.Context())
	name, ok := web.CleanText(f.Get("name"), 80)
	if !ok || name == "" {
		return s.settingsError(w, r, f, "tokens", apperr.Field("token_name", web.TextKey(f.Get("name"), "auth.token_name_invalid")))
	}
	var token string
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		// A token outlives sessions: none is made through a session
		// that a password change or reset has already ended.
		if err := requireLiveSession(r.Context(), tx, v); err != nil {
			return err
		}
		var t *APIToken
		var err error
		token, t, err = CreateAPIToken(r.Context(), tx, v.UserID, name)
		if err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.TokenCreated, TargetType: "token", TargetID: t.ID, Detail: map[string]any{"name": name}})
	})
	if err != nil {
		return err
	}
	d, err := s.loadSettings(r.Context(), v)
	if err != nil {
		return err
	}
	d.NewToken = token
	d.Section = "tokens"
	return s.renderSettings(w, r, http.StatusOK, nil, d)
}

func (s *Service) tokenRevokePost(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	id := r.PathValue("id")
	err := s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if err := RevokeAPIToken(r.Context(), tx, v.UserID, id); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.TokenRevoked, TargetType: "token", TargetID: id})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/settings", "flash.token_revoked")
}

func (s *Service) sessionsRevokePost(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	if _, err := DeleteUserSessions(r.Context(), s.DB, v.UserID, v.SessionHash); err != nil {
		return err
	}
	return web.Redirect(w, r, "/settings", "flash.sessions_revoked")
}

type apiMembership struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func (s *Service) apiMe(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	orgs := []apiMembership{}
	for _, m := range v.Orgs {
		orgs = append(orgs, apiMembership{Slug: m.Slug, Name: m.Name, Role: m.Role})
	}
	roles := v.Roles
	if roles == nil {
		roles = []string{}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{
		"id": v.UserID, "email": v.Email, "name": v.Name, "lang": web.LangFrom(r.Context()),
		"roles": roles, "orgs": orgs, "mfa_enabled": v.MFAEnabled,
	})
}

func (s *Service) apiTokens(w http.ResponseWriter, r *http.Request) error {
	v := web.ViewerFrom(r.Context())
	ts, err := ListAPITokens(r.Context(), s.DB.Read(), v.UserID)
	if err != nil {
		return err
	}
	type item struct {
		ID         string  `json:"id"`
		Name       string  `json:"name"`
		Prefix     string  `json:"prefix"`
		CreatedAt  string  `json:"created_at"`
		LastUsedAt *string `json:"last_used_at"`
		Revoked    bool    `json:"revoked"`
	}
	out := []item{}
	for _, t := range ts {
		it := item{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), Revoked: t.RevokedAt != nil}
		if t.LastUsedAt != nil {
			s := t.LastUsedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
			it.LastUsedAt = &s
		}
		out = append(out, it)
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}
