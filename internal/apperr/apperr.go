// Package apperr is mamori's one application error type. Handlers and logic
// return it to say what went wrong in terms a user can be told (a message
// key translated later), while the wrapped cause stays in the logs only.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the HTTP layer.
type Code string

const (
	Invalid      Code = "invalid"      // 400/422: the input is wrong
	Unauthorized Code = "unauthorized" // 401: log in first
	Forbidden    Code = "forbidden"    // 403: logged in, not allowed
	NotFound     Code = "not_found"    // 404
	Conflict     Code = "conflict"     // 409: clashes with stored state
	TooMany      Code = "too_many"     // 429: rate limited
	TooLarge     Code = "too_large"    // 413
	Timeout      Code = "timeout"      // 408: the request body came too slowly
	Internal     Code = "internal"     // 500: our fault; details only in logs
)

// Error carries a code, a message key from the i18n catalogs with its
// arguments, optional per-field message keys, and the underlying cause.
type Error struct {
	Code   Code
	Key    string
	Args   []any
	Fields map[string]string // field name → message key
	Cause  error
	// Status overrides the HTTP status the code maps to (e.g. 405).
	Status int
}

// WithStatus sets an explicit HTTP status.
func (e *Error) WithStatus(status int) *Error { e.Status = status; return e }

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// New builds an Error with a message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap records cause behind a user-facing message.
func Wrap(cause error, code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Cause: cause}
}

// Field returns an Invalid error naming one bad field.
func Field(field, key string) *Error {
	return &Error{Code: Invalid, Key: "error.invalid_input", Fields: map[string]string{field: key}}
}

// FieldSet collects problems with several fields so a form shows them all.
type FieldSet map[string]string

// Add records the first problem per field.
func (f FieldSet) Add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

// Err returns nil when no field is bad.
func (f FieldSet) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Key: "error.invalid_input", Fields: map[string]string(f)}
}

// From returns err's application error (found with errors.As), or an
// internal one holding err as its cause: every error has a status and a
// message key. Named From, not As, because unlike errors.As it always
// succeeds.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Key: "error.internal", Cause: err}
}

// Is reports whether err is an application error with the given code.
func Is(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Errorf is a convenience for internal errors with context.
func Errorf(format string, args ...any) error {
	return &Error{Code: Internal, Key: "error.internal", Cause: fmt.Errorf(format, args...)}
}
