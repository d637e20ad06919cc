package odata

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	bs "github.com/backlogsync/backlogsync"
)

// This file parses $filter (and key predicates) into backlogsync.Expr. It is
// a small Pratt parser for the subset of the OData 4.0 ABNF the server
// translates to SQL; everything outside the subset is rejected with its
// position, never ignored. CiscoM31/godata parses more, but it reports no
// positions, accepts $top=-1 and needs the same whitelisting on top; the
// subset is small enough to own, and FuzzParseFilter keeps it honest.

// optionError is a bad query option: status 400, or 501 for a valid but
// unsupported feature. Pos is a 1-based byte position in the option's value
// (0 when unknown).
type optionError struct {
	Status int
	Option string
	Pos    int
	Msg    string
}

func (e *optionError) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("%s: at position %d: %s", e.Option, e.Pos, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Option, e.Msg)
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tDate
	tDateTime
	tLParen
	tRParen
	tComma
	tSlash
	tMinus
)

type token struct {
	kind tokKind
	pos  int // 0-based byte offset
	text string
	val  any // tString: string; tNumber: int64 or float64; tDate/tDateTime: time.Time
}

type lexer struct {
	src string
	pos int
	opt string
}

func (l *lexer) errf(pos int, status int, format string, args ...any) *optionError {
	return &optionError{Status: status, Option: l.opt, Pos: pos + 1, Msg: fmt.Sprintf(format, args...)}
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t') {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '(':
		l.pos++
		return token{kind: tLParen, pos: start, text: "("}, nil
	case c == ')':
		l.pos++
		return token{kind: tRParen, pos: start, text: ")"}, nil
	case c == ',':
		l.pos++
		return token{kind: tComma, pos: start, text: ","}, nil
	case c == '/':
		l.pos++
		return token{kind: tSlash, pos: start, text: "/"}, nil
	case c == '\'':
		var b strings.Builder
		l.pos++
		for {
			if l.pos >= len(l.src) {
				return token{}, l.errf(start, 400, "unterminated string literal")
			}
			if l.src[l.pos] == '\'' {
				if l.pos+1 < len(l.src) && l.src[l.pos+1] == '\'' {
					b.WriteByte('\'')
					l.pos += 2
					continue
				}
				l.pos++
				break
			}
			b.WriteByte(l.src[l.pos])
			l.pos++
		}
		s := b.String()
		if !utf8.ValidString(s) {
			return token{}, l.errf(start, 400, "string literal is not valid UTF-8")
		}
		return token{kind: tString, pos: start, text: l.src[start:l.pos], val: s}, nil
	case c == '-' && (l.pos+1 >= len(l.src) || !isDigit(l.src[l.pos+1])):
		l.pos++
		return token{kind: tMinus, pos: start, text: "-"}, nil
	case isDigit(c) || c == '-':
		return l.number()
	case isIdentStart(c):
		for l.pos < len(l.src) && (isIdentStart(l.src[l.pos]) || isDigit(l.src[l.pos]) || l.src[l.pos] == '.') {
			l.pos++
		}
		return token{kind: tIdent, pos: start, text: l.src[start:l.pos]}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return token{}, l.errf(start, 400, "unexpected character %q", r)
}

// number lexes an integer, a decimal, a date or a date-time offset.
func (l *lexer) number() (token, error) {
	start := l.pos
	end := start
	for end < len(l.src) && strings.IndexByte("0123456789-+:.TZeE", l.src[end]) >= 0 {
		// A '-' or '+' continues the literal only inside a date or after
		// an exponent: "1 sub -2" has spaces, "2024-01-01" does not.
		end++
	}
	text := l.src[start:end]
	// Dates and date-times have a '-' after four digits.
	if len(text) >= 10 && text[4] == '-' && isDigit(text[0]) {
		l.pos = end
		if len(text) == 10 {
			t, err := time.Parse("2006-01-02", text)
			if err != nil {
				return token{}, l.errf(start, 400, "bad date literal %q (write YYYY-MM-DD)", text)
			}
			return token{kind: tDate, pos: start, text: text, val: t}, nil
		}
		// "+01:00" whose '+' was decoded as a space.
		if end+6 <= len(l.src) && l.src[end] == ' ' && isDigit(l.src[end+1]) && isDigit(l.src[end+2]) &&
			l.src[end+3] == ':' && isDigit(l.src[end+4]) && isDigit(l.src[end+5]) &&
			!strings.ContainsAny(text[10:], "Z+-") {
			text += "+" + l.src[end+1:end+6]
			l.pos = end + 6
		}
		t, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			if _, err2 := time.Parse("2006-01-02T15:04:05", text); err2 == nil {
				return token{}, l.errf(start, 400, "date-time literal %q needs a time zone (Z or +hh:mm)", text)
			}
			return token{}, l.errf(start, 400, "bad date-time literal %q (write 2024-01-31T09:00:00Z)", text)
		}
		return token{kind: tDateTime, pos: start, text: text, val: t}, nil
	}
	// A plain number: sign, digits, fraction, exponent, optional suffix.
	end = start
	if l.src[end] == '-' {
		end++
	}
	for end < len(l.src) && isDigit(l.src[end]) {
		end++
	}
	isFloat := false
	if end < len(l.src) && l.src[end] == '.' {
		isFloat = true
		end++
		for end < len(l.src) && isDigit(l.src[end]) {
			end++
		}
	}
	if end < len(l.src) && (l.src[end] == 'e' || l.src[end] == 'E') {
		isFloat = true
		end++
		if end < len(l.src) && (l.src[end] == '+' || l.src[end] == '-') {
			end++
		}
		for end < len(l.src) && isDigit(l.src[end]) {
			end++
		}
	}
	text = l.src[start:end]
	// Clients written for OData v2/v3 (and the SAP SDK) add type suffixes.
	if end < len(l.src) && strings.IndexByte("LlMmDdFf", l.src[end]) >= 0 &&
		(end+1 >= len(l.src) || !isIdentStart(l.src[end+1]) && !isDigit(l.src[end+1])) {
		if s := l.src[end]; s == 'L' || s == 'l' {
			if isFloat {
				return token{}, l.errf(start, 400, "bad number %q", l.src[start:end+1])
			}
		} else {
			isFloat = true
		}
		end++
	}
	l.pos = end
	if end < len(l.src) && (isIdentStart(l.src[end]) || isDigit(l.src[end])) {
		return token{}, l.errf(start, 400, "bad number %q", l.src[start:end+1])
	}
	if !isFloat {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return token{}, l.errf(start, 400, "integer %s is out of range", text)
		}
		return token{kind: tNumber, pos: start, text: text, val: n}, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return token{}, l.errf(start, 400, "bad number %q", text)
	}
	return token{kind: tNumber, pos: start, text: text, val: f}, nil
}

// node is a parsed $filter expression.
type node struct {
	kind nodeKind
	pos  int
	name string // nIdent: property; nCall: function; nBin/nUnary: operator
	lit  bs.Lit // nLit (Value nil is null)
	args []*node
}

type nodeKind int

const (
	nIdent nodeKind = iota + 1
	nLit
	nCall
	nBin
	nUnary
	nList
)

type parser struct {
	lx    lexer
	tok   token
	depth int
}

// maxDepth bounds nesting so that a hostile filter cannot exhaust the stack.
const maxDepth = 100

func newParser(option, src string) (*parser, error) {
	p := &parser{lx: lexer{src: src, opt: option}}
	return p, p.advance()
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errf(pos, status int, format string, args ...any) *optionError {
	return p.lx.errf(pos, status, format, args...)
}

// binding powers of the binary operators, OData's precedence.
var infix = map[string]int{
	"or": 1, "and": 2,
	"eq": 3, "ne": 3,
	"gt": 4, "ge": 4, "lt": 4, "le": 4, "in": 4, "has": 4,
	"add": 5, "sub": 5,
	"mul": 6, "div": 6, "mod": 6, "divby": 6,
}

func (p *parser) parseExpr(minBP int) (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf(p.tok.pos, 400, "expression nested more than %d levels", maxDepth)
	}
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for {
		if p.tok.kind != tIdent {
			return left, nil
		}
		op := p.tok.text
		bp, ok := infix[op]
		if !ok {
			return nil, p.errf(p.tok.pos, 400, "expected an operator (eq, and, add, …), got %q", op)
		}
		if bp <= minBP {
			return left, nil
		}
		pos := p.tok.pos
		if op == "has" || op == "divby" {
			return nil, p.errf(pos, 501, "operator %s is not supported", op)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		var right *node
		if op == "in" {
			right, err = p.parseList()
		} else {
			right, err = p.parseExpr(bp)
		}
		if err != nil {
			return nil, err
		}
		left = &node{kind: nBin, pos: pos, name: op, args: []*node{left, right}}
	}
}

func (p *parser) parseList() (*node, error) {
	pos := p.tok.pos
	if p.tok.kind != tLParen {
		return nil, p.errf(pos, 400, "in needs a parenthesised list of literals")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	list := &node{kind: nList, pos: pos}
	for p.tok.kind != tRParen {
		if len(list.args) > 0 {
			if p.tok.kind != tComma {
				return nil, p.errf(p.tok.pos, 400, "expected ',' or ')' in the in list")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		e, err := p.parseExpr(0)
		if err != nil {
			return nil, err
		}
		if e.kind != nLit {
			return nil, p.errf(e.pos, 501, "an in list may hold only literals")
		}
		list.args = append(list.args, e)
	}
	return list, p.advance()
}

func (p *parser) parsePrimary() (*node, error) {
	t := p.tok
	switch t.kind {
	case tEOF:
		return nil, p.errf(t.pos, 400, "unexpected end of expression")
	case tLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.parseExpr(0)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errf(p.tok.pos, 400, "expected ')'")
		}
		return e, p.advance()
	case tString:
		return p.lit(t, bs.Lit{Value: t.val, Type: bs.TypeText})
	case tNumber:
		if _, ok := t.val.(int64); ok {
			return p.lit(t, bs.Lit{Value: t.val, Type: bs.TypeInt})
		}
		return p.lit(t, bs.Lit{Value: t.val, Type: bs.TypeFloat})
	case tDate:
		return p.lit(t, bs.Lit{Value: t.val, Type: bs.TypeDate})
	case tDateTime:
		return p.lit(t, bs.Lit{Value: t.val, Type: bs.TypeTimestamp})
	case tMinus:
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseExpr(6)
		if err != nil {
			return nil, err
		}
		return &node{kind: nUnary, pos: t.pos, name: "-", args: []*node{x}}, nil
	case tIdent:
		switch t.text {
		case "true", "false":
			return p.lit(t, bs.Lit{Value: t.text == "true", Type: bs.TypeBool})
		case "null":
			return p.lit(t, bs.Lit{})
		case "not":
			if err := p.advance(); err != nil {
				return nil, err
			}
			x, err := p.parseExpr(6)
			if err != nil {
				return nil, err
			}
			return &node{kind: nUnary, pos: t.pos, name: "not", args: []*node{x}}, nil
		case "INF", "NaN":
			return nil, p.errf(t.pos, 501, "%s literals are not supported", t.text)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tString {
			// guid'…', datetime'…', binary'…' (OData v2/v3 forms).
			return nil, p.errf(t.pos, 501, "typed literal %s'…' is not supported; write dates as 2024-01-31 and date-times as 2024-01-31T09:00:00Z", t.text)
		}
		if p.tok.kind == tLParen {
			return p.parseCall(t)
		}
		if p.tok.kind == tSlash {
			return nil, p.errf(p.tok.pos, 501, "navigation paths (%s/…) are not supported in %s", t.text, p.lx.opt)
		}
		return &node{kind: nIdent, pos: t.pos, name: t.text}, nil
	}
	return nil, p.errf(t.pos, 400, "unexpected %q", t.text)
}

func (p *parser) lit(t token, l bs.Lit) (*node, error) {
	return &node{kind: nLit, pos: t.pos, lit: l}, p.advance()
}

func (p *parser) parseCall(name token) (*node, error) {
	call := &node{kind: nCall, pos: name.pos, name: name.text}
	if err := p.advance(); err != nil { // '('
		return nil, err
	}
	for p.tok.kind != tRParen {
		if len(call.args) > 0 {
			if p.tok.kind != tComma {
				return nil, p.errf(p.tok.pos, 400, "expected ',' or ')' in the arguments of %s", name.text)
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		a, err := p.parseExpr(0)
		if err != nil {
			return nil, err
		}
		call.args = append(call.args, a)
	}
	return call, p.advance()
}

// parseFilter parses a whole $filter value.
func parseFilter(option, src string) (*node, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &optionError{Status: 400, Option: option, Msg: "empty expression"}
	}
	p, err := newParser(option, src)
	if err != nil {
		return nil, err
	}
	n, err := p.parseExpr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errf(p.tok.pos, 400, "unexpected %q after the expression", p.tok.text)
	}
	return n, nil
}
