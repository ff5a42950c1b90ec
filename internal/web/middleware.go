package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/i18n"
	"mamori/internal/metrics"
)

// Authenticator resolves the viewer of a request from its session cookie
// or bearer token. It returns ErrAnonymous for a request that names no
// viewer, so a nil viewer never stands for anyone.
type Authenticator interface {
	Authenticate(w http.ResponseWriter, r *http.Request) (*Viewer, error)
}

// ErrAnonymous is an Authenticator's answer for a request without a viewer.
var ErrAnonymous = errors.New("web: anonymous request")

// Stack is the middleware chain shared by every route, in the order the
// request meets it.
type Stack struct {
	Log          *slog.Logger
	Errors       *ErrorHandler
	Auth         Authenticator
	Metrics      *metrics.Registry
	MaxBodyBytes int64
	// BodyLimit, when set, gives a route's own larger limit (see
	// Router.HandleUpload); 0 means MaxBodyBytes.
	BodyLimit func(*http.Request) int64
	// Timeouts give upload routes a read deadline that fits their limit.
	Timeouts Timeouts
	Secure   bool // HTTPS: Secure cookies and HSTS
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (clientaddr.go); empty trusts no header.
	TrustedProxies []netip.Prefix

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
	h = s.limitBody(h)
	h = s.language(h) // before limitBody, so a refusal is in the visitor's language
	h = s.headers(h)
	h = s.observe(h)
	h = s.realClient(h)
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
		privateIfCookie(w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		privateIfCookie(w.Header())
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// privateIfCookie keeps a response that sets a cookie out of shared
// caches: a long-cached public file (a stylesheet, a badge) requested in
// the moment a session is rotated carries the new session cookie, and a
// proxy that stored it would hand that session to everyone.
func privateIfCookie(h http.Header) {
	if len(h.Values("Set-Cookie")) == 0 {
		return
	}
	if cc := h.Get("Cache-Control"); strings.Contains(cc, "public") || cc == "" && h.Get("Expires") != "" {
		h.Set("Cache-Control", "private, no-store")
	}
}

// observe logs each request, counts it for /metrics and turns a panic into
// a 500 page instead of a dropped connection.
func (s *Stack) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		st := &requestState{}
		r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "route", RouteOf(r), "panic", p)
				if sw.status == 0 {
					s.Errors.Handle(sw, r, apperr.Errorf("panic: %v", p))
				}
			}
			d := time.Since(start)
			pattern := RouteOf(r)
			method := MethodLabel(r.Method)
			if s.requests != nil {
				s.requests.Inc(method, pattern, CodeLabel(sw.status))
				s.latency.Observe(d.Seconds(), pattern)
			}
			if s.Log.Enabled(r.Context(), slog.LevelDebug) || sw.status >= 500 {
				s.Log.Info("http", "method", method, "route", pattern, "status", sw.status, "bytes", sw.bytes, "dur_ms", float64(d.Microseconds())/1000)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// RouteOf is the route a request is logged and counted under: the
// registered pattern ("GET /password/reset/{token}"), never the path the
// client sent, since paths hold link secrets (reset, invitation,
// verification and setup tokens) that a debug log must not keep.
func RouteOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	if st := stateOf(r.Context()); st != nil && st.route != "" {
		return st.route
	}
	return RouteUnmatched
}

// RouteUnmatched is the route label of a request no registered pattern
// took (an unknown path, a wrong method). The route label is otherwise the
// registered pattern, never the path the client sent.
const RouteUnmatched = "unmatched"

// MethodLabel maps a request method to the closed set the metrics use:
// the methods of RFC 9110 and PATCH as they are, anything else "other".
// net/http accepts any token up to the header size limit as a method, so
// using it as it came would let every request add a series.
func MethodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// CodeLabel maps a response status to the closed set the metrics use: a
// status net/http knows by name as its number, any other its class
// ("2xx"). A handler that wrote nothing was answered 200 by net/http.
func CodeLabel(status int) string {
	if status == 0 {
		status = http.StatusOK
	}
	if status >= 100 && status < len(codeLabels) {
		return codeLabels[status]
	}
	return "other"
}

// codeLabels holds CodeLabel's answers, built once so that counting a
// request does not format a number.
var codeLabels = func() (t [600]string) {
	for c := 100; c < len(t); c++ {
		if http.StatusText(c) != "" {
			t[c] = strconv.Itoa(c)
		} else {
			t[c] = strconv.Itoa(c/100) + "xx"
		}
	}
	return t
}()

// securityHeaders are set on every response; the value slices are built
// once and shared (net/http only reads them).
var securityHeaders = map[string][]string{
	"Content-Security-Policy":    {CSP},
	"X-Content-Type-Options":     {"nosniff"},
	"X-Frame-Options":            {"DENY"},
	"Referrer-Policy":            {"same-origin"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
	"Permissions-Policy":         {"camera=(), microphone=(), geolocation=(), interest-cohort=()"},
}

// APICSP is the Content-Security-Policy of /api/ responses: JSON is never
// a document, so nothing may load from it and nothing may frame it.
const APICSP = "default-src 'none'; frame-ancestors 'none'"

// apiHeaders replace securityHeaders under /api/, following the OWASP REST
// security headers: the document policies (the page CSP, the opener and
// permissions policies) mean nothing for JSON. Fewer headers also keep
// the response's header map small, which the score endpoint's tail
// latency notices (every header is copied again when net/http writes it).
var apiHeaders = map[string][]string{
	"Content-Security-Policy": {APICSP},
	"X-Content-Type-Options":  {"nosniff"},
	"X-Frame-Options":         {"DENY"},
	"Referrer-Policy":         {"same-origin"},
}

var hstsValue = []string{"max-age=63072000; includeSubDomains"}

func (s *Stack) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		set := securityHeaders
		if strings.HasPrefix(r.URL.Path, "/api/") {
			set = apiHeaders
		}
		for k, v := range set {
			h[k] = v
		}
		if s.Secure {
			h["Strict-Transport-Security"] = hstsValue
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Stack) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, tooLarge := s.MaxBodyBytes, apperr.New(apperr.TooLarge, "error.too_large")
		// A body announced within the general limit cannot exceed it, so
		// the route's own limit (a routing lookup) matters only for larger
		// or unannounced (chunked) bodies: most requests skip it.
		if s.BodyLimit != nil && (r.ContentLength > limit || r.ContentLength < 0) && r.Body != nil && r.Body != http.NoBody {
			if l := s.BodyLimit(r); l > 0 {
				// An upload route: say what size the file may have, and
				// give the body the time that size needs.
				limit, tooLarge = l, apperr.New(apperr.TooLarge, "error.file_too_large", l>>20)
				if r.ContentLength <= limit {
					s.Timeouts.extendForUpload(w, limit)
				}
			}
		}
		if r.ContentLength > limit {
			s.Errors.Handle(w, r, tooLarge)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = timeoutBody{r.Body}
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// language negotiates before authentication so that even errors raised
// while authenticating are in the visitor's language; authenticate then
// refines it with the user's saved setting.
func (s *Stack) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Negotiate("", r)
		if strings.Contains(r.URL.RawQuery, "lang=") {
			if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
				lang = q
			}
		}
		if ctx := WithLang(r.Context(), lang); ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Stack) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		v, err := s.Auth.Authenticate(w, r)
		if err != nil && !errors.Is(err, ErrAnonymous) {
			s.Errors.Handle(w, r, err)
			return
		}
		ctx := r.Context()
		if err == nil && v != nil {
			ctx = WithViewer(ctx, v)
			if i18n.Supported(v.Lang) && !strings.Contains(r.URL.RawQuery, "lang=") {
				ctx = WithLang(ctx, v.Lang)
			}
		}
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}
