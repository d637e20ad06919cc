package backlogsync

import (
	"errors"
	"fmt"
)

// Error codes used across backlogsync. User-facing surfaces (CLI, OData, web)
// map them to exit codes and HTTP statuses in one place each.
const (
	EINVALID      = "invalid"      // bad input: config, statement, parameter
	ENOTFOUND     = "not_found"    // the named object does not exist
	ECONFLICT     = "conflict"     // the operation conflicts with existing state
	EUNAUTHORIZED = "unauthorized" // credentials missing, wrong or lacking a role
	ERATELIMIT    = "rate_limit"   // a rate limit was exhausted
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	EBUSY         = "busy"         // another run holds the lease (Leaser) on the scope
)

// Error is an application error with a machine-readable Code and a message
// meant for the user. Message should say what is wrong and how to fix it.
type Error struct {
	Code    string
	Message string
	Err     error // optional underlying cause
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic message for other errors (whose details belong in logs).
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}
