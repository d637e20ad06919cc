package jobsql

import (
	"strings"

	"github.com/backlogsync/backlogsync"
)

// Pos is a position in a statement file: the root package's one position
// type. Offset is the byte offset into the text given to Parse.
type Pos = backlogsync.Pos

// Error is a syntax or validation error in a statement file. Error() gives
// the one-line "file:line:col: message" form; Snippet renders the source
// line with a caret under the offending column.
type Error struct {
	Pos
	Msg string
	src string // the whole source, for Snippet
}

// Error implements the error interface: "file:line:col: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Unwrap maps every statement error to the application error code
// backlogsync.EINVALID, so that backlogsync.ErrorCode classifies it as bad
// input.
func (e *Error) Unwrap() error {
	return &backlogsync.Error{Code: backlogsync.EINVALID, Message: e.Error()}
}

// Snippet returns the offending source line and, below it, a caret under
// the error's column (Pos.Snippet); "" when the source is not available.
func (e *Error) Snippet() string { return e.Pos.Snippet(e.src) }

// Detail returns Error() followed by the Snippet, the form meant for a
// terminal.
func (e *Error) Detail() string { return e.Error() + "\n" + e.Snippet() }

// ErrorList is every error found in one file, in source order: at most one
// per statement (parsing resumes after the next ';'). Parse returns a
// non-empty ErrorList as its error.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Detail returns every error with its snippet, for a terminal.
func (l ErrorList) Detail() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Detail())
	}
	return b.String()
}

// Unwrap returns the errors, so errors.As finds the first *Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
