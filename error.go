package backlogsync

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes used across backlogsync: the one classification of errors.
// Every error a caller must act on unwraps (errors.As) to an *Error with one
// of these codes — the Backlog client's typed errors, the destinations'
// errors and the parsers' errors alike — and user-facing surfaces (CLI exit
// codes, OData and REST HTTP statuses, retry decisions) map them in one
// place each. Use ErrorCode to read an error's code and Retryable to decide
// whether trying again later may succeed.
const (
	EINVALID      = "invalid"      // bad input: config, statement, parameter, connection string
	ENOTFOUND     = "not_found"    // the named object does not exist
	ECONFLICT     = "conflict"     // the operation conflicts with existing state
	EUNAUTHORIZED = "unauthorized" // credentials missing, wrong, expired, or lacking a role
	ERATELIMIT    = "rate_limit"   // a rate limit was exhausted; retry after its reset
	EUNAVAILABLE  = "unavailable"  // the service or network failed (5xx, reset, timeout); retrying may succeed
	EPARTIAL      = "partial"      // some of the work failed and the rest was done (ContinueOnError)
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

// Retryable reports whether err is of a kind that trying again later may fix:
// ERATELIMIT (after the limit resets) or EUNAVAILABLE.
func Retryable(err error) bool {
	switch ErrorCode(err) {
	case ERATELIMIT, EUNAVAILABLE:
		return true
	}
	return false
}

// Pos is a position in a source text: a statements file, a configuration
// file (statements written inline in YAML carry their line in the YAML
// file), or a live-SQL statement. Line and Col are 1-based; Col counts
// Unicode code points (a tab counts as one), so it matches what an editor
// shows. Offset is the 0-based byte offset into the text that was parsed.
// The zero Pos means "unknown". Every error about a place in a text uses
// it, so that all print "file:line:col".
type Pos struct {
	Filename string
	Offset   int
	Line     int
	Col      int
}

// String returns "file:line:col", "line:col" without a file name, and
// "file:line" or "file" when the column or line is unknown.
func (p Pos) String() string {
	var s string
	switch {
	case p.Line == 0:
		return p.Filename
	case p.Col == 0:
		s = fmt.Sprintf("%d", p.Line)
	default:
		s = fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	if p.Filename == "" {
		return s
	}
	return p.Filename + ":" + s
}

// Snippet returns the line of src that p is on and, below it, a caret under
// p's column, each indented by four spaces and ending in a newline. Tabs
// before the column are kept and East Asian wide characters count two
// cells, so the caret lines up in a terminal. p.Offset is a byte offset
// into src; it returns "" when p is unknown or outside src.
func (p Pos) Snippet(src string) string {
	if p.Line < 1 || p.Offset < 0 || p.Offset > len(src) {
		return ""
	}
	start := strings.LastIndexByte(src[:p.Offset], '\n') + 1
	end := strings.IndexByte(src[p.Offset:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += p.Offset
	}
	line := strings.TrimRight(src[start:end], "\r")
	var caret strings.Builder
	for _, r := range src[start:p.Offset] {
		switch {
		case r == '\t':
			caret.WriteByte('\t')
		case isWide(r):
			caret.WriteString("  ")
		default:
			caret.WriteByte(' ')
		}
	}
	caret.WriteByte('^')
	return "    " + line + "\n    " + caret.String() + "\n"
}

// isWide reports whether r takes two cells in a terminal (East Asian Wide
// and Fullwidth: CJK, kana, Hangul, fullwidth forms).
func isWide(r rune) bool {
	return r >= 0x1100 && r <= 0x115F || r >= 0x2E80 && r <= 0x303E || r >= 0x3041 && r <= 0x33FF ||
		r >= 0x3400 && r <= 0x4DBF || r >= 0x4E00 && r <= 0x9FFF || r >= 0xA000 && r <= 0xA4CF ||
		r >= 0xAC00 && r <= 0xD7A3 || r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F ||
		r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6 || r >= 0x20000 && r <= 0x3FFFD
}
