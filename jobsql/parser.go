package jobsql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Parse parses a file of statements. filename is used in positions and
// error messages only. It returns the statements that parsed and, when any
// did not, an ErrorList with the first error of each bad statement (parsing
// resumes after the next ';').
func Parse(filename, src string) ([]Statement, error) {
	return ParseAt(Pos{Filename: filename, Line: 1, Col: 1}, src)
}

// ParseAt is Parse for a text that starts at start in a larger file, such
// as statements written inline in a YAML configuration: positions count
// lines from start.Line and shift columns by start.Col-1 (the block's
// indentation), so errors point into that file. Offsets stay offsets into
// src.
func ParseAt(start Pos, src string) ([]Statement, error) {
	if !utf8.ValidString(src) {
		off := 0
		for off < len(src) {
			r, n := utf8.DecodeRuneInString(src[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		lx := newLexerAt(start, src[:off])
		lx.advanceTo(off)
		return nil, ErrorList{{Pos: lx.pos(off), Msg: "invalid UTF-8: save the file as UTF-8", src: src}}
	}
	p := &parser{lx: newLexerAt(start, src), src: src}
	p.next()
	var stmts []Statement
	var errs ErrorList
	for {
		for p.isPunct(";") {
			p.next()
		}
		if p.tok.kind == tokEOF {
			break
		}
		st, err := p.statement()
		if err != nil {
			errs = append(errs, err)
			for p.tok.kind != tokEOF && !p.isPunct(";") {
				p.next()
			}
			continue
		}
		stmts = append(stmts, st)
	}
	if len(errs) > 0 {
		return stmts, errs
	}
	return stmts, nil
}

// maxDepth bounds the nesting of expressions.
const maxDepth = 200

// parser is a recursive-descent parser over the lexer's tokens with one
// token of lookahead (plus peek). Errors abort the statement by panicking
// with a bailout, recovered in statement.
type parser struct {
	lx    *lexer
	src   string
	tok   token  // the current token
	peekd *token // the token after tok, once peeked
	prev  token  // the last consumed token
	depth int
}

// bailout carries a statement's error up to statement.
type bailout struct{ err *Error }

func (p *parser) next() {
	p.prev = p.tok
	if p.peekd != nil {
		p.tok, p.peekd = *p.peekd, nil
		return
	}
	p.tok = p.lx.next()
}

func (p *parser) peek() token {
	if p.peekd == nil {
		t := p.lx.next()
		p.peekd = &t
	}
	return *p.peekd
}

// failAt aborts the statement with an error at pos.
func (p *parser) failAt(pos Pos, format string, args ...any) {
	panic(bailout{&Error{Pos: pos, Msg: fmt.Sprintf(format, args...), src: p.src}})
}

// expected aborts with "expected WHAT, found <current token>" (or the
// lexer's message when the current token is a lexical error).
func (p *parser) expected(what string) {
	if p.tok.kind == tokIllegal {
		p.failAt(p.tok.pos, "%s", p.tok.text)
	}
	p.failAt(p.tok.pos, "expected %s, found %s", what, p.describe(p.tok))
}

// describe names a token for messages.
func (p *parser) describe(t token) string {
	if t.kind == tokEOF {
		return "end of input"
	}
	text := p.src[t.pos.Offset:t.end]
	if utf8.RuneCountInString(text) > 30 {
		r := []rune(text)
		text = string(r[:27]) + "…"
	}
	if t.kind == tokString {
		return "string " + text
	}
	return fmt.Sprintf("%q", text)
}

// isPunct reports whether the current token is the punctuation s.
func (p *parser) isPunct(s string) bool { return p.tok.kind == tokPunct && p.tok.text == s }

// isKeyword reports whether the current token is the bare word kw
// (upper-case), in any letter case.
func (p *parser) isKeyword(kw string) bool { return isWord(p.tok, kw) }

func isWord(t token, kw string) bool {
	return t.kind == tokIdent && len(t.text) == len(kw) && upperASCII(t.text) == kw
}

// atEnd reports whether the current token ends a statement.
func (p *parser) atEnd() bool { return p.tok.kind == tokEOF || p.isPunct(";") }

// end requires the end of the statement; what lists what else could have
// come at this point.
func (p *parser) end(what string) {
	if !p.atEnd() {
		p.expectedEnd(what)
	}
}

// expectedEnd is expected with a hint when the current token starts a
// statement.
func (p *parser) expectedEnd(what string) {
	if isWord(p.tok, "REPLICATE") || isWord(p.tok, "CHECKCACHE") {
		p.failAt(p.tok.pos, "expected %s, found %s (missing ; between statements?)", what, p.describe(p.tok))
	}
	p.expected(what)
}

func (p *parser) expectPunct(s, context string) Pos {
	if !p.isPunct(s) {
		p.expected(fmt.Sprintf("%q %s", s, context))
	}
	pos := p.tok.pos
	p.next()
	return pos
}

func (p *parser) expectKeyword(kw, context string) Pos {
	if !p.isKeyword(kw) {
		p.expected(kw + " " + context)
	}
	pos := p.tok.pos
	p.next()
	return pos
}

// isIdent reports whether the current token can be an identifier: a
// quoted one or a bare non-reserved word.
func (p *parser) isIdent() bool {
	return p.tok.kind == tokQIdent || p.tok.kind == tokIdent && !isReserved(p.tok.text)
}

// ident consumes an identifier; what names it in the error message.
func (p *parser) ident(what string) (string, Pos) {
	if !p.isIdent() {
		p.expected(what)
	}
	name, pos := p.tok.text, p.tok.pos
	p.next()
	return name, pos
}

// tableName parses [schema.]name.
func (p *parser) tableName(what string) TableName {
	name, pos := p.ident(what)
	t := TableName{Pos: pos, Name: name}
	if p.isPunct(".") {
		p.next()
		t.Schema = name
		t.Name, _ = p.ident("table name after " + quoteIdent(name) + ".")
	}
	return t
}

// statement parses one statement, returning its first error.
func (p *parser) statement() (st Statement, err *Error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			st, err = nil, b.err
		}
	}()
	p.depth = 0
	switch {
	case p.isKeyword("REPLICATE"):
		st = p.replicate()
	case p.isKeyword("CHECKCACHE"):
		st = p.checkCache()
	default:
		if p.tok.kind == tokIdent {
			if s := suggest(p.tok.text, []string{"REPLICATE", "CHECKCACHE"}); s != "" {
				p.failAt(p.tok.pos, "expected REPLICATE or CHECKCACHE, found %s: did you mean %s?", p.describe(p.tok), s)
			}
		}
		p.expected("REPLICATE or CHECKCACHE")
	}
	return st, nil
}

// checkCache parses CHECKCACHE Table [AGAINST {Table | (SELECT …)}]
// [WITH REPAIR] [SKIP {MODIFIED | DELETED}] [START when] [END when]
// [WHERE cond].
func (p *parser) checkCache() *CheckCache {
	c := &CheckCache{Pos: p.tok.pos}
	p.next()
	c.Table = p.tableName("table name after CHECKCACHE")
	c.Against = TableName{Pos: c.Table.Pos, Name: c.Table.Name}
	// clauses[next:] are the clauses that may still come.
	clauses, next := []string{"AGAINST", "WITH REPAIR", "SKIP", "START", "END", "WHERE"}, 0
	if p.isKeyword("AGAINST") {
		p.next()
		if p.isPunct("(") {
			p.next()
			if !p.isKeyword("SELECT") {
				p.expected("SELECT after AGAINST (")
			}
			c.AgainstSelect = p.selectStmt()
			p.expectPunct(")", "to close AGAINST (SELECT …")
			c.Against = c.AgainstSelect.From
		} else {
			c.Against = p.tableName("source table name or (SELECT …) after AGAINST")
		}
		next = 1
	}
	if p.isKeyword("WITH") {
		p.next()
		p.expectKeyword("REPAIR", "after WITH (CHECKCACHE takes only WITH REPAIR)")
		c.Repair = true
		next = 2
	}
	if p.isKeyword("SKIP") {
		p.next()
		switch {
		case p.isKeyword("MODIFIED"):
			c.Skip = SkipModified
		case p.isKeyword("DELETED"):
			c.Skip = SkipDeleted
		default:
			p.expected("MODIFIED or DELETED after SKIP")
		}
		p.next()
		next = 3
	}
	if p.isKeyword("START") {
		p.next()
		c.Start = p.when("START")
		next = 4
	}
	if p.isKeyword("END") {
		p.next()
		c.End = p.when("END")
		next = 5
	}
	if p.isKeyword("WHERE") {
		p.next()
		c.Where = p.expr()
		p.end("AND, OR, ; or end of input after the WHERE condition")
		return c
	}
	p.end(strings.Join(clauses[next:], ", ") + ", ; or end of input after CHECKCACHE " + c.Table.String())
	return c
}

// when parses the bound of START or END: a date string or a function call.
func (p *parser) when(clause string) Expr {
	e := p.operand()
	switch e := e.(type) {
	case *StringLit:
		if _, ok := e.Time(); ok {
			return e
		}
	case *FuncCall:
		return e
	}
	p.failAt(e.Position(), "%s takes a date 'yyyy-MM-dd' or a function such as DATEADD(DAY, -3, CURRENT_DATE()), found %s", clause, e.String())
	return nil
}
