package jobsql

import "fmt"

// selectStmt parses SELECT items FROM Table [WHERE cond]; the current
// token is SELECT.
func (p *parser) selectStmt() *Select {
	s := &Select{Pos: p.tok.pos}
	p.next()
	for {
		s.Columns = append(s.Columns, p.selectItem())
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	if !p.isKeyword("FROM") {
		p.expected(`"," or FROM after the select list`)
	}
	p.next()
	s.From = p.tableName("table name after FROM")
	if p.isKeyword("WHERE") {
		p.next()
		s.Where = p.expr()
	}
	return s
}

// selectItem parses * or expr [[AS] alias].
func (p *parser) selectItem() SelectItem {
	it := SelectItem{Pos: p.tok.pos}
	if p.isPunct("*") {
		p.next()
		it.Star = true
		return it
	}
	it.Expr = p.exprOr(fmt.Sprintf("column name, * or expression after %s", p.describe(p.prev)))
	if p.isKeyword("AS") {
		p.next()
		it.Alias, _ = p.ident("alias after AS")
	} else if p.isIdent() {
		it.Alias, _ = p.ident("alias")
	}
	return it
}

// expr parses a full condition: OR of ANDs of NOTs of predicates.
func (p *parser) expr() Expr { return p.exprOr("") }

// exprOr is expr with a custom description of what was expected when no
// expression starts here.
func (p *parser) exprOr(what string) Expr {
	p.depth++
	if p.depth > maxDepth {
		p.failAt(p.tok.pos, "expression nested too deeply (more than %d levels)", maxDepth)
	}
	defer func() { p.depth-- }()
	l := p.and(what)
	for p.isKeyword("OR") {
		pos := p.tok.pos
		p.next()
		l = &Binary{Pos: pos, Op: OpOr, L: l, R: p.and("")}
	}
	return l
}

func (p *parser) and(what string) Expr {
	l := p.not(what)
	for p.isKeyword("AND") {
		pos := p.tok.pos
		p.next()
		l = &Binary{Pos: pos, Op: OpAnd, L: l, R: p.not("")}
	}
	return l
}

func (p *parser) not(what string) Expr {
	if p.isKeyword("NOT") {
		pos := p.tok.pos
		p.next()
		p.depth++
		if p.depth > maxDepth {
			p.failAt(p.tok.pos, "expression nested too deeply (more than %d levels)", maxDepth)
		}
		x := p.not("")
		p.depth--
		return &Not{Pos: pos, X: x}
	}
	return p.predicate(what)
}

var compOps = map[string]Op{"=": OpEq, "<>": OpNe, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe}

// predicate parses operand [op operand | [NOT] IN (…) | [NOT] BETWEEN a AND b
// | IS [NOT] NULL | [NOT] LIKE pattern].
func (p *parser) predicate(what string) Expr {
	x := p.operandOr(what)
	if p.tok.kind == tokPunct {
		if op, ok := compOps[p.tok.text]; ok {
			pos := p.tok.pos
			p.next()
			return &Binary{Pos: pos, Op: op, L: x, R: p.operand()}
		}
	}
	if p.isKeyword("IS") {
		pos := p.tok.pos
		p.next()
		n := &IsNull{Pos: pos, X: x}
		if p.isKeyword("NOT") {
			p.next()
			n.Not = true
		}
		p.expectKeyword("NULL", "after IS"+map[bool]string{true: " NOT"}[n.Not])
		return n
	}
	pos, negated := p.tok.pos, false
	if p.isKeyword("NOT") {
		negated = true
		p.next()
		if !p.isKeyword("IN") && !p.isKeyword("BETWEEN") && !p.isKeyword("LIKE") {
			p.expected("IN, BETWEEN or LIKE after NOT")
		}
	}
	switch {
	case p.isKeyword("IN"):
		p.next()
		in := &In{Pos: pos, X: x, Not: negated}
		p.expectPunct("(", "after IN")
		for {
			in.List = append(in.List, p.exprOr(fmt.Sprintf("value after %s", p.describe(p.prev))))
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.expectPunct(")", `or "," in the IN list`)
		return in
	case p.isKeyword("BETWEEN"):
		p.next()
		b := &Between{Pos: pos, X: x, Not: negated, Lo: p.operand()}
		p.expectKeyword("AND", "between the bounds of BETWEEN")
		b.Hi = p.operand()
		return b
	case p.isKeyword("LIKE"):
		p.next()
		return &Like{Pos: pos, X: x, Not: negated, Pattern: p.operand()}
	}
	return x
}

// operand parses a literal, a column, a function call or a parenthesized
// expression.
func (p *parser) operand() Expr { return p.operandOr("") }

func (p *parser) operandOr(what string) Expr {
	if what == "" {
		what = "expression after " + p.describe(p.prev)
	}
	t := p.tok
	switch t.kind {
	case tokNumber:
		p.next()
		return p.number(t.pos, t.text)
	case tokString:
		p.next()
		return &StringLit{Pos: t.pos, Value: t.text}
	case tokQIdent:
		return p.columnRef()
	case tokPunct:
		switch t.text {
		case "-":
			p.next()
			if p.tok.kind != tokNumber {
				p.expected("a number after -")
			}
			n := p.tok
			p.next()
			return p.number(t.pos, "-"+n.text)
		case "(":
			p.next()
			e := p.exprOr("")
			p.expectPunct(")", "to close (")
			return e
		}
	case tokIdent:
		switch upperASCII(t.text) {
		case "TRUE", "FALSE":
			p.next()
			return &BoolLit{Pos: t.pos, Value: upperASCII(t.text) == "TRUE"}
		case "NULL":
			p.next()
			return &NullLit{Pos: t.pos}
		}
		if isReserved(t.text) {
			break
		}
		if n := p.peek(); n.kind == tokPunct && n.text == "(" {
			return p.call()
		}
		return p.columnRef()
	}
	p.expected(what)
	return nil
}

func (p *parser) number(pos Pos, text string) Expr {
	if !finite(text) {
		p.failAt(pos, "number %s is out of range", text)
	}
	return &NumberLit{Pos: pos, Text: text}
}

// columnRef parses name or table.name.
func (p *parser) columnRef() Expr {
	name, pos := p.ident("column name")
	c := &ColumnRef{Pos: pos, Name: name}
	if p.isPunct(".") {
		p.next()
		c.Table = name
		c.Name, _ = p.ident("column name after " + quoteIdent(name) + ".")
	}
	return c
}

// call parses NAME([arg, …]); the current token is the name.
func (p *parser) call() Expr {
	f := &FuncCall{Pos: p.tok.pos, Name: upperASCII(p.tok.text)}
	p.next()
	p.next() // (
	if p.isPunct(")") {
		p.next()
		return f
	}
	p.depth++
	if p.depth > maxDepth {
		p.failAt(p.tok.pos, "expression nested too deeply (more than %d levels)", maxDepth)
	}
	for {
		f.Args = append(f.Args, p.exprOr(fmt.Sprintf("argument of %s after %s", f.Name, p.describe(p.prev))))
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	p.depth--
	p.expectPunct(")", fmt.Sprintf(`or "," in the arguments of %s`, f.Name))
	return f
}
