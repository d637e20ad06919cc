package jobsql

import (
	"strconv"
	"strings"

	"github.com/backlogsync/backlogsync"
)

// replicate parses REPLICATE [schema.]Dest [(columns)] [WITH options]
// [SELECT … | Source].
func (p *parser) replicate() *Replicate {
	r := &Replicate{Pos: p.tok.pos, Settings: DefaultSettings()}
	p.next()
	r.Dest = p.tableName("table name after REPLICATE")
	r.Source = TableName{Pos: r.Dest.Pos, Name: r.Dest.Name}
	if p.isPunct("(") {
		p.columnList(r)
	}
	if p.isKeyword("WITH") {
		p.next()
		p.options(r)
	}
	switch {
	case p.isKeyword("SELECT"):
		r.Select = p.selectStmt()
		r.Source = r.Select.From
		if r.Select.Where != nil {
			p.end("AND, OR, ; or end of input after the WHERE condition")
		} else {
			p.end("WHERE, ; or end of input after FROM " + r.Source.String())
		}
	case p.isIdent():
		r.Source = p.tableName("source table name")
		p.end("; or end of input after the source table " + r.Source.String())
	case p.atEnd():
	default:
		var what []string
		if r.Columns == nil && r.PrimaryKey == nil && r.Options == nil {
			what = append(what, "a column list (…)")
		}
		if r.Options == nil {
			what = append(what, "WITH")
		} else {
			what = append(what, `","`)
		}
		what = append(what, "SELECT", "a source table name", "; or end of input")
		p.expectedEnd(strings.Join(what, ", ") + " after REPLICATE " + r.Dest.String())
	}
	return r
}

// columnList parses (Name TYPE [PRIMARY KEY] [NOT NULL], …, PRIMARY KEY (a, b)).
func (p *parser) columnList(r *Replicate) {
	p.next() // (
	r.Columns = []ColumnDef{}
	defined := map[string]bool{}
	var inlineKey string
	var tableKey Pos
	for {
		if p.isKeyword("PRIMARY") && isWord(p.peek(), "KEY") {
			pos := p.tok.pos
			p.next()
			p.next()
			switch {
			case tableKey.Line > 0:
				p.failAt(pos, "PRIMARY KEY given twice (first at %d:%d)", tableKey.Line, tableKey.Col)
			case inlineKey != "":
				p.failAt(pos, "PRIMARY KEY given both on column %s and for the table: keep one", quoteIdent(inlineKey))
			}
			tableKey = pos
			p.expectPunct("(", "after PRIMARY KEY")
			seen := map[string]bool{}
			for {
				name, npos := p.ident("column name in PRIMARY KEY")
				if seen[strings.ToLower(name)] {
					p.failAt(npos, "column %s is listed twice in PRIMARY KEY", quoteIdent(name))
				}
				seen[strings.ToLower(name)] = true
				r.PrimaryKey = append(r.PrimaryKey, name)
				if !p.isPunct(",") {
					break
				}
				p.next()
			}
			p.expectPunct(")", "or \",\" in PRIMARY KEY (…)")
		} else {
			c := p.columnDef()
			if defined[strings.ToLower(c.Name)] {
				p.failAt(c.Pos, "column %s is defined twice", quoteIdent(c.Name))
			}
			defined[strings.ToLower(c.Name)] = true
			p.constraints(r, &c, &inlineKey, tableKey)
			r.Columns = append(r.Columns, c)
		}
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	p.expectPunct(")", "or \",\" in the column list")
	if len(r.Columns) == 0 {
		r.Columns = nil
	}
}

// constraints parses PRIMARY KEY, NOT NULL and NULL after a column's type,
// in any order, each at most once.
func (p *parser) constraints(r *Replicate, c *ColumnDef, inlineKey *string, tableKey Pos) {
	var key, null bool
	for {
		switch {
		case p.isKeyword("PRIMARY") && !key:
			pos := p.tok.pos
			p.next()
			p.expectKeyword("KEY", "after PRIMARY")
			switch {
			case *inlineKey != "":
				p.failAt(pos, "columns %s and %s are both marked PRIMARY KEY: for a composite key write PRIMARY KEY (%s, %s) after the columns",
					quoteIdent(*inlineKey), quoteIdent(c.Name), quoteIdent(*inlineKey), quoteIdent(c.Name))
			case tableKey.Line > 0:
				p.failAt(pos, "PRIMARY KEY given both on column %s and for the table: keep one", quoteIdent(c.Name))
			}
			key = true
			*inlineKey = c.Name
			r.PrimaryKey = []string{c.Name}
		case p.isKeyword("NOT") && !null:
			p.next()
			p.expectKeyword("NULL", "after NOT in a column definition")
			null, c.NotNull = true, true
		case p.isKeyword("NULL") && !null:
			p.next()
			null = true
		default:
			return
		}
	}
}

// columnDef parses Name TYPE, where TYPE is one or more words with an
// optional (n) or (n, m).
func (p *parser) columnDef() ColumnDef {
	name, pos := p.ident("column name or PRIMARY KEY in the column list")
	c := ColumnDef{Pos: pos, Name: name}
	if p.tok.kind != tokIdent || isReserved(p.tok.text) {
		p.expected("a type after column " + quoteIdent(name))
	}
	tpos := p.tok.pos
	var words []string
	for p.tok.kind == tokIdent && !isReserved(p.tok.text) && !p.isKeyword("PRIMARY") {
		words = append(words, upperASCII(p.tok.text))
		p.next()
	}
	base := strings.Join(words, " ")
	typ, err := backlogsync.ParseType(base)
	if err != nil {
		p.failAt(tpos, "column %s: %s", quoteIdent(name), backlogsync.ErrorMessage(err))
	}
	c.Type, c.TypeName = typ, base
	if p.isPunct("(") {
		p.next()
		var args []string
		for {
			if p.tok.kind != tokNumber || strings.ContainsAny(p.tok.text, ".eE") {
				p.expected("an integer in the type of column " + quoteIdent(name))
			}
			n, err := strconv.Atoi(p.tok.text)
			if err != nil {
				p.failAt(p.tok.pos, "type size %s of column %s is too large", p.tok.text, quoteIdent(name))
			}
			args = append(args, strconv.Itoa(n))
			p.next()
			if len(args) == 2 || !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.expectPunct(")", "after the type size of column "+quoteIdent(name))
		c.TypeName += "(" + strings.Join(args, ",") + ")"
	}
	return c
}

// options parses Name[=Value], … after WITH, validating each.
func (p *parser) options(r *Replicate) {
	seen := map[string]Pos{}
	for {
		if p.tok.kind != tokIdent || isReserved(p.tok.text) {
			after := "WITH"
			if p.prev.text == "," {
				after = `","`
			}
			p.expected("option name after " + after)
		}
		name, pos := p.tok.text, p.tok.pos
		p.next()
		spec, msg := lookupOption(name)
		if spec == nil {
			p.failAt(pos, "%s", msg)
		}
		if first, dup := seen[spec.name]; dup {
			p.failAt(pos, "option %s given twice (first at %d:%d)", spec.name, first.Line, first.Col)
		}
		seen[spec.name] = pos
		raw, vpos, given := "", pos, false
		if p.isPunct("=") {
			p.next()
			raw, vpos = p.optionValue(spec.name)
			given = true
		}
		v, canon, msg := parseOptionValue(spec, raw, given)
		if msg != "" {
			p.failAt(vpos, "%s", msg)
		}
		spec.apply(&r.Settings, v)
		r.Options = append(r.Options, Option{Pos: pos, Name: spec.name, Value: canon})
		if !p.isPunct(",") {
			return
		}
		p.next()
	}
}

// optionValue reads the token after Name=: a string, a number (with an
// optional '-'), or a word such as True or days.
func (p *parser) optionValue(name string) (string, Pos) {
	pos := p.tok.pos
	neg := ""
	if p.isPunct("-") {
		neg = "-"
		p.next()
		if p.tok.kind != tokNumber {
			p.expected("a number after - in the value of " + name)
		}
	}
	switch {
	case p.tok.kind == tokString || p.tok.kind == tokNumber || p.tok.kind == tokQIdent,
		p.tok.kind == tokIdent && (!isReserved(p.tok.text) || p.isKeyword("TRUE") || p.isKeyword("FALSE")):
		v := neg + p.tok.text
		p.next()
		return v, pos
	}
	p.expected("a value after " + name + "=")
	return "", pos
}
