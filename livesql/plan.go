package livesql

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
)

// This file plans the pushdown of a live-SQL statement: which top-level
// WHERE and JOIN … ON conjuncts restrict which tables, which of them the
// catalog can push into API parameters, and in what order the tables are
// fetched. A pushed predicate only ever admits a superset of the rows the
// SQL keeps (SQLite re-evaluates the whole statement), so results are exact.

// maxSemiJoin bounds the values of a join key passed on from one table to
// the next as an IN list (longer lists would make over-long URLs).
const maxSemiJoin = 100

// TablePlan is how one table of a live-SQL statement is fetched.
type TablePlan struct {
	Table *catalog.Table
	// Names are the names the statement uses for the table (the catalog
	// name or an alias of it).
	Names []string
	// Where are the predicates pushed into catalog.Fetch, known before any
	// call.
	Where []catalog.Predicate
	// SemiJoins pass the join keys of tables fetched earlier on as IN
	// predicates, when there are at most 100 of them.
	SemiJoins []SemiJoin
}

// SemiJoin restricts Column to the distinct values of FromColumn in the
// rows fetched for From (an equi-join of the statement).
type SemiJoin struct {
	Column     string
	From       *catalog.Table
	FromColumn string
}

// sqlLit is a literal of a conjunct.
type sqlLit struct {
	kind byte // 'i' int, 'f' float, 's' string, 'b' bool
	i    int64
	s    string
	b    bool
}

func (l sqlLit) String() string {
	switch l.kind {
	case 'i':
		return strconv.FormatInt(l.i, 10)
	case 's':
		return "'" + strings.ReplaceAll(l.s, "'", "''") + "'"
	case 'b':
		return strings.ToUpper(strconv.FormatBool(l.b))
	}
	return l.s
}

// colID is a resolved column: a reference and a column name of its table.
type colID struct {
	ref int
	col string
}

// fact is a literal comparison that holds for every row of the reference
// that can contribute to the result.
type fact struct {
	c    colID
	op   string // =, <, <=, >, >=, IN
	lits []sqlLit
}

func (f fact) key() string { return fmt.Sprint(f.c, f.op, f.lits) }

// joinEdge says from.col = to.col holds for every row of to that can
// contribute to the result, so facts and key values flow from → to.
type joinEdge struct{ from, to colID }

// plan computes the table plans, in fetch order.
func (p *parsedSQL) plan() []*TablePlan {
	// Which tables, under which names; how often each is referenced.
	var plans []*TablePlan
	byName := map[string]*TablePlan{}
	count := map[string]int{}
	for _, r := range p.refs {
		if r.table == nil {
			continue
		}
		count[r.table.Name]++
		tp := byName[r.table.Name]
		if tp == nil {
			tp = &TablePlan{Table: r.table}
			byName[r.table.Name] = tp
			plans = append(plans, tp)
		}
		if !slices.ContainsFunc(tp.Names, func(n string) bool { return strings.EqualFold(n, r.name) }) {
			tp.Names = append(tp.Names, r.name)
		}
	}
	pushable := func(ref int) bool {
		r := p.refs[ref]
		return r.table != nil && r.direct && r.core >= 0 && count[r.table.Name] == 1
	}

	var facts []fact
	var edges []joinEdge
	for k, core := range p.cores {
		outer := false // a RIGHT or FULL join: ON clauses are not used
		for _, r := range p.refs {
			if r.core == k && (strings.HasSuffix(r.join, "right") || strings.HasSuffix(r.join, "full")) {
				outer = true
			}
		}
		add := func(lo, hi int, only int) {
			for _, part := range p.conjuncts(lo, hi) {
				f, e, ok := p.conjunct(k, part[0], part[1])
				switch {
				case !ok:
				case e != nil:
					for _, d := range []joinEdge{*e, {from: e.to, to: e.from}} {
						if only < 0 || d.to.ref == only {
							edges = append(edges, d)
						}
					}
				case only < 0 || f.c.ref == only:
					facts = append(facts, *f)
				}
			}
		}
		if core.whereHi > core.whereLo {
			add(core.whereLo, core.whereHi, -1)
		}
		for _, on := range core.ons {
			switch {
			case outer:
			case on.join == "left" || on.join == "natural left":
				if on.right >= 0 {
					add(on.lo, on.hi, on.right)
				}
			default:
				add(on.lo, on.hi, -1)
			}
		}
	}
	// Keys shared with the parent: a child joined to its parent on the
	// parent's key also equals it on the other parent columns it copies
	// (IssueComments.IssueId = Issues.Id gives ProjectId = ProjectId).
	for _, e := range slices.Clone(edges) {
		u, t := p.refs[e.from.ref].table, p.refs[e.to.ref].table
		if u == nil || t == nil || t.Parent != u.Name || t.ParentKeys()[e.to.col] != e.from.col ||
			!slices.Equal(u.PrimaryKey, []string{"Account", e.from.col}) {
			continue
		}
		for c, y := range t.ParentKeys() {
			if c != e.to.col {
				if _, i := u.Column(y); i >= 0 {
					edges = append(edges, joinEdge{from: colID{e.from.ref, y}, to: colID{e.to.ref, c}})
				}
			}
		}
	}
	// Facts flow along the edges between columns of the same type.
	seen := map[string]bool{}
	for _, f := range facts {
		seen[f.key()] = true
	}
	for changed := true; changed; {
		changed = false
		for _, e := range edges {
			if p.colType(e.from) != p.colType(e.to) {
				continue
			}
			for _, f := range facts {
				if f.c != e.from {
					continue
				}
				g := fact{c: e.to, op: f.op, lits: f.lits}
				if !seen[g.key()] {
					seen[g.key()] = true
					facts = append(facts, g)
					changed = true
				}
			}
		}
	}
	// Pushed predicates.
	for _, f := range facts {
		if !pushable(f.c.ref) {
			continue
		}
		t := p.refs[f.c.ref].table
		tp := byName[t.Name]
		for _, pr := range pushPredicates(t, f) {
			if !slices.ContainsFunc(tp.Where, func(q catalog.Predicate) bool { return fmt.Sprint(q) == fmt.Sprint(pr) }) {
				tp.Where = append(tp.Where, pr)
			}
		}
	}
	// Fetch order: tables with pushed predicates first (they are cheap and
	// their keys can narrow the others), then the rest, in statement order.
	slices.SortStableFunc(plans, func(a, b *TablePlan) int {
		return boolInt(len(a.Where) == 0) - boolInt(len(b.Where) == 0)
	})
	pos := map[*catalog.Table]int{}
	for i, tp := range plans {
		pos[tp.Table] = i
	}
	for _, e := range edges {
		if !pushable(e.from.ref) || !pushable(e.to.ref) {
			continue
		}
		u, t := p.refs[e.from.ref].table, p.refs[e.to.ref].table
		tp := plans[pos[t]]
		if pos[u] >= pos[t] || p.colType(e.from) != p.colType(e.to) {
			continue
		}
		if ty := p.colType(e.to); ty != backlogsync.TypeInt && ty != backlogsync.TypeText {
			continue
		}
		if !pushes(t, e.to.col, catalog.OpIn) || slices.ContainsFunc(tp.Where, func(q catalog.Predicate) bool {
			return q.Column == e.to.col && (q.Op == catalog.OpEq || q.Op == catalog.OpIn)
		}) || slices.ContainsFunc(tp.SemiJoins, func(s SemiJoin) bool { return s.Column == e.to.col }) {
			continue
		}
		tp.SemiJoins = append(tp.SemiJoins, SemiJoin{Column: e.to.col, From: u, FromColumn: e.from.col})
	}
	return plans
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// colType is the type of a resolved column.
func (p *parsedSQL) colType(c colID) backlogsync.Type {
	col, _ := p.refs[c.ref].table.Column(c.col)
	return col.Type
}

// conjuncts splits toks[lo:hi] at its top-level ANDs (not those of BETWEEN
// or inside CASE), flattening parenthesized conjunctions. A top-level OR
// makes the whole range one opaque conjunct.
func (p *parsedSQL) conjuncts(lo, hi int) [][2]int {
	for hi-lo >= 2 && p.toks[lo].punct("(") && p.match[lo] == hi-1 {
		lo, hi = lo+1, hi-1
	}
	var parts [][2]int
	start, between, cases := lo, false, 0
	for i := lo; i < hi; i++ {
		t := p.toks[i]
		switch {
		case t.punct("("):
			i = p.match[i]
		case t.is("CASE"):
			cases++
		case t.is("END") && cases > 0:
			cases--
		case cases > 0:
		case t.is("OR"):
			return nil
		case t.is("BETWEEN"):
			between = true
		case t.is("AND"):
			if between {
				between = false
				continue
			}
			parts = append(parts, [2]int{start, i})
			start = i + 1
		}
	}
	parts = append(parts, [2]int{start, hi})
	if len(parts) == 1 {
		return parts
	}
	var out [][2]int
	for _, part := range parts {
		out = append(out, p.conjuncts(part[0], part[1])...)
	}
	return out
}

// operand is a column name or a literal of a conjunct.
type operand struct {
	qual, name string // column (qual may be "")
	lit        *sqlLit
}

// operand parses a column reference or a literal at i; it returns the index
// after it, or -1.
func (p *parsedSQL) operand(i, hi int) (operand, int) {
	t := p.toks[i]
	switch {
	case t.kind == sqlString:
		return operand{lit: &sqlLit{kind: 's', s: t.text}}, i + 1
	case t.kind == sqlNumber, (t.punct("-") || t.punct("+")) && i+1 < hi && p.toks[i+1].kind == sqlNumber:
		text, j := t.text, i+1
		if t.kind != sqlNumber {
			text, j = t.text+p.toks[i+1].text, i+2
		}
		text = strings.ReplaceAll(strings.TrimPrefix(text, "+"), "_", "")
		if n, err := strconv.ParseInt(text, 0, 64); err == nil {
			return operand{lit: &sqlLit{kind: 'i', i: n}}, j
		}
		return operand{lit: &sqlLit{kind: 'f', s: text}}, j
	case t.is("TRUE"), t.is("FALSE"):
		return operand{lit: &sqlLit{kind: 'b', b: t.is("TRUE")}}, i + 1
	case t.isName():
		if i+2 < hi && p.toks[i+1].punct(".") && p.toks[i+2].isName() {
			return operand{qual: t.text, name: p.toks[i+2].text}, i + 3
		}
		return operand{name: t.text}, i + 1
	}
	return operand{}, -1
}

// conjunct recognises col op literal, literal op col, col IN (literals),
// col BETWEEN literal AND literal and col = col in toks[lo:hi] of core k.
func (p *parsedSQL) conjunct(k, lo, hi int) (*fact, *joinEdge, bool) {
	a, i := p.operand(lo, hi)
	if i < 0 || i >= hi {
		return nil, nil, false
	}
	opTok := p.toks[i]
	switch {
	case opTok.is("IN") && a.lit == nil && p.toks[i+1].punct("(") && p.match[i+1] == hi-1:
		var lits []sqlLit
		for j := i + 2; j < hi-1; {
			o, n := p.operand(j, hi-1)
			if n < 0 || o.lit == nil || !(p.toks[n].punct(",") || n == hi-1) {
				return nil, nil, false
			}
			lits = append(lits, *o.lit)
			j = n + 1
		}
		c, ok := p.resolve(k, a)
		if !ok || len(lits) == 0 {
			return nil, nil, false
		}
		return &fact{c: c, op: "IN", lits: lits}, nil, true
	case opTok.is("BETWEEN") && a.lit == nil:
		x, j := p.operand(i+1, hi)
		if j < 0 || x.lit == nil || !p.toks[j].is("AND") {
			return nil, nil, false
		}
		y, j2 := p.operand(j+1, hi)
		if j2 != hi || y.lit == nil {
			return nil, nil, false
		}
		c, ok := p.resolve(k, a)
		if !ok || x.lit.kind != y.lit.kind {
			return nil, nil, false
		}
		// Two facts would need two returns; BETWEEN is rare enough to push
		// as IN-free bounds through a combined fact.
		return &fact{c: c, op: "BETWEEN", lits: []sqlLit{*x.lit, *y.lit}}, nil, true
	}
	op := opTok.text
	switch {
	case opTok.kind != sqlPunct:
		return nil, nil, false
	case op == "==":
		op = "="
	case op == "=", op == "<", op == "<=", op == ">", op == ">=":
	default:
		return nil, nil, false
	}
	b, j := p.operand(i+1, hi)
	if j != hi {
		return nil, nil, false
	}
	switch {
	case a.lit == nil && b.lit == nil && op == "=":
		ca, ok1 := p.resolve(k, a)
		cb, ok2 := p.resolve(k, b)
		if !ok1 || !ok2 || ca.ref == cb.ref {
			return nil, nil, false
		}
		return nil, &joinEdge{from: ca, to: cb}, true
	case a.lit == nil && b.lit != nil:
		c, ok := p.resolve(k, a)
		return &fact{c: c, op: op, lits: []sqlLit{*b.lit}}, nil, ok
	case a.lit != nil && b.lit == nil:
		c, ok := p.resolve(k, b)
		flip := map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
		return &fact{c: c, op: flip[op], lits: []sqlLit{*a.lit}}, nil, ok
	}
	return nil, nil, false
}

// resolve finds the table column an operand names in core k: a qualified
// name through the table's alias or name, an unqualified one when exactly
// one table of the core has it (and the core has nothing of unknown
// columns).
func (p *parsedSQL) resolve(k int, o operand) (colID, bool) {
	found, n := colID{}, 0
	for i, r := range p.refs {
		if r.core != k {
			continue
		}
		if o.qual != "" {
			name := r.alias
			if name == "" {
				name = r.name
			}
			if !strings.EqualFold(name, o.qual) {
				continue
			}
			if r.table == nil {
				return colID{}, false
			}
		} else if r.table == nil || p.cores[k].opaque {
			return colID{}, false
		}
		if c, idx := r.table.Column(o.name); idx >= 0 {
			found, n = colID{ref: i, col: c.Name}, n+1
		} else if o.qual != "" {
			return colID{}, false
		}
	}
	return found, n == 1
}

// pushes reports whether t pushes op on column.
func pushes(t *catalog.Table, column string, op catalog.Op) bool {
	for _, pd := range t.Pushdown {
		if pd.Column == column && slices.Contains(pd.Ops, op) {
			return true
		}
	}
	return false
}

// pushPredicates turns a fact into the catalog predicates t can push,
// chosen so that they admit every row SQLite's comparison admits.
func pushPredicates(t *catalog.Table, f fact) []catalog.Predicate {
	col, _ := t.Column(f.c.col)
	name := col.Name
	keep := func(ps ...catalog.Predicate) []catalog.Predicate {
		var out []catalog.Predicate
		for _, pr := range ps {
			switch {
			case pushes(t, name, pr.Op):
				out = append(out, pr)
			case pr.Op == catalog.OpIn && len(pr.Values) == 1 && pushes(t, name, catalog.OpEq):
				out = append(out, catalog.Eq(name, pr.Values[0]))
			case pr.Op == catalog.OpEq && pushes(t, name, catalog.OpIn):
				out = append(out, catalog.In(name, pr.Values[0]))
			}
		}
		return out
	}
	ops := map[string]catalog.Op{"=": catalog.OpEq, "<": catalog.OpLT, "<=": catalog.OpLE, ">": catalog.OpGT, ">=": catalog.OpGE}
	switch col.Type {
	case backlogsync.TypeInt, backlogsync.TypeText, backlogsync.TypeJSON:
		want := byte('i')
		if col.Type != backlogsync.TypeInt {
			want = 's'
		}
		var vals []any
		for _, l := range f.lits {
			if l.kind != want {
				return nil
			}
			if want == 'i' {
				vals = append(vals, l.i)
			} else {
				vals = append(vals, l.s)
			}
		}
		switch f.op {
		case "IN":
			return keep(catalog.In(name, vals...))
		case "BETWEEN":
			return keep(catalog.Cmp(name, catalog.OpGE, vals[0]), catalog.Cmp(name, catalog.OpLE, vals[1]))
		}
		return keep(catalog.Predicate{Column: name, Op: ops[f.op], Values: vals})
	case backlogsync.TypeBool:
		l := f.lits[0]
		if f.op != "=" || !(l.kind == 'b' || l.kind == 'i' && (l.i == 0 || l.i == 1)) {
			return nil
		}
		return keep(catalog.Eq(name, l.b || l.i == 1))
	case backlogsync.TypeDate, backlogsync.TypeTimestamp:
		// SQLite compares the ISO text: a value ≥ 'yyyy-MM-dd…' has a day ≥
		// that day, a value ≤ it a day ≤ it, whatever follows the date.
		var days []time.Time
		for _, l := range f.lits {
			if l.kind != 's' || len(l.s) < 10 {
				return nil
			}
			d, err := time.Parse("2006-01-02", l.s[:10])
			if err != nil {
				return nil
			}
			days = append(days, d)
		}
		lower := func(d time.Time) catalog.Predicate { return catalog.Cmp(name, catalog.OpGE, d) }
		upper := func(d time.Time) catalog.Predicate {
			if col.Type == backlogsync.TypeTimestamp {
				d = d.Add(24*time.Hour - time.Second)
			}
			return catalog.Cmp(name, catalog.OpLE, d)
		}
		switch f.op {
		case "=":
			return keep(lower(days[0]), upper(days[0]))
		case ">", ">=":
			return keep(lower(days[0]))
		case "<", "<=":
			return keep(upper(days[0]))
		case "BETWEEN":
			return keep(lower(days[0]), upper(days[1]))
		}
	}
	return nil
}

// Explain writes the plan: per table the predicates pushed down, the keys
// passed on from earlier tables, and the API calls with their rate-limit
// class and how many are made.
func Explain(w io.Writer, plans []*TablePlan) {
	for i, tp := range plans {
		if i > 0 {
			fmt.Fprintln(w)
		}
		names := ""
		if len(tp.Names) > 1 || !strings.EqualFold(tp.Names[0], tp.Table.Name) {
			names = " (as " + strings.Join(tp.Names, ", ") + ")"
		}
		fmt.Fprintf(w, "%d. %s%s\n", i+1, tp.Table.Name, names)
		if len(tp.Where) == 0 && len(tp.SemiJoins) == 0 {
			fmt.Fprintln(w, "   pushed down: nothing (every row is read)")
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, pr := range tp.Where {
			fmt.Fprintf(tw, "   pushed down:\t%s\t→ %s\n", pr, paramOf(tp.Table, pr.Column))
		}
		for _, s := range tp.SemiJoins {
			fmt.Fprintf(tw, "   from step %d:\t%s IN (the %s values of the %s rows, if at most %d)\t→ %s\n",
				stepOf(plans, s.From), s.Column, s.FromColumn, s.From.Name, maxSemiJoin, paramOf(tp.Table, s.Column))
		}
		tw.Flush()
		fmt.Fprintln(w, "   API calls:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, c := range tp.Table.Calls {
			count := "fixed"
			switch {
			case strings.HasPrefix(c.Per, "per "):
				count = "one per parent row"
			case strings.HasPrefix(c.Per, "pages"):
				count = "fixed, paged"
			}
			fmt.Fprintf(tw, "     %s /api/v2%s\t%s\t%s\t(%s)\n", c.Method, c.Path, c.Class, count, c.Per)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nEvery predicate is evaluated again by SQLite over the fetched rows; no request was sent.")
}

// paramOf describes the API parameter a column is pushed into.
func paramOf(t *catalog.Table, column string) string {
	for _, pd := range t.Pushdown {
		if pd.Column == column {
			if pd.Note != "" {
				return pd.Param + " (" + pd.Note + ")"
			}
			return pd.Param
		}
	}
	return "checked locally"
}

func stepOf(plans []*TablePlan, t *catalog.Table) int {
	for i, tp := range plans {
		if tp.Table == t {
			return i + 1
		}
	}
	return 0
}
