package jobsql

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Expr is a scalar or boolean expression in a WHERE clause, a select list
// or a CHECKCACHE window: *ColumnRef, *NumberLit, *StringLit, *BoolLit,
// *NullLit, *FuncCall, *Not, *Binary, *In, *Between, *IsNull or *Like.
// Parentheses are not kept: the tree's shape carries the grouping and
// String adds the parentheses it needs.
type Expr interface {
	// Position returns where the expression starts (for binary operators,
	// where the operator is).
	Position() Pos
	// String returns the expression as canonical SQL.
	String() string
	expr()
}

// ColumnRef is a column name, optionally qualified by its table
// (Issues.ProjectId).
type ColumnRef struct {
	Pos   Pos
	Table string // "" when unqualified
	Name  string
}

// NumberLit is a numeric literal. Text is as written, with a leading '-'
// for negative numbers.
type NumberLit struct {
	Pos  Pos
	Text string
}

// StringLit is a 'string' literal. Value is the text between the quotes
// with each doubled quote reduced to one.
type StringLit struct {
	Pos   Pos
	Value string
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	Pos   Pos
	Value bool
}

// NullLit is NULL.
type NullLit struct {
	Pos Pos
}

// FuncCall is a function call such as REPLICATE_LASTMODTIME() or
// DATEADD(DAY, -3, CURRENT_DATE()). Name is upper-cased.
type FuncCall struct {
	Pos  Pos
	Name string
	Args []Expr
}

// Not is `NOT X`.
type Not struct {
	Pos Pos
	X   Expr
}

// Binary is `L Op R` for the logical operators AND and OR and the
// comparisons.
type Binary struct {
	Pos  Pos // the operator's position
	Op   Op
	L, R Expr
}

// In is `X [NOT] IN (List…)`.
type In struct {
	Pos  Pos // the IN keyword's position
	X    Expr
	Not  bool
	List []Expr // at least one
}

// Between is `X [NOT] BETWEEN Lo AND Hi` (both bounds inclusive).
type Between struct {
	Pos    Pos // the BETWEEN keyword's position
	X      Expr
	Not    bool
	Lo, Hi Expr
}

// IsNull is `X IS [NOT] NULL`.
type IsNull struct {
	Pos Pos // the IS keyword's position
	X   Expr
	Not bool
}

// Like is `X [NOT] LIKE Pattern`, where % matches any run of characters
// and _ any one character.
type Like struct {
	Pos     Pos // the LIKE keyword's position
	X       Expr
	Not     bool
	Pattern Expr
}

// Op is a binary operator.
type Op int

// Binary operators. OpNe is written <> or !=.
const (
	OpOr Op = iota + 1
	OpAnd
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
)

var opText = [...]string{OpOr: "OR", OpAnd: "AND", OpEq: "=", OpNe: "<>", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">="}

// String returns the operator's canonical spelling.
func (o Op) String() string {
	if o > 0 && int(o) < len(opText) {
		return opText[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// IsComparison reports whether o is =, <>, <, <=, > or >=.
func (o Op) IsComparison() bool { return o >= OpEq && o <= OpGe }

// Operator precedences, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp // comparisons, IN, BETWEEN, IS NULL, LIKE
	precOperand
)

func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case OpOr:
			return precOr
		case OpAnd:
			return precAnd
		}
		return precCmp
	case *Not:
		return precNot
	case *In, *Between, *IsNull, *Like:
		return precCmp
	}
	return precOperand
}

// sub prints e, in parentheses when it binds looser than min.
func sub(e Expr, min int) string {
	if prec(e) < min {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func not(b bool) string {
	if b {
		return "NOT "
	}
	return ""
}

// String implements Expr.
func (e *ColumnRef) String() string {
	if e.Table != "" {
		return quoteIdent(e.Table) + "." + quoteIdent(e.Name)
	}
	return quoteIdent(e.Name)
}

// String implements Expr.
func (e *NumberLit) String() string { return e.Text }

// String implements Expr.
func (e *StringLit) String() string { return quoteString(e.Value) }

// String implements Expr.
func (e *BoolLit) String() string {
	if e.Value {
		return "TRUE"
	}
	return "FALSE"
}

// String implements Expr.
func (e *NullLit) String() string { return "NULL" }

// String implements Expr.
func (e *FuncCall) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	b.WriteByte('(')
	for i, a := range e.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}

// String implements Expr.
func (e *Not) String() string { return "NOT " + sub(e.X, precNot) }

// String implements Expr.
func (e *Binary) String() string {
	p := prec(e)
	// AND and OR associate to the left; comparisons do not associate.
	left := p
	if p == precCmp {
		left = p + 1
	}
	return sub(e.L, left) + " " + e.Op.String() + " " + sub(e.R, p+1)
}

// String implements Expr.
func (e *In) String() string {
	var b strings.Builder
	b.WriteString(sub(e.X, precOperand))
	b.WriteString(" " + not(e.Not) + "IN (")
	for i, x := range e.List {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.String())
	}
	b.WriteByte(')')
	return b.String()
}

// String implements Expr.
func (e *Between) String() string {
	return sub(e.X, precOperand) + " " + not(e.Not) + "BETWEEN " + sub(e.Lo, precOperand) + " AND " + sub(e.Hi, precOperand)
}

// String implements Expr.
func (e *IsNull) String() string { return sub(e.X, precOperand) + " IS " + not(e.Not) + "NULL" }

// String implements Expr.
func (e *Like) String() string {
	return sub(e.X, precOperand) + " " + not(e.Not) + "LIKE " + sub(e.Pattern, precOperand)
}

// Position implements Expr.
func (e *ColumnRef) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *NumberLit) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *StringLit) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *BoolLit) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *NullLit) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *FuncCall) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Not) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Binary) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *In) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Between) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *IsNull) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Like) Position() Pos { return e.Pos }

func (*ColumnRef) expr() {}
func (*NumberLit) expr() {}
func (*StringLit) expr() {}
func (*BoolLit) expr()   {}
func (*NullLit) expr()   {}
func (*FuncCall) expr()  {}
func (*Not) expr()       {}
func (*Binary) expr()    {}
func (*In) expr()        {}
func (*Between) expr()   {}
func (*IsNull) expr()    {}
func (*Like) expr()      {}

// Int64 returns the literal as an int64 when it is an integer in range.
func (e *NumberLit) Int64() (int64, bool) {
	n, err := strconv.ParseInt(e.Text, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// Float64 returns the literal's value.
func (e *NumberLit) Float64() float64 {
	f, _ := strconv.ParseFloat(e.Text, 64) // the parser accepted only finite numbers
	return f
}

// dateLayouts are the date and date-time forms accepted in string literals
// and ReplicateStartDate, most specific first.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	time.DateOnly,
}

// parseDate parses s in one of dateLayouts; times without a zone are UTC.
func parseDate(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Time returns the literal as a time when it holds a date (yyyy-MM-dd) or
// date-time (yyyy-MM-dd HH:mm[:ss], ISO 8601 with T, with or without a
// zone; times without a zone are UTC).
func (e *StringLit) Time() (time.Time, bool) { return parseDate(e.Value) }

// Walk calls fn for e and, while fn returns true, for each of its
// subexpressions, depth-first in source order.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *FuncCall:
		for _, a := range e.Args {
			Walk(a, fn)
		}
	case *Not:
		Walk(e.X, fn)
	case *Binary:
		Walk(e.L, fn)
		Walk(e.R, fn)
	case *In:
		Walk(e.X, fn)
		for _, x := range e.List {
			Walk(x, fn)
		}
	case *Between:
		Walk(e.X, fn)
		Walk(e.Lo, fn)
		Walk(e.Hi, fn)
	case *IsNull:
		Walk(e.X, fn)
	case *Like:
		Walk(e.X, fn)
		Walk(e.Pattern, fn)
	}
}

// Conjuncts splits e at its top-level ANDs: the conditions that must all
// hold. Each can be pushed down to an API parameter on its own; the rest
// are evaluated on the rows. It returns nil for a nil e.
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(*Binary); ok && b.Op == OpAnd {
		return append(Conjuncts(b.L), Conjuncts(b.R)...)
	}
	return []Expr{e}
}

// Columns returns the column references in e, in source order.
func Columns(e Expr) []*ColumnRef {
	var out []*ColumnRef
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*ColumnRef); ok {
			out = append(out, c)
		}
		return true
	})
	return out
}

// finite reports whether a number's text is a finite float64.
func finite(text string) bool {
	f, err := strconv.ParseFloat(text, 64)
	return err == nil && !math.IsInf(f, 0)
}
