package web

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"mamori/internal/apperr"
)

// Form carries submitted values back to a template together with per-field
// message keys, so a rejected form is shown again with what the user typed.
type Form struct {
	Values url.Values
	Errors map[string]string
	// Error is a message key for the form as a whole.
	Error string
	Args  []any
}

// NewForm wraps submitted values.
func NewForm(v url.Values) *Form { return &Form{Values: v, Errors: map[string]string{}} }

// Get returns a submitted value.
func (f *Form) Get(name string) string {
	if f == nil || f.Values == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Err returns the message key for a field, or "".
func (f *Form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Apply copies an application error's field problems onto the form; it
// returns false when err is not an input error and must be handled elsewhere.
func (f *Form) Apply(err error) bool {
	var e *apperr.Error
	if !errors.As(err, &e) || (e.Code != apperr.Invalid && e.Code != apperr.Conflict && e.Code != apperr.TooMany && e.Code != apperr.Unauthorized) {
		return false
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	for k, v := range e.Fields {
		f.Errors[k] = v
	}
	if len(e.Fields) == 0 || e.Key != "error.invalid_input" {
		f.Error = e.Key
		f.Args = e.Args
	}
	return true
}

// ParseForm reads a urlencoded form within the body limit and rejects
// invalid UTF-8, which would otherwise end up stored and break pages later.
func ParseForm(r *http.Request) (*Form, error) {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.Wrap(err, apperr.TooLarge, "error.too_large")
		}
		if errors.Is(err, ErrBodyTimeout) {
			return nil, TimeoutError(err)
		}
		return nil, apperr.Wrap(err, apperr.Invalid, "error.bad_form")
	}
	for k, vs := range r.PostForm {
		if !utf8.ValidString(k) {
			return nil, apperr.New(apperr.Invalid, "error.bad_encoding")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, apperr.New(apperr.Invalid, "error.bad_encoding")
			}
		}
	}
	return NewForm(r.PostForm), nil
}

// CleanFilename keeps an uploaded file's name for display only: its base
// name (browsers on Windows send the whole path), without control
// characters, at most max characters; fallback when nothing is left.
func CleanFilename(s string, max int, fallback string) string {
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if rs := []rune(s); len(rs) > max {
		s = string(rs[:max])
	}
	if s == "." || s == "/" || s == "" {
		return fallback
	}
	return s
}

// FormStatus is the status of a form shown again with err: 409 when it
// clashes with stored state, 429 when rate limited, 422 otherwise.
func FormStatus(err error) int {
	switch apperr.From(err).Code {
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusUnprocessableEntity
}
