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
// the error's column, each line indented by four spaces and ending in a
// newline. Tabs before the column are kept and East Asian wide characters
// count two cells, so the caret lines up in a terminal. It returns "" when
// the source line is not available.
func (e *Error) Snippet() string {
	if e.Line < 1 || e.Offset < 0 || e.Offset > len(e.src) {
		return ""
	}
	start := strings.LastIndexByte(e.src[:e.Offset], '\n') + 1
	end := strings.IndexByte(e.src[e.Offset:], '\n')
	if end < 0 {
		end = len(e.src)
	} else {
		end += e.Offset
	}
	line := strings.TrimRight(e.src[start:end], "\r")
	var caret strings.Builder
	for _, r := range e.src[start:e.Offset] {
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

// isWide reports whether r takes two cells in a terminal (East Asian Wide
// and Fullwidth: CJK, kana, Hangul, fullwidth forms).
func isWide(r rune) bool {
	return r >= 0x1100 && r <= 0x115F || r >= 0x2E80 && r <= 0x303E || r >= 0x3041 && r <= 0x33FF ||
		r >= 0x3400 && r <= 0x4DBF || r >= 0x4E00 && r <= 0x9FFF || r >= 0xA000 && r <= 0xA4CF ||
		r >= 0xAC00 && r <= 0xD7A3 || r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F ||
		r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6 || r >= 0x20000 && r <= 0x3FFFD
}
