package replicate

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/jobsql"
)

// ---------------------------------------------------------------------------
// Expressions.

// tri is a truth value of SQL's three-valued logic.
type tri int8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// pred evaluates a condition on a row.
type pred func(backlogsync.Row) tri

// exprCompiler compiles jobsql conditions against one row layout.
type exprCompiler struct {
	// resolve returns a column's index in the rows and its definition.
	resolve func(*jobsql.ColumnRef) (int, backlogsync.Column, error)
	// now evaluates date functions; nil refuses functions.
	now func() time.Time
	// context names the clause in messages ("a REPLICATE WHERE").
	context string
}

// operand is a compiled scalar: a column or a constant.
type operand struct {
	col   int // -1 for a constant
	def   backlogsync.Column
	value any         // the constant, typed by kind
	lit   jobsql.Expr // the literal, for typing against a column
}

func (ec *exprCompiler) operand(e jobsql.Expr) (operand, error) {
	switch x := e.(type) {
	case *jobsql.ColumnRef:
		i, def, err := ec.resolve(x)
		if err != nil {
			return operand{}, err
		}
		return operand{col: i, def: def}, nil
	case *jobsql.NumberLit:
		if n, ok := x.Int64(); ok {
			return operand{col: -1, value: n, lit: x}, nil
		}
		return operand{col: -1, value: x.Float64(), lit: x}, nil
	case *jobsql.StringLit:
		return operand{col: -1, value: x.Value, lit: x}, nil
	case *jobsql.BoolLit:
		return operand{col: -1, value: x.Value, lit: x}, nil
	case *jobsql.NullLit:
		return operand{}, posErr(x.Pos, "a comparison with NULL is never true: write column IS NULL or column IS NOT NULL")
	case *jobsql.FuncCall:
		if ec.now == nil {
			hint := "use a literal value such as '2024-01-01'"
			switch x.Name {
			case "REPLICATE_LASTMODTIME", "REPLICATE_NEXTINTERVAL":
				hint = "backlogsync keeps the incremental cursor and the load windows itself: remove the condition"
			}
			return operand{}, posErr(x.Pos, "function %s() is not supported in %s (its value would move with the clock): %s, or WITH ReplicateStartDate='yyyy-MM-dd'", x.Name, ec.context, hint)
		}
		t, err := evalTime(x, ec.now())
		if err != nil {
			return operand{}, err
		}
		return operand{col: -1, value: t, lit: x}, nil
	}
	return operand{}, posErr(e.Position(), "%s is a condition, not a value: compare a column with a value", e)
}

// typed converts a constant operand to the Go type of column def, or
// returns an error naming the expected literal.
func typed(o operand, def backlogsync.Column) (any, error) {
	pos := o.lit.Position()
	bad := func(want string) (any, error) {
		return nil, posErr(pos, "column %s is %s: compare it with %s, not %s", def.Name, def.Type, want, o.lit)
	}
	switch def.Type {
	case backlogsync.TypeInt, backlogsync.TypeFloat:
		switch v := o.value.(type) {
		case int64:
			if def.Type == backlogsync.TypeFloat {
				return float64(v), nil
			}
			return v, nil
		case float64:
			return v, nil
		}
		return bad("a number")
	case backlogsync.TypeBool:
		switch v := o.value.(type) {
		case bool:
			return v, nil
		case int64:
			if v == 0 || v == 1 {
				return v == 1, nil
			}
		}
		return bad("TRUE or FALSE")
	case backlogsync.TypeText, backlogsync.TypeJSON:
		if s, ok := o.value.(string); ok {
			return s, nil
		}
		return bad(fmt.Sprintf("a string ('%v')", o.lit))
	case backlogsync.TypeDate, backlogsync.TypeTimestamp:
		switch v := o.value.(type) {
		case time.Time:
			return v, nil
		case string:
			if t, ok := o.lit.(*jobsql.StringLit).Time(); ok {
				return t, nil
			}
		}
		return bad("a date 'yyyy-MM-dd' or 'yyyy-MM-dd HH:mm:ss' (UTC)")
	}
	return bad("a value of its type")
}

// typeFamily groups types that compare with each other.
func typeFamily(t backlogsync.Type) int {
	switch t {
	case backlogsync.TypeInt, backlogsync.TypeFloat:
		return 1
	case backlogsync.TypeText, backlogsync.TypeJSON:
		return 2
	case backlogsync.TypeDate, backlogsync.TypeTimestamp:
		return 3
	}
	return 4
}

func flip(op jobsql.Op) jobsql.Op {
	switch op {
	case jobsql.OpLt:
		return jobsql.OpGt
	case jobsql.OpLe:
		return jobsql.OpGe
	case jobsql.OpGt:
		return jobsql.OpLt
	case jobsql.OpGe:
		return jobsql.OpLe
	}
	return op
}

// cmpConst compares column i with constant v.
func cmpConst(i int, _ backlogsync.Type, op jobsql.Op, v any) pred {
	return func(r backlogsync.Row) tri {
		if r[i] == nil {
			return triUnknown
		}
		c, ok := backlogsync.CompareValues(r[i], v)
		return cmpResult(op, c, ok)
	}
}

func cmpResult(op jobsql.Op, c int, ok bool) tri {
	if !ok {
		return triUnknown
	}
	switch op {
	case jobsql.OpEq:
		return triOf(c == 0)
	case jobsql.OpNe:
		return triOf(c != 0)
	case jobsql.OpLt:
		return triOf(c < 0)
	case jobsql.OpLe:
		return triOf(c <= 0)
	case jobsql.OpGt:
		return triOf(c > 0)
	case jobsql.OpGe:
		return triOf(c >= 0)
	}
	return triUnknown
}

// comparison compiles l op r.
func (ec *exprCompiler) comparison(pos jobsql.Pos, op jobsql.Op, le, re jobsql.Expr) (pred, error) {
	l, err := ec.operand(le)
	if err != nil {
		return nil, err
	}
	r, err := ec.operand(re)
	if err != nil {
		return nil, err
	}
	switch {
	case l.col >= 0 && r.col >= 0:
		if typeFamily(l.def.Type) != typeFamily(r.def.Type) {
			return nil, posErr(pos, "cannot compare %s (%s) with %s (%s)", l.def.Name, l.def.Type, r.def.Name, r.def.Type)
		}
		li, ri := l.col, r.col
		return func(row backlogsync.Row) tri {
			if row[li] == nil || row[ri] == nil {
				return triUnknown
			}
			c, ok := backlogsync.CompareValues(row[li], row[ri])
			return cmpResult(op, c, ok)
		}, nil
	case l.col < 0 && r.col < 0:
		c, ok := backlogsync.CompareValues(l.value, r.value)
		if !ok {
			return nil, posErr(pos, "cannot compare %s with %s", le, re)
		}
		t := cmpResult(op, c, true)
		return func(backlogsync.Row) tri { return t }, nil
	case l.col < 0:
		l, r, op = r, l, flip(op)
	}
	v, err := typed(r, l.def)
	if err != nil {
		return nil, err
	}
	return cmpConst(l.col, l.def.Type, op, v), nil
}

// cond compiles a condition.
func (ec *exprCompiler) cond(e jobsql.Expr) (pred, error) {
	switch x := e.(type) {
	case *jobsql.Binary:
		if x.Op.IsComparison() {
			return ec.comparison(x.Pos, x.Op, x.L, x.R)
		}
		l, err := ec.cond(x.L)
		if err != nil {
			return nil, err
		}
		r, err := ec.cond(x.R)
		if err != nil {
			return nil, err
		}
		if x.Op == jobsql.OpAnd {
			return func(row backlogsync.Row) tri {
				a := l(row)
				if a == triFalse {
					return triFalse
				}
				b := r(row)
				switch {
				case b == triFalse:
					return triFalse
				case a == triTrue && b == triTrue:
					return triTrue
				}
				return triUnknown
			}, nil
		}
		return func(row backlogsync.Row) tri {
			a := l(row)
			if a == triTrue {
				return triTrue
			}
			b := r(row)
			switch {
			case b == triTrue:
				return triTrue
			case a == triFalse && b == triFalse:
				return triFalse
			}
			return triUnknown
		}, nil
	case *jobsql.Not:
		p, err := ec.cond(x.X)
		if err != nil {
			return nil, err
		}
		return func(row backlogsync.Row) tri { return not3(p(row)) }, nil
	case *jobsql.In:
		l, err := ec.operand(x.X)
		if err != nil {
			return nil, err
		}
		if l.col < 0 {
			return nil, posErr(x.X.Position(), "IN needs a column on its left, found %s", x.X)
		}
		vals := make([]any, len(x.List))
		for k, it := range x.List {
			o, err := ec.operand(it)
			if err != nil {
				return nil, err
			}
			if o.col >= 0 {
				return nil, posErr(it.Position(), "IN lists values, found column %s: compare columns with =", o.def.Name)
			}
			if vals[k], err = typed(o, l.def); err != nil {
				return nil, err
			}
		}
		i, neg := l.col, x.Not
		return func(row backlogsync.Row) tri {
			if row[i] == nil {
				return triUnknown
			}
			for _, v := range vals {
				if c, ok := backlogsync.CompareValues(row[i], v); ok && c == 0 {
					return triOf(!neg)
				}
			}
			return triOf(neg)
		}, nil
	case *jobsql.Between:
		lo, err := ec.comparison(x.Pos, jobsql.OpGe, x.X, x.Lo)
		if err != nil {
			return nil, err
		}
		hi, err := ec.comparison(x.Pos, jobsql.OpLe, x.X, x.Hi)
		if err != nil {
			return nil, err
		}
		neg := x.Not
		return func(row backlogsync.Row) tri {
			a, b := lo(row), hi(row)
			var t tri
			switch {
			case a == triFalse || b == triFalse:
				t = triFalse
			case a == triTrue && b == triTrue:
				t = triTrue
			default:
				t = triUnknown
			}
			if neg {
				return not3(t)
			}
			return t
		}, nil
	case *jobsql.IsNull:
		o, err := ec.operand(x.X)
		if err != nil {
			return nil, err
		}
		if o.col < 0 {
			return nil, posErr(x.X.Position(), "IS NULL needs a column, found %s", x.X)
		}
		i, neg := o.col, x.Not
		return func(row backlogsync.Row) tri { return triOf((row[i] == nil) != neg) }, nil
	case *jobsql.Like:
		o, err := ec.operand(x.X)
		if err != nil {
			return nil, err
		}
		if o.col < 0 || typeFamily(o.def.Type) != 2 {
			return nil, posErr(x.X.Position(), "LIKE needs a TEXT column on its left, found %s", x.X)
		}
		pat, ok := x.Pattern.(*jobsql.StringLit)
		if !ok {
			return nil, posErr(x.Pattern.Position(), "LIKE takes a string pattern such as '%%bug%%', found %s", x.Pattern)
		}
		p := strings.ToLower(pat.Value)
		i, neg := o.col, x.Not
		return func(row backlogsync.Row) tri {
			s, ok := row[i].(string)
			if !ok {
				return triUnknown
			}
			return triOf(like(strings.ToLower(s), p) != neg)
		}, nil
	case *jobsql.ColumnRef:
		o, err := ec.operand(x)
		if err != nil {
			return nil, err
		}
		if o.def.Type != backlogsync.TypeBool {
			return nil, posErr(x.Pos, "column %s is %s, not a condition: compare it with a value (%s = …)", o.def.Name, o.def.Type, o.def.Name)
		}
		i := o.col
		return func(row backlogsync.Row) tri {
			b, ok := row[i].(bool)
			if !ok {
				return triUnknown
			}
			return triOf(b)
		}, nil
	case *jobsql.BoolLit:
		t := triOf(x.Value)
		return func(backlogsync.Row) tri { return t }, nil
	}
	return nil, posErr(e.Position(), "%s is not a condition: compare a column with a value (col = 1, col IN (…), col LIKE '…', col IS NULL)", e)
}

func not3(t tri) tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// like reports whether s matches pattern p (% any run, _ one character),
// both already folded.
func like(s, p string) bool {
	// Iterative matcher with one backtrack point (the last %).
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			pr, pw := utf8.DecodeRuneInString(p[pi:])
			switch {
			case pr == '%':
				starP, starS = pi, si
				pi += pw
				continue
			case pr == '_':
				_, sw := utf8.DecodeRuneInString(s[si:])
				si += sw
				pi += pw
				continue
			default:
				sr, sw := utf8.DecodeRuneInString(s[si:])
				if sr == pr {
					si += sw
					pi += pw
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sw := utf8.DecodeRuneInString(s[starS:])
		starS += sw
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
