package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/i18n"
	"mamori/internal/metrics"
)

// Authenticator resolves the viewer of a request from its session cookie
// or bearer token. It returns nil for anonymous requests.
type Authenticator interface {
	Authenticate(w http.ResponseWriter, r *http.Request) (*Viewer, error)
}

// Stack is the middleware chain shared by every route, in the order the
// request meets it.
type Stack struct {
	Log          *slog.Logger
	Errors       *ErrorHandler
	Auth         Authenticator
	Metrics      *metrics.Registry
	MaxBodyBytes int64
	Secure       bool // HTTPS: Secure cookies and HSTS

	requests *metrics.CounterVec
	latency  *metrics.HistogramVec
}

// CSP forbids inline script and style and any foreign origin: every
// script and style mamori serves is a file under /static.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// Wrap builds the handler chain around h.
func (s *Stack) Wrap(h http.Handler) http.Handler {
	if s.Metrics != nil {
		s.requests = s.Metrics.Counter("mamori_http_requests_total", "HTTP requests by route pattern and status.", "method", "route", "code")
		s.latency = s.Metrics.Histogram("mamori_http_request_duration_seconds", "HTTP request latency by route pattern.", metrics.DefBuckets, "route")
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Errors.Handle(w, r, apperr.New(apperr.Forbidden, "error.cross_origin"))
	}))
	h = s.authenticate(h)
	h = cop.Handler(h)
	h = s.language(h)
	h = s.limitBody(h)
	h = s.headers(h)
	h = s.observe(h)
	return h
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each request, counts it for /metrics and turns a panic into
// a 500 page instead of a dropped connection.
func (s *Stack) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		route := new(string)
		r = r.WithContext(context.WithValue(r.Context(), routeKey, route))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					s.Errors.Handle(sw, r, apperr.Errorf("panic: %v", p))
				}
			}
			d := time.Since(start)
			pattern := *route
			if pattern == "" {
				pattern = "unmatched"
			}
			if s.requests != nil {
				s.requests.Inc(r.Method, pattern, strconv.Itoa(sw.status))
				s.latency.Observe(d.Seconds(), pattern)
			}
			if s.Log.Enabled(r.Context(), slog.LevelDebug) || sw.status >= 500 {
				s.Log.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes, "dur_ms", float64(d.Microseconds())/1000)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

func (s *Stack) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if s.Secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Stack) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.MaxBodyBytes {
			s.Errors.Handle(w, r, apperr.New(apperr.TooLarge, "error.too_large"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// language negotiates before authentication so that even errors raised
// while authenticating are in the visitor's language; authenticate then
// refines it with the user's saved setting.
func (s *Stack) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Negotiate("", r)
		if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
			lang = q
		}
		next.ServeHTTP(w, r.WithContext(WithLang(r.Context(), lang)))
	})
}

func (s *Stack) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		v, err := s.Auth.Authenticate(w, r)
		if err != nil {
			s.Errors.Handle(w, r, err)
			return
		}
		ctx := r.Context()
		if v != nil {
			ctx = WithViewer(ctx, v)
			if i18n.Supported(v.Lang) && r.URL.Query().Get("lang") == "" {
				ctx = WithLang(ctx, v.Lang)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
