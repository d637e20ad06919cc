package livesql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync"
)

// This file is the lexer of live SQL (backlogsync query): SQLite's lexical
// rules, tokens with line:column positions, and SQLError, the error with a
// position and a caret under the offending spot.

// SQLPos is a position in a live-SQL statement: the root package's one
// position type (without a file name it prints "line:col").
type SQLPos = backlogsync.Pos

// SQLError is an error in a live-SQL statement: bad syntax, an unknown
// table or column, a statement that is not a query. Error() gives
// "line:col: message"; Snippet shows the line with a caret.
type SQLError struct {
	backlogsync.Pos
	Msg string
	src string
}

// Error implements the error interface.
func (e *SQLError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Unwrap classifies every SQL error as bad input (backlogsync.EINVALID).
func (e *SQLError) Unwrap() error {
	return &backlogsync.Error{Code: backlogsync.EINVALID, Message: e.Error()}
}

// Snippet returns the offending line and a caret under the error's column
// (Pos.Snippet); "" without source.
func (e *SQLError) Snippet() string { return e.Pos.Snippet(e.src) }

// Detail returns Error() and the Snippet, for a terminal.
func (e *SQLError) Detail() string { return e.Error() + "\n" + e.Snippet() }

// sqlTokKind is the kind of a live-SQL token.
type sqlTokKind int

const (
	sqlEOF    sqlTokKind = iota
	sqlIdent             // bare identifier or keyword, as written
	sqlQIdent            // "x", [x] or `x`; text is the unquoted name
	sqlString            // 'x'; text is the unquoted value
	sqlNumber            // number as written
	sqlBlob              // x'..'
	sqlParam             // ?, ?1, :x, @x, $x
	sqlPunct             // operator or punctuation
)

// sqlTok is one token.
type sqlTok struct {
	kind sqlTokKind
	text string
	pos  SQLPos
	end  int // byte offset just past the token
}

// is reports whether t is the bare keyword kw (case-insensitive).
func (t sqlTok) is(kw string) bool { return t.kind == sqlIdent && strings.EqualFold(t.text, kw) }

// isName reports whether t can name a table, column or alias.
func (t sqlTok) isName() bool { return t.kind == sqlIdent || t.kind == sqlQIdent }

// punct reports whether t is the punctuation p.
func (t sqlTok) punct(p string) bool { return t.kind == sqlPunct && t.text == p }

// lexSQL splits src into tokens, skipping blanks and comments. The last
// token is sqlEOF.
func lexSQL(src string) ([]sqlTok, error) {
	var toks []sqlTok
	line, lineStart := 1, 0
	pos := func(off int) SQLPos {
		return SQLPos{Offset: off, Line: line, Col: utf8.RuneCountInString(src[lineStart:off]) + 1}
	}
	errAt := func(off int, format string, args ...any) error {
		return &SQLError{Pos: pos(off), Msg: fmt.Sprintf(format, args...), src: src}
	}
	// advance moves over src[from:to], counting lines.
	advance := func(from, to int) {
		for i := from; i < to; i++ {
			if src[i] == '\n' {
				line, lineStart = line+1, i+1
			}
		}
	}
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			advance(i, i+1)
			i++
			continue
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			i += j
			continue
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return nil, errAt(i, "unterminated comment: /* without */")
			}
			advance(i, i+2+j+2)
			i += 2 + j + 2
			continue
		}
		start, p := i, pos(i)
		tok := sqlTok{pos: p}
		switch {
		case (c == 'x' || c == 'X') && i+1 < len(src) && src[i+1] == '\'':
			j := strings.IndexByte(src[i+2:], '\'')
			if j < 0 {
				return nil, errAt(i, "unterminated blob literal")
			}
			tok.kind, tok.text = sqlBlob, src[i:i+2+j+1]
			i += 2 + j + 1
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, errAt(start, "unterminated string: ' without a closing '")
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			tok.kind, tok.text = sqlString, b.String()
			advance(i, j+1)
			i = j + 1
		case c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, errAt(start, "unterminated quoted identifier: %c without a closing %c", c, closer)
				}
				if src[j] == closer {
					if closer != ']' && j+1 < len(src) && src[j+1] == closer {
						b.WriteByte(closer)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			tok.kind, tok.text = sqlQIdent, b.String()
			advance(i, j+1)
			i = j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i
			if c == '0' && j+1 < len(src) && (src[j+1] == 'x' || src[j+1] == 'X') {
				j += 2
				for j < len(src) && strings.IndexByte("0123456789abcdefABCDEF_", src[j]) >= 0 {
					j++
				}
			} else {
				for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == '_') {
					j++
				}
				if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
					k := j + 1
					if k < len(src) && (src[k] == '+' || src[k] == '-') {
						k++
					}
					if k < len(src) && src[k] >= '0' && src[k] <= '9' {
						j = k
						for j < len(src) && src[j] >= '0' && src[j] <= '9' {
							j++
						}
					}
				}
			}
			tok.kind, tok.text = sqlNumber, src[i:j]
			i = j
		case c == '?' || c == ':' || c == '@' || c == '$':
			j := i + 1
			for j < len(src) && isIdentByte(src, j) {
				j++
			}
			tok.kind, tok.text = sqlParam, src[i:j]
			i = j
		case isIdentStart(src, i):
			j := i
			for j < len(src) && isIdentByte(src, j) {
				_, n := utf8.DecodeRuneInString(src[j:])
				j += n
			}
			tok.kind, tok.text = sqlIdent, src[i:j]
			i = j
		default:
			for _, op := range []string{"->>", "||", "<<", ">>", "<=", ">=", "==", "!=", "<>", "->"} {
				if strings.HasPrefix(src[i:], op) {
					tok.kind, tok.text = sqlPunct, op
					break
				}
			}
			if tok.kind == sqlEOF {
				if strings.IndexByte("()*,;.+-/%<>=&|~", c) < 0 {
					r, _ := utf8.DecodeRuneInString(src[i:])
					return nil, errAt(i, "unexpected character %q", r)
				}
				tok.kind, tok.text = sqlPunct, string(c)
			}
			i += len(tok.text)
		}
		tok.end = i
		toks = append(toks, tok)
	}
	toks = append(toks, sqlTok{kind: sqlEOF, pos: pos(len(src)), end: len(src)})
	return toks, nil
}

func isIdentStart(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r == '_' || unicode.IsLetter(r) || r >= 0x80
}

func isIdentByte(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r) || r >= 0x80
}
