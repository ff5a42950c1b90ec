package auth

import (
	"errors"
	"net/http"
	"net/url"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// Routes registers the account pages.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle("GET /signup", web.Public, s.signupPage)
	rt.Handle("POST /signup", web.Public, s.signupPost)
	rt.Handle("GET /verify/{token}", web.Public, s.verifyPage)
	rt.Handle("POST /verify/{token}", web.Public, s.verifyPost)
	rt.Handle("POST /verify-resend", web.Public, s.resendPost)
	rt.Handle("GET /login", web.Public, s.loginPage)
	rt.Handle("POST /login", web.Public, s.loginPost)
	rt.Handle("GET /login/mfa", web.MFAPending, s.mfaPage)
	rt.Handle("POST /login/mfa", web.MFAPending, s.mfaPost)
	rt.Handle("POST /logout", web.Public, s.logoutPost)
	rt.Handle("GET /password/forgot", web.Public, s.forgotPage)
	rt.Handle("POST /password/forgot", web.Public, s.forgotPost)
	rt.Handle("GET /password/reset/{token}", web.Public, s.resetPage)
	rt.Handle("POST /password/reset/{token}", web.Public, s.resetPost)
	rt.Handle("POST /lang", web.Public, s.langPost)
	rt.Handle("GET /setup/{token}", web.Public, s.setupPage)
	rt.Handle("POST /setup/{token}", web.Public, s.setupPost)
	s.settingsRoutes(rt)
	s.adminRoutes(rt)
}

func (s *Service) page(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, f *web.Form, data any) error {
	p := s.Catalog.Printer(web.LangFrom(r.Context()))
	s.Render.Page(w, r, status, "auth/"+name, web.Page{Title: p.T(titleKey), Form: f, Data: data})
	return nil
}

// formError re-renders a form with its problems, or passes other errors on.
func (s *Service) formError(w http.ResponseWriter, r *http.Request, err error, name, titleKey string, f *web.Form, data any) error {
	if !f.Apply(err) {
		return err
	}
	status := http.StatusUnprocessableEntity
	switch apperr.From(err).Code {
	case apperr.TooMany:
		status = http.StatusTooManyRequests
	case apperr.Unauthorized:
		status = http.StatusUnauthorized
	case apperr.Conflict:
		status = http.StatusConflict
	}
	return s.page(w, r, status, name, titleKey, f, data)
}

func (s *Service) signupPage(w http.ResponseWriter, r *http.Request) error {
	if !s.Cfg.SignupOpen {
		return apperr.New(apperr.Forbidden, "auth.signup_closed")
	}
	if web.ViewerFrom(r.Context()) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return nil
	}
	return s.page(w, r, http.StatusOK, "signup", "auth.signup_title", web.NewForm(url.Values{"next": {r.URL.Query().Get("next")}}), nil)
}

func (s *Service) signupPost(w http.ResponseWriter, r *http.Request) error {
	if !s.Cfg.SignupOpen {
		return apperr.New(apperr.Forbidden, "auth.signup_closed")
	}
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	if f.Get("password") != f.Get("password_confirm") {
		f.Errors["password_confirm"] = "auth.password_mismatch"
		return s.page(w, r, http.StatusUnprocessableEntity, "signup", "auth.signup_title", f, nil)
	}
	in := SignupInput{Email: f.Get("email"), Name: f.Get("name"), Password: f.Get("password"), Lang: web.LangFrom(r.Context()), Next: f.Get("next")}
	if err := s.Signup(r.Context(), r, in); err != nil {
		return s.formError(w, r, err, "signup", "auth.signup_title", f, nil)
	}
	return s.page(w, r, http.StatusOK, "signup_done", "auth.signup_done_title", f, map[string]string{"Email": NormalizeEmail(in.Email)})
}

func (s *Service) verifyPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := PeekEmailToken(r.Context(), s.DB.Read(), PurposeVerify, r.PathValue("token")); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return apperr.New(apperr.NotFound, "auth.link_invalid")
		}
		return err
	}
	return s.page(w, r, http.StatusOK, "verify", "auth.verify_title", nil, map[string]string{"Token": r.PathValue("token")})
}

func (s *Service) verifyPost(w http.ResponseWriter, r *http.Request) error {
	next, err := s.VerifyEmail(r.Context(), r, r.PathValue("token"))
	if err != nil {
		return err
	}
	target := "/login"
	if next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	return web.Redirect(w, r, target, "flash.email_verified")
}

func (s *Service) resendPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	if err := s.ResendVerification(r.Context(), r, f.Get("email"), web.LangFrom(r.Context())); err != nil {
		return err
	}
	return web.Redirect(w, r, "/login", "flash.verification_resent")
}

func (s *Service) loginPage(w http.ResponseWriter, r *http.Request) error {
	if web.ViewerFrom(r.Context()) != nil {
		http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.page(w, r, http.StatusOK, "login", "auth.login_title", web.NewForm(url.Values{"next": {r.URL.Query().Get("next")}}), nil)
}

func (s *Service) loginPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	res, err := s.Login(r.Context(), r, f.Get("email"), f.Get("password"))
	if err != nil {
		return s.formError(w, r, err, "login", "auth.login_title", f, nil)
	}
	if res.Unverified {
		f.Error = "auth.login_unverified"
		return s.page(w, r, http.StatusForbidden, "login", "auth.login_title", f, map[string]bool{"Unverified": true})
	}
	next := web.SafeNext(f.Get("next"))
	if res.NeedsMFA {
		if err := s.StartSession(r.Context(), w, r, res.User.ID, StageMFA, res.User.PasswordHash, ""); err != nil {
			return err
		}
		http.Redirect(w, r, "/login/mfa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	if err := s.finishLogin(w, r, res.User, ""); err != nil {
		return err
	}
	if next == "/" {
		next = "/dashboard"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// finishLogin opens the full session of u, proven either by the password
// hash just verified (u.PasswordHash) or, after the second factor, by the
// pending session pending, which must not have been ended meanwhile.
func (s *Service) finishLogin(w http.ResponseWriter, r *http.Request, u *User, pending string) error {
	ctx := r.Context()
	pwHash := u.PasswordHash
	if pending != "" {
		pwHash = ""
	}
	if err := s.StartSession(ctx, w, r, u.ID, StageFull, pwHash, pending); err != nil {
		return err
	}
	ClearFailures(ctx, s.DB, "acct:"+u.Email)
	if u.Lang != "" {
		http.SetCookie(w, &http.Cookie{Name: "mamori_lang", Value: u.Lang, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, Secure: s.Cfg.Secure()})
	}
	return audit.Record(ctx, s.DB, r, audit.Entry{Action: audit.LoginOK, TargetType: "user", TargetID: u.ID, ActorID: u.ID, ActorEmail: u.Email})
}

func (s *Service) mfaPage(w http.ResponseWriter, r *http.Request) error {
	return s.page(w, r, http.StatusOK, "login_mfa", "auth.mfa_title", web.NewForm(url.Values{"next": {r.URL.Query().Get("next")}}), nil)
}

func (s *Service) mfaPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	pv := web.PendingViewerFrom(r.Context())
	u, err := UserByID(r.Context(), s.DB, pv.UserID)
	if err != nil {
		return err
	}
	if err := s.CheckSecondFactor(r.Context(), r, u, f.Get("code")); err != nil {
		if errors.Is(err, errMFAFailed) {
			s.recordMFAFailure(r.Context(), r, u)
		}
		return s.formError(w, r, err, "login_mfa", "auth.mfa_title", f, nil)
	}
	if err := s.finishLogin(w, r, u, pv.SessionHash); err != nil {
		return err
	}
	next := web.SafeNext(f.Get("next"))
	if next == "/" {
		next = "/dashboard"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Service) logoutPost(w http.ResponseWriter, r *http.Request) error {
	if ck, err := r.Cookie(s.CookieName()); err == nil && ck.Value != "" {
		DeleteSession(r.Context(), s.DB, HashSecret(ck.Value))
		if v := web.ViewerFrom(r.Context()); v != nil {
			audit.Record(r.Context(), s.DB, r, audit.Entry{Action: audit.Logout, TargetType: "user", TargetID: v.UserID})
		}
	}
	s.clearSessionCookie(w)
	return web.Redirect(w, r, "/", "flash.logged_out")
}

func (s *Service) forgotPage(w http.ResponseWriter, r *http.Request) error {
	return s.page(w, r, http.StatusOK, "forgot", "auth.forgot_title", nil, nil)
}

func (s *Service) forgotPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	if err := s.RequestReset(r.Context(), r, f.Get("email"), web.LangFrom(r.Context())); err != nil {
		return s.formError(w, r, err, "forgot", "auth.forgot_title", f, nil)
	}
	return s.page(w, r, http.StatusOK, "forgot_done", "auth.forgot_title", f, nil)
}

func (s *Service) resetPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := PeekEmailToken(r.Context(), s.DB.Read(), PurposeReset, r.PathValue("token")); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return apperr.New(apperr.NotFound, "auth.link_invalid")
		}
		return err
	}
	return s.page(w, r, http.StatusOK, "reset", "auth.reset_title", nil, map[string]string{"Token": r.PathValue("token")})
}

func (s *Service) resetPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	data := map[string]string{"Token": r.PathValue("token")}
	if f.Get("password") != f.Get("password_confirm") {
		f.Errors["password_confirm"] = "auth.password_mismatch"
		return s.page(w, r, http.StatusUnprocessableEntity, "reset", "auth.reset_title", f, data)
	}
	if err := s.ResetPassword(r.Context(), r, r.PathValue("token"), f.Get("password")); err != nil {
		return s.formError(w, r, err, "reset", "auth.reset_title", f, data)
	}
	s.clearSessionCookie(w)
	return web.Redirect(w, r, "/login", "flash.password_reset")
}

func (s *Service) langPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	lang := f.Get("lang")
	if !i18n.Supported(lang) {
		return apperr.Field("lang", "error.invalid_input")
	}
	http.SetCookie(w, &http.Cookie{Name: "mamori_lang", Value: lang, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, Secure: s.Cfg.Secure()})
	if v := web.ViewerFrom(r.Context()); v != nil {
		if err := SetLang(r.Context(), s.DB, v.UserID, lang, s.now()); err != nil {
			return err
		}
	}
	http.Redirect(w, r, web.SafeNext(f.Get("next")), http.StatusSeeOther)
	return nil
}

func (s *Service) setupPage(w http.ResponseWriter, r *http.Request) error {
	if err := setupOpen(r.Context(), s.DB.Read()); err != nil {
		return err
	}
	if _, err := PeekEmailToken(r.Context(), s.DB.Read(), PurposeSetup, r.PathValue("token")); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return apperr.New(apperr.NotFound, "auth.link_invalid")
		}
		return err
	}
	return s.page(w, r, http.StatusOK, "setup", "auth.setup_title", nil, map[string]string{"Token": r.PathValue("token")})
}

func (s *Service) setupPost(w http.ResponseWriter, r *http.Request) error {
	f, err := web.ParseForm(r)
	if err != nil {
		return err
	}
	data := map[string]string{"Token": r.PathValue("token")}
	if f.Get("password") != f.Get("password_confirm") {
		f.Errors["password_confirm"] = "auth.password_mismatch"
		return s.page(w, r, http.StatusUnprocessableEntity, "setup", "auth.setup_title", f, data)
	}
	if f.Get("password") == "" {
		f.Errors["password"] = "auth.password_too_short"
		return s.page(w, r, http.StatusUnprocessableEntity, "setup", "auth.setup_title", f, data)
	}
	var u *User
	err = s.DB.InTx(r.Context(), func(tx *db.Tx) error {
		// One setup at a time across instances, and none once an
		// administrator exists: of several posts at once, one creates the
		// administrator and the others are told it exists.
		if err := LockSubject(r.Context(), tx, setupLock); err != nil {
			return err
		}
		if err := setupOpen(r.Context(), tx); err != nil {
			return err
		}
		if _, err := UseEmailToken(r.Context(), tx, PurposeSetup, r.PathValue("token")); err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return apperr.New(apperr.NotFound, "auth.link_invalid")
			}
			return err
		}
		var err error
		u, err = s.CreateUserDirect(r.Context(), tx, r, CreateUserInput{Email: f.Get("email"), Name: f.Get("name"), Password: f.Get("password"), Role: web.RoleOperatorAdmin, Lang: web.LangFrom(r.Context())})
		if err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, r, audit.Entry{Action: audit.SetupCompleted, TargetType: "user", TargetID: u.ID, ActorID: u.ID, ActorEmail: u.Email})
	})
	if err != nil {
		return s.formError(w, r, err, "setup", "auth.setup_title", f, data)
	}
	if err := s.finishLogin(w, r, u, ""); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin", "flash.setup_done")
}
