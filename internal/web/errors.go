package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/i18n"
)

// ErrorHandler is the one place that turns an error into a status, a
// translated page or JSON body, and a log line. Internal error text is only
// ever logged.
type ErrorHandler struct {
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Render  *Renderer // nil in tests that only need JSON
}

func statusOf(e *apperr.Error) int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Timeout:
		return http.StatusRequestTimeout
	}
	return http.StatusInternalServerError
}

// IsAPI reports whether a request wants JSON answers.
func IsAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/")
}

// Handle writes the response for err.
func (h *ErrorHandler) Handle(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = apperr.Wrap(err, apperr.TooLarge, "error.too_large")
	}
	if errors.Is(err, ErrBodyTimeout) {
		// Whatever the handler made of the failed read (a bad form, or
		// nothing), the client was too slow: 408, not 400 or 500.
		err = TimeoutError(err)
	}
	if errors.Is(err, db.ErrNotFound) && !isAppErr(err) {
		err = apperr.Wrap(err, apperr.NotFound, "error.not_found")
	}
	e := apperr.From(err)
	status := statusOf(e)
	if status >= 500 {
		h.Log.ErrorContext(r.Context(), "request failed", "method", MethodLabel(r.Method), "route", RouteOf(r), "err", err)
	} else {
		h.Log.DebugContext(r.Context(), "request refused", "method", MethodLabel(r.Method), "route", RouteOf(r), "status", status, "err", err)
	}
	p := h.Catalog.Printer(LangFrom(r.Context()))
	msg := p.T(e.Key, e.Args...)
	if status >= 500 && e.Code == apperr.Internal {
		// Our fault: the cause is in the log, never in the answer. A 503
		// given another code on purpose (busy, try again) keeps its text.
		msg = p.T("error.internal")
	}
	if IsAPI(r) {
		body := apiError{Error: apiErrorBody{Code: string(e.Code), Message: msg}}
		if len(e.Fields) > 0 {
			body.Error.Fields = map[string]string{}
			for f, k := range e.Fields {
				body.Error.Fields[f] = p.T(k)
			}
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mamori"`)
		}
		WriteJSON(w, status, body)
		return
	}
	if status == http.StatusUnauthorized {
		// A client that presented a bearer token is a machine (a scraper):
		// it is told so, not sent to a login form. (Basic credentials may
		// be a proxy's in front of a browser, which wants the form.)
		if _, bearer := BearerToken(r); bearer {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mamori"`)
		} else if r.Method == http.MethodGet {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
	}
	if h.Render == nil {
		http.Error(w, msg, status)
		return
	}
	h.Render.Page(w, r, status, "web/error", Page{Title: p.T("error.title"), Data: errorPage{Status: status, Message: msg}})
}

func isAppErr(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e)
}

type errorPage struct {
	Status  int
	Message string
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	return enc.Encode(v)
}

// DecodeJSON reads a JSON body strictly: unknown fields and trailing data
// are errors, so a client's typo is reported rather than ignored; member
// names must be exactly the documented ones, each once (checkJSONNames:
// encoding/json alone would take "Name" or a duplicate's last value); and
// strings must be Unicode text (CheckJSONText). Every API handler that
// takes JSON decodes through it or DecodeJSONBytes.
func DecodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.Wrap(err, apperr.TooLarge, "error.too_large")
		}
		if errors.Is(err, ErrBodyTimeout) {
			return TimeoutError(err)
		}
		return apperr.Wrap(err, apperr.Invalid, "error.bad_json")
	}
	return DecodeJSONBytes(b, v)
}

// DecodeJSONBytes is DecodeJSON for a body already read.
func DecodeJSONBytes(b []byte, v any) error {
	if err := CheckJSONText(b); err != nil {
		return err
	}
	if err := checkJSONNames(b, reflect.TypeOf(v)); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "error.bad_json")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Only whitespace may follow the value. More() would let a stray
		// "}" or "]" through, so read on to the end.
		if _, err = dec.Token(); err == io.EOF {
			return nil
		} else if err == nil {
			err = errors.New("trailing data after JSON value")
		}
	}
	return apperr.Wrap(err, apperr.Invalid, "error.bad_json")
}
