package livesql

import (
	"fmt"
	"strings"

	"github.com/backlogsync/backlogsync/catalog"
)

// This file finds the structure of a live-SQL statement that the planner
// needs: the catalog tables it reads (FROM and JOIN, with aliases), and for
// each top-level SELECT its WHERE clause and JOIN … ON clauses. Everything
// else (expressions, functions, grouping) is left to SQLite, which runs the
// original text.

// sqlRef is one reference to a table in FROM or JOIN.
type sqlRef struct {
	name  string         // as written
	alias string         // "" when none
	table *catalog.Table // nil for CTEs, sqlite_ tables
	pos   SQLPos
	// core is the index of the top-level SELECT whose FROM list holds the
	// reference, or -1 inside subqueries and CTEs.
	core int
	// direct is true for a reference in the core's FROM list itself, false
	// inside a parenthesized join.
	direct bool
	// join is the join operator before the reference: "" for the first
	// table and comma joins, else "inner", "left", "right", "full",
	// "cross", with "natural " prefixed for NATURAL joins.
	join string
}

// label is how the reference is named in messages and plans.
func (r *sqlRef) label() string {
	if r.alias != "" && !strings.EqualFold(r.alias, r.name) {
		return r.name + " AS " + r.alias
	}
	return r.name
}

// sqlCore is one top-level SELECT (a compound statement has several).
type sqlCore struct {
	whereLo, whereHi int // token range of the WHERE expression; lo == hi without
	ons              []onClause
	// opaque is set when the FROM list has a subquery, a CTE or a table
	// function, whose columns the planner does not know: unqualified column
	// names are then not resolved.
	opaque bool
}

// onClause is the token range of a JOIN's ON expression.
type onClause struct {
	lo, hi int
	right  int    // index in refs of the joined (right-hand) table, -1 for a subquery
	join   string // the join operator, as in sqlRef.join
}

// parsedSQL is a statement's structure.
type parsedSQL struct {
	src   string
	toks  []sqlTok
	match []int // for each "(" the index of its ")", and back
	refs  []*sqlRef
	cores []*sqlCore
	ctes  map[string]bool // lower-cased CTE names
}

// errAt returns an SQLError at token i.
func (p *parsedSQL) errAt(i int, format string, args ...any) *SQLError {
	return &SQLError{Pos: p.toks[i].pos, Msg: fmt.Sprintf(format, args...), src: p.src}
}

// parseSQL lexes src and finds its structure. It rejects what is not one
// query and names no table it does not know.
func parseSQL(src string) (*parsedSQL, error) {
	toks, err := lexSQL(src)
	if err != nil {
		return nil, err
	}
	p := &parsedSQL{src: src, toks: toks, ctes: map[string]bool{}}
	// Match parentheses.
	p.match = make([]int, len(toks))
	var stack []int
	for i, t := range toks {
		p.match[i] = -1
		switch {
		case t.punct("("):
			stack = append(stack, i)
		case t.punct(")"):
			if len(stack) == 0 {
				return nil, p.errAt(i, "unbalanced parenthesis: ) without (")
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			p.match[o], p.match[i] = i, o
		}
	}
	if len(stack) > 0 {
		return nil, p.errAt(stack[len(stack)-1], "unbalanced parenthesis: ( without )")
	}
	end := len(toks) - 1 // the EOF token
	for i := 0; i < end; i++ {
		if toks[i].punct(";") {
			for j := i + 1; j < end; j++ {
				if !toks[j].punct(";") {
					return nil, p.errAt(j, "give one statement: a second statement starts here")
				}
			}
			end = i
			break
		}
	}
	if end == 0 {
		return nil, &SQLError{Pos: SQLPos{Line: 1, Col: 1}, Msg: "empty statement: give a query such as SELECT * FROM Issues", src: src}
	}
	first := 0
	if toks[0].is("WITH") {
		first = p.skipCTEs(0, end)
	}
	if t := toks[first]; !(t.is("SELECT") || t.is("VALUES")) {
		return nil, p.errAt(first, "only queries can be run: the statement must start with SELECT (or WITH … SELECT), not %s", tokText(t))
	}
	p.scan(first, end, 0, -1)
	for _, r := range p.refs {
		if r.table != nil || p.ctes[strings.ToLower(r.name)] || isSQLiteName(r.name) {
			continue
		}
		i := p.tokAt(r.pos.Offset)
		msg := fmt.Sprintf("no table %s", r.name)
		if s := catalog.Suggest(r.name); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		} else {
			msg += " (run 'backlogsync tables' for the list)"
		}
		return nil, p.errAt(i, "%s", msg)
	}
	return p, nil
}

// tokText renders a token for messages.
func tokText(t sqlTok) string {
	switch t.kind {
	case sqlEOF:
		return "the end"
	case sqlString:
		return "'" + t.text + "'"
	}
	return t.text
}

// isSQLiteName reports whether a table name is SQLite's own (sqlite_schema, …).
func isSQLiteName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "sqlite_") || strings.HasPrefix(n, "pragma_")
}

// tokAt returns the index of the token starting at byte offset off.
func (p *parsedSQL) tokAt(off int) int {
	for i, t := range p.toks {
		if t.pos.Offset == off {
			return i
		}
	}
	return len(p.toks) - 1
}

// skipCTEs records the names of WITH [RECURSIVE] name [(cols)] AS
// [NOT] [MATERIALIZED] (query), … starting at the WITH token i, scans their
// bodies for tables, and returns the index of the token after them.
func (p *parsedSQL) skipCTEs(i, end int) int {
	i++
	if p.toks[i].is("RECURSIVE") {
		i++
	}
	for i < end && p.toks[i].isName() {
		p.ctes[strings.ToLower(p.toks[i].text)] = true
		i++
		if p.toks[i].punct("(") {
			i = p.match[i] + 1
		}
		if !p.toks[i].is("AS") {
			return i
		}
		i++
		if p.toks[i].is("NOT") {
			i++
		}
		if p.toks[i].is("MATERIALIZED") {
			i++
		}
		if !p.toks[i].punct("(") {
			return i
		}
		p.scan(i+1, p.match[i], 1, -1)
		i = p.match[i] + 1
		if !p.toks[i].punct(",") {
			return i
		}
		i++
	}
	return i
}

// startsQuery reports whether token i starts a (sub)query.
func (p *parsedSQL) startsQuery(i int) bool {
	t := p.toks[i]
	return t.is("SELECT") || t.is("WITH") || t.is("VALUES")
}

// scan walks toks[lo:hi] at parenthesis depth depth, recording table
// references and, at depth 0, the cores and their WHERE clauses.
func (p *parsedSQL) scan(lo, hi, depth, core int) {
	for i := lo; i < hi; {
		t := p.toks[i]
		switch {
		case t.punct("("):
			c := p.match[i]
			if p.toks[i+1].is("WITH") {
				j := p.skipCTEs(i+1, c)
				p.scan(j, c, depth+1, -1)
			} else {
				p.scan(i+1, c, depth+1, -1)
			}
			i = c + 1
		case depth == 0 && (t.is("SELECT") || t.is("VALUES")):
			p.cores = append(p.cores, &sqlCore{})
			core = len(p.cores) - 1
			i++
		case t.is("FROM") && !(i > 0 && p.toks[i-1].is("DISTINCT")):
			i = p.fromList(i+1, hi, depth, core, true)
		case depth == 0 && core >= 0 && t.is("WHERE"):
			e := p.exprEnd(i+1, hi, whereEnders)
			p.cores[core].whereLo, p.cores[core].whereHi = i+1, e
			i++
		default:
			i++
		}
	}
}

// Keywords that end an expression in a WHERE or ON clause, at its level.
var (
	whereEnders = []string{"GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "UNION", "INTERSECT", "EXCEPT"}
	onEnders    = append([]string{"WHERE", "NATURAL", "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "JOIN", "ON", "USING"}, whereEnders...)
	// aliasStoppers cannot be a bare alias after a table.
	aliasStoppers = append([]string{"INDEXED", "NOT", "RETURNING", "OUTER"}, onEnders...)
)

// exprEnd returns the index of the first token at or after lo (at the same
// parenthesis level) that is one of the keywords, a comma (ON only), ";" or
// hi.
func (p *parsedSQL) exprEnd(lo, hi int, enders []string) int {
	comma := len(enders) > len(whereEnders)
	for i := lo; i < hi; i++ {
		t := p.toks[i]
		switch {
		case t.punct("("):
			i = p.match[i]
		case t.punct(";"), comma && t.punct(","):
			return i
		case t.kind == sqlIdent:
			for _, kw := range enders {
				if strings.EqualFold(t.text, kw) {
					return i
				}
			}
		}
	}
	return hi
}

// fromList parses the FROM list starting at i (after FROM, or inside a
// parenthesized join) and returns the index after it.
func (p *parsedSQL) fromList(i, hi, depth, core int, direct bool) int {
	join := ""
	for i < hi {
		right := -1
		t := p.toks[i]
		switch {
		case t.punct("("):
			c := p.match[i]
			if p.startsQuery(i + 1) {
				p.scan(i+1, c, depth+1, -1)
				p.opaque(core)
			} else {
				p.fromList(i+1, c, depth+1, core, false)
			}
			i = p.alias(c+1, nil)
		case t.isName():
			name, at := t, i
			i++
			if p.toks[i].punct(".") && p.toks[i+1].isName() { // schema.table
				name = p.toks[i+1]
				i += 2
			}
			if p.toks[i].punct("(") { // table-valued function
				c := p.match[i]
				p.scan(i+1, c, depth+1, -1)
				p.opaque(core)
				i = p.alias(c+1, nil)
				break
			}
			ref := &sqlRef{name: name.text, pos: p.toks[at].pos, core: core, direct: direct, join: join}
			if p.ctes[strings.ToLower(name.text)] {
				p.opaque(core)
			} else if tab, ok := catalog.Lookup(name.text); ok {
				ref.table = tab
			}
			p.refs = append(p.refs, ref)
			right = len(p.refs) - 1
			i = p.alias(i, ref)
			switch {
			case p.toks[i].is("INDEXED") && p.toks[i+1].is("BY"):
				i += 3
			case p.toks[i].is("NOT") && p.toks[i+1].is("INDEXED"):
				i += 2
			}
		default:
			return i // not a table: SQLite reports the syntax error
		}
		switch {
		case p.toks[i].is("ON"):
			e := p.exprEnd(i+1, hi, onEnders)
			if core >= 0 && direct {
				p.cores[core].ons = append(p.cores[core].ons, onClause{lo: i + 1, hi: e, right: right, join: join})
			}
			p.scan(i+1, e, depth, core)
			i = e
		case p.toks[i].is("USING") && p.toks[i+1].punct("("):
			i = p.match[i+1] + 1
		}
		if p.toks[i].punct(",") {
			join = ""
			i++
			continue
		}
		j, op := p.joinOp(i)
		if j == i {
			return i
		}
		join, i = op, j
	}
	return i
}

// joinOp parses [NATURAL] [LEFT|RIGHT|FULL [OUTER] | INNER | CROSS] JOIN at
// i and returns the index after it and the operator; j == i when there is
// none.
func (p *parsedSQL) joinOp(i int) (int, string) {
	j, natural, op := i, "", "inner"
	if p.toks[j].is("NATURAL") {
		natural, j = "natural ", j+1
	}
	switch t := p.toks[j]; {
	case t.is("LEFT"), t.is("RIGHT"), t.is("FULL"):
		op, j = strings.ToLower(t.text), j+1
		if p.toks[j].is("OUTER") {
			j++
		}
	case t.is("INNER"), t.is("CROSS"):
		op, j = strings.ToLower(t.text), j+1
	}
	if !p.toks[j].is("JOIN") {
		return i, ""
	}
	return j + 1, natural + op
}

// alias parses an optional [AS] alias at i, storing it in ref (when not
// nil), and returns the index after it.
func (p *parsedSQL) alias(i int, ref *sqlRef) int {
	t := p.toks[i]
	if t.is("AS") && p.toks[i+1].isName() {
		if ref != nil {
			ref.alias = p.toks[i+1].text
		}
		return i + 2
	}
	if t.kind == sqlQIdent || t.kind == sqlIdent && !isKeyword(t.text, aliasStoppers) {
		if ref != nil {
			ref.alias = t.text
		}
		return i + 1
	}
	return i
}

func isKeyword(s string, kws []string) bool {
	for _, k := range kws {
		if strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

// opaque marks a core's FROM list as holding something of unknown columns.
func (p *parsedSQL) opaque(core int) {
	if core >= 0 {
		p.cores[core].opaque = true
	}
}
