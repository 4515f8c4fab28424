package atlas

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each tells the Slack layer how to answer: every code but
// Internal carries a message that is safe to show the person who asked.
const (
	EInvalid   = "invalid"   // the input was wrong; the message says how to fix it
	ENotFound  = "not_found" // the thing named does not exist (for this practice)
	EConflict  = "conflict"  // the change clashes with the current state
	EForbidden = "forbidden" // the caller's role does not allow it
	EInternal  = "internal"  // anything else; never shown, logged with a reference
)

// Error is an error with a code and a message meant for people.
type Error struct {
	Code    string
	Message string
	// Field names the input at fault, when there is one (a modal block id).
	Field string
	// Err is the underlying cause, kept for logs and errors.Is/As.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid error that names the input at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and message that keeps err as
// its cause.
func Wrap(err error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-safe message of err. Internal errors get a
// generic message: their details belong in the log, not in Slack.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "Something went wrong on our side."
}

// ErrorField returns the input field named by err, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// FieldErrors is every field error of a form at once, in form order, so the
// person sees all of them rather than one per attempt. errors.As finds the
// first as an *atlas.Error, so code that knows only single errors still
// shows something sensible.
type FieldErrors []*Error

func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Field + ": " + e.Message
	}
	return "invalid: " + strings.Join(msgs, "; ")
}

// Unwrap exposes each field's error to errors.Is and errors.As.
func (fe FieldErrors) Unwrap() []error {
	out := make([]error, len(fe))
	for i, e := range fe {
		out[i] = e
	}
	return out
}

// Fields maps each field to its message, the shape of Slack's
// response_action errors. A field with several errors keeps the first.
func (fe FieldErrors) Fields() map[string]string {
	out := make(map[string]string, len(fe))
	for _, e := range fe {
		if _, dup := out[e.Field]; !dup {
			out[e.Field] = e.Message
		}
	}
	return out
}
