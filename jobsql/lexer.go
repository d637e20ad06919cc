package jobsql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tokEOF     tokKind = iota
	tokIllegal         // a lexical error; text holds the message
	tokIdent           // bare identifier or keyword; text is as written
	tokQIdent          // quoted identifier ([x], "x", `x`); text is the unquoted name
	tokNumber          // unsigned number; text is as written
	tokString          // 'string'; text is the unquoted value
	tokPunct           // operator or punctuation; text is the canonical spelling
)

// token is one lexical token.
type token struct {
	kind tokKind
	text string
	pos  Pos
	end  int // byte offset just past the token
}

// lexer splits a statement file into tokens. Whitespace and comments
// ("-- …" to end of line, "/* … */") are skipped.
type lexer struct {
	src       string
	filename  string
	off       int
	line      int
	lineStart int
	colOff    int // added to every column (ParseAt)
}

func newLexer(filename, src string) *lexer {
	return newLexerAt(Pos{Filename: filename, Line: 1, Col: 1}, src)
}

// newLexerAt is newLexer for a text whose first byte is at start (its
// Line and Col; statements written inline in a YAML file): lines count
// from start.Line and every column is shifted by start.Col-1, the
// indentation of a YAML block.
func newLexerAt(start Pos, src string) *lexer {
	lx := &lexer{src: src, filename: start.Filename, line: max(start.Line, 1), colOff: max(start.Col-1, 0)}
	if strings.HasPrefix(src, "\uFEFF") { // byte order mark from Windows editors
		lx.off = len("\uFEFF")
		lx.lineStart = lx.off
	}
	return lx
}

// pos returns the position of byte offset off, which must not be before
// the start of the current line.
func (lx *lexer) pos(off int) Pos {
	return Pos{
		Filename: lx.filename,
		Offset:   off,
		Line:     lx.line,
		Col:      utf8.RuneCountInString(lx.src[lx.lineStart:off]) + 1 + lx.colOff,
	}
}

func (lx *lexer) newline(off int) {
	lx.line++
	lx.lineStart = off + 1
}

// skip skips whitespace and comments. It returns an illegal token for an
// unterminated block comment.
func (lx *lexer) skip() *token {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == '\n':
			lx.newline(lx.off)
			lx.off++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.off++
		case c == '-' && strings.HasPrefix(lx.src[lx.off:], "--"):
			i := strings.IndexByte(lx.src[lx.off:], '\n')
			if i < 0 {
				lx.off = len(lx.src)
			} else {
				lx.off += i
			}
		case c == '/' && strings.HasPrefix(lx.src[lx.off:], "/*"):
			start := lx.pos(lx.off)
			i := strings.Index(lx.src[lx.off+2:], "*/")
			if i < 0 {
				lx.advanceTo(len(lx.src))
				return &token{kind: tokIllegal, text: "unterminated /* comment", pos: start, end: len(lx.src)}
			}
			lx.advanceTo(lx.off + 2 + i + 2)
		default:
			if r, n := utf8.DecodeRuneInString(lx.src[lx.off:]); r != utf8.RuneError && unicode.IsSpace(r) {
				lx.off += n
				continue
			}
			return nil
		}
	}
	return nil
}

// advanceTo moves to byte offset end, counting the newlines passed.
func (lx *lexer) advanceTo(end int) {
	for i := lx.off; i < end; i++ {
		if lx.src[i] == '\n' {
			lx.newline(i)
		}
	}
	lx.off = end
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }

// next returns the next token.
func (lx *lexer) next() token {
	if t := lx.skip(); t != nil {
		return *t
	}
	if lx.off >= len(lx.src) {
		return token{kind: tokEOF, pos: lx.pos(lx.off), end: lx.off}
	}
	start := lx.off
	pos := lx.pos(start)
	tok := func(kind tokKind, text string) token {
		return token{kind: kind, text: text, pos: pos, end: lx.off}
	}
	c := lx.src[start]
	switch {
	case c == '\'':
		s, ok := lx.quoted('\'', true)
		if !ok {
			return tok(tokIllegal, "unterminated string literal: missing closing '")
		}
		return tok(tokString, s)
	case c == '"' || c == '`' || c == '[':
		closer := c
		if c == '[' {
			closer = ']'
		}
		s, ok := lx.quoted(closer, false)
		switch {
		case !ok:
			return tok(tokIllegal, fmt.Sprintf("unterminated quoted identifier: missing closing %c", closer))
		case s == "":
			return tok(tokIllegal, "empty quoted identifier")
		}
		return tok(tokQIdent, s)
	case isDigit(c) || c == '.' && start+1 < len(lx.src) && isDigit(lx.src[start+1]):
		return lx.number(pos)
	}
	if r, n := utf8.DecodeRuneInString(lx.src[start:]); isIdentStart(r) {
		lx.off += n
		for lx.off < len(lx.src) {
			r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
			if !isIdentPart(r) {
				break
			}
			lx.off += n
		}
		return tok(tokIdent, lx.src[start:lx.off])
	}
	for _, p := range [...]string{"<=", ">=", "<>", "!=", "(", ")", ",", ";", ".", "*", "=", "<", ">", "-"} {
		if strings.HasPrefix(lx.src[start:], p) {
			lx.off += len(p)
			return tok(tokPunct, p)
		}
	}
	r, n := utf8.DecodeRuneInString(lx.src[start:])
	lx.off += n
	return tok(tokIllegal, fmt.Sprintf("unexpected character %q", r))
}

// quoted scans a quoted string or identifier starting at lx.off, where a
// doubled closer stands for itself. Identifiers may not span lines, so a
// forgotten closer is reported on its own line.
func (lx *lexer) quoted(closer byte, multiline bool) (string, bool) {
	var b strings.Builder
	i := lx.off + 1
	for i < len(lx.src) {
		c := lx.src[i]
		switch {
		case c == closer:
			if i+1 < len(lx.src) && lx.src[i+1] == closer {
				b.WriteByte(closer)
				i += 2
				continue
			}
			lx.advanceTo(i + 1)
			return b.String(), true
		case c == '\n' && !multiline:
			// Resume just after the opener, so that the rest of the
			// line (and its ';') is parsed again and recovery works.
			lx.off++
			return "", false
		}
		b.WriteByte(c)
		i++
	}
	lx.advanceTo(len(lx.src))
	return "", false
}

// number scans digits [. digits] [e [+-] digits].
func (lx *lexer) number(pos Pos) token {
	s := lx.src
	i := lx.off
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	text := s[lx.off:i]
	lx.off = i
	if i < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[i:]); isIdentPart(r) || r == '.' {
			return token{kind: tokIllegal, text: fmt.Sprintf("malformed number %q", text+string(r)), pos: pos, end: i}
		}
	}
	return token{kind: tokNumber, text: text, pos: pos, end: i}
}
